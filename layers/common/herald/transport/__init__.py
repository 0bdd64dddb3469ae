"""The only way Herald reaches the network: the egress guard, the HTTP client on urllib3, the wire types
and the classification of answers. It imports neither adapters nor delivery; both import it."""
