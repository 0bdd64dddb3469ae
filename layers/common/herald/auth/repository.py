"""API keys and tenants in DynamoDB. Keys are found by digest through the ByLookup index."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from herald import db
from herald.auth.models import ApiKey, TenantUsage, UsageKey
from herald.auth.roles import Role
from herald.delivery.log_width import FIRST_SHARDS, LOG_WIDTH
from herald.timeutil import iso, utcnow

LOOKUP_INDEX = "ByLookup"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _key_item_to_model(item: dict[str, Any]) -> ApiKey:
    return ApiKey(
        id=item["keyId"],
        tenant_id=item["tenantId"],
        role=Role.parse(item["role"]),
        name=item["name"],
        prefix=item["prefix"],
        created_at=item["createdAt"],
        last_used_at=item.get("lastUsedAt"),
    )


def put_tenant(tenant_id: str) -> bool:
    """Create the tenant record if absent; True when it was created now."""
    try:
        db.table().put_item(
            Item={
                "pk": db.tenant_pk(tenant_id),
                "sk": "TENANT",
                "tenantId": tenant_id,
                "createdAt": iso(),
                LOG_WIDTH: FIRST_SHARDS,  # a new tenant's delivery log starts narrow
            },
            ConditionExpression=Attr("pk").not_exists(),
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def tenant_exists(tenant_id: str) -> bool:
    return "Item" in db.table().get_item(Key={"pk": db.tenant_pk(tenant_id), "sk": "TENANT"})


def tenant_usage(tenant_id: str) -> TenantUsage | None:
    """The tenant's usage key and plan, read consistently; None before it has one."""
    item = db.table().get_item(Key={"pk": db.tenant_pk(tenant_id), "sk": "TENANT"}, ConsistentRead=True).get("Item")
    if not item or "usageKeyId" not in item:
        return None
    return TenantUsage(key=UsageKey(id=item["usageKeyId"], value=item["usageKey"]), plan_id=item["usagePlanId"])


def usage_key_value(tenant_id: str) -> str | None:
    """Only the tenant's usage key value: what the authorizer answers as usageIdentifierKey."""
    item = (
        db.table()
        .get_item(Key={"pk": db.tenant_pk(tenant_id), "sk": "TENANT"}, ProjectionExpression="usageKey")
        .get("Item")
    )
    return str(item["usageKey"]) if item and "usageKey" in item else None


def put_usage_key(tenant_id: str, key: UsageKey, plan_id: str) -> bool:
    """Record the tenant's usage key unless it has one already (True when this one was recorded)."""
    try:
        db.table().update_item(
            Key={"pk": db.tenant_pk(tenant_id), "sk": "TENANT"},
            UpdateExpression="SET usageKeyId = :id, usageKey = :value, usagePlanId = :plan",
            ConditionExpression=Attr("pk").exists() & Attr("usageKeyId").not_exists(),
            ExpressionAttributeValues={":id": key.id, ":value": key.value, ":plan": plan_id},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def set_usage_plan(tenant_id: str, plan_id: str) -> None:
    db.table().update_item(
        Key={"pk": db.tenant_pk(tenant_id), "sk": "TENANT"},
        UpdateExpression="SET usagePlanId = :plan",
        ConditionExpression=Attr("usageKeyId").exists(),
        ExpressionAttributeValues={":plan": plan_id},
    )


def put_key(key: ApiKey, digest: str) -> None:
    db.table().put_item(
        Item={
            "pk": db.tenant_pk(key.tenant_id),
            "sk": f"KEY#{key.id}",
            "lookup": f"KEY#{digest}",
            "keyId": key.id,
            "tenantId": key.tenant_id,
            "role": key.role.name,
            "name": key.name,
            "prefix": key.prefix,
            "createdAt": key.created_at,
        },
        ConditionExpression=Attr("pk").not_exists(),
    )


def find_key_by_digest(digest: str) -> ApiKey | None:
    response = db.table().query(IndexName=LOOKUP_INDEX, KeyConditionExpression=Key("lookup").eq(f"KEY#{digest}"))
    items = response.get("Items", [])
    return _key_item_to_model(items[0]) if items else None


def get_key(tenant_id: str, key_id: str) -> ApiKey | None:
    item = db.table().get_item(Key={"pk": db.tenant_pk(tenant_id), "sk": f"KEY#{key_id}"}).get("Item")
    return _key_item_to_model(item) if item else None


def list_keys(tenant_id: str, limit: int, token: str | None) -> tuple[list[ApiKey], str | None]:
    items, next_token = db.query_page(pk=db.tenant_pk(tenant_id), sk_prefix="KEY#", limit=limit, token=token)
    return [_key_item_to_model(item) for item in items], next_token


def delete_key(tenant_id: str, key_id: str) -> bool:
    return db.delete_existing(db.tenant_pk(tenant_id), f"KEY#{key_id}")


def all_keys(tenant_id: str) -> list[ApiKey]:
    """Every key of the tenant (a tenant has few), read consistently."""
    return [_key_item_to_model(item) for item in db.query_all(pk=db.tenant_pk(tenant_id), sk_prefix="KEY#")]


def keys_version(tenant_id: str) -> int:
    """The tenant's key-set version: deleting an admin key moves it on (optimistic concurrency)."""
    item = db.table().get_item(Key={"pk": db.tenant_pk(tenant_id), "sk": "TENANT"}, ConsistentRead=True).get("Item")
    return int((item or {}).get("keysVersion", 0))


def delete_key_if_unchanged(tenant_id: str, key_id: str, version: int) -> bool:
    """Delete the key and move the key-set version on, only if nobody did so since `version` was read.

    False when another deletion came first (read again and decide again). Raises ClientError otherwise.
    """
    pk = db.tenant_pk(tenant_id)
    client = db.table().client
    try:
        client.transact_write_items(
            TransactItems=[
                {
                    "Delete": {
                        "TableName": db.table().name,
                        "Key": {"pk": pk, "sk": f"KEY#{key_id}"},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {
                    "Update": {
                        "TableName": db.table().name,
                        "Key": {"pk": pk, "sk": "TENANT"},
                        "UpdateExpression": "SET keysVersion = :next",
                        "ConditionExpression": "attribute_not_exists(keysVersion) OR keysVersion = :seen",
                        "ExpressionAttributeValues": {":next": version + 1, ":seen": version},
                    }
                },
            ]
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "TransactionCanceledException":
            return False
        raise
    return True


def touch_key(tenant_id: str, key_id: str) -> None:
    """Record use, at most once a minute per key (a conditional write; losing the race is fine)."""
    now = utcnow()
    try:
        db.table().update_item(
            Key={"pk": db.tenant_pk(tenant_id), "sk": f"KEY#{key_id}"},
            UpdateExpression="SET lastUsedAt = :now",
            ConditionExpression=Attr("pk").exists()
            & (Attr("lastUsedAt").not_exists() | Attr("lastUsedAt").lt(iso(now - LAST_USED_RESOLUTION))),
            ExpressionAttributeValues={":now": iso(now)},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
