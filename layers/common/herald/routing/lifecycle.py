"""Firing/resolved pairing by dedup key: downtime for recoveries, flood control for repeats.

State per key (`T#<tenant>` / `INC#<dedupKey>`): whether it is firing, since when, and when Herald last
notified about it. Updates are conditional, so concurrent ingest functions agree on one answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from herald import db

FLOOD_WINDOW_SECONDS = 300
STATE_TTL_SECONDS = 90 * 24 * 3600


@dataclass(frozen=True)
class Verdict:
    notify: bool
    downtime_seconds: int | None = None


def _key(tenant_id: str, dedup_key: str) -> dict[str, str]:
    return {"pk": db.tenant_pk(tenant_id), "sk": f"INC#{dedup_key}"}


def on_firing(tenant_id: str, dedup_key: str, occurred_at: float, window: int = FLOOD_WINDOW_SECONDS) -> Verdict:
    """Record a firing event. notify=False when the key already fired within `window` seconds."""
    now = time.time()
    try:
        db.table().update_item(
            Key=_key(tenant_id, dedup_key),
            UpdateExpression="SET #state = :firing, lastNotifiedAt = :now, expiresAt = :ttl, "
            "firedAt = if_not_exists(firedAt, :at)",
            ConditionExpression=Attr("state").not_exists()
            | Attr("state").ne("firing")
            | Attr("lastNotifiedAt").lt(Decimal(str(now - window))),
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":firing": "firing",
                ":now": Decimal(str(round(now, 3))),
                ":at": Decimal(str(round(occurred_at, 3))),
                ":ttl": int(now) + STATE_TTL_SECONDS,
            },
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return Verdict(notify=False)
        raise
    return Verdict(notify=True)


def on_resolved(tenant_id: str, dedup_key: str, occurred_at: float) -> Verdict:
    """Record a recovery; its downtime is measured from the firing event Herald saw (if any)."""
    try:
        response = db.table().update_item(
            Key=_key(tenant_id, dedup_key),
            UpdateExpression="SET #state = :resolved, resolvedAt = :at REMOVE firedAt",
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
    return Verdict(notify=True, downtime_seconds=downtime)
