import pytest

from herald.models.event import MonitoringEvent
from herald.routing.render import dedup_key, to_notification
from tests.support import seeds

MONITOR = {"id": "mon_abc123", "name": "My API", "url": "https://api.example.com", "type": "HTTPS"}

STATUSMATE_INCIDENT = seeds.STATUSMATE_WEBHOOK_INCIDENT
STATUSMATE_MAINTENANCE = {
    "text": "Maintenance name",
    "meta": {
        "title": "Maintenance name",
        "uuid": "cd5879b7-104e-4c20-ae84-39e4e26a6eb7",
        "text": "Message",
        "end_at": "2023-05-19T18:43:00+03:00",
        "start_at": "2023-05-19T17:43:00+03:00",
        "type": "maintenance_started",
        "affected_components": [
            {
                "impact": "under_maintenance",
                "component_details": {"name": "Component name", "impact": "under_maintenance"},
            }
        ],
    },
}
STATUSMATE_COMPONENT = seeds.STATUSMATE_WEBHOOK_COMPONENT

CASES = [
    (
        {
            "type": "monitor.down",
            "monitor": MONITOR,
            "details": {"statusCode": 503, "error": "Service Unavailable", "region": "eu-west"},
        },
        "My API is down — 503 Service Unavailable from eu-west",
        "critical",
        "firing",
        "mon_abc123",
    ),
    ({"type": "monitor_recovery", "monitor": MONITOR}, "My API is up again", "info", "resolved", "mon_abc123"),
    (
        {"type": "monitor.degraded", "monitor": MONITOR, "details": {"responseTime": 5000}},
        "My API is degraded — responding in 5000 ms",
        "warning",
        "firing",
        "mon_abc123",
    ),
    (
        {"type": "ssl.expiring", "monitor": MONITOR, "details": {"hostname": "api.example.com", "daysRemaining": 7}},
        "SSL certificate for api.example.com expires in 7 days",
        "warning",
        "firing",
        "mon_abc123",
    ),
    (
        {"type": "heartbeat.missed", "monitor": {"id": "hb1", "name": "Nightly backup"}},
        "Heartbeat missed: Nightly backup",
        "critical",
        "firing",
        "hb1",
    ),
    (
        {"type": "agent.stale", "monitor": {"id": "ag1", "name": "db-1"}},
        "Agent stopped reporting: db-1",
        "warning",
        "firing",
        "ag1",
    ),
    (STATUSMATE_INCIDENT, "Incident: Incident title", "warning", "firing", "bd25a449-b655-49e3-ac46-a9d6ffd50691"),
    (
        {**STATUSMATE_INCIDENT, "meta": {**STATUSMATE_INCIDENT["meta"], "type": "incident_finished"}},
        "Incident resolved: Incident title",
        "info",
        "resolved",
        "bd25a449-b655-49e3-ac46-a9d6ffd50691",
    ),
    (
        STATUSMATE_MAINTENANCE,
        "Maintenance started: Maintenance name",
        "info",
        "firing",
        "cd5879b7-104e-4c20-ae84-39e4e26a6eb7",
    ),
    (
        {**STATUSMATE_MAINTENANCE, "meta": {**STATUSMATE_MAINTENANCE["meta"], "type": "maintenance_created"}},
        "Maintenance scheduled: Maintenance name",
        "info",
        "firing",
        "cd5879b7-104e-4c20-ae84-39e4e26a6eb7",
    ),
    (
        {**STATUSMATE_MAINTENANCE, "meta": {**STATUSMATE_MAINTENANCE["meta"], "type": "maintenance_finished"}},
        "Maintenance finished: Maintenance name",
        "info",
        "resolved",
        "cd5879b7-104e-4c20-ae84-39e4e26a6eb7",
    ),
    (
        STATUSMATE_COMPONENT,
        "Component Name is now under maintenance",
        "info",
        "firing",
        "5f844cb4-32f8-43eb-aa3d-99c925d8fffe",
    ),
]


@pytest.mark.parametrize(("raw", "title", "severity", "status", "key"), CASES)
def test_every_event_type_gets_a_clear_title_severity_status_and_dedup_key(raw, title, severity, status, key):
    event = MonitoringEvent.model_validate(raw)
    notification = to_notification(event, None)
    assert notification.title == title
    assert notification.severity == severity
    assert notification.status == status
    assert dedup_key(event) == key


def test_maintenance_body_names_the_window_and_components():
    created = {**STATUSMATE_MAINTENANCE, "meta": {**STATUSMATE_MAINTENANCE["meta"], "type": "maintenance_created"}}
    assert to_notification(MonitoringEvent.model_validate(created), None).body == (
        "From 2023-05-19 14:43 UTC to 2023-05-19 15:43 UTC."
    )
    started = to_notification(MonitoringEvent.model_validate(STATUSMATE_MAINTENANCE), None)
    assert started.body == "Affected: Component name (under maintenance)"


def test_recovery_downtime_prefers_the_event_then_what_herald_measured():
    measured = to_notification(MonitoringEvent.model_validate({"type": "monitor.recovery", "monitor": MONITOR}), 754)
    assert measured.downtime_seconds == 754
    told = MonitoringEvent.model_validate({"type": "monitor.recovery", "monitor": MONITOR, "downtimeSeconds": 60})
    assert to_notification(told, 754).downtime_seconds == 60


def test_unknown_event_type_is_refused():
    with pytest.raises(ValueError, match=r"Unknown event type .monitor\.exploded."):
        MonitoringEvent.model_validate({"type": "monitor.exploded"})
