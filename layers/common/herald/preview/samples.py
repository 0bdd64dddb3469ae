"""One realistic notification per event type: what a preview renders when it is given none."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from herald.models.notification import EVENT_TYPES, Notification

DEFAULT_EVENT = "monitor.down"

# A fixed moment, so that two previews of the same sample are the same request.
OCCURRED_AT = datetime(2026, 4, 17, 10, 0, tzinfo=UTC)

_MONITOR = {"id": "mon_42", "name": "Checkout API", "url": "https://api.example.com/health", "type": "HTTPS"}
_STATUS_PAGE = "https://status.example.com"

_SAMPLES: dict[str, dict[str, Any]] = {
    "monitor.down": {
        "title": "Checkout API is down",
        "body": "Connection timeout after 10000 ms",
        "severity": "critical",
        "monitor": _MONITOR,
        "sourceUrl": f"{_STATUS_PAGE}/m/42",
        "fields": [{"label": "Region", "value": "eu-west"}, {"label": "Status code", "value": "timeout"}],
        "dedupKey": "mon_42",
    },
    "monitor.recovery": {
        "title": "Checkout API is up",
        "body": "Answering 200 again",
        "severity": "critical",
        "status": "resolved",
        "monitor": _MONITOR,
        "sourceUrl": f"{_STATUS_PAGE}/m/42",
        "dedupKey": "mon_42",
        "downtimeSeconds": 3720,
    },
    "monitor.degraded": {
        "title": "Checkout API is slow",
        "body": "p95 response time 2.4 s (threshold 1 s)",
        "severity": "warning",
        "monitor": _MONITOR,
        "fields": [{"label": "Response time", "value": "2400 ms"}],
        "dedupKey": "mon_42",
    },
    "ssl.expiring": {
        "title": "Certificate of api.example.com expires in 7 days",
        "body": "Renew it before 2026-04-24.",
        "severity": "warning",
        "monitor": _MONITOR,
        "fields": [{"label": "Days left", "value": "7"}, {"label": "Issuer", "value": "Let's Encrypt"}],
    },
    "heartbeat.missed": {
        "title": "Nightly backup missed its heartbeat",
        "body": "No ping for 26 hours (expected every 24 h)",
        "severity": "critical",
        "monitor": {"id": "mon_7", "name": "Nightly backup", "type": "HEARTBEAT"},
        "dedupKey": "mon_7",
    },
    "agent.stale": {
        "title": "Agent eu-west-1 stopped reporting",
        "body": "Last report 15 minutes ago",
        "severity": "warning",
        "fields": [{"label": "Agent", "value": "eu-west-1"}],
    },
    "incident.created": {
        "title": "Incident: elevated checkout errors",
        "body": "We are investigating failed payments for some customers.",
        "severity": "critical",
        "sourceUrl": f"{_STATUS_PAGE}/incidents/128",
        "fields": [{"label": "Impact", "value": "major outage"}],
        "dedupKey": "inc_128",
    },
    "incident.finished": {
        "title": "Resolved: elevated checkout errors",
        "body": "Payments succeed again; the faulty release was rolled back.",
        "severity": "critical",
        "status": "resolved",
        "sourceUrl": f"{_STATUS_PAGE}/incidents/128",
        "dedupKey": "inc_128",
        "downtimeSeconds": 2700,
    },
    "maintenance.created": {
        "title": "Scheduled maintenance: database upgrade",
        "body": "Sunday 02:00-03:00 UTC; checkout may be read-only.",
        "sourceUrl": f"{_STATUS_PAGE}/maintenance/9",
        "fields": [{"label": "Window", "value": "2026-04-19 02:00-03:00 UTC"}],
    },
    "maintenance.started": {
        "title": "Maintenance started: database upgrade",
        "body": "Checkout is read-only until 03:00 UTC.",
        "sourceUrl": f"{_STATUS_PAGE}/maintenance/9",
    },
    "maintenance.finished": {
        "title": "Maintenance finished: database upgrade",
        "body": "Everything is back to normal.",
        "status": "resolved",
        "sourceUrl": f"{_STATUS_PAGE}/maintenance/9",
    },
    "component.impact_updated": {
        "title": "Payments: partial outage",
        "body": "Card payments fail for about 20% of customers.",
        "severity": "warning",
        "fields": [{"label": "Component", "value": "Payments"}, {"label": "Impact", "value": "partial outage"}],
    },
    "test": {
        "title": "Test notification from Herald",
        "body": "If you can read this, your channel works.",
    },
    "custom": {
        "title": "Deploy 2026.04.17-1 finished",
        "body": "Rolled out to 12 of 12 hosts.",
        "fields": [{"label": "Version", "value": "2026.04.17-1"}],
    },
}

SAMPLES: MappingProxyType[str, dict[str, Any]] = MappingProxyType(
    {event: {"event": event, **_SAMPLES[event]} for event in EVENT_TYPES}
)


def sample(event: str = DEFAULT_EVENT) -> Notification:
    """The sample of an event type (already normalised: `monitor.down`, not `monitor_down`)."""
    return Notification.model_validate({**SAMPLES[event], "occurredAt": OCCURRED_AT})
