"""One code path for every door: SNS, EventBridge and POST /v1/events.

event → normalise → silences (an active one that matches, or the one that held back the firing of this
recovery) → pair firing/resolved (downtime) → select channels (channelIds, or the rules that fit and are not
muted by their time intervals, with their first escalation step; then each channel's enabled and events
filter, then silenced, muted or flood control per channel) → one delivery per channel → SendMessageBatch →
arm flood control for the channels that were queued → a new alert starts its escalation
(routing/escalation.py: the matching rule's later steps and reminders, on a timer).
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
from herald.routing import escalation, lifecycle, render, time_intervals
from herald.routing import rules_repository as rules
from herald.silences import service as silences
from herald.timeutil import iso, now, utcnow


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


def unmuted(tenant_id: str, matched: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The rules that route now, and the channels muted rules chose: channel id → the id of the time
    interval that mutes it now (herald.routing.time_intervals)."""
    schedule = time_intervals.Schedule.load(tenant_id, matched, utcnow())
    routing: list[dict[str, Any]] = []
    muted: dict[str, str] = {}
    for rule in matched:
        if (interval_id := schedule.muted_by(rule)) is None:
            routing.append(rule)
        else:
            for channel_id in escalation.first_channels(rule):
                muted.setdefault(channel_id, interval_id)
    return routing, muted


def select_channel_ids(event: MonitoringEvent, routing: list[dict[str, Any]]) -> list[str]:
    """`channelIds` when the event names them; otherwise the channels of the rules that route it (with the
    first escalation step's: later steps come on the alert's timer)."""
    if event.channel_ids is not None:
        return list(dict.fromkeys(event.channel_ids))
    chosen: list[str] = []
    for rule in routing:
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
    firing, downtime, silence_id = _pair(tenant_id, event, key)
    notification = render.to_notification(event, downtime)
    at = now()
    routing, muted = unmuted(tenant_id, matching_rules(tenant_id, event, notification.severity))
    wanted = select_channel_ids(event, routing)
    muted = {channel_id: interval for channel_id, interval in muted.items() if channel_id not in wanted}
    wanted += list(muted)  # looked up and logged `muted`, never queued
    # Escalation: the alert follows the first routing rule with steps or repeatEvery (a silenced one: none).
    opened = firing is not None and firing.opened and silence_id is None
    policy = escalation.policy_of(routing) if opened else None
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
        elif held := _held_back(
            silence_id,
            muted.get(channel_id),
            firing is not None and firing.holds_back(channel_id, notification.severity, at),
            key,
        ):
            code, error, held_by = held
            logged.append(
                _closed(
                    tenant_id,
                    channel_id,
                    channel.kind,
                    notification,
                    event_id,
                    status="suppressed",
                    code=code,
                    error=error,
                    suppressed_by=held_by,
                )
            )
        else:
            queued.append(
                delivery.new_delivery(
                    tenant_id, channel_id, channel.kind, notification, event_id=event_id, step=steps.get(channel_id)
                )
            )
    if silence_id is not None:
        logger.info("Event silenced", extra={"eventId": event_id, "silenceId": silence_id, "type": event.type})
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


def _pair(
    tenant_id: str, event: MonitoringEvent, key: str | None
) -> tuple[lifecycle.Firing | None, int | None, str | None]:
    """The event's place in its key's life: the firing's flood state, a recovery's downtime, and the silence
    that holds it back (an active one that matches, or the one that held back the firing this recovers)."""
    firing: lifecycle.Firing | None = None
    downtime = None
    silence_id = silences.silenced_by(tenant_id, event, render.severity(event), utcnow())
    if key is not None:
        occurred = event.occurred_at.timestamp()
        if event.type in RECOVERY_EVENTS:
            verdict = lifecycle.on_resolved(tenant_id, key, occurred)
            downtime = verdict.downtime_seconds
            silence_id = silence_id or verdict.silenced_by  # nobody heard of the firing: not of its end either
        elif event.type not in ("test", "custom"):
            firing = lifecycle.on_firing(tenant_id, key, occurred, silenced_by=silence_id)
    return firing, downtime, silence_id


def _held_back(
    silence_id: str | None, interval_id: str | None, flooded: bool, key: str | None
) -> tuple[str, str, str | None] | None:
    """(code, error, what held it) when a delivery is held back: a silence, a mute interval, then flood control."""
    if silence_id is not None:
        return "silenced", f"Silenced by {silence_id}.", silence_id
    if interval_id is not None:
        return "muted", f"Muted by time interval {interval_id}.", interval_id
    if flooded:
        return (
            "flood_control",
            f"Already notified about '{key}' within the last few minutes at this severity or higher.",
            None,
        )
    return None


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
    suppressed_by: str | None = None,
) -> Delivery:
    """A delivery that is logged final at once: it never goes to the queue."""
    base = delivery.new_delivery(tenant_id, channel_id, kind, notification, event_id=event_id)
    changes = {"status": status, "code": code, "error": error, "updated_at": iso(), "suppressed_by": suppressed_by}
    return Delivery(**{**base.__dict__, **changes})
