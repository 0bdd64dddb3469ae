"""Firing/resolved pairing by dedup key: downtime for recoveries, flood control for repeats.

State per key (`T#<tenant>` / `INC#<dedupKey>`): whether it is firing, since when, the silence that held
back its firing (`silencedBy`, so that the recovery is held back too), and for each channel
when Herald last queued a firing to it and at which severity (`notified`). Flood control is per channel:
a firing is held back from a channel only when that channel was already sent a firing for the key within
the window at the same or a higher severity. The map is written (`arm`) only after the deliveries are
queued, so an event that failed, or reached nobody, holds nothing back; a crash between the two can only
make Herald send again, never stay silent.

The same item is the alert (models/alert.py): `open_alert` starts it when the key begins to fire
(`startedAt`, the rule whose steps and reminders it follows, `step`, `reminders`, the notification to
repeat), `acknowledge` records who acknowledged it, and `advance` moves a step or reminder on exactly
once, however often its timer arrives.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from herald import db
from herald.errors import AlertNotFound
from herald.models.alert import Alert
from herald.timeutil import now

FLOOD_WINDOW_SECONDS = 300
STATE_TTL_SECONDS = 90 * 24 * 3600
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


@dataclass(frozen=True)
class Verdict:
    notify: bool
    downtime_seconds: int | None = None
    silenced_by: str | None = None  # the silence that held the firing back: the recovery is held back too


@dataclass(frozen=True)
class Notified:
    """What a channel was last sent for a firing key."""

    at: float
    severity: str


@dataclass(frozen=True)
class Firing:
    """The key's flood state as it was before this event: the channels already told, and when."""

    notified: Mapping[str, Notified] = field(default_factory=dict)
    opened: bool = False  # the key was not firing (or its alert never opened) before this event: it starts

    def holds_back(self, channel_id: str, severity: str, now: float, window: int = FLOOD_WINDOW_SECONDS) -> bool:
        """True when `channel_id` was sent this key within `window` s at `severity` or higher."""
        last = self.notified.get(channel_id)
        if last is None or now - last.at >= window:
            return False
        return SEVERITY_RANK.get(last.severity, 0) >= SEVERITY_RANK.get(severity, 0)


def _key(tenant_id: str, dedup_key: str) -> dict[str, str]:
    return {"pk": db.tenant_pk(tenant_id), "sk": f"INC#{dedup_key}"}


def on_firing(tenant_id: str, dedup_key: str, occurred_at: float, silenced_by: str | None = None) -> Firing:
    """Record that the key fires (the start of its downtime) and return its flood state. Arms nothing.

    `silenced_by`: the silence that holds this firing back. The key keeps the silence that held back its
    first firing until a firing goes out, so that its recovery is held back only if no firing went out.
    """
    silence = ", silencedBy = if_not_exists(silencedBy, :silence)" if silenced_by else ""
    values: dict[str, Any] = {
        ":firing": "firing",
        ":none": {},
        ":at": Decimal(str(round(occurred_at, 3))),
        ":ttl": int(now()) + STATE_TTL_SECONDS,
    }
    if silenced_by:
        values[":silence"] = silenced_by
    response = db.table().update_item(
        Key=_key(tenant_id, dedup_key),
        UpdateExpression="SET #state = :firing, expiresAt = :ttl, firedAt = if_not_exists(firedAt, :at), "
        "notified = if_not_exists(notified, :none)" + (silence or " REMOVE silencedBy"),
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues=values,
        ReturnValues="ALL_OLD",
    )
    old: dict[str, Any] = response.get("Attributes", {})
    if silenced_by and old.get("state") == "firing" and "silencedBy" not in old:
        # An earlier firing of this key went out: its recovery must go out too.
        db.table().update_item(Key=_key(tenant_id, dedup_key), UpdateExpression="REMOVE silencedBy")
    notified = old.get("notified") or {}
    return Firing(
        {
            channel: Notified(float(entry.get("at", 0)), str(entry.get("severity", "info")))
            for channel, entry in notified.items()
            if isinstance(entry, dict)
        },
        # Also when it fires but was never opened: an event whose deliveries failed to queue, tried again.
        opened=old.get("state") != "firing" or "startedAt" not in old,
    )


def arm(
    tenant_id: str,
    dedup_key: str,
    firing: Firing,
    *,
    channel_ids: Iterable[str],
    severity: str,
    now: float,
    window: int = FLOOD_WINDOW_SECONDS,
) -> None:
    """Note that these channels were just sent a firing for the key (call once their deliveries are queued).

    One write, whatever the fan-out: the map as `on_firing` read it, without entries older than the
    window, plus these channels. A concurrent event's entries may be overwritten; that can only let a
    later repeat through, never hold back a new alert.
    """
    channels = list(dict.fromkeys(channel_ids))
    if not channels:
        return
    entry = {"at": Decimal(str(round(now, 3))), "severity": severity}
    kept = {
        channel: {"at": Decimal(str(round(last.at, 3))), "severity": last.severity}
        for channel, last in firing.notified.items()
        if now - last.at < window
    }
    try:
        db.table().update_item(
            Key=_key(tenant_id, dedup_key),
            UpdateExpression="SET notified = :notified",
            # on_firing made the map; a recovery since removed it, and then there is nothing to hold back.
            ConditionExpression=Attr("notified").exists(),
            ExpressionAttributeValues={":notified": {**kept, **dict.fromkeys(channels, entry)}},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise


def on_resolved(tenant_id: str, dedup_key: str, occurred_at: float) -> Verdict:
    """Record a recovery; its downtime is measured from the firing event Herald saw (if any)."""
    try:
        response = db.table().update_item(
            Key=_key(tenant_id, dedup_key),
            UpdateExpression="SET #state = :resolved, resolvedAt = :at REMOVE firedAt, notified, silencedBy",
            ConditionExpression=Attr("state").eq("firing"),
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":resolved": "resolved", ":at": Decimal(str(round(occurred_at, 3)))},
            ReturnValues="ALL_OLD",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return Verdict(notify=True)
        raise
    old: dict[str, Any] = response.get("Attributes", {})
    fired = old.get("firedAt")
    downtime = max(0, int(occurred_at - float(fired))) if fired is not None else None
    silenced_by = old.get("silencedBy")
    return Verdict(notify=True, downtime_seconds=downtime, silenced_by=str(silenced_by) if silenced_by else None)


def _seconds(value: float) -> Decimal:
    return Decimal(str(round(value, 3)))


def _conditional(**update: Any) -> bool:
    """An update_item that may find its condition false: False then, instead of an error."""
    try:
        db.table().update_item(**update)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def open_alert(
    tenant_id: str,
    dedup_key: str,
    *,
    started_at: float,
    rule_id: str | None,
    notification: dict[str, Any],
    event_id: str,
) -> None:
    """Start the alert of a key that has just begun to fire: step 0, no reminders, not acknowledged."""
    values: dict[str, Any] = {
        ":at": _seconds(started_at),
        ":zero": 0,
        # As JSON text: a notification's details may hold floats, which DynamoDB only takes as Decimals.
        ":notification": json.dumps(notification),
        ":event": event_id,
    }
    assign = "startedAt = :at, step = :zero, reminders = :zero, notification = :notification, eventId = :event"
    remove = "ackedAt, ackedBy"
    if rule_id is None:
        remove += ", ruleId"
    else:
        assign += ", ruleId = :rule"
        values[":rule"] = rule_id
    _conditional(
        Key=_key(tenant_id, dedup_key),
        UpdateExpression=f"SET {assign} REMOVE {remove}",
        ConditionExpression=Attr("state").eq("firing"),
        ExpressionAttributeValues=values,
    )


def _alert(item: dict[str, Any]) -> Alert:
    started = item.get("startedAt")
    text = item.get("notification")
    by = item.get("ackedBy")
    return Alert(
        dedup_key=str(item["sk"]).removeprefix("INC#"),
        state=str(item.get("state", "resolved")),
        started_at=float(started) if started is not None else None,
        rule_id=item.get("ruleId"),
        step=int(item.get("step", 0)),
        reminders=int(item.get("reminders", 0)),
        acked_at=item.get("ackedAt"),
        acked_by={str(k): str(v) for k, v in by.items()} if isinstance(by, dict) else None,
        notification=json.loads(text) if isinstance(text, str) else None,
        event_id=item.get("eventId"),
    )


def get_alert(tenant_id: str, dedup_key: str) -> Alert | None:
    item = db.table().get_item(Key=_key(tenant_id, dedup_key), ConsistentRead=True).get("Item")
    return _alert(item) if item else None


def list_alerts(tenant_id: str, state: str, limit: int, token: str | None) -> tuple[list[Alert], str | None]:
    """A page of the tenant's alerts in `state`, newest key first (one partition, filtered)."""
    items, next_token = db.query_page(
        pk=db.tenant_pk(tenant_id),
        sk_prefix="INC#",
        limit=limit,
        token=token,
        keep=lambda item: item.get("state") == state,
    )
    return [_alert(item) for item in items], next_token


def acknowledge(tenant_id: str, dedup_key: str, *, at: str, by: dict[str, str]) -> Alert:
    """Acknowledge a firing alert (the first acknowledgement stands). Raises AlertNotFound."""
    _conditional(
        Key=_key(tenant_id, dedup_key),
        UpdateExpression="SET ackedAt = :at, ackedBy = :by",
        ConditionExpression=Attr("state").eq("firing") & Attr("ackedAt").not_exists(),
        ExpressionAttributeValues={":at": at, ":by": by},
    )
    alert = get_alert(tenant_id, dedup_key)
    if alert is None or alert.state != "firing":
        raise AlertNotFound(dedup_key)
    return alert


def advance(tenant_id: str, dedup_key: str, started_at: float, counter: str, expected: int) -> bool:
    """Move `step` or `reminders` from `expected` to the next, only while the same alert fires
    unacknowledged: exactly one of several copies of a timer wins."""
    return _conditional(
        Key=_key(tenant_id, dedup_key),
        UpdateExpression="SET #counter = :next",
        ConditionExpression=Attr("state").eq("firing")
        & Attr("startedAt").eq(_seconds(started_at))
        & Attr("ackedAt").not_exists()
        & Attr(counter).eq(expected),
        ExpressionAttributeNames={"#counter": counter},
        ExpressionAttributeValues={":next": expected + 1},
    )
