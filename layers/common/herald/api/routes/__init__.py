"""Route groups of the /v1 API."""
