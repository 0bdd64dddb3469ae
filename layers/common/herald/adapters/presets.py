"""Webhook payload presets: the bodies of the products Herald replaces, so their receivers parse Herald unchanged.

Each preset is a pure function `(notification, ctx, config) -> dict` built field by field from the product's
own documentation (quoted in its docstring). The `herald` body itself stays in webhook.py (API.md §6).

Where a product has no event of Herald's, the choice made is written next to the mapping. Ids the product
expects to be stable (a StatusMate uuid, an Alertmanager fingerprint and group key) are derived from the
notification's `dedupKey`, so the firing and the resolved message of one problem carry the same one.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from herald.adapters.base import RenderContext
from herald.adapters.render import format_duration
from herald.models.config import ChannelConfig
from herald.models.notification import Notification
from herald.timeutil import parse_iso

Preset = Callable[[Notification, RenderContext, ChannelConfig], dict[str, Any]]

# A namespace of Herald's own for the uuids it derives (uuid5 of a dedupKey), so they never collide with others'.
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://herald.dev/presets")


def _seconds(moment: datetime) -> str:
    """`2025-05-15T08:30:00Z`: the UTC second, as the Kamustatus and PixoMonitor examples write times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _subject(n: Notification) -> dict[str, Any]:
    """The incident, maintenance or component the notification is about; empty for monitor events."""
    return n.incident or n.maintenance or n.component or {}


def _subject_title(n: Notification) -> str:
    subject = _subject(n)
    return str(subject.get("title") or subject.get("name") or n.title)


# --- Kamustatus ---------------------------------------------------------------------------------------------


def kamustatus(n: Notification, ctx: RenderContext, config: ChannelConfig) -> dict[str, Any]:
    """Kamustatus' webhook payload (seed 000, "7. Webhook"), field by field:

        Webhook payload:
        { "event": "monitor_down",
          "monitor": { "id": "mon_abc123", "name": "My API", "url": "https://api.example.com" },
          "timestamp": "2025-05-15T08:30:00Z",
          "details": { "statusCode": 503, "responseTime": 5000, "region": "eu-west" } }

    `event` is Herald's type with `_` for `.` (`monitor.down` → `monitor_down`, `monitor.recovery` →
    `monitor_recovery`, `incident.created` → `incident_created`): the seed documents only `monitor_down`, and
    this is the spelling Herald itself accepts inbound. An event without a monitor (incident, maintenance,
    component, test) names its subject in `monitor` (id, title); every `monitor` member is a string, `""` when
    unknown. `details` are the event's details as they came.
    """
    monitor = n.monitor
    subject = _subject(n)
    return {
        "event": n.event.replace(".", "_"),
        "monitor": {
            "id": (monitor and monitor.id) or str(subject.get("id") or n.dedup_key or ""),
            "name": (monitor and monitor.name) or _subject_title(n),
            "url": (monitor and monitor.url) or n.source_url or "",
        },
        "timestamp": _seconds(n.occurred_at),
        "details": n.details,
    }


# --- PixoMonitor --------------------------------------------------------------------------------------------


def pixomonitor(n: Notification, ctx: RenderContext, config: ChannelConfig) -> dict[str, Any]:
    """PixoMonitor's webhook payload (seed 001, "WEBHOOK … Webhook Payload"), field by field:

        { "monitor": { "id": "monitor-uuid", "name": "Production API",
                       "url": "https://api.example.com/health", "type": "HTTPS" },
          "status": "DOWN",
          "error": "Connection timeout after 10000ms",
          "checkedAt": "2024-01-15T10:30:00Z" }

    PixoMonitor knew two states ("Alert Message Format": Down Alert `DOWN`, Recovery Alert `UP`), so a firing
    notification of any event is `DOWN` and a resolved one `UP`. `error` is the check's error (details.error),
    else the notification's body, else its title; a recovery has none (`null`), as a check that passed has no
    error. `monitor.type` is upper-cased like PixoMonitor's types (`HTTPS`, `TCP`), `""` when unknown; an
    event without a monitor names its subject there, as for Kamustatus.
    """
    monitor = n.monitor
    subject = _subject(n)
    error = None if n.resolved else str(n.details.get("error") or n.details.get("message") or n.body or n.title)
    return {
        "monitor": {
            "id": (monitor and monitor.id) or str(subject.get("id") or n.dedup_key or ""),
            "name": (monitor and monitor.name) or _subject_title(n),
            "url": (monitor and monitor.url) or n.source_url or "",
            "type": ((monitor and monitor.type) or "").upper(),
        },
        "status": "UP" if n.resolved else "DOWN",
        "error": error,
        "checkedAt": _seconds(n.occurred_at),
    }


# --- StatusMate ---------------------------------------------------------------------------------------------

# StatusMate's six types are Herald's own (`incident.created` ↔ `incident_created`). A monitor, certificate,
# heartbeat, agent, test or custom notification has no StatusMate type: it is told as an incident, created
# while firing and finished when resolved (its uuid derived from the dedupKey pairs the two).
STATUSMATE_TYPES = frozenset(
    {
        "maintenance_created",
        "maintenance_started",
        "maintenance_finished",
        "incident_created",
        "incident_finished",
        "component_impact_updated",
    }
)
# The impact a monitor's own component is given when a monitor notification is told as a StatusMate incident.
_MONITOR_IMPACT = {"monitor.down": "major_outage", "monitor.degraded": "degraded_performance"}


def _statusmate_type(n: Notification) -> str:
    kind = n.event.replace(".", "_")
    if kind in STATUSMATE_TYPES:
        return kind
    return "incident_finished" if n.resolved else "incident_created"


def _stable_uuid(value: str) -> str:
    return str(uuid.uuid5(_UUID_NAMESPACE, value))


def _offset(value: Any) -> str | None:
    """A time as StatusMate writes it (`2023-05-19T18:43:00+03:00`); what does not parse is passed on as it came."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).isoformat(timespec="seconds")
    except ValueError:
        return str(value)


def _affected_components(n: Notification) -> list[dict[str, Any]]:
    """`affected_components` as StatusMate sends them, from the subject's list (either spelling), else the monitor."""
    items = _subject(n).get("affectedComponents") or _subject(n).get("affected_components") or []
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        details = item.get("component_details") or item.get("componentDetails") or item
        impact = item.get("impact") or details.get("impact")
        component_id = details.get("component_uuid") or details.get("componentUuid") or details.get("id")
        out.append(
            {
                "impact": impact,
                "component_details": {
                    "name": details.get("name"),
                    "impact": impact,
                    "component_uuid": component_id,
                },
            }
        )
    if out or n.monitor is None:
        return out
    impact = "operational" if n.resolved else _MONITOR_IMPACT.get(n.event, "partial_outage")
    monitor_id = n.monitor.id or n.monitor.url or n.monitor.name or ""
    return [
        {
            "impact": impact,
            "component_details": {
                "name": n.monitor.name or n.monitor.url or monitor_id,
                "impact": impact,
                "component_uuid": _stable_uuid(f"monitor:{monitor_id}"),
            },
        }
    ]


def _began(n: Notification) -> str | None:
    if not n.resolved:
        return _offset(n.occurred_at)
    if n.downtime_seconds is not None:
        return _offset(n.occurred_at - timedelta(seconds=n.downtime_seconds))
    return None


def statusmate(n: Notification, ctx: RenderContext, config: ChannelConfig) -> dict[str, Any]:
    """StatusMate's webhook envelope (seed 004, "Webhooks … Example format" and the payload per type):

        { "text": "🔥 The programmer forgot the semicolon.",
          "meta": { "title": "Incident caption", "uuid": "cd5879b7-…", "created_at": "2023-05-19T18:43:00+03:00",
                    "type": "incident_created", "delivery_attempt": 0, "status_page": "0935e96c-…", "payload": {} } }
        maintenance_*: meta also has "text" (the message), "start_at", "end_at", "affected_components":
            [{ "impact": "under_maintenance", "component_details": { "name", "impact", "component_uuid" } }]
        incident_*: meta also has "start_at", "end_at" (null while open), "affected_components"
        component_impact_updated: meta also has "impact"

    `text` and `meta.title` are the subject's title (the incident, maintenance or component name); for any
    other event `text` is the notification's title and `meta.title` the monitor's name (else that title).
    `meta.uuid` is the subject's id, else a uuid5 of the dedupKey. `delivery_attempt` counts from 0 as in the
    example (Herald's first attempt is 0). `status_page` is the subject's, else null; `payload` carries the
    event's details (the seed shows it empty).
    """
    subject = _subject(n)
    kind = _statusmate_type(n)
    # A monitor told as an incident keeps its name as the title, so its created and finished bodies agree.
    title = str(subject.get("title") or subject.get("name") or (n.monitor and n.monitor.name) or n.title)
    meta: dict[str, Any] = {
        "title": title,
        "uuid": str(subject["id"]) if subject.get("id") else _stable_uuid(n.dedup_key or title),
        "created_at": _offset(n.occurred_at),
        "type": kind,
        "delivery_attempt": max(ctx.attempt - 1, 0),
        "status_page": subject.get("statusPage") or subject.get("status_page"),
        "payload": n.details,
    }
    text = title if subject else n.title
    if kind == "component_impact_updated":
        meta["impact"] = subject.get("impact")
        return {"text": text, "meta": meta}
    if kind.startswith("maintenance_"):
        meta["text"] = subject.get("text") or n.body or None
    # Without the subject's own times, a firing notification starts now and a resolved one ends now.
    meta["start_at"] = _offset(subject.get("startAt") or subject.get("start_at")) or _began(n)
    meta["end_at"] = _offset(subject.get("endAt") or subject.get("end_at")) or (
        _offset(n.occurred_at) if n.resolved else None
    )
    meta["affected_components"] = _affected_components(n)
    return {"text": text, "meta": meta}


# --- Alertmanager -------------------------------------------------------------------------------------------

# Alertmanager's webhook message, version 4 (read 2026-12-03 from github.com/prometheus/alertmanager):
# notify/webhook/webhook.go `Message{*template.Data; Version "4"; GroupKey; TruncatedAlerts}` and
# template/template.go `Data{receiver, status, alerts, groupLabels, commonLabels, commonAnnotations,
# externalURL}`, `Alert{status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint}`; documented
# at https://prometheus.io/docs/alerting/latest/configuration/#webhook_config. Go writes a zero time as
# 0001-01-01T00:00:00Z, which is a firing alert's endsAt.
ALERTMANAGER_VERSION = "4"
ALERTMANAGER_RECEIVER = "herald"
ZERO_TIME = "0001-01-01T00:00:00Z"
_NOT_NAME = re.compile(r"[^a-z0-9]+")

# One alertname per problem, the same for its firing and its resolved message (Alertmanager keeps an alert's
# labels when it resolves): a recovery resolves MonitorDown, an incident or maintenance is one alert from
# creation to finish.
ALERTNAMES = {
    "monitor.down": "MonitorDown",
    "monitor.recovery": "MonitorDown",
    "monitor.degraded": "MonitorDegraded",
    "ssl.expiring": "SSLCertificateExpiring",
    "heartbeat.missed": "HeartbeatMissed",
    "agent.stale": "AgentStale",
    "incident.created": "Incident",
    "incident.finished": "Incident",
    "maintenance.created": "Maintenance",
    "maintenance.started": "Maintenance",
    "maintenance.finished": "Maintenance",
    "component.impact_updated": "ComponentImpact",
    "test": "HeraldTest",
    "custom": "HeraldNotification",
}


def _rfc3339(moment: datetime) -> str:
    """Go's RFC3339Nano as encoding/json writes a UTC time: fractional seconds without trailing zeros."""
    moment = moment.astimezone(UTC)
    fraction = f".{moment.microsecond:06d}".rstrip("0").rstrip(".")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def _label_set(labels: dict[str, str]) -> str:
    """A Prometheus LabelSet's String(): `{a="x", b="y"}`, names sorted, values quoted as JSON strings."""
    return "{" + ", ".join(f"{name}={json.dumps(labels[name], ensure_ascii=False)}" for name in sorted(labels)) + "}"


def _annotation_name(label: str) -> str:
    """`Response time (ms)` → `response_time_ms`: a field's label as a Prometheus-style annotation name."""
    return _NOT_NAME.sub("_", label.lower()).strip("_") or "field"


def _labels(n: Notification) -> dict[str, str]:
    labels = {"alertname": ALERTNAMES.get(n.event, "HeraldNotification"), "severity": n.severity}
    if n.dedup_key:
        labels["dedup_key"] = n.dedup_key
    if n.monitor and n.monitor.name:
        labels["monitor"] = n.monitor.name
    if n.monitor and n.monitor.url:
        labels["instance"] = n.monitor.url
    return labels


def _annotations(n: Notification) -> dict[str, str]:
    annotations = {"summary": n.title}
    if n.body:
        annotations["description"] = n.body
    for field in n.fields:
        annotations.setdefault(_annotation_name(field.label), field.value)
    if n.downtime_seconds is not None:
        annotations["downtime"] = format_duration(n.downtime_seconds)
    return annotations


def _alert_start(n: Notification) -> datetime:
    """When the problem began: the subject's own start, else `downtimeSeconds` before a recovery, else now."""
    subject = _subject(n)
    try:
        began = parse_iso(str(subject.get("startAt") or subject.get("start_at")))
    except ValueError:
        began = None
    occurred = n.occurred_at if n.occurred_at.tzinfo else n.occurred_at.replace(tzinfo=UTC)
    if began is not None and began <= occurred:
        return began
    if n.resolved and n.downtime_seconds is not None:
        return n.occurred_at - timedelta(seconds=n.downtime_seconds)
    return n.occurred_at


def alertmanager(n: Notification, ctx: RenderContext, config: ChannelConfig) -> dict[str, Any]:
    """One Herald notification as an Alertmanager v4 webhook message holding one alert.

    labels: `alertname` (ALERTNAMES), `severity`, and when known `dedup_key`, `monitor` (its name) and
    `instance` (its URL). annotations: `summary` (title), `description` (body), one per field, `downtime`.
    The group is the alert itself: `groupLabels` are alertname and dedup_key, `groupKey` is `{}:` and their
    label set, as Alertmanager writes it for the root route. `fingerprint` is the first 16 hex digits of the
    SHA-256 of the dedupKey (of the label set without one), so a resolved message carries the fingerprint of the
    firing one. `startsAt` is the subject's start (an incident's `startAt`), else `downtimeSeconds` before a
    recovery, else the notification's time; a resolved alert ends at the notification's time.
    """
    labels = _labels(n)
    annotations = _annotations(n)
    group: dict[str, str] = {name: labels[name] for name in ("alertname", "dedup_key") if name in labels}
    identity = n.dedup_key if n.dedup_key else _label_set(labels)
    starts = _alert_start(n)
    alert = {
        "status": n.status,
        "labels": labels,
        "annotations": annotations,
        "startsAt": _rfc3339(starts),
        "endsAt": _rfc3339(n.occurred_at) if n.resolved else ZERO_TIME,
        "generatorURL": n.source_url or "",
        "fingerprint": hashlib.sha256(identity.encode()).hexdigest()[:16],
    }
    return {
        "receiver": ALERTMANAGER_RECEIVER,
        "status": n.status,
        "alerts": [alert],
        "groupLabels": group,
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": "",
        "version": ALERTMANAGER_VERSION,
        "groupKey": "{}:" + _label_set(group),
        "truncatedAlerts": 0,
    }


PRESETS: dict[str, Preset] = {
    "kamustatus": kamustatus,
    "pixomonitor": pixomonitor,
    "statusmate": statusmate,
    "alertmanager": alertmanager,
}
