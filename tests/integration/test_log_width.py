"""The delivery log's width (moto): a new tenant's log is two shards wide, so a page is two index queries;
DynamoDB refusing writes for throughput doubles it, up to 32, with no delivery lost; every delivery ever
written is listed whatever width it was written at; a tenant from before widths is listed over all 32; and
a write of many deliveries that fails part way takes out what it wrote."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from herald import db
from herald.auth import service as auth
from herald.delivery import log_width, repository, service, usecases
from local.faults import FaultInjector
from tests.support.calls import AwsCalls, herald_clients
from tests.support.tables import scan_all

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TENANT_KEY = {"pk": "T#acme", "sk": "TENANT"}


def webhook(api: Any, key: str) -> str:
    body = {"kind": "webhook", "config": {"url": "https://hooks.example.com/herald", "secret": SECRET}}
    reply = api.post("/v1/channels", key=key, body=body)
    assert reply.status == 201, reply.text
    return str(reply.json["id"])


def seed(channel_id: str, count: int) -> list[str]:
    notification = usecases.test_notification("webhook")
    deliveries = [service.new_delivery("acme", channel_id, "webhook", notification) for _ in range(count)]
    repository.put_many(deliveries)
    return [d.id for d in deliveries]


def stored_width() -> Any:
    return db.table().get_item(Key=TENANT_KEY, ConsistentRead=True)["Item"].get(log_width.LOG_WIDTH)


def shards_used() -> dict[str, set[int]]:
    """The shard suffix of every delivery's key in each listing index, by index attribute."""
    used: dict[str, set[int]] = {}
    for item in scan_all():
        if str(item["sk"]).startswith("DLV#"):
            for _, attribute in repository.INDEXES.values():
                if attribute in item:
                    used.setdefault(attribute, set()).add(int(str(item[attribute]).rsplit("#", 1)[1]))
    return used


def every_page(api: Any, key: str, query: dict[str, str]) -> list[str]:
    listed: list[str] = []
    token = None
    for _ in range(100):
        reply = api.get("/v1/deliveries", key=key, query={**query, **({"nextToken": token} if token else {})})
        assert reply.status == 200, reply.text
        listed += [delivery["id"] for delivery in reply.json["data"]]
        if not (token := reply.json["nextToken"]):
            return listed
    raise AssertionError("the listing did not end within 100 pages")


def _partition(values: dict[str, Any]) -> set[str]:
    """The index key value a Query's key condition names (its values: the key and, maybe, a sort bound)."""
    plain = (value.get("S") if isinstance(value, dict) else value for value in values.values())
    return {value for value in plain if isinstance(value, str) and value.startswith("T#")}


def shards_queried(api: Any, key: str, query: dict[str, str]) -> int:
    """How many index partitions a page read (a partition crowded with the page is asked again: one more
    Query, not one more shard)."""
    with AwsCalls(herald_clients()) as calls:
        reply = api.get("/v1/deliveries", key=key, query=query)
    assert reply.status == 200, reply.text
    queries = [params for name, params in calls.params if name == "dynamodb.Query"]
    return len(set().union(*(_partition(params["ExpressionAttributeValues"]) for params in queries)))


def test_a_new_tenants_log_is_two_shards_wide_and_a_page_reads_two_index_partitions(api, key):
    channel = webhook(api, key)
    made = seed(channel, 40)

    assert stored_width() == log_width.FIRST_SHARDS == 2
    assert shards_used() == {index: {0, 1} for index in ("listAll", "listChannel", "listStatus", "listChannelStatus")}
    for query in ({"limit": "20"}, {"channelId": channel, "limit": "20"}, {"status": "queued", "limit": "5"}):
        assert shards_queried(api, key, query) == 2, query
    assert every_page(api, key, {"limit": "7"}) == sorted(made, reverse=True)


@pytest.mark.parametrize("refusal", ["ThrottlingException", "UnprocessedItems"])
def test_writes_refused_for_throughput_widen_the_log_and_lose_no_delivery(api, key, refusal):
    channel = webhook(api, key)
    before = seed(channel, 30)
    refuse_next_batch_writes(1, refusal)

    during = seed(channel, 30)  # refused once, then written: the log is now 4 wide
    after = seed(channel, 60)  # written over the 4 shards

    assert stored_width() == 4
    assert shards_used()["listAll"] == {0, 1, 2, 3}
    assert shards_queried(api, key, {"limit": "20"}) == 4
    everything = sorted(before + during + after, reverse=True)
    assert every_page(api, key, {"limit": "13"}) == everything
    assert every_page(api, key, {"channelId": channel, "status": "queued", "limit": "50"}) == everything


def test_each_refusal_doubles_the_width_once_up_to_32(api, key):
    webhook(api, key)  # the tenant's record, at width 2

    # Two writers that both saw width 2 refused: one doubling, the other finds it done.
    assert [log_width.widen("acme", 2), log_width.widen("acme", 2)] == [4, 4]
    assert [log_width.widen("acme", width) for width in (4, 8, 16, 32)] == [8, 16, 32, 32]
    assert stored_width() == 32


def test_a_delivery_keeps_its_shard_through_every_status_it_takes(api, key, aws):
    channel = webhook(api, key)
    (made,) = seed(channel, 1)
    log_width.widen("acme", 2)
    log_width.widen("acme", 4)  # the log is 8 wide now; the delivery was put in shard 0 or 1
    delivery = repository.get("acme", made)
    assert delivery is not None and delivery.shard in (0, 1)

    repository.mark_final(delivery, "failed", "http_410", "Gone")

    item = db.table().get_item(Key={"pk": f"T#acme#DLV#{made}", "sk": f"DLV#{made}"})["Item"]
    assert {item[attribute].rsplit("#", 1)[1] for attribute in ("listAll", "listStatus")} == {f"{delivery.shard:02d}"}
    assert every_page(api, key, {"status": "failed"}) == [made]


def test_a_tenant_from_before_widths_is_listed_over_all_32_shards(api, key):
    channel = webhook(api, key)
    db.table().update_item(Key=TENANT_KEY, UpdateExpression="REMOVE logShards")  # as the release before wrote it
    log_width.forget()
    notification = usecases.test_notification("webhook")
    old = [service.new_delivery("acme", channel, "webhook", notification) for _ in range(64)]
    # Written as that release wrote them: no `shard`, spread over 32 shards by the hash of the id.
    repository.put_many([dataclasses.replace(d, shard=None) for d in old])

    assert stored_width() is None
    assert len(shards_used()["listAll"]) > 2
    assert shards_queried(api, key, {"limit": "10"}) == 32
    assert every_page(api, key, {"limit": "9"}) == sorted((d.id for d in old), reverse=True)


def test_writes_refused_every_time_end_in_the_throttling_error_not_a_loop(api, key, monkeypatch):
    channel = webhook(api, key)
    monkeypatch.setattr(repository, "_PUT_ROUNDS", 3)
    refuse_next_batch_writes(3, "ThrottlingException")

    with pytest.raises(ClientError) as raised:
        seed(channel, 5)

    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert stored_width() == 8  # widened at each of the first two refusals; the third gave up


def refuse_next_batch_writes(count: int, refusal: str) -> None:
    """DynamoDB's two answers to writes beyond a partition's throughput, for the next `count` BatchWriteItem
    calls: a ThrottlingException, or every item handed back unprocessed (moto has neither)."""
    client = db.table().client
    if refusal == "ThrottlingException":
        FaultInjector({"dynamodb.BatchWriteItem": 1.0}, limit=count, code="ThrottlingException").attach(client)
        return
    left = [count]

    def hand_back(model: Any, params: dict[str, Any], **_: Any) -> Any:
        if model.name != "BatchWriteItem" or not left[0]:
            return None
        left[0] -= 1
        unprocessed = json.loads(params["body"])["RequestItems"]
        answer = AWSResponse(params["url"], 200, {}, None)
        return answer, {"UnprocessedItems": unprocessed, "ResponseMetadata": {"HTTPStatusCode": 200}}

    client.meta.events.register_first("before-call.dynamodb.BatchWriteItem", hand_back)


def test_a_record_from_before_widths_widens_from_32_once_the_maximum_is_raised(api, key, monkeypatch):
    webhook(api, key)
    db.table().update_item(Key=TENANT_KEY, UpdateExpression="REMOVE logShards")
    monkeypatch.setattr(log_width, "LIST_SHARDS", 64)

    assert log_width.log_width("acme", fresh=True) == log_width.BEFORE_WIDTHS == 32
    assert log_width.widen("acme", 32) == 64
    assert stored_width() == 64
    # A tenant without a record gets none from a refused write: its log stays as wide as before widths.
    assert log_width.widen("initech", 32) == 32
    assert db.table().get_item(Key={"pk": "T#initech", "sk": "TENANT"}).get("Item") is None


def test_a_writer_that_looked_before_the_tenant_existed_writes_within_the_new_tenants_width(api, key):
    assert log_width.log_width("initech") == log_width.BEFORE_WIDTHS  # no record yet
    auth.create_api_key("initech", "editor", "tests")  # the record is made now, 2 wide

    assert log_width.log_width("initech") == log_width.FIRST_SHARDS


def test_a_write_that_fails_part_way_takes_out_what_it_wrote(api, key, monkeypatch):
    channel = webhook(api, key)
    monkeypatch.setattr(repository, "_PUT_ROUNDS", 2)
    puts = [0]

    def refuse_after_the_first(model: Any, params: dict[str, Any], **_: Any) -> None:
        if b"PutRequest" in params["body"]:
            puts[0] += 1
            if puts[0] > 1:
                raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "test"}}, model.name)

    db.table().client.meta.events.register_first("before-call.dynamodb.BatchWriteItem", refuse_after_the_first)

    with pytest.raises(ClientError):
        seed(channel, 30)  # 25 written, then 5 refused twice

    assert puts[0] == 3
    assert [item["sk"] for item in scan_all() if str(item["sk"]).startswith("DLV#")] == []
    assert every_page(api, key, {"limit": "50"}) == []
