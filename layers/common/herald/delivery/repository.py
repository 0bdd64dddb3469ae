"""The delivery log in DynamoDB, kept 30 days (TTL `expiresAt`).

Every delivery is its own partition, `T#<tenant>#DLV#<id>` / `DLV#<id>`: one tenant's writes spread over
the whole table instead of one hot key range, and a read by id is one GetItem. The log is listed through
four keys-only indexes, one per filter (none, channel, status, both); each listing's entries are spread
over the tenant's log width of index partitions (shards) by a hash of the delivery id, so no index key is
hot either. A page is a lazy merge of the shards' queries, newest first (db.merged_index_page), then one
BatchGetItem (docs/ARCHITECTURE.md, docs/SCALING.md).

The width grows with the tenant (herald.delivery.log_width). Each delivery keeps the shard it was given
(`shard`); one written before widths existed has none, and sits where a hash over BEFORE_WIDTHS puts it,
as its tenant's record has no width and counts as that wide.
Items of the old layout (`T#<tenant>` / `DLV#<id>`) are moved by `make migrate`, or when first touched.

The record is also the delivery's state machine: a claim (conditional update with a lease) makes
sure one sender works on a delivery at a time and that a delivered one is never sent again. The lease is
also the record of an attempt under way, written before the send: an attempt's outcome releases it, so a
lease that expired unreleased means its sender stopped somewhere between the claim and the outcome (it
may have sent). The next claim then ends the delivery `unknown` instead of sending it again.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import BotoCoreError, ClientError

from herald import db
from herald.delivery.log_width import BEFORE_WIDTHS, log_width, widen
from herald.ids import time_floor
from herald.models.delivery import REDRIVABLE, Attempt, Delivery
from herald.observability import logger
from herald.timeutil import iso

RETENTION_SECONDS = 30 * 24 * 3600
_THROTTLED = frozenset({"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"})
_PUT_ROUNDS = 12  # BatchWriteItem calls per 25 deliveries before a throttled write gives up (~15 s of pauses)

# Listing filters (by channel?, by status?) -> the index that answers them and its partition key attribute.
INDEXES: dict[tuple[bool, bool], tuple[str, str]] = {
    (False, False): ("DeliveriesByTenant", "listAll"),
    (True, False): ("DeliveriesByChannel", "listChannel"),
    (False, True): ("DeliveriesByStatus", "listStatus"),
    (True, True): ("DeliveriesByChannelStatus", "listChannelStatus"),
}


def shard(delivery_id: str, width: int = BEFORE_WIDTHS) -> int:
    """The index partition of a delivery within each listing (a stable hash: never Python's salted hash)."""
    return zlib.crc32(delivery_id.encode()) % width


def new_shard(tenant_id: str, delivery_id: str) -> int:
    """A new delivery's shard, within the tenant's log width."""
    return shard(delivery_id, log_width(tenant_id))


def _key(tenant_id: str, delivery_id: str) -> dict[str, str]:
    return {"pk": f"{db.tenant_pk(tenant_id)}#DLV#{delivery_id}", "sk": f"DLV#{delivery_id}"}


def _legacy_key(tenant_id: str, delivery_id: str) -> dict[str, str]:
    return {"pk": db.tenant_pk(tenant_id), "sk": f"DLV#{delivery_id}"}


def _scope(tenant_id: str, channel_id: str | None, status: str | None) -> str:
    """A listing's index key without its shard: `T#<tenant>#DLV`, then `#CH#<channel>` and `#ST#<status>`."""
    scope = f"{db.tenant_pk(tenant_id)}#DLV"
    if channel_id is not None:
        scope += f"#CH#{channel_id}"
    if status is not None:
        scope += f"#ST#{status}"
    return scope


def _index_keys(
    tenant_id: str,
    delivery_id: str,
    stored_shard: int | None,
    channel_id: str | None,
    status: str,
    *,
    status_only: bool = False,
) -> dict[str, str]:
    """The attributes that put a delivery in every listing it belongs to (or in those that depend on status)."""
    suffix = f"#{shard(delivery_id) if stored_shard is None else stored_shard:02d}"
    keys: dict[str, str] = {}
    for (by_channel, by_status), (_, attribute) in INDEXES.items():
        if (by_channel and channel_id is None) or (status_only and not by_status):
            continue
        scope = _scope(tenant_id, channel_id if by_channel else None, status if by_status else None)
        keys[attribute] = scope + suffix
    return keys


def _status_update(delivery: Delivery, status: str) -> tuple[str, dict[str, str]]:
    """`SET` clauses (each with a leading comma) and values moving a delivery to `status`'s listings."""
    keys = _index_keys(delivery.tenant_id, delivery.id, delivery.shard, delivery.channel_id, status, status_only=True)
    return "".join(f", {name} = :{name}" for name in keys), {f":{name}": value for name, value in keys.items()}


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
        **_key(delivery.tenant_id, delivery.id),
        **_index_keys(delivery.tenant_id, delivery.id, delivery.shard, delivery.channel_id, delivery.status),
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
        "shard": delivery.shard,
        "eventId": delivery.event_id,
        "suppressedBy": delivery.suppressed_by,
        "step": delivery.step,
        "reminder": delivery.reminder,
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
        suppressed_by=item.get("suppressedBy"),
        step=item.get("step"),
        reminder=item.get("reminder"),
        shard=item.get("shard"),
    )


def put_many(
    deliveries: list[Delivery], *, leases: list[str] | None = None, lease_seconds: float = 0.0
) -> list[Delivery]:
    """Write new delivery records, 25 per BatchWriteItem; all of them, or none.

    Writes DynamoDB refuses for throughput (a throttling error, or items handed back unprocessed) widen
    their tenants' logs for the deliveries to come, and are sent again after a pause that doubles; after
    _PUT_ROUNDS calls the throttling error is raised. When any write fails for good, the deliveries this
    call had written are taken out again before the error goes on, so a request that fails leaves nothing
    in the log (docs/API.md, "Idempotency": its retry does the work).

    With `leases`, one per delivery, each is written already claimed by its lease for a first attempt
    that starts now: an inline attempt's delivery is known to no other sender, so a claim of its own
    (a conditional write) would only repeat this one. Returns the deliveries as stored (as `claim`
    returns them: one attempt counted).
    """
    if leases is not None:
        until = _lease_until(time.time(), lease_seconds)
        deliveries = [replace(d, attempt_count=d.attempt_count + 1) for d in deliveries]
        items = [
            {**to_item(d), "leaseId": lease, "leaseUntil": until} for d, lease in zip(deliveries, leases, strict=True)
        ]
    else:
        items = [to_item(d) for d in deliveries]
    attempted = 0
    try:
        while attempted < len(items):
            attempted += 25
            _put_chunk(items[attempted - 25 : attempted])
    except Exception:
        _take_out(deliveries[:attempted])
        raise
    return deliveries


def _put_chunk(chunk: list[dict[str, Any]]) -> None:
    writes = [{"PutRequest": {"Item": item}} for item in chunk]
    for round_number in range(_PUT_ROUNDS):
        if round_number:
            time.sleep(min(2.0, 0.05 * 2 ** (round_number - 1)))
        try:
            writes = db.batch_write(writes)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in _THROTTLED or round_number == _PUT_ROUNDS - 1:
                raise
        if not writes:
            return
        for tenant_id in {str(write["PutRequest"]["Item"]["tenantId"]) for write in writes}:
            widen(tenant_id, log_width(tenant_id))
    raise ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": f"{len(writes)} deliveries were not written"}},
        "BatchWriteItem",
    )


def _take_out(deliveries: list[Delivery]) -> None:
    """Delete these deliveries if they were written (best effort: three calls, then a warning)."""
    for start in range(0, len(deliveries), 25):
        deletes = [{"DeleteRequest": {"Key": _key(d.tenant_id, d.id)}} for d in deliveries[start : start + 25]]
        for _ in range(3):
            try:
                deletes = db.batch_write(deletes)
            except (BotoCoreError, ClientError):
                continue
            if not deletes:
                break
        else:
            logger.warning("Deliveries of a failed request left in the log", extra={"count": len(deletes)})


def get(tenant_id: str, delivery_id: str, *, consistent: bool = False) -> Delivery | None:
    raw = _raw(tenant_id, delivery_id, consistent=consistent)
    return from_item(raw) if raw else None


def _raw(tenant_id: str, delivery_id: str, *, consistent: bool = False) -> dict[str, Any] | None:
    """The stored item; one of the old layout is moved first (the migration may not have reached it yet)."""
    key = _key(tenant_id, delivery_id)
    item = db.table().get_item(Key=key, ConsistentRead=consistent).get("Item")
    if item is None and adopt_legacy(tenant_id, delivery_id):
        item = db.table().get_item(Key=key, ConsistentRead=True).get("Item")
    return item


def list_page(
    tenant_id: str,
    limit: int,
    token: str | None,
    *,
    channel_id: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[Delivery], str | None]:
    """A page of the log, newest first, from the index made for these filters (never a filtered partition).

    `since` (inclusive) and `until` (exclusive) bound the sort key, whose id starts with its creation time.
    """
    index, attribute = INDEXES[(channel_id is not None, status is not None)]
    scope = _scope(tenant_id, channel_id, status)
    from_key, below_key = (None if moment is None else f"DLV#{time_floor('dlv', moment)}" for moment in (since, until))
    keys, next_token = db.merged_index_page(
        index=index,
        attribute=attribute,
        partitions=[f"{scope}#{number:02d}" for number in range(log_width(tenant_id, fresh=True))],
        scope=scope if since is None and until is None else f"{scope}|{from_key or ''}|{below_key or ''}",
        limit=limit,
        token=token,
        from_key=from_key,
        below_key=below_key,
    )
    deliveries = [from_item(item) for item in db.batch_get(keys)]
    # An index follows its table within a moment: a delivery that has just left the status is left out.
    return [d for d in deliveries if status is None or d.status == status], next_token


def move_legacy(item: dict[str, Any]) -> None:
    """Move one delivery of the old layout (`T#<tenant>` / `DLV#<id>`) to its own key, with its index keys.

    Safe to repeat and to interrupt: the new item is written only if absent (one already there is the
    newer), and the old one is deleted after.
    """
    tenant_id, delivery_id = str(item["tenantId"]), str(item["deliveryId"])
    placed = new_shard(tenant_id, delivery_id)  # within the tenant's width, whenever its record was made
    moved = {
        **item,
        **_key(tenant_id, delivery_id),
        **_index_keys(tenant_id, delivery_id, placed, item.get("channelId"), str(item["status"])),
        "shard": placed,
    }
    try:
        db.table().put_item(Item=moved, ConditionExpression=Attr("pk").not_exists())
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    db.table().delete_item(Key=_legacy_key(tenant_id, delivery_id))


def adopt_legacy(tenant_id: str, delivery_id: str) -> bool:
    """Move the delivery if it is still stored the old way; False when there is no such item."""
    item = db.table().get_item(Key=_legacy_key(tenant_id, delivery_id), ConsistentRead=True).get("Item")
    if item is None:
        return False
    move_legacy(item)
    return True


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


def _lease_until(now: float, lease_seconds: float) -> Decimal:
    return Decimal(str(round(now + lease_seconds, 3)))


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
                ":until": _lease_until(now, lease_seconds),
                ":one": 1,
            },
            ReturnValues="ALL_NEW",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        raw = db.table().get_item(Key=_key(tenant_id, delivery_id), ConsistentRead=True).get("Item")
        if raw is None:
            if adopt_legacy(tenant_id, delivery_id):  # stored the old way: claim it where it is now
                return claim(tenant_id, delivery_id, lease_id, lease_seconds)
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
    listed, listed_values = _status_update(delivery, "unknown")
    try:
        response = db.table().update_item(
            Key=_key(delivery.tenant_id, delivery.id),
            UpdateExpression="SET #status = :unknown, code = :code, #error = :error, updatedAt = :now, "
            f"abandonedLease = :lease, attempts = list_append(attempts, :entry){listed} "
            "REMOVE leaseId, leaseUntil, notBefore",
            ConditionExpression=Attr("leaseId").eq(lease_id),
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues={
                ":unknown": "unknown",
                ":code": "outcome_unknown",
                ":error": error,
                ":now": now,
                ":lease": lease_id,
                ":entry": [entry.to_wire()],
                **listed_values,
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
    current = get(tenant_id, delivery_id, consistent=True)
    if current is None:
        raise ClaimRefused(None)
    now = iso()
    condition = Attr("status").is_in(sorted(REDRIVABLE))
    if attempt_count is not None:
        condition &= Attr("attemptCount").eq(attempt_count)
    listed, listed_values = _status_update(current, "queued")
    try:
        response = db.table().update_item(
            Key=_key(tenant_id, delivery_id),
            UpdateExpression="SET #status = :queued, updatedAt = :now, attemptBase = attemptCount, "
            f"attempts = list_append(attempts, :entry){listed} REMOVE code, #error, notBefore, abandonedLease",
            ConditionExpression=condition,
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues={
                ":queued": "queued",
                ":now": now,
                ":entry": [{"attempt": None, "time": now, "status": "redriven"}],
                **listed_values,
            },
            ReturnValues="ALL_NEW",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        raise ClaimRefused(get(tenant_id, delivery_id)) from None
    return from_item(response["Attributes"])


def record_attempt(
    delivery: Delivery,
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
    changes.update(
        _index_keys(delivery.tenant_id, delivery.id, delivery.shard, delivery.channel_id, status, status_only=True)
    )
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
        Key=_key(delivery.tenant_id, delivery.id),
        UpdateExpression="SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes),
        ConditionExpression=(Attr("leaseId").eq(lease_id) | Attr("abandonedLease").eq(lease_id))
        if lease_id
        else Attr("pk").exists(),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def mark_final(delivery: Delivery, status: str, code: str, error: str) -> None:
    """Close a delivery that never reached a provider (e.g. it could not be queued)."""
    listed, listed_values = _status_update(delivery, status)
    db.table().update_item(
        Key=_key(delivery.tenant_id, delivery.id),
        UpdateExpression=f"SET #status = :status, code = :code, #error = :error, updatedAt = :now{listed} "
        "REMOVE leaseId, leaseUntil",
        ExpressionAttributeNames={"#status": "status", "#error": "error"},
        ExpressionAttributeValues={":status": status, ":code": code, ":error": error, ":now": iso(), **listed_values},
    )
