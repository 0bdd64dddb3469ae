"""One code path for every door: SNS, EventBridge and POST /v1/events.

event → normalise → pair firing/resolved (downtime) → select channels (channelIds or rules, then each
channel's enabled and events filter, then flood control per channel) → one delivery per channel →
SendMessageBatch → arm flood control for the channels that were queued → a new alert starts its
escalation (routing/escalation.py: the matching rule's later steps and reminders, on a timer).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from pydantic import ValidationError

from herald import idempotency, jsonin
from herald.adapters.validation import field_errors
from herald.auth import repository as tenants
from herald.channels import repository as channel_repository
from herald.delivery import repository as delivery_repository
from herald.delivery import service as delivery
from herald.errors import ChannelNotFound, HeraldError, InvalidRequest, TenantNotFound, ValidationFailed
from herald.ids import new_id
from herald.models.delivery import Delivery
from herald.models.event import MonitoringEvent, RuleMatch
from herald.models.notification import RECOVERY_EVENTS, Notification
from herald.observability import NAMESPACE, logger
from herald.routing import escalation, lifecycle, render
from herald.routing import rules_repository as rules
from herald.timeutil import iso, now


def parse_event(raw: Any, tenant_id: str | None = None) -> MonitoringEvent:
    """A monitoring event from a dict (or JSON text). Raises InvalidRequest / ValidationFailed."""
    if isinstance(raw, str | bytes):
        raw = jsonin.loads(raw, "event")
    else:
        jsonin.check_depth(raw, "event")
    if not isinstance(raw, dict):
        raise InvalidRequest("The event must be a JSON object.", code="invalid_body")
    if tenant_id is not None:
        raw = {**raw, "tenantId": tenant_id}
    try:
        return MonitoringEvent.model_validate(raw)
    except ValidationError as exc:
        # An unknown `type` is a field that breaks its rule like any other: 422 naming `type`.
        raise ValidationFailed(field_errors(exc, MonitoringEvent, "")) from None


def _from_eventbridge(event: dict[str, Any]) -> dict[str, Any]:
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise InvalidRequest("The EventBridge event has no detail object.", code="invalid_body")
    return {"type": event.get("detail-type"), **detail}


def ingest_raw_messages(messages: Iterable[tuple[str, Any]], source: str) -> dict[str, Any]:
    """Ingest SNS messages or EventBridge events; a bad one is logged and counted, never fatal to the rest."""
    accepted, rejected = 0, 0
    for message_id, raw in messages:
        try:
            body = _from_eventbridge(raw) if source == "eventbridge" else raw
            event = parse_event(body)
            if not event.tenant_id:
                raise ValidationFailed([], "The event has no tenantId.")
            if not tenants.tenant_exists(event.tenant_id):
                raise TenantNotFound(event.tenant_id)
            # SNS and EventBridge deliver at least once, and a failed batch is retried whole.
            ingest_once(event.tenant_id, event, event.id or message_id or None, raw, strict_channels=False)
            accepted += 1
        except HeraldError as exc:
            if exc.code == "idempotency_in_progress":
                raise  # the first try may still finish, or have died: this invocation is tried again later
            rejected += 1
            _count("EventRejected", source)
            logger.warning(
                "Event rejected",
                extra={"source": source, "messageId": message_id, "reason": exc.message, "code": exc.code},
            )
    return {"accepted": accepted, "rejected": rejected}


def _count(name: str, source: str) -> None:
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="source", value=source)


def matching_rules(tenant_id: str, event: MonitoringEvent, severity: str) -> list[dict[str, Any]]:
    """Every enabled rule that fits the event; none when the event names its own `channelIds`."""
    if event.channel_ids is not None:
        return []
    monitor_id = event.monitor.id if event.monitor else None
    return [
        rule
        for rule in rules.all_rules(tenant_id)
        if rule.get("enabled")
        and RuleMatch.model_validate(rule.get("match") or {}).fits(event.type, severity, monitor_id)
    ]


def select_channel_ids(event: MonitoringEvent, matched: list[dict[str, Any]]) -> list[str]:
    """`channelIds` when the event names them; otherwise the channels of the rules that fit (with the
    first escalation step's: later steps come on the alert's timer)."""
    if event.channel_ids is not None:
        return list(dict.fromkeys(event.channel_ids))
    chosen: list[str] = []
    for rule in matched:
        chosen.extend(escalation.first_channels(rule))
    return list(dict.fromkeys(chosen))


def ingest_once(
    tenant_id: str, event: MonitoringEvent, key: str | None, payload: Any, *, strict_channels: bool = True
) -> dict[str, Any]:
    """`ingest_event` once per idempotency `key` (24 h); a repeat gets the first answer. Raises Conflict."""
    return idempotency.once(
        tenant_id, "events", key, payload, lambda: ingest_event(tenant_id, event, strict_channels=strict_channels)
    )


def ingest_event(tenant_id: str, event: MonitoringEvent, *, strict_channels: bool = True) -> dict[str, Any]:
    """Route one event and queue its deliveries. Returns {"id": "evt_...", "deliveries": [...]}.

    With strict_channels (the API), an unknown id in `channelIds` is a ChannelNotFound; otherwise it is
    recorded as a failed delivery with code `channel_deleted`.
    """
    event_id = new_id("evt")
    key = render.dedup_key(event)
    firing: lifecycle.Firing | None = None
    downtime = None
    if key is not None:
        occurred = event.occurred_at.timestamp()
        if event.type in RECOVERY_EVENTS:
            downtime = lifecycle.on_resolved(tenant_id, key, occurred).downtime_seconds
        elif event.type not in ("test", "custom"):
            firing = lifecycle.on_firing(tenant_id, key, occurred)
    notification = render.to_notification(event, downtime)
    at = now()
    matched = matching_rules(tenant_id, event, notification.severity)
    wanted = select_channel_ids(event, matched)
    # Escalation: the alert follows the first matching rule with steps or repeatEvery.
    policy = escalation.policy_of(matched) if firing is not None and firing.opened else None
    steps = escalation.step_zero(policy)
    found = channel_repository.get_many(tenant_id, wanted)
    if strict_channels and event.channel_ids is not None:
        for channel_id in wanted:
            if channel_id not in found:
                raise ChannelNotFound(channel_id)

    queued: list[Delivery] = []
    logged: list[Delivery] = []
    for channel_id in wanted:
        channel = found.get(channel_id)
        if channel is None:
            deleted = "The channel was deleted; a rule still names it."
            logged.append(
                _closed(
                    tenant_id,
                    channel_id,
                    "deleted",
                    notification,
                    event_id,
                    status="failed",
                    code="channel_deleted",
                    error=deleted,
                )
            )
        elif not channel.enabled or (channel.events is not None and event.type not in channel.events):
            continue
        elif firing is not None and firing.holds_back(channel_id, notification.severity, at):
            repeat = f"Already notified about '{key}' within the last few minutes at this severity or higher."
            logged.append(
                _closed(
                    tenant_id,
                    channel_id,
                    channel.kind,
                    notification,
                    event_id,
                    status="suppressed",
                    code="flood_control",
                    error=repeat,
                )
            )
        else:
            queued.append(
                delivery.new_delivery(
                    tenant_id, channel_id, channel.kind, notification, event_id=event_id, step=steps.get(channel_id)
                )
            )
    if logged:
        delivery_repository.put_many(logged)
    delivery.store_and_enqueue(queued)
    if firing is not None and key is not None:
        # Only now that the deliveries are queued: a failed or unheard event holds nothing back.
        channel_ids = [str(d.channel_id) for d in queued]
        lifecycle.arm(tenant_id, key, firing, channel_ids=channel_ids, severity=notification.severity, now=at)
        if firing.opened:
            escalation.start(tenant_id, key, policy, notification=notification, event_id=event_id, started_at=at)
    _count("EventIngested", "all")
    entries = [
        {"channelId": d.channel_id, "kind": d.kind, "deliveryId": d.id, "status": d.status} for d in queued + logged
    ]
    return {"id": event_id, "deliveries": entries}


def _closed(
    tenant_id: str,
    channel_id: str,
    kind: str,
    notification: Notification,
    event_id: str,
    *,
    status: str,
    code: str,
    error: str,
) -> Delivery:
    """A delivery that is logged final at once: it never goes to the queue."""
    base = delivery.new_delivery(tenant_id, channel_id, kind, notification, event_id=event_id)
    now = iso()
    return Delivery(**{**base.__dict__, "status": status, "code": code, "error": error, "updated_at": now})
