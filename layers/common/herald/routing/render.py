"""Monitoring event → Notification: a clear title and body for every event type."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from herald.adapters.render import format_duration
from herald.models.event import MonitoringEvent
from herald.models.notification import RECOVERY_EVENTS, Notification, NotificationField
from herald.timeutil import parse_iso

IMPACT_WORDS = {
    "operational": "operational",
    "degraded_performance": "degraded performance",
    "partial_outage": "partial outage",
    "major_outage": "major outage",
    "under_maintenance": "under maintenance",
}
DEFAULT_SEVERITY = {
    "monitor.down": "critical",
    "monitor.degraded": "warning",
    "ssl.expiring": "warning",
    "heartbeat.missed": "critical",
    "agent.stale": "warning",
    "incident.created": "critical",
    "component.impact_updated": "warning",
}


def _impact(value: Any) -> str:
    return IMPACT_WORDS.get(str(value), str(value).replace("_", " "))


def _name(event: MonitoringEvent) -> str:
    monitor = event.monitor
    return (monitor.name or monitor.url or monitor.id or "Monitor") if monitor else "Monitor"


def _subject(event: MonitoringEvent) -> dict[str, Any]:
    return event.incident or event.maintenance or event.component or {}


def _when(value: Any) -> str | None:
    if not value:
        return None
    try:
        moment: datetime = parse_iso(str(value))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _components(subject: dict[str, Any]) -> str:
    parts = []
    for item in subject.get("affectedComponents", []) or []:
        details = item.get("component_details") or item.get("componentDetails") or item
        name = details.get("name") or "component"
        parts.append(f"{name} ({_impact(item.get('impact') or details.get('impact'))})")
    return ", ".join(parts)


def _reason(details: dict[str, Any]) -> str:
    pieces = []
    status = details.get("statusCode")
    error = details.get("error")
    if status and error:
        pieces.append(f"{status} {error}")
    elif status or error:
        pieces.append(str(status or error))
    if details.get("region"):
        pieces.append(f"from {details['region']}")
    return " ".join(pieces)


def _title_and_body(event: MonitoringEvent) -> tuple[str, str]:
    details = event.details
    name = _name(event)
    subject = _subject(event)
    subject_title = str(subject.get("title") or subject.get("name") or "")
    match event.type:
        case "monitor.down":
            reason = _reason(details)
            return (f"{name} is down — {reason}" if reason else f"{name} is down"), str(details.get("message") or "")
        case "monitor.recovery":
            return f"{name} is up again", ""
        case "monitor.degraded":
            took = details.get("responseTime")
            return (f"{name} is degraded — responding in {took} ms" if took else f"{name} is degraded"), ""
        case "ssl.expiring":
            host = details.get("hostname") or (event.monitor.url if event.monitor else None) or name
            days = details.get("daysRemaining", details.get("daysLeft"))
            when = f"in {days} day{'s' if days != 1 else ''}" if days is not None else "soon"
            expires = _when(details.get("expiresAt"))
            return f"SSL certificate for {host} expires {when}", (f"It expires on {expires}." if expires else "")
        case "heartbeat.missed":
            return f"Heartbeat missed: {name}", str(details.get("message") or "No ping arrived in time.")
        case "agent.stale":
            return f"Agent stopped reporting: {name}", str(details.get("message") or "")
        case "incident.created":
            affected = _components(subject)
            return f"Incident: {subject_title or 'new incident'}", (f"Affected: {affected}" if affected else "")
        case "incident.finished":
            return f"Incident resolved: {subject_title or 'incident'}", ""
        case "maintenance.created":
            start, end = _when(subject.get("startAt")), _when(subject.get("endAt"))
            window = f"From {start} to {end}." if start and end else ""
            return f"Maintenance scheduled: {subject_title or 'maintenance'}", window
        case "maintenance.started":
            affected = _components(subject)
            return f"Maintenance started: {subject_title or 'maintenance'}", (
                f"Affected: {affected}" if affected else ""
            )
        case "maintenance.finished":
            return f"Maintenance finished: {subject_title or 'maintenance'}", ""
        case "component.impact_updated":
            return f"{subject_title or 'A component'} is now {_impact(subject.get('impact', 'updated'))}", ""
        case "test":
            return "Test event from Herald", "If you can read this, routing works."
        case _:
            return subject_title or name, ""


def dedup_key(event: MonitoringEvent) -> str | None:
    """The key that pairs firing and resolved: explicit, else the monitor, incident or maintenance id."""
    if event.dedup_key:
        return event.dedup_key
    if event.monitor and event.monitor.id:
        return event.monitor.id
    subject = _subject(event)
    return str(subject["id"]) if subject.get("id") else None


def severity(event: MonitoringEvent) -> str:
    if event.severity:
        return event.severity
    if event.type in ("incident.created", "component.impact_updated"):
        impacts = {str(c.get("impact")) for c in (_subject(event).get("affectedComponents") or [])}
        impacts.add(str(_subject(event).get("impact")))
        if "major_outage" in impacts:
            return "critical"
        if impacts & {"partial_outage", "degraded_performance"}:
            return "warning"
        if event.type == "component.impact_updated":
            return "info"
    return DEFAULT_SEVERITY.get(event.type, "info")


def to_notification(event: MonitoringEvent, downtime_seconds: int | None) -> Notification:
    title, body = _title_and_body(event)
    downtime = event.downtime_seconds if event.downtime_seconds is not None else downtime_seconds
    if event.type == "monitor.recovery" and downtime is not None:
        title = f"{title} after {format_duration(downtime)} down"
    fields = [NotificationField(label=label, value=str(value)) for label, value in _facts(event)]
    return Notification(
        event=event.type,
        title=(event.title or title)[:1024],
        body=(event.body if event.body is not None else body)[:16384],
        severity=severity(event),
        status="resolved" if event.type in RECOVERY_EVENTS else "firing",
        fields=fields[:25],
        source_url=event.source_url or (event.monitor.url if event.monitor else None),
        monitor=event.monitor,
        dedup_key=dedup_key(event),
        occurred_at=event.occurred_at,
        downtime_seconds=downtime,
        details=event.details,
        incident=event.incident,
        maintenance=event.maintenance,
        component=event.component,
    )


def _facts(event: MonitoringEvent) -> list[tuple[str, Any]]:
    details = event.details
    rows: list[tuple[str, Any]] = []
    for key, label in (
        ("statusCode", "Status code"),
        ("responseTime", "Response time (ms)"),
        ("region", "Region"),
        ("error", "Error"),
    ):
        if details.get(key) not in (None, ""):
            rows.append((label, details[key]))
    if event.monitor and event.monitor.type:
        rows.append(("Monitor type", event.monitor.type))
    return rows
