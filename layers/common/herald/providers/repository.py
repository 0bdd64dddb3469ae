"""Provider settings in DynamoDB: `T#<tenant>` / `PROV#<provider>`, sealed like channel configs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from herald import db


@dataclass(frozen=True)
class ProviderItem:
    tenant_id: str
    provider: str
    sealed_config: bytes
    updated_at: str


def _from_item(item: dict[str, Any]) -> ProviderItem:
    config = item["config"]
    return ProviderItem(
        tenant_id=item["tenantId"],
        provider=item["provider"],
        sealed_config=bytes(config.value if hasattr(config, "value") else config),
        updated_at=item["updatedAt"],
    )


def put(entry: ProviderItem) -> None:
    db.table().put_item(
        Item={
            "pk": db.tenant_pk(entry.tenant_id),
            "sk": f"PROV#{entry.provider}",
            "tenantId": entry.tenant_id,
            "provider": entry.provider,
            "config": entry.sealed_config,
            "updatedAt": entry.updated_at,
        }
    )


def get(tenant_id: str, provider: str) -> ProviderItem | None:
    item = db.table().get_item(Key={"pk": db.tenant_pk(tenant_id), "sk": f"PROV#{provider}"}).get("Item")
    return _from_item(item) if item else None


def list_all(tenant_id: str) -> list[ProviderItem]:
    return [_from_item(item) for item in db.query_all(pk=db.tenant_pk(tenant_id), sk_prefix="PROV#")]
