"""Silences in DynamoDB: `T#<tenant>` / `SIL#<id>`, next to the tenant's rules (one query reads them all)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from herald import db


def put(tenant_id: str, silence: dict[str, Any]) -> None:
    item = {"pk": db.tenant_pk(tenant_id), "sk": f"SIL#{silence['id']}", "tenantId": tenant_id, **silence}
    db.table().put_item(Item=item)


def get(tenant_id: str, silence_id: str) -> dict[str, Any] | None:
    return db.table().get_item(Key={"pk": db.tenant_pk(tenant_id), "sk": f"SIL#{silence_id}"}).get("Item")


def list_page(
    tenant_id: str, limit: int, token: str | None, keep: Callable[[dict[str, Any]], bool]
) -> tuple[list[dict[str, Any]], str | None]:
    return db.query_page(pk=db.tenant_pk(tenant_id), sk_prefix="SIL#", limit=limit, token=token, keep=keep)


def all_silences(tenant_id: str) -> list[dict[str, Any]]:
    return list(db.query_all(pk=db.tenant_pk(tenant_id), sk_prefix="SIL#"))
