"""The delivery log in DynamoDB: `T#<tenant>` / `DLV#<id>`, kept 30 days (TTL `expiresAt`).

The record is also the delivery's state machine: a claim (conditional update with a lease) makes
sure one sender works on a delivery at a time and that a delivered one is never sent again. The lease is
also the record of an attempt under way, written before the send: an attempt's outcome releases it, so a
lease that expired unreleased means its sender stopped somewhere between the claim and the outcome (it
may have sent). The next claim then ends the delivery `unknown` instead of sending it again.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from herald import db
from herald.models.delivery import REDRIVABLE, Attempt, Delivery
from herald.timeutil import iso

RETENTION_SECONDS = 30 * 24 * 3600


def _key(tenant_id: str, delivery_id: str) -> dict[str, str]:
    return {"pk": db.tenant_pk(tenant_id), "sk": f"DLV#{delivery_id}"}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def to_item(delivery: Delivery) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": db.tenant_pk(delivery.tenant_id),
        "sk": f"DLV#{delivery.id}",
        "deliveryId": delivery.id,
        "tenantId": delivery.tenant_id,
        "kind": delivery.kind,
        "event": delivery.event,
        "status": delivery.status,
        "notification": delivery.notification,
        "attempts": list(delivery.attempts),
        "attemptCount": delivery.attempt_count,
        "createdAt": delivery.created_at,
        "updatedAt": delivery.updated_at,
        "expiresAt": int(time.time()) + RETENTION_SECONDS,
    }
    optional = {
        "channelId": delivery.channel_id,
        "code": delivery.code,
        "error": delivery.error,
        "providerMessageId": delivery.provider_message_id,
        "notificationId": delivery.notification_id,
        "eventId": delivery.event_id,
    }
    item.update({key: value for key, value in optional.items() if value is not None})
    return item


def from_item(item: dict[str, Any]) -> Delivery:
    item = _plain(item)
    return Delivery(
        id=item["deliveryId"],
        tenant_id=item["tenantId"],
        channel_id=item.get("channelId"),
        kind=item["kind"],
        event=item["event"],
        status=item["status"],
        notification=item.get("notification", {}),
        created_at=item["createdAt"],
        updated_at=item["updatedAt"],
        attempts=tuple(item.get("attempts", [])),
        attempt_count=int(item.get("attemptCount", 0)),
        code=item.get("code"),
        error=item.get("error"),
        provider_message_id=item.get("providerMessageId"),
        notification_id=item.get("notificationId"),
        event_id=item.get("eventId"),
        not_before=item.get("notBefore"),
        attempt_base=int(item.get("attemptBase", 0)),
    )


def put_many(deliveries: list[Delivery]) -> None:
    """Write new delivery records (BatchWriteItem, 25 at a time; unprocessed items retried)."""
    with db.table().batch_writer() as batch:
        for delivery in deliveries:
            batch.put_item(Item=to_item(delivery))


def get(tenant_id: str, delivery_id: str) -> Delivery | None:
    item = db.table().get_item(Key=_key(tenant_id, delivery_id)).get("Item")
    return from_item(item) if item else None


def list_page(
    tenant_id: str, limit: int, token: str | None, channel_id: str | None, status: str | None
) -> tuple[list[Delivery], str | None]:
    def keep(item: dict[str, Any]) -> bool:
        return (channel_id is None or item.get("channelId") == channel_id) and (
            status is None or item["status"] == status
        )

    items, next_token = db.query_page(pk=db.tenant_pk(tenant_id), sk_prefix="DLV#", limit=limit, token=token, keep=keep)
    return [from_item(item) for item in items], next_token


class ClaimRefused(Exception):
    """Another sender holds the delivery, it is already final, or it is not due yet."""

    def __init__(self, delivery: Delivery | None, wait_seconds: float = 0.0) -> None:
        super().__init__("claim refused")
        self.delivery = delivery
        self.wait_seconds = wait_seconds


class AttemptAbandoned(Exception):
    """The previous attempt's sender stopped before recording an outcome: the delivery is now `unknown`."""

    def __init__(self, delivery: Delivery) -> None:
        super().__init__("attempt abandoned")
        self.delivery = delivery


UNKNOWN_ERROR = (
    "Attempt {n} was under way when its sender stopped, so it may or may not have reached the provider. "
    "Herald does not send it again by itself; redrive it to try again."
)


def claim(tenant_id: str, delivery_id: str, lease_id: str, lease_seconds: float) -> Delivery:
    """Take the delivery for one attempt (the lease is written before anything is sent).

    Raises ClaimRefused when someone else should (or nobody must) attempt it, and AttemptAbandoned when
    this call found an attempt that was never recorded and ended the delivery `unknown`.
    """
    now = time.time()
    try:
        response = db.table().update_item(
            Key=_key(tenant_id, delivery_id),
            UpdateExpression="SET leaseId = :lease, leaseUntil = :until, attemptCount = attemptCount + :one",
            ConditionExpression=Attr("pk").exists()
            & Attr("status").is_in(["queued", "retrying"])
            & Attr("leaseId").not_exists()
            & (Attr("notBefore").not_exists() | Attr("notBefore").lte(Decimal(str(now)))),
            ExpressionAttributeValues={
                ":lease": lease_id,
                ":until": Decimal(str(round(now + lease_seconds, 3))),
                ":one": 1,
            },
            ReturnValues="ALL_NEW",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        raw = db.table().get_item(Key=_key(tenant_id, delivery_id), ConsistentRead=True).get("Item")
        if raw is None:
            raise ClaimRefused(None) from None
        current = from_item(raw)
        until = float(raw.get("leaseUntil", 0) or 0)
        if current.status in ("queued", "retrying") and raw.get("leaseId") and until < now:
            raise AttemptAbandoned(_abandon(current, str(raw["leaseId"]))) from None
        raise ClaimRefused(current, max(until - now, float(raw.get("notBefore", 0) or 0) - now, 0.0)) from None
    return from_item(response["Attributes"])


def _abandon(delivery: Delivery, lease_id: str) -> Delivery:
    """End a delivery whose attempt was never recorded as `unknown` (once: conditional on that lease)."""
    now = iso()
    error = UNKNOWN_ERROR.format(n=delivery.attempt_count)
    entry = Attempt(attempt=delivery.attempt_count, time=now, status="unknown", error=error)
    try:
        response = db.table().update_item(
            Key=_key(delivery.tenant_id, delivery.id),
            UpdateExpression="SET #status = :unknown, code = :code, #error = :error, updatedAt = :now, "
            "abandonedLease = :lease, attempts = list_append(attempts, :entry) REMOVE leaseId, leaseUntil, notBefore",
            ConditionExpression=Attr("leaseId").eq(lease_id),
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues={
                ":unknown": "unknown",
                ":code": "outcome_unknown",
                ":error": error,
                ":now": now,
                ":lease": lease_id,
                ":entry": [entry.to_wire()],
            },
            ReturnValues="ALL_NEW",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        raise ClaimRefused(get(delivery.tenant_id, delivery.id)) from None
    return from_item(response["Attributes"])


def redrive(tenant_id: str, delivery_id: str, attempt_count: int | None = None) -> Delivery:
    """Put a failed or unknown delivery back to `queued` with a fresh retry schedule.

    With `attempt_count`, only while no attempt was made since it had that many (a message copy of that
    moment may redrive it; an older copy may not). Raises ClaimRefused (with the current record, or None
    when there is none) when it is not redrivable.
    """
    now = iso()
    condition = Attr("status").is_in(sorted(REDRIVABLE))
    if attempt_count is not None:
        condition &= Attr("attemptCount").eq(attempt_count)
    try:
        response = db.table().update_item(
            Key=_key(tenant_id, delivery_id),
            UpdateExpression="SET #status = :queued, updatedAt = :now, attemptBase = attemptCount, "
            "attempts = list_append(attempts, :entry) REMOVE code, #error, notBefore, abandonedLease",
            ConditionExpression=condition,
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues={
                ":queued": "queued",
                ":now": now,
                ":entry": [{"attempt": None, "time": now, "status": "redriven"}],
            },
            ReturnValues="ALL_NEW",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        raise ClaimRefused(get(tenant_id, delivery_id)) from None
    return from_item(response["Attributes"])


def record_attempt(
    tenant_id: str,
    delivery_id: str,
    lease_id: str | None,
    attempt: Attempt,
    *,
    status: str,
    code: str | None,
    provider_message_id: str | None,
    not_before: float | None,
) -> None:
    """Append an attempt, set the new status and release the lease.

    Only the lease holder may, including after a later claim found its lease expired and ended the
    delivery `unknown`: the holder knows the outcome, which is better than not knowing it.
    """
    changes: dict[str, Any] = {
        "status": status,
        "updatedAt": attempt.time,
        "code": code,
        "error": attempt.error,
        "providerMessageId": provider_message_id,
        "notBefore": Decimal(str(round(not_before, 3))) if not_before is not None else None,
    }
    names: dict[str, str] = {}
    values: dict[str, Any] = {":attempt": [attempt.to_wire()]}
    sets = ["attempts = list_append(attempts, :attempt)"]
    removes = ["leaseId", "leaseUntil", "abandonedLease"]
    for name, value in changes.items():
        if value is not None:
            sets.append(f"#{name} = :{name}")
            values[f":{name}"] = value
            names[f"#{name}"] = name
        elif name != "providerMessageId":  # a provider id, once known, is kept
            removes.append(f"#{name}")
            names[f"#{name}"] = name
    db.table().update_item(
        Key=_key(tenant_id, delivery_id),
        UpdateExpression="SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes),
        ConditionExpression=(Attr("leaseId").eq(lease_id) | Attr("abandonedLease").eq(lease_id))
        if lease_id
        else Attr("pk").exists(),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def mark_final(tenant_id: str, delivery_id: str, status: str, code: str, error: str) -> None:
    """Close a delivery that never reached a provider (e.g. its channel was deleted)."""
    db.table().update_item(
        Key=_key(tenant_id, delivery_id),
        UpdateExpression="SET #status = :status, code = :code, #error = :error, updatedAt = :now "
        "REMOVE leaseId, leaseUntil",
        ExpressionAttributeNames={"#status": "status", "#error": "error"},
        ExpressionAttributeValues={":status": status, ":code": code, ":error": error, ":now": iso()},
    )
