"""Escalation steps and reminders: an alert's policy, its first timer, and what a timer does when it arrives.

One timer chain per alert: each timer is for the alert's next step or reminder, whichever is due first,
and carries the counters it was set at. When it arrives it does nothing (and logs why) if the alert was
resolved, acknowledged or restarted, or a copy of it already did the work; otherwise it moves the
counter on (exactly once: lifecycle.advance), queues the deliveries and sets the next timer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pydantic import ValidationError

from herald.auth import repository as keys
from herald.channels import repository as channel_repository
from herald.delivery import service as delivery
from herald.errors import AlertNotFound
from herald.models.alert import Alert, Policy, TimerMessage
from herald.models.notification import Notification
from herald.observability import logger
from herald.routing import lifecycle, timers
from herald.routing import rules_repository as rules
from herald.settings import get_settings
from herald.timeutil import iso, now

MAX_KEY_BYTES = 1000  # DynamoDB's sort key limit (1024 bytes) less `INC#`


def policy_of(matched_rules: list[dict[str, Any]]) -> Policy | None:
    """The escalation an alert follows: that of the first matching rule that has steps or repeatEvery."""
    scale = get_settings().timer_scale
    return next((policy for rule in matched_rules if (policy := Policy.of(rule, scale)) is not None), None)


def first_channels(rule: dict[str, Any]) -> list[str]:
    """The channels a rule tells at once: its channelIds and its first step's."""
    steps = rule.get("steps") or []
    return [*rule.get("channelIds", []), *(steps[0].get("channelIds", []) if steps else [])]


def step_zero(policy: Policy | None) -> dict[str, int]:
    """Channel → 0 for the channels of the policy's first step (their deliveries say so)."""
    return dict.fromkeys(policy.steps[0][1], 0) if policy and policy.steps else {}


def start(
    tenant_id: str,
    dedup_key: str,
    policy: Policy | None,
    *,
    notification: Notification,
    event_id: str,
    started_at: float,
) -> None:
    """Open the alert of a key that has just begun to fire, and set its first timer (if its rule has any)."""
    lifecycle.open_alert(
        tenant_id,
        dedup_key,
        started_at=started_at,
        rule_id=policy.rule_id if policy else None,
        notification=notification.to_wire(),
        event_id=event_id,
    )
    if policy is not None:
        _set_timer(tenant_id, dedup_key, policy, started_at, step=0, reminders=0)


def _set_timer(tenant_id: str, dedup_key: str, policy: Policy, started_at: float, *, step: int, reminders: int) -> None:
    due = policy.next_due(started_at, step, reminders)
    if due is None:
        return
    message = TimerMessage(
        tenantId=tenant_id, dedupKey=dedup_key, startedAt=started_at, dueAt=due[0], step=step, reminders=reminders
    )
    timers.schedule(message, due[0] - now())


@dataclass(frozen=True)
class TimerOutcome:
    """What one timer did: `step`/`reminder` (with how many deliveries), `waiting`, or `nothing` (and why)."""

    dedupKey: str  # noqa: N815 - wire name (the handler's answer)
    action: str
    reason: str | None = None
    number: int | None = None
    deliveries: int = 0


def _stale(alert: Alert | None, message: TimerMessage) -> str | None:
    """Why a timer must do nothing for this alert, if it must."""
    if alert is None or alert.state != "firing":
        return "resolved"
    if alert.started_at is None or round(alert.started_at, 3) != round(message.startedAt, 3):
        return "restarted"  # resolved and firing again since: that alert has its own timers
    if alert.acknowledged:
        return "acknowledged"
    if (alert.step, alert.reminders) != (message.step, message.reminders):
        return "already_done"  # another copy of this timer moved the alert on
    return None


def _nothing(message: TimerMessage, reason: str) -> TimerOutcome:
    logger.info(
        "Alert timer did nothing",
        extra={"tenantId": message.tenantId, "dedupKey": message.dedupKey, "reason": reason},
    )
    return TimerOutcome(message.dedupKey, "nothing", reason)


def fire(message: TimerMessage, receipt_handle: str) -> TimerOutcome:
    """Do what a timer is for, if it is still wanted. Raises what the table or the queues raise."""
    alert = lifecycle.get_alert(message.tenantId, message.dedupKey)
    reason = _stale(alert, message)
    if reason is not None or alert is None or alert.started_at is None:
        return _nothing(message, reason or "resolved")
    current = now()
    if current < message.dueAt:
        timers.hide(receipt_handle, message.dueAt - current)
        return TimerOutcome(message.dedupKey, "waiting")
    rule = rules.get(message.tenantId, alert.rule_id) if alert.rule_id else None
    policy = Policy.of(rule, get_settings().timer_scale) if rule and rule.get("enabled") else None
    if policy is None:
        return _nothing(message, "rule_changed")  # deleted, disabled or without steps and reminders now
    due = policy.next_due(alert.started_at, alert.step, alert.reminders)
    if due is None:
        return _nothing(message, "nothing_left")
    if due[0] > current:  # the rule changed under the alert: wait for its own schedule
        step, reminders = alert.step, alert.reminders
        _set_timer(message.tenantId, message.dedupKey, policy, alert.started_at, step=step, reminders=reminders)
        return TimerOutcome(message.dedupKey, "waiting", "rule_changed")
    kind = due[1]
    counter, expected = ("step", alert.step) if kind == "step" else ("reminders", alert.reminders)
    if not lifecycle.advance(message.tenantId, message.dedupKey, alert.started_at, counter, expected):
        return _nothing(message, "already_done")  # acknowledged, resolved or moved on a moment ago
    if kind == "step":
        step, reminders = alert.step + 1, alert.reminders
        queued = _notify(message.tenantId, alert, list(policy.steps[step][1]), step=step)
    else:
        step, reminders = alert.step, alert.reminders + 1
        queued = _notify(message.tenantId, alert, policy.told_by(step), reminder=reminders)
    _set_timer(message.tenantId, message.dedupKey, policy, alert.started_at, step=step, reminders=reminders)
    number = step if kind == "step" else reminders
    logger.info(
        "Alert timer fired",
        extra={"tenantId": message.tenantId, "dedupKey": message.dedupKey, kind: number, "deliveries": queued},
    )
    return TimerOutcome(message.dedupKey, kind, number=number, deliveries=queued)


def _notify(
    tenant_id: str, alert: Alert, channel_ids: list[str], *, step: int | None = None, reminder: int | None = None
) -> int:
    """Queue the alert's notification to these channels (those still there, enabled and taking its event)."""
    notification = Notification.model_validate(alert.notification or {})
    found = channel_repository.get_many(tenant_id, channel_ids)
    queued = [
        delivery.new_delivery(
            tenant_id, cid, channel.kind, notification, event_id=alert.event_id, step=step, reminder=reminder
        )
        for cid in dict.fromkeys(channel_ids)
        if (channel := found.get(cid)) is not None
        and channel.enabled
        and (channel.events is None or notification.event in channel.events)
    ]
    delivery.store_and_enqueue(queued)
    return len(queued)


def process_batch(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The timer queue's batch: each record fired; early and failed ones stay on the queue."""
    failures: list[dict[str, str]] = []
    outcomes: list[dict[str, Any]] = []
    for record in records:
        try:
            message = TimerMessage.model_validate_json(record["body"])
        except (ValidationError, KeyError):
            logger.warning("Unreadable alert timer dropped", extra={"messageId": record.get("messageId")})
            continue
        try:
            outcome = fire(message, record["receiptHandle"])
        except Exception:
            logger.exception("Alert timer failed", extra={"messageId": record.get("messageId")})
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        if outcome.action == "waiting" and outcome.reason is None:
            failures.append({"itemIdentifier": record["messageId"]})  # hidden until due: keep it
        outcomes.append(asdict(outcome))
    return {"batchItemFailures": failures, "timers": outcomes}


def acknowledge(tenant_id: str, dedup_key: str, key_id: str) -> dict[str, Any]:
    """Acknowledge a firing alert in the name of the caller's key: no further steps or reminders.
    Raises AlertNotFound."""
    if len(dedup_key.encode()) > MAX_KEY_BYTES:
        raise AlertNotFound(dedup_key[:64] + "…")  # longer than any key Herald can store: not an alert of ours
    key = keys.get_key(tenant_id, key_id)
    by = {"keyId": key_id, "keyName": key.name if key else ""}
    alert = lifecycle.acknowledge(tenant_id, dedup_key, at=iso(), by=by)
    return alert.to_wire()


def list_alerts(tenant_id: str, state: str, limit: int, token: str | None) -> dict[str, Any]:
    alerts, next_token = lifecycle.list_alerts(tenant_id, state, limit, token)
    return {"data": [alert.to_wire() for alert in alerts], "nextToken": next_token}
