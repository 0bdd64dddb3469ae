"""DynamoDB plumbing shared by the repositories: the table, key shapes and page tokens.

One table; every item's partition key starts with its tenant (`T#<tenant>`), so no query can reach
another tenant's items. A tenant's settings (channels, keys, rules...) share the partition `T#<tenant>`;
its deliveries, written thousands of times faster, each have their own (docs/ARCHITECTURE.md, SCALING.md).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from herald import aws
from herald.errors import InvalidRequest
from herald.settings import get_settings


def table() -> aws.Table:
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


def encode_cursor(scope: str, before: str) -> str:
    return encode_token({"v": 2, "scope": scope, "before": before})


def decode_cursor(token: str, scope: str) -> str:
    """The sort key a merged page token continues below; refuses tokens of another listing or format."""
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError as exc:
        raise InvalidRequest("nextToken is not valid.", code="invalid_next_token") from exc
    if isinstance(key, dict) and "pk" in key and "v" not in key:
        raise InvalidRequest(
            "nextToken comes from an older version of this listing; list again without nextToken.",
            code="invalid_next_token",
        )
    if not isinstance(key, dict) or key.get("scope") != scope or not isinstance(key.get("before"), str):
        raise InvalidRequest("nextToken is not valid.", code="invalid_next_token")
    return str(key["before"])


def merged_index_page(
    *,
    index: str,
    attribute: str,
    partitions: Sequence[str],
    scope: str,
    limit: int,
    token: str | None,
    from_key: str | None = None,
    below_key: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The keys of the newest `limit` entries of an index listing whose writes are spread over `partitions`.

    A lazy merge: each partition is first asked for about twice its fair share of the page (its newest keys
    below the token's sort key), and only a partition whose every key read so far made the page is asked
    for more, from where it stopped. Writes spread evenly over the partitions, so a page reads about
    `2 * limit` keys in `len(partitions)` queries plus a few, however long the listing; a listing that sits
    in one partition costs more queries, never a wrong page. The token is the last sort key returned, bound
    to `scope` (the listing). Sort keys can be held to `from_key` <= key < `below_key` in the key condition,
    so a range costs what a page does.
    """
    from boto3.dynamodb.conditions import Key

    before = decode_cursor(token, scope) if token else None
    upper = min((key for key in (before, below_key) if key is not None), default=None)
    client, name = table().client, table().name

    # A key condition holds one comparison: both bounds take BETWEEN, which includes its upper end, so an
    # entry at that end may come back, and is dropped.
    if from_key is not None and upper is not None:
        if upper <= from_key:
            return [], None
        bound = Key("sk").between(from_key, upper)
    elif from_key is not None:
        bound = Key("sk").gte(from_key)
    else:
        bound = None if upper is None else Key("sk").lt(upper)

    read: dict[str, list[dict[str, Any]]] = {partition: [] for partition in partitions}  # newest first
    resume: dict[str, dict[str, Any] | None] = {}  # where each partition's next query starts; None: read out
    asked = dict.fromkeys(partitions, max(2, -(-2 * limit // len(partitions))))

    def more_of(partition: str) -> None:
        condition = Key(attribute).eq(partition)
        if bound is not None:
            condition &= bound
        start = {"ExclusiveStartKey": resume[partition]} if resume.get(partition) else {}
        response = client.query(
            TableName=name,
            IndexName=index,
            KeyConditionExpression=condition,
            ScanIndexForward=False,
            Limit=asked[partition],
            **start,
        )
        read[partition] += [item for item in response.get("Items", []) if item["sk"] != upper]
        resume[partition] = response.get("LastEvaluatedKey")

    pending = list(partitions)
    with ThreadPoolExecutor(max_workers=min(len(partitions), 16)) as pool:
        # Each round a pending partition has at least twice as many keys read, or is read out: few rounds.
        for _ in range(2 * limit.bit_length() + 2):
            list(pool.map(more_of, pending))
            found = sorted((item for items in read.values() for item in items), key=_sort_key, reverse=True)
            cutoff = found[limit - 1]["sk"] if len(found) >= limit else None
            # A partition whose oldest key read is still above the page's oldest may hold more of the page.
            pending = [
                partition
                for partition in partitions
                if resume[partition] is not None
                and (cutoff is None or not read[partition] or read[partition][-1]["sk"] > cutoff)
            ]
            if not pending:
                break
            for partition in pending:
                asked[partition] = min(limit + 1, 2 * asked[partition])
        else:  # pragma: no cover - the rounds above always suffice
            raise AssertionError("the merged page did not settle")
    page = found[:limit]
    more = len(found) > limit or any(where is not None for where in resume.values())
    keys = [{"pk": item["pk"], "sk": item["sk"]} for item in page]
    return keys, encode_cursor(scope, page[-1]["sk"]) if page and more else None


def _sort_key(item: dict[str, Any]) -> str:
    return str(item["sk"])


def batch_get(keys: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of `keys` in that order (BatchGetItem, 100 keys a call); missing ones are left out."""
    client, name = table().client, table().name  # the table's client (de)serialises values itself
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(keys), 100):
        request: dict[str, Any] = {name: {"Keys": list(keys[start : start + 100])}}
        for _ in range(10):
            response = client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(name, []):
                found[(item["pk"], item["sk"])] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
    return [found[(key["pk"], key["sk"])] for key in keys if (key["pk"], key["sk"]) in found]


def batch_write(requests: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One BatchWriteItem of up to 25 `PutRequest`/`DeleteRequest`s; the ones DynamoDB handed back unprocessed."""
    client, name = table().client, table().name
    answer = client.batch_write_item(RequestItems={name: list(requests)})
    return list(answer.get("UnprocessedItems", {}).get(name, []))


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
