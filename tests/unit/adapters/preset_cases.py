"""One notification per Herald event type, made the way Herald makes it, for the payload-preset golden files.

Monitoring events go through the real routing (MonitoringEvent → to_notification), starting from the seed
products' own bodies where they documented one (Kamustatus' monitor_down, StatusMate's incident, maintenance
and component bodies); `test` is what `POST /v1/channels/{id}/test` sends; `custom` is an ad-hoc notification
as `POST /v1/notifications` takes it.

Regenerate the golden files after a deliberate change with `python -m tests.unit.adapters.preset_cases`, then
review every changed file against the seeds (docs/API.md section 6 lists what each field must be).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from herald import templates
from herald.adapters.base import RenderContext
from herald.adapters.webhook import PAYLOAD_FORMATS, WebhookAdapter, WebhookConfig
from herald.delivery.usecases import test_notification
from herald.models.event import MonitoringEvent
from herald.models.notification import Notification
from herald.routing.render import to_notification
from tests.support import seeds

GOLDEN = Path(__file__).parent / "golden"
CTX = RenderContext(delivery_id="dlv_golden", attempt=1, now=datetime(2026, 5, 15, 8, 30, 7, tzinfo=UTC))
AT = "2026-05-15T08:30:00Z"

_KAMUSTATUS = seeds.KAMUSTATUS_WEBHOOK_PAYLOAD
_PIXO_MONITOR = seeds.PIXOMONITOR_WEBHOOK_PAYLOAD["monitor"]


def _statusmate(body: dict[str, Any], kind: str, **meta: Any) -> dict[str, Any]:
    return {**body, "occurredAt": AT, "meta": {**body["meta"], "type": kind, **meta}}


EVENTS: dict[str, dict[str, Any]] = {
    "monitor.down": {
        "type": _KAMUSTATUS["event"],
        "monitor": _KAMUSTATUS["monitor"],
        "occurredAt": _KAMUSTATUS["timestamp"],
        "details": _KAMUSTATUS["details"],
    },
    "monitor.recovery": {
        "type": "monitor.recovery",
        "monitor": _KAMUSTATUS["monitor"],
        "occurredAt": "2025-05-15T08:42:34Z",
        "downtimeSeconds": 754,
    },
    "monitor.degraded": {
        "type": "monitor.degraded",
        "monitor": _PIXO_MONITOR,
        "occurredAt": AT,
        "details": {"responseTime": 4200, "region": "eu-west"},
    },
    "ssl.expiring": {
        "type": "ssl.expiring",
        "monitor": _PIXO_MONITOR,
        "occurredAt": AT,
        "details": {"hostname": "api.example.com", "daysRemaining": 7, "expiresAt": "2026-05-22T00:00:00Z"},
    },
    "heartbeat.missed": {
        "type": "heartbeat.missed",
        "monitor": {"id": "hb_nightly", "name": "Nightly backup", "type": "heartbeat"},
        "occurredAt": AT,
    },
    "agent.stale": {
        "type": "agent.stale",
        "monitor": {"id": "agt_eu1", "name": "eu-west-1 agent"},
        "occurredAt": AT,
        "details": {"lastSeenAt": "2026-05-15T08:20:00Z"},
    },
    "incident.created": _statusmate(seeds.STATUSMATE_WEBHOOK_INCIDENT, "incident_created"),
    "incident.finished": _statusmate(
        seeds.STATUSMATE_WEBHOOK_INCIDENT, "incident_finished", end_at="2023-05-19T18:05:00+03:00"
    ),
    "maintenance.created": _statusmate(seeds.STATUSMATE_WEBHOOK_MAINTENANCE, "maintenance_created"),
    "maintenance.started": _statusmate(seeds.STATUSMATE_WEBHOOK_MAINTENANCE, "maintenance_started"),
    "maintenance.finished": _statusmate(seeds.STATUSMATE_WEBHOOK_MAINTENANCE, "maintenance_finished"),
    "component.impact_updated": _statusmate(seeds.STATUSMATE_WEBHOOK_COMPONENT, "component_impact_updated"),
}
# An ad-hoc notification with everything a sender may give.
CUSTOM: dict[str, Any] = {
    "event": "custom",
    "title": "Deploy 42 failed",
    "body": "Rollback started",
    "severity": "warning",
    "fields": [{"label": "Build URL", "value": "https://ci.example.com/b/42"}],
    "sourceUrl": "https://ci.example.com/b/42",
    "dedupKey": "deploy-42",
    "occurredAt": AT,
}


def notification(event: str) -> Notification:
    """The notification Herald would hand the webhook adapter for `event`."""
    if event == "test":
        return test_notification(WebhookAdapter.display_name).model_copy(
            update={"occurred_at": datetime.fromisoformat(AT)}
        )
    if event == "custom":
        return Notification.model_validate(CUSTOM)
    return to_notification(MonitoringEvent.model_validate(EVENTS[event]), downtime_seconds=None)


# The `custom` format's golden files render this body: what a receiver built for another product might read.
CUSTOM_BODY_TEMPLATE = """{
  "text": {{ event.type ~ ": " ~ notification.title }},
  "level": {{ event.severity | upper }},
  "resolved": {{ event.status == "resolved" }},
  "service": {{ monitor.name | default(incident.title if incident else "unknown") }},
  "at": {{ event.occurredAt | datetime("Europe/Berlin") }},
  "down": {{ downtime.human }},
  "facts": [{% for field in notification.fields %}{{ field.label ~ "=" ~ field.value }}
            {%- if not loop.last %},{% endif %}{% endfor %}],
  "channel": {{ channel.name }}
}"""


def config(payload_format: str) -> WebhookConfig:
    fields: dict[str, Any] = {"url": "https://hooks.example.com/in", "payloadFormat": payload_format}
    if payload_format == "custom":
        fields["bodyTemplate"] = CUSTOM_BODY_TEMPLATE
    return WebhookConfig.model_validate(fields)


def body(payload_format: str, event: str) -> dict[str, Any]:
    """The JSON body the webhook adapter sends for `event` with `payloadFormat`, templates applied as the
    sender applies them."""
    chosen = config(payload_format)
    message = templates.apply(
        notification(event), template=None, config=chosen, kind="webhook", channel_name="Ops hook", tenant_id="t_1"
    )
    return WebhookAdapter().build_request(message, chosen, CTX).json_body()


def golden_path(payload_format: str, event: str) -> Path:
    return GOLDEN / payload_format / f"{event}.json"


def write_golden() -> None:
    for payload_format in PAYLOAD_FORMATS:
        (GOLDEN / payload_format).mkdir(parents=True, exist_ok=True)
        for event in (*EVENTS, "test", "custom"):
            text = json.dumps(body(payload_format, event), indent=2, ensure_ascii=False) + "\n"
            golden_path(payload_format, event).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_golden()
