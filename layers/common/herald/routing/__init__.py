"""Monitoring events in: normalise, pair firing/resolved, select channels by rules, queue deliveries."""
