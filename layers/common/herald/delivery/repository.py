"""The delivery log in DynamoDB: `T#<tenant>` / `DLV#<id>`, kept 30 days (TTL `expiresAt`).

The record is also the delivery's state machine: a claim (conditional update with a lease) makes
sure one sender works on a delivery at a time and that a delivered one is never sent again.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from herald import db
from herald.models.delivery import Attempt, Delivery

RETENTION_SECONDS = 30 * 24 * 3600


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
    )


def put_many(deliveries: list[Delivery]) -> None:
    """Write new delivery records (BatchWriteItem, 25 at a time; unprocessed items retried)."""
    with db.table().batch_writer() as batch:
        for delivery in deliveries:
            batch.put_item(Item=to_item(delivery))


def get(tenant_id: str, delivery_id: str) -> Delivery | None:
    item = db.table().get_item(Key={"pk": db.tenant_pk(tenant_id), "sk": f"DLV#{delivery_id}"}).get("Item")
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


def claim(tenant_id: str, delivery_id: str, lease_id: str, lease_seconds: float) -> Delivery:
    """Take the delivery for one attempt: raises ClaimRefused when someone else should (or nobody must)."""
    now = time.time()
    try:
        response = db.table().update_item(
            Key={"pk": db.tenant_pk(tenant_id), "sk": f"DLV#{delivery_id}"},
            UpdateExpression="SET leaseId = :lease, leaseUntil = :until, attemptCount = attemptCount + :one",
            ConditionExpression=Attr("pk").exists()
            & Attr("status").is_in(["queued", "retrying"])
            & (Attr("leaseUntil").not_exists() | Attr("leaseUntil").lt(Decimal(str(now))))
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
        raw = db.table().get_item(Key={"pk": db.tenant_pk(tenant_id), "sk": f"DLV#{delivery_id}"}).get("Item")
        if raw is None:
            raise ClaimRefused(None) from None
        until = float(raw.get("leaseUntil", 0) or 0)
        not_before = float(raw.get("notBefore", 0) or 0)
        raise ClaimRefused(from_item(raw), max(until - now, not_before - now, 0.0)) from None
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
    """Append an attempt, set the new status and release the lease (only the lease holder may)."""
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
    removes = ["leaseId", "leaseUntil"]
    for name, value in changes.items():
        if value is not None:
            sets.append(f"#{name} = :{name}")
            values[f":{name}"] = value
            names[f"#{name}"] = name
        elif name != "providerMessageId":  # a provider id, once known, is kept
            removes.append(f"#{name}")
            names[f"#{name}"] = name
    db.table().update_item(
        Key={"pk": db.tenant_pk(tenant_id), "sk": f"DLV#{delivery_id}"},
        UpdateExpression="SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes),
        ConditionExpression=Attr("leaseId").eq(lease_id) if lease_id else Attr("pk").exists(),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def mark_final(tenant_id: str, delivery_id: str, status: str, code: str, error: str) -> None:
    """Close a delivery that never reached a provider (e.g. its channel was deleted)."""
    from herald.timeutil import iso

    db.table().update_item(
        Key={"pk": db.tenant_pk(tenant_id), "sk": f"DLV#{delivery_id}"},
        UpdateExpression="SET #status = :status, code = :code, #error = :error, updatedAt = :now "
        "REMOVE leaseId, leaseUntil",
        ExpressionAttributeNames={"#status": "status", "#error": "error"},
        ExpressionAttributeValues={":status": status, ":code": code, ":error": error, ":now": iso()},
    )
