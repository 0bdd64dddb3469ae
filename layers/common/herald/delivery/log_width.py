"""The width of a tenant's delivery log: how many index partitions (shards) its listings spread over.

A new tenant's log starts FIRST_SHARDS wide, so a page of its log is two index queries. Each time DynamoDB
refuses a write of new deliveries for throughput the width doubles, up to LIST_SHARDS (herald.delivery.
repository.put_many). The width is kept on the tenant record and never shrinks, so every delivery ever
written sits in a shard below it: a listing reads it consistently and queries exactly those shards, while a
writer may use a width up to _WIDTH_SECONDS old (a narrower one only puts deliveries in fewer shards).
A tenant record without a width is from before widths (or there is no record): BEFORE_WIDTHS wide, where
deliveries written then sit (docs/SCALING.md).
"""

from __future__ import annotations

import time

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from herald import db
from herald.observability import logger

LIST_SHARDS = 32  # the widest log: index queries per page, and the write spread (docs/SCALING.md)
FIRST_SHARDS = 2  # a new tenant's log width
BEFORE_WIDTHS = 32  # the width every log had before widths: where deliveries without a `shard` sit, for good
LOG_WIDTH = "logShards"  # the tenant record's attribute holding it
_WIDTH_SECONDS = 30.0  # how long a writer uses a width it read before reading it again

_widths: dict[str, tuple[int, float]] = {}  # tenant -> (log width, when it was read)


def _tenant_key(tenant_id: str) -> dict[str, str]:
    return {"pk": db.tenant_pk(tenant_id), "sk": "TENANT"}


def log_width(tenant_id: str, *, fresh: bool = False) -> int:
    """How many shards the tenant's log spreads over; `fresh` for a listing, else up to 30 s old.

    A tenant record without a width is from before widths (or there is no record): BEFORE_WIDTHS.
    """
    known = _widths.get(tenant_id)
    if not fresh and known and time.monotonic() - known[1] < _WIDTH_SECONDS:
        return known[0]
    item = (
        db.table().get_item(Key=_tenant_key(tenant_id), ConsistentRead=True, ProjectionExpression=LOG_WIDTH).get("Item")
    )
    if item is None:  # no record yet: nothing to remember, as the record may be made with a narrower width
        return BEFORE_WIDTHS
    width = int(item.get(LOG_WIDTH, BEFORE_WIDTHS))
    _widths[tenant_id] = (width, time.monotonic())
    return width


def widen(tenant_id: str, seen: int) -> int:
    """Double the tenant's log width from `seen` (once, whoever asks first, at most LIST_SHARDS); the width now."""
    if seen >= LIST_SHARDS:
        return seen
    wider = min(LIST_SHARDS, 2 * seen)
    unchanged = Attr(LOG_WIDTH).eq(seen)
    if seen == BEFORE_WIDTHS:  # a record from before widths has none, and is that wide
        unchanged |= Attr(LOG_WIDTH).not_exists()
    try:
        db.table().update_item(
            Key=_tenant_key(tenant_id),
            UpdateExpression="SET #width = :wider",
            ConditionExpression=Attr("pk").exists() & unchanged,
            ExpressionAttributeNames={"#width": LOG_WIDTH},
            ExpressionAttributeValues={":wider": wider},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return log_width(tenant_id, fresh=True)  # widened by another writer already
    logger.info("Delivery log widened", extra={"tenantId": tenant_id, "shards": wider, "was": seen})
    _widths[tenant_id] = (wider, time.monotonic())
    return wider


def forget() -> None:
    """Drop the widths read so far (tests that start a new table)."""
    _widths.clear()
