"""DynamoDB plumbing shared by the repositories: the table, key shapes and page tokens.

One table; every item's partition key starts with its tenant (`T#<tenant>`), so one tenant's data
is one partition and no query can reach another tenant's items.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

from herald import aws
from herald.errors import InvalidRequest
from herald.settings import get_settings


def table() -> Any:
    return aws.table(get_settings().table_name)


def tenant_pk(tenant_id: str) -> str:
    return f"T#{tenant_id}"


def encode_token(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(token: str, pk: str) -> dict[str, Any]:
    """A page token back into a DynamoDB start key; refuses tokens of another tenant or listing."""
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError as exc:
        raise InvalidRequest("nextToken is not valid.", code="invalid_next_token") from exc
    if not isinstance(key, dict) or key.get("pk") != pk or not isinstance(key.get("sk"), str):
        raise InvalidRequest("nextToken is not valid.", code="invalid_next_token")
    return {"pk": key["pk"], "sk": key["sk"]}


def query_page(
    *,
    pk: str,
    sk_prefix: str,
    limit: int,
    token: str | None,
    keep: Callable[[dict[str, Any]], bool] = lambda _item: True,
    newest_first: bool = True,
) -> tuple[list[dict[str, Any]], str | None]:
    """Up to `limit` items of one partition whose sort key starts with `sk_prefix` and that `keep` accepts.

    The page token is the key of the last item returned, so every item is listed exactly once
    however filtering and DynamoDB's own pages fall.
    """
    from boto3.dynamodb.conditions import Key

    start = decode_token(token, pk) if token else None
    found: list[dict[str, Any]] = []
    while True:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(pk) & Key("sk").begins_with(sk_prefix),
            "ScanIndexForward": not newest_first,
            "Limit": max(limit, 25),
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        response = table().query(**kwargs)
        items = response.get("Items", [])
        more = response.get("LastEvaluatedKey")
        for index, item in enumerate(items):
            if not keep(item):
                continue
            found.append(item)
            if len(found) == limit:
                rest = index < len(items) - 1 or more is not None
                return found, encode_token({"pk": item["pk"], "sk": item["sk"]}) if rest else None
        if not more:
            return found, None
        start = more


def delete_existing(pk: str, sk: str) -> bool:
    """Delete an item; False (not an error) when there was none. Raises ClientError otherwise."""
    from boto3.dynamodb.conditions import Attr
    from botocore.exceptions import ClientError

    try:
        table().delete_item(Key={"pk": pk, "sk": sk}, ConditionExpression=Attr("pk").exists())
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def query_all(*, pk: str, sk_prefix: str) -> Iterator[dict[str, Any]]:
    """Every item of one partition under a sort-key prefix (bounded by the partition's size)."""
    from boto3.dynamodb.conditions import Key

    kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(pk) & Key("sk").begins_with(sk_prefix)}
    while True:
        response = table().query(**kwargs)
        yield from response.get("Items", [])
        if "LastEvaluatedKey" not in response:
            return
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
