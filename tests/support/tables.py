"""Reaching under the API into the table, as an attacker with table access or a later release would."""

from __future__ import annotations

from typing import Any

from herald.crypto import context_for, get_crypto
from herald.db import table, tenant_pk


def scan_all() -> list[dict[str, Any]]:
    """Every raw item of the table, every page."""
    response = table().scan()
    items = list(response["Items"])
    while "LastEvaluatedKey" in response:
        response = table().scan(ExclusiveStartKey=response["LastEvaluatedKey"])
        items += response["Items"]
    return items


def set_config(tenant_id: str, sort_key: str, sealed: Any) -> None:
    """Overwrite the `config` attribute of one item (a channel `CH#...` or provider settings `PROV#...`)."""
    table().update_item(
        Key={"pk": tenant_pk(tenant_id), "sk": sort_key},
        UpdateExpression="SET #config = :sealed",
        ExpressionAttributeNames={"#config": "config"},
        ExpressionAttributeValues={":sealed": sealed},
    )


def get_config(tenant_id: str, sort_key: str) -> Any:
    """The `config` attribute of one item, exactly as stored."""
    return table().get_item(Key={"pk": tenant_pk(tenant_id), "sk": sort_key})["Item"]["config"]


def reseal_channel_config(tenant_id: str, channel_id: str, document: dict[str, Any]) -> None:
    """Store `document` as the channel's config, properly sealed: as if an older release had written it."""
    set_config(tenant_id, f"CH#{channel_id}", get_crypto().seal_json(document, context_for(tenant_id, channel_id)))
