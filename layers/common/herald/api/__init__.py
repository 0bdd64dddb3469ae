"""The HTTP API: one Powertools resolver, routes grouped by resource, errors mapped in one place."""
