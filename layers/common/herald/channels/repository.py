"""Channels in DynamoDB: `T#<tenant>` / `CH#<id>`, config sealed with KMS (see crypto.py)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from herald import db


@dataclass(frozen=True)
class ChannelItem:
    """A channel as stored: everything but the config is plain; the config is one sealed blob."""

    id: str
    tenant_id: str
    name: str
    kind: str
    enabled: bool
    events: tuple[str, ...] | None
    sealed_config: bytes
    summary: str
    created_at: str
    updated_at: str
    version: int
    template: dict[str, Any] | None = None  # plain: a template holds no secret (it cannot read the config)

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": db.tenant_pk(self.tenant_id),
            "sk": f"CH#{self.id}",
            "channelId": self.id,
            "tenantId": self.tenant_id,
            "name": self.name,
            "kind": self.kind,
            "enabled": self.enabled,
            "config": self.sealed_config,
            "summary": self.summary,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "version": self.version,
        }
        if self.events is not None:
            item["events"] = list(self.events)
        if self.template is not None:
            item["template"] = self.template
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> ChannelItem:
        config = item["config"]
        return cls(
            id=item["channelId"],
            tenant_id=item["tenantId"],
            name=item["name"],
            kind=item["kind"],
            enabled=bool(item["enabled"]),
            events=tuple(item["events"]) if "events" in item else None,
            sealed_config=bytes(config.value if hasattr(config, "value") else config),
            summary=item.get("summary", ""),
            created_at=item["createdAt"],
            updated_at=item["updatedAt"],
            version=int(item.get("version", 1)),
            template=item.get("template"),
        )


def put_new(channel: ChannelItem) -> None:
    db.table().put_item(Item=channel.to_item(), ConditionExpression=Attr("pk").not_exists())


def replace(channel: ChannelItem, expected_version: int) -> bool:
    """Write a changed channel if nobody changed it since `expected_version` was read."""
    try:
        db.table().put_item(Item=channel.to_item(), ConditionExpression=Attr("version").eq(expected_version))
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def get(tenant_id: str, channel_id: str) -> ChannelItem | None:
    item = db.table().get_item(Key={"pk": db.tenant_pk(tenant_id), "sk": f"CH#{channel_id}"}).get("Item")
    return ChannelItem.from_item(item) if item else None


def get_many(tenant_id: str, channel_ids: list[str]) -> dict[str, ChannelItem]:
    """One tenant's channels by id (missing ids are simply absent)."""
    return {channel_id: item for (_, channel_id), item in get_keys((tenant_id, cid) for cid in channel_ids).items()}


def get_keys(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], ChannelItem]:
    """Channels by (tenant, id), of one tenant or several, in BatchGetItem calls of 100; missing ones are absent."""
    unique = list(dict.fromkeys(keys))
    items = db.batch_get([{"pk": db.tenant_pk(tenant_id), "sk": f"CH#{cid}"} for tenant_id, cid in unique])
    channels = (ChannelItem.from_item(item) for item in items)
    return {(channel.tenant_id, channel.id): channel for channel in channels}


def list_page(
    tenant_id: str, limit: int, token: str | None, kind: str | None, enabled: bool | None
) -> tuple[list[ChannelItem], str | None]:
    def keep(item: dict[str, Any]) -> bool:
        return (kind is None or item["kind"] == kind) and (enabled is None or bool(item["enabled"]) == enabled)

    items, next_token = db.query_page(pk=db.tenant_pk(tenant_id), sk_prefix="CH#", limit=limit, token=token, keep=keep)
    return [ChannelItem.from_item(item) for item in items], next_token


def all_channels(tenant_id: str) -> Iterator[ChannelItem]:
    for item in db.query_all(pk=db.tenant_pk(tenant_id), sk_prefix="CH#"):
        yield ChannelItem.from_item(item)


def delete(tenant_id: str, channel_id: str) -> bool:
    return db.delete_existing(db.tenant_pk(tenant_id), f"CH#{channel_id}")
