"""Time intervals in DynamoDB: `T#<tenant>` / `TI#<id>`."""

from __future__ import annotations

from typing import Any

from herald import db


def put(tenant_id: str, interval: dict[str, Any]) -> None:
    item = {"pk": db.tenant_pk(tenant_id), "sk": f"TI#{interval['id']}", "tenantId": tenant_id, **interval}
    db.table().put_item(Item=item)


def get(tenant_id: str, interval_id: str) -> dict[str, Any] | None:
    return db.table().get_item(Key={"pk": db.tenant_pk(tenant_id), "sk": f"TI#{interval_id}"}).get("Item")


def get_many(tenant_id: str, interval_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The tenant's intervals among `interval_ids`, by id (unknown ids are left out)."""
    keys = [{"pk": db.tenant_pk(tenant_id), "sk": f"TI#{iid}"} for iid in dict.fromkeys(interval_ids)]
    return {str(item["id"]): item for item in db.batch_get(keys)}


def list_page(tenant_id: str, limit: int, token: str | None) -> tuple[list[dict[str, Any]], str | None]:
    return db.query_page(pk=db.tenant_pk(tenant_id), sk_prefix="TI#", limit=limit, token=token)


def delete(tenant_id: str, interval_id: str) -> bool:
    return db.delete_existing(db.tenant_pk(tenant_id), f"TI#{interval_id}")
