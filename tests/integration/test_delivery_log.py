"""Issue 17 point 2 at the handler level (moto): the delivery log's data model scales with a page, not a tenant.

A page of one channel's deliveries reads the same DynamoDB items whatever else the tenant sent; listings by
status follow a delivery's status as it changes; pages hold each delivery once, newest first, across the
index's shards; a sender batch reads its channels once and writes each delivery twice.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from herald import crypto
from herald.auth import service as auth
from herald.delivery import log_width, repository, service, usecases
from herald.settings import get_settings
from herald.transport import http
from local.records import sqs_record
from tests.support.api import ApiClient, LambdaContext, load_handler
from tests.support.calls import AwsCalls, herald_clients
from tests.support.zoo import Behaviour, ZooReceiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def loopback(aws, monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("HERALD_EGRESS_ALLOW", "127.0.0.1")
    get_settings.cache_clear()
    http.get_session.cache_clear()
    yield
    http.get_session.cache_clear()


@pytest.fixture
def receiver(loopback) -> Iterator[ZooReceiver]:
    with ZooReceiver(Behaviour.KEEPALIVE) as serving:
        yield serving


@pytest.fixture
def refusing(loopback) -> Iterator[ZooReceiver]:
    """Answers every request 400: a permanent failure."""
    with ZooReceiver(Behaviour.ECHO) as serving:
        yield serving


def webhook(api: ApiClient, key: str, url: str = "https://hooks.example.com/herald") -> str:
    reply = api.post("/v1/channels", key=key, body={"kind": "webhook", "config": {"url": url, "secret": SECRET}})
    assert reply.status == 201, reply.text
    return str(reply.json["id"])


def seed(tenant_id: str, channel_id: str, count: int) -> list[str]:
    """`count` queued deliveries to one channel, written the way a send writes them."""
    notification = usecases.test_notification("webhook")
    deliveries = [service.new_delivery(tenant_id, channel_id, "webhook", notification) for _ in range(count)]
    repository.put_many(deliveries)
    return [d.id for d in deliveries]


def page_and_reads(api: ApiClient, key: str, query: dict[str, str]) -> tuple[dict[str, Any], int]:
    """A page of the log and the DynamoDB items the listing read for it (the key lookup aside)."""
    with AwsCalls(herald_clients()) as calls:
        reply = api.get("/v1/deliveries", key=key, query=query)
    assert reply.status == 200, reply.text
    return reply.json, sum(count for index, count in calls.items_read.items() if index != "ByLookup")


def every_page(api: ApiClient, key: str, query: dict[str, str]) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = []
    token = None
    for _ in range(100):
        reply = api.get("/v1/deliveries", key=key, query={**query, **({"nextToken": token} if token else {})})
        assert reply.status == 200, reply.text
        listed += reply.json["data"]
        if not (token := reply.json["nextToken"]):
            return listed
    raise AssertionError("the listing did not end within 100 pages")


def ids(page: list[dict[str, Any]]) -> list[str]:
    return [delivery["id"] for delivery in page]


def test_a_page_of_one_channel_reads_as_many_items_with_50_or_2000_other_deliveries(api, key):
    mine, other = webhook(api, key), webhook(api, key)
    ours = seed("acme", mine, 25)
    seed("acme", other, 50)

    few, reads_with_few = page_and_reads(api, key, {"channelId": mine, "limit": "20"})
    seed("acme", other, 1950)
    many, reads_with_many = page_and_reads(api, key, {"channelId": mine, "limit": "20"})

    assert ids(few["data"]) == ids(many["data"]) == sorted(ours, reverse=True)[:20]
    assert reads_with_many == reads_with_few, "the page read more items because the tenant sent more elsewhere"


def test_pages_hold_every_delivery_once_newest_first_across_the_shards(api, key):
    first, second = webhook(api, key), webhook(api, key)
    of_first, of_second = seed("acme", first, 23), seed("acme", second, 9)

    assert ids(every_page(api, key, {"channelId": first, "limit": "5"})) == sorted(of_first, reverse=True)
    assert ids(every_page(api, key, {"limit": "7"})) == sorted(of_first + of_second, reverse=True)
    assert ids(every_page(api, key, {"status": "queued", "limit": "10"})) == sorted(of_first + of_second, reverse=True)


def test_a_page_reads_about_twice_its_size_of_keys_not_a_page_from_every_shard(api, key):
    mine = webhook(api, key)
    seed("acme", mine, 2000)

    for query in ({"limit": "20"}, {"channelId": mine, "limit": "20"}, {"status": "queued", "limit": "100"}):
        with AwsCalls(herald_clients()) as calls:
            reply = api.get("/v1/deliveries", key=key, query=query)
        assert reply.status == 200, reply.text
        limit = int(query["limit"])
        assert len(reply.json["data"]) == limit
        index_keys = sum(count for index, count in calls.items_read.items() if index not in ("ByLookup", None))
        # Each of the 32 shards was asked for its newest page before: 32 * limit keys. A fair share now,
        # and more only from the shards whose every key made the page.
        assert index_keys <= 3 * limit + 2 * log_width.LIST_SHARDS, (query, index_keys)


def test_a_listing_crowded_into_one_shard_still_pages_completely_in_order(api, key):
    mine = webhook(api, key)
    notification = usecases.test_notification("webhook")
    made = (service.new_delivery("acme", mine, "webhook", notification) for _ in range(3000))
    crowded = [d for d in made if repository.shard(d.id) == 5][:40]
    elsewhere = [service.new_delivery("acme", mine, "webhook", notification) for _ in range(6)]
    repository.put_many(crowded + elsewhere)
    everything = sorted([d.id for d in crowded + elsewhere], reverse=True)

    assert len(crowded) == 40
    for limit in ("1", "7", "25", "100"):
        assert ids(every_page(api, key, {"channelId": mine, "limit": limit})) == everything, limit


def test_a_token_of_the_old_format_or_of_another_listing_is_a_clear_400(api, key):
    first, second = webhook(api, key), webhook(api, key)
    seed("acme", first, 3)
    token = api.get("/v1/deliveries", key=key, query={"channelId": first, "limit": "1"}).json["nextToken"]
    other_key = auth.create_api_key("globex", "viewer", "tests").key
    old = base64.urlsafe_b64encode(json.dumps({"pk": "T#acme", "sk": "DLV#dlv_0"}).encode()).decode().rstrip("=")

    refused = {
        "old format": api.get("/v1/deliveries", key=key, query={"nextToken": old}),
        "another channel": api.get("/v1/deliveries", key=key, query={"channelId": second, "nextToken": token}),
        "another filter": api.get("/v1/deliveries", key=key, query={"status": "queued", "nextToken": token}),
        "another tenant": api.get("/v1/deliveries", key=other_key, query={"channelId": first, "nextToken": token}),
    }

    assert token is not None
    assert {case: (r.status, r.json["code"]) for case, r in refused.items()} == dict.fromkeys(
        refused, (400, "invalid_next_token")
    )
    assert "older version" in refused["old format"].json["error"]


def seed_in_windows(channel_id: str, sizes: list[int]) -> tuple[list[list[str]], list[str]]:
    """Batches of deliveries made in separate milliseconds, and the moments (ISO, with offset) between them."""
    batches, bounds = [], []
    for size in sizes:
        time.sleep(0.003)
        bounds.append(datetime.now(UTC).isoformat())
        time.sleep(0.003)
        batches.append(seed("acme", channel_id, size))
    time.sleep(0.003)
    bounds.append(datetime.now(UTC).isoformat())
    return batches, bounds


def test_since_and_until_list_exactly_the_deliveries_made_between_on_every_index(api, key):
    mine, other = webhook(api, key), webhook(api, key)
    (early, middle, late), at = seed_in_windows(mine, [4, 9, 3])
    seed("acme", other, 6)  # made after the last bound: outside every window below

    def window(**query: str) -> list[str]:
        return ids(every_page(api, key, {"limit": "2", **query}))

    assert window(channelId=mine, since=at[1], until=at[2]) == sorted(middle, reverse=True)
    assert window(since=at[1], until=at[3]) == sorted(middle + late, reverse=True)
    assert window(status="queued", until=at[1]) == sorted(early, reverse=True)
    assert window(channelId=mine, status="queued", since=at[2]) == sorted(late, reverse=True)
    assert window(channelId=mine, since=at[3]) == []
    everything = sorted(early + middle + late, reverse=True)
    assert window(channelId=mine, since="1970-01-01t00:00:00z", until=at[3].replace("+00:00", "Z")) == everything
    # The same instant in another offset is the same bound.
    shifted = datetime.fromisoformat(at[1]).astimezone(timezone(timedelta(hours=-5))).isoformat()
    assert window(channelId=mine, until=shifted) == sorted(early, reverse=True)


def test_a_time_window_reads_a_page_not_the_log_before_it(api, key):
    mine = webhook(api, key)
    (wanted,), at = seed_in_windows(mine, [10])
    few, reads_alone = page_and_reads(api, key, {"channelId": mine, "until": at[1], "limit": "10"})
    seed("acme", mine, 500)  # newer than the window: a filter on the page would read through them
    many, reads_after = page_and_reads(api, key, {"channelId": mine, "until": at[1], "limit": "10"})

    assert ids(few["data"]) == ids(many["data"]) == sorted(wanted, reverse=True)
    assert reads_after == reads_alone


def test_bad_or_reversed_bounds_and_a_token_of_another_window_are_clear_400s(api, key):
    mine = webhook(api, key)
    (made,), at = seed_in_windows(mine, [3])
    token = api.get("/v1/deliveries", key=key, query={"since": at[0], "limit": "1"}).json["nextToken"]

    refused = {
        "no offset": api.get("/v1/deliveries", key=key, query={"since": "2026-12-04T10:00:00"}),
        "not a time": api.get("/v1/deliveries", key=key, query={"until": "yesterday"}),
        "unix seconds": api.get("/v1/deliveries", key=key, query={"until": "1700000000"}),
        "reversed": api.get("/v1/deliveries", key=key, query={"since": at[1], "until": at[0]}),
        "another window": api.get("/v1/deliveries", key=key, query={"since": at[1], "nextToken": token}),
        "no window": api.get("/v1/deliveries", key=key, query={"nextToken": token}),
    }

    assert token is not None and len(made) == 3
    assert {case: (r.status, r.json["code"]) for case, r in refused.items()} == {
        "no offset": (400, "invalid_query"),
        "not a time": (400, "invalid_query"),
        "unix seconds": (400, "invalid_query"),
        "reversed": (400, "invalid_query"),
        "another window": (400, "invalid_next_token"),
        "no window": (400, "invalid_next_token"),
    }
    assert refused["no offset"].json["error"].startswith("since:")
    assert "with its offset (RFC 3339)" in refused["no offset"].json["error"]
    assert refused["unix seconds"].json["error"].startswith("until:")
    assert refused["not a time"].json["error"].startswith("until:")
    assert refused["reversed"].json["error"] == "until: must be later than since."


def test_listings_by_status_follow_each_delivery_through_send_failure_and_redrive(
    api, key, receiver, refusing, deliver
):
    good, bad = webhook(api, key, receiver.url()), webhook(api, key, refusing.url())
    for _ in range(3):
        sent = api.post("/v1/notifications", key=key, body={"channelIds": [good, bad], "notification": {"title": "x"}})
        assert sent.status == 202, sent.text

    def listed(**query: str) -> list[str]:
        return ids(every_page(api, key, {"limit": "4", **query}))

    queued_before = (listed(status="queued"), listed(status="queued", channelId=bad))
    deliver()
    queued_after = listed(status="queued")
    failed = listed(status="failed", channelId=bad)
    redriven = api.post(f"/v1/deliveries/{failed[0]}/redrive", key=key)

    assert (len(queued_before[0]), len(queued_before[1])) == (6, 3)
    assert len(failed) == 3 and set(failed) == set(queued_before[1])
    assert len(listed(status="delivered", channelId=good)) == 3
    assert queued_after == []
    assert redriven.status == 202, redriven.text
    assert listed(status="queued", channelId=bad) == [failed[0]]
    assert listed(status="failed") == failed[1:]
    assert listed(status="failed", channelId=good) == listed(status="delivered", channelId=bad) == []


def test_a_batch_of_ten_deliveries_to_three_channels_reads_them_in_one_call_and_writes_twice_each(
    api, key, aws, receiver
):
    channels = [webhook(api, key, receiver.url()) for _ in range(3)]
    for channel_ids in (channels, channels, channels, channels[:1]):
        sent = api.post("/v1/notifications", key=key, body={"channelIds": channel_ids, "notification": {"title": "x"}})
        assert sent.status == 202, sent.text
    messages = queued_messages(aws, 4)  # a fan-out queues its deliveries in bundles: 3 + 3 + 3 + 1
    sender = load_handler("sender")
    crypto.get_crypto.cache_clear()  # a fresh container: no data key in its cache yet
    service.prepare()

    with AwsCalls(herald_clients()) as calls:
        result = sender.handler(
            {"Records": [sqs_record(m, aws.deployment.sqs_sources[0].queue_arn) for m in messages]}, LambdaContext()
        )

    assert result == {"batchItemFailures": []}
    assert len(receiver.wait_for(10)) == 10
    assert calls.of("dynamodb") == {"BatchGetItem": 1, "UpdateItem": 20}  # a claim and an outcome each
    assert calls.of("kms") == {"Decrypt": 3}  # once per channel per container
    assert calls.of("sqs") == {}  # all delivered: Lambda deletes the messages


def test_test_and_wait_true_send_with_the_channels_they_read_not_a_second_read_each(api, key, receiver):
    channels = [webhook(api, key, receiver.url()) for _ in range(3)]
    api.post(f"/v1/channels/{channels[0]}/test", key=key)  # the authorizer's answer cached, clients made

    with AwsCalls(herald_clients()) as calls:
        tested = api.post(f"/v1/channels/{channels[1]}/test", key=key)
    assert tested.status == 200 and tested.json["success"], tested.text
    # One read of the channel, the log entry (written claimed for this attempt) and its outcome.
    assert calls.of("dynamodb") == {"BatchGetItem": 1, "BatchWriteItem": 1, "UpdateItem": 1}

    body = {"channelIds": channels, "notification": {"title": "now"}}
    with AwsCalls(herald_clients()) as calls:
        sent = api.post("/v1/notifications", key=key, body=body, query={"wait": "true"})
    assert sent.status == 200 and all(d["status"] == "delivered" for d in sent.json["deliveries"]), sent.text
    assert calls.of("dynamodb") == {"BatchGetItem": 1, "BatchWriteItem": 1, "UpdateItem": 3}
    assert len(receiver.wait_for(5)) == 5


def queued_messages(aws, count: int) -> list[dict[str, Any]]:
    sqs, messages = aws.client("sqs"), []
    end = time.monotonic() + 10
    while len(messages) < count and time.monotonic() < end:
        wanted = count - len(messages)
        messages += sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=wanted).get("Messages", [])
    assert len(messages) == count, f"{count} queued messages expected, {len(messages)} received"
    return messages
