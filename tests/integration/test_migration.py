"""`make migrate` (moto): deliveries stored the old way (all of a tenant's under `T#<tenant>`) move to the
current layout, a run that stopped half-way is finished by the next, and the API reads them all."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from herald import db
from herald.ids import new_id
from herald.settings import get_settings
from herald.transport import http
from local import migrate
from local.faults import FaultInjector
from tests.support.tables import scan_all
from tests.support.zoo import Behaviour, ZooReceiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def old_delivery(tenant_id: str, channel_id: str, status: str, **extra: Any) -> dict[str, Any]:
    """A delivery item exactly as the release before the sharded layout wrote it."""
    delivery_id = new_id("dlv")
    now = "2026-11-30T10:00:00.000Z"
    return {
        "pk": f"T#{tenant_id}",
        "sk": f"DLV#{delivery_id}",
        "deliveryId": delivery_id,
        "tenantId": tenant_id,
        "kind": "webhook",
        "event": "custom",
        "status": status,
        "notification": {"event": "custom", "title": f"old {status}", "body": "", "severity": "info"},
        "attempts": [],
        "attemptCount": 0,
        "createdAt": now,
        "updatedAt": now,
        "expiresAt": int(time.time()) + 30 * 24 * 3600,
        "channelId": channel_id,
        "notificationId": new_id("ntf"),
        **extra,
    }


def write_raw(items: list[dict[str, Any]]) -> None:
    table = boto3.resource("dynamodb").Table(get_settings().table_name)
    for item in items:
        table.put_item(Item=item)


def webhook(api, key, url: str) -> str:
    reply = api.post("/v1/channels", key=key, body={"kind": "webhook", "config": {"url": url, "secret": SECRET}})
    assert reply.status == 201, reply.text
    return str(reply.json["id"])


@pytest.fixture
def receiver(aws, monkeypatch) -> Iterator[ZooReceiver]:
    monkeypatch.setenv("HERALD_EGRESS_ALLOW", "127.0.0.1")
    get_settings.cache_clear()
    http.get_session.cache_clear()
    with ZooReceiver(Behaviour.KEEPALIVE) as serving:
        yield serving
    http.get_session.cache_clear()


def test_a_migration_that_stops_half_way_is_finished_by_the_next_and_the_api_reads_every_delivery(api, key):
    channel = webhook(api, key, "https://hooks.example.com/herald")
    old = [
        old_delivery("acme", channel, "delivered", attemptCount=1, providerMessageId="msg-1"),
        old_delivery("acme", channel, "failed", attemptCount=3, code="http_410", error="Gone"),
        old_delivery("acme", channel, "queued"),
        old_delivery("globex", "ch_elsewhere", "delivered"),
    ]
    write_raw(old)
    cut = FaultInjector({"dynamodb.DeleteItem": 1.0}, limit=1)  # the first move stops between its two writes
    cut.attach(db.table().client)

    with pytest.raises(ClientError):
        migrate.migrate()
    finished = migrate.migrate()
    again = migrate.migrate()

    stored = [item for item in scan_all() if str(item["sk"]).startswith("DLV#")]
    by_id = {d["deliveryId"]: api.get(f"/v1/deliveries/{d['deliveryId']}", key=key) for d in old[:3]}
    listed = api.get("/v1/deliveries", key=key, query={"channelId": channel}).json["data"]
    failed = api.get("/v1/deliveries", key=key, query={"status": "failed"}).json["data"]
    assert (finished, again) == (4, 0)
    assert sorted(item["pk"] for item in stored) == sorted(f"T#{d['tenantId']}#DLV#{d['deliveryId']}" for d in old)
    assert {i: (r.status, r.json["status"], r.json["code"]) for i, r in by_id.items()} == {
        old[0]["deliveryId"]: (200, "delivered", None),
        old[1]["deliveryId"]: (200, "failed", "http_410"),
        old[2]["deliveryId"]: (200, "queued", None),
    }
    assert [d["id"] for d in listed] == sorted((d["deliveryId"] for d in old[:3]), reverse=True)
    assert [d["id"] for d in failed] == [old[1]["deliveryId"]]


def test_an_old_delivery_still_queued_is_sent_once_before_the_migration_reaches_it(api, key, aws, receiver, deliver):
    item = old_delivery("acme", webhook(api, key, receiver.url()), "queued")
    write_raw([item])
    body = {"tenantId": "acme", "deliveryId": item["deliveryId"]}  # the old release's message
    aws.client("sqs").send_message(QueueUrl=aws.queue_url, MessageBody=json.dumps(body))

    deliver()

    record = api.get(f"/v1/deliveries/{item['deliveryId']}", key=key).json
    assert record["status"] == "delivered", record
    assert receiver.by_webhook_id() == {item["deliveryId"]: 1}
    assert migrate.migrate() == 0  # moved when the sender claimed it
