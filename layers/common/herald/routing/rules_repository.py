"""Routing rules in DynamoDB: `T#<tenant>` / `RULE#<id>`."""

from __future__ import annotations

from typing import Any

from herald import db


def put(tenant_id: str, rule: dict[str, Any]) -> None:
    db.table().put_item(Item={"pk": db.tenant_pk(tenant_id), "sk": f"RULE#{rule['id']}", "tenantId": tenant_id, **rule})


def get(tenant_id: str, rule_id: str) -> dict[str, Any] | None:
    return db.table().get_item(Key={"pk": db.tenant_pk(tenant_id), "sk": f"RULE#{rule_id}"}).get("Item")


def list_page(tenant_id: str, limit: int, token: str | None) -> tuple[list[dict[str, Any]], str | None]:
    return db.query_page(pk=db.tenant_pk(tenant_id), sk_prefix="RULE#", limit=limit, token=token)


def all_rules(tenant_id: str) -> list[dict[str, Any]]:
    return list(db.query_all(pk=db.tenant_pk(tenant_id), sk_prefix="RULE#"))


def delete(tenant_id: str, rule_id: str) -> bool:
    return db.delete_existing(db.tenant_pk(tenant_id), f"RULE#{rule_id}")
