"""The delivery log's lazy merge over its index shards (db.merged_index_page) against DynamoDB (moto).

However the entries fall over the shards - evenly, all in one, most in a few - and whatever the page size
and window, paging returns exactly the entries of the window, newest first, each once.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from herald import db
from tests.integration.conftest import LocalAws

SHARDS = 8
INDEX, ATTRIBUTE = "DeliveriesByTenant", "listAll"
_listings = count()

# Each entry: the shard it was written to, and its sort key's number (unique within a listing). About half
# the entries crowd into shard 0, so the page often needs more of one shard than its fair share.
shards = st.integers(0, SHARDS - 1) | st.just(0)
spreads = st.lists(st.tuples(shards, st.integers(0, 999)), max_size=60, unique_by=lambda entry: entry[1])


def sort_key(number: int) -> str:
    return f"DLV#{number:04d}"


def every_page(scope: str, limit: int, from_key: str | None, below_key: str | None) -> list[str]:
    listed: list[str] = []
    token = None
    for _ in range(200):
        keys, token = db.merged_index_page(
            index=INDEX,
            attribute=ATTRIBUTE,
            partitions=[f"{scope}#{n:02d}" for n in range(SHARDS)],
            scope=scope,
            limit=limit,
            token=token,
            from_key=from_key,
            below_key=below_key,
        )
        assert len(keys) <= limit
        listed += [key["sk"] for key in keys]
        if token is None:
            return listed
    raise AssertionError("paging did not end within 200 pages")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=settings().max_examples // 2)
@given(
    spread=spreads,
    limit=st.integers(1, 25),
    window=st.tuples(st.none() | st.integers(0, 999), st.none() | st.integers(0, 999)),
)
def test_pages_hold_exactly_the_window_newest_first_however_the_shards_fill(
    aws: LocalAws, spread: list[tuple[int, int]], limit: int, window: tuple[int | None, int | None]
) -> None:
    scope = f"T#merge-{next(_listings)}#DLV"
    items: list[dict[str, Any]] = [
        {"pk": f"{scope}#E{number}", "sk": sort_key(number), ATTRIBUTE: f"{scope}#{where:02d}"}
        for where, number in spread
    ]
    with db.table().batch_writer() as batch:
        for item in items:
            batch.put_item(Item=item)
    since, until = window
    from_key = None if since is None else sort_key(since)
    below_key = None if until is None else sort_key(until)

    expected = sorted(
        (
            sort_key(number)
            for _, number in spread
            if (since is None or number >= since) and (until is None or number < until)
        ),
        reverse=True,
    )
    assert every_page(scope, limit, from_key, below_key) == expected
