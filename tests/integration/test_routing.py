"""Issue 6 at the handler level (moto): one code path for SNS, EventBridge and the API; rules; lifecycle."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest

from herald.auth import service as auth
from herald.delivery import repository as deliveries
from herald.settings import get_settings
from tests.support.api import LambdaContext
from tests.support.samples import SAMPLES

MONITOR = {"id": "mon_abc123", "name": "My API", "url": "https://api.example.com", "type": "HTTPS"}
DOWN = {
    "type": "monitor.down",
    "monitor": MONITOR,
    "details": {"statusCode": 503, "error": "Service Unavailable", "region": "eu-west"},
}


def channel(api, key, kind="webhook", **extra):
    reply = api.post("/v1/channels", key=key, body={"kind": kind, "config": SAMPLES[kind], **extra})
    assert reply.status == 201, reply.text
    return reply.json["id"]


def rule(api, key, channel_ids, match=None, **extra):
    reply = api.post("/v1/rules", key=key, body={"name": "r", "match": match or {}, "channelIds": channel_ids, **extra})
    assert reply.status == 201, reply.text
    return reply.json["id"]


def queued_ids() -> list[str]:
    sqs = boto3.client("sqs")
    out: list[str] = []
    for _ in range(200):
        got = sqs.receive_message(QueueUrl=get_settings().queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300)
        messages = got.get("Messages", [])
        if not messages:
            return out
        bodies = [json.loads(m["Body"]) for m in messages]
        out += [entry["deliveryId"] for body in bodies for entry in body.get("deliveries") or [body]]
    return out


def sns_event(*messages):
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:herald-alerts:sub",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": str(uuid.uuid4()),
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:herald-alerts",
                    "Subject": None,
                    "Message": message,
                    "Timestamp": "2026-05-15T08:30:00.000Z",
                    "MessageAttributes": {},
                },
            }
            for message in messages
        ]
    }


def eventbridge_event(detail_type, detail):
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "herald.monitor",
        "account": "123456789012",
        "time": "2026-05-15T08:30:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def test_the_three_doors_route_the_same_event_the_same_way(api, key, ingest):
    target = channel(api, key)
    rule(api, key, [target], {"events": ["monitor.down"]})
    by_api = api.post("/v1/events", key=key, body={**DOWN, "dedupKey": "a"})
    assert by_api.status == 202, by_api.text
    assert by_api.json["id"].startswith("evt_")
    assert [d["channelId"] for d in by_api.json["deliveries"]] == [target]
    ingest.handler(sns_event(json.dumps({**DOWN, "tenantId": "acme", "dedupKey": "b"})), LambdaContext())
    ingest.handler(eventbridge_event("monitor.down", {**DOWN, "tenantId": "acme", "dedupKey": "c"}), LambdaContext())
    ids = queued_ids()
    assert len(ids) == 3
    titles = {deliveries.get("acme", i).notification["title"] for i in ids}
    assert titles == {"My API is down — 503 Service Unavailable from eu-west"}


def test_rules_and_channel_filters_select_channels(api, key):
    critical_only = channel(api, key)
    everything = channel(api, key)
    disabled = channel(api, key, enabled=False)
    recovery_only = channel(api, key, events=["monitor.recovery"])
    rule(api, key, [critical_only], {"severities": ["critical"]})
    rule(api, key, [everything, disabled, recovery_only])
    rule(api, key, [everything], {"monitorIds": ["mon_other"]}, enabled=False)
    down = api.post("/v1/events", key=key, body=DOWN).json
    assert sorted(d["channelId"] for d in down["deliveries"]) == sorted([critical_only, everything])
    degraded = api.post("/v1/events", key=key, body={**DOWN, "type": "monitor.degraded"}).json
    assert [d["channelId"] for d in degraded["deliveries"]] == [everything]
    recovered = api.post("/v1/events", key=key, body={**DOWN, "type": "monitor.recovery"}).json
    assert sorted(d["channelId"] for d in recovered["deliveries"]) == sorted([everything, recovery_only])


def test_channel_ids_on_an_event_bypass_rules_but_not_the_channel_filters(api, key):
    named = channel(api, key)
    muted = channel(api, key, enabled=False)
    rule(api, key, [channel(api, key)])
    reply = api.post("/v1/events", key=key, body={**DOWN, "channelIds": [named, muted]})
    assert [d["channelId"] for d in reply.json["deliveries"]] == [named]
    other_tenant = auth.create_api_key("globex", "editor", "g").key
    assert api.post("/v1/events", key=other_tenant, body={**DOWN, "channelIds": [named]}).status == 404


def test_a_deleted_channel_still_named_by_a_rule_logs_a_failed_delivery(api, key):
    doomed = channel(api, key)
    rule(api, key, [doomed])
    assert api.delete(f"/v1/channels/{doomed}", key=key).status == 204
    reply = api.post("/v1/events", key=key, body=DOWN).json
    [entry] = reply["deliveries"]
    record = api.get(f"/v1/deliveries/{entry['deliveryId']}", key=key).json
    assert (record["status"], record["code"]) == ("failed", "channel_deleted")
    assert queued_ids() == []


def test_unknown_channel_ids_in_a_rule_are_422_naming_each(api, key):
    good = channel(api, key)
    reply = api.post("/v1/rules", key=key, body={"name": "r", "channelIds": [good, "ch_nope"]})
    assert reply.status == 422
    assert reply.json["details"] == [{"field": "channelIds.1", "message": "Unknown channel id 'ch_nope'"}]


def test_firing_then_resolved_pairs_by_dedup_key_with_downtime_and_flood_control(api, key):
    target = channel(api, key)
    rule(api, key, [target])
    first = api.post("/v1/events", key=key, body={**DOWN, "occurredAt": "2026-05-15T08:30:00Z"}).json
    repeat = api.post("/v1/events", key=key, body={**DOWN, "occurredAt": "2026-05-15T08:31:00Z"}).json
    assert first["deliveries"][0]["status"] == "queued"
    assert repeat["deliveries"][0]["status"] == "suppressed"
    logged = api.get(f"/v1/deliveries/{repeat['deliveries'][0]['deliveryId']}", key=key).json
    assert (logged["status"], logged["code"]) == ("suppressed", "flood_control")
    recovery = {"type": "monitor.recovery", "monitor": MONITOR, "occurredAt": "2026-05-15T08:42:05Z"}
    resolved = api.post("/v1/events", key=key, body=recovery).json
    record = deliveries.get("acme", resolved["deliveries"][0]["deliveryId"])
    assert record.notification["status"] == "resolved"
    assert record.notification["dedupKey"] == "mon_abc123"
    assert record.notification["downtimeSeconds"] == 725
    again = api.post("/v1/events", key=key, body={**DOWN, "occurredAt": "2026-05-15T09:00:00Z"}).json
    assert again["deliveries"][0]["status"] == "queued"  # a new incident after the recovery


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("not json", 400, "invalid_json"),
        ('{"type": "monitor.exploded"}', 422, "validation_failed"),
        ('{"monitor": {"id": "m"}}', 422, "validation_failed"),
        ('{"type": "monitor.down", "severity": "apocalyptic"}', 422, "validation_failed"),
    ],
)
def test_bad_events_through_the_api_are_4xx_naming_the_problem(api, key, body, status, code):
    reply = api.post("/v1/events", key=key, raw_body=body)
    assert reply.status == status, reply.text
    assert reply.json["code"] == code


def test_an_unknown_event_type_is_422_naming_the_type_field(api, key):
    reply = api.post("/v1/events", key=key, body={"type": "monitor.exploded", "monitor": {"id": "m"}})
    assert reply.status == 422, reply.text
    assert [(d["field"], d["message"]) for d in reply.json["details"]] == [
        ("type", "Unknown event type 'monitor.exploded'")
    ]


def test_a_batch_with_bad_messages_still_delivers_the_rest(api, key, ingest):
    rule(api, key, [channel(api, key)])
    result = ingest.handler(
        sns_event(
            "not json",
            json.dumps({"tenantId": "acme", "type": "monitor.exploded"}),
            json.dumps({"tenantId": "nobody", "type": "monitor.down"}),
            json.dumps({"type": "monitor.down"}),
            json.dumps({**DOWN, "tenantId": "acme"}),
        ),
        LambdaContext(),
    )
    assert result == {"accepted": 1, "rejected": 4}
    assert len(queued_ids()) == 1


def test_statusmate_payloads_are_accepted_by_every_door(api, key, ingest):
    rule(api, key, [channel(api, key)])
    maintenance = {
        "text": "DB upgrade",
        "meta": {
            "title": "DB upgrade",
            "uuid": "m-1",
            "type": "maintenance_started",
            "start_at": "2023-05-19T17:43:00+03:00",
            "affected_components": [],
        },
    }
    assert api.post("/v1/events", key=key, body=maintenance).status == 202
    second = {**maintenance, "meta": {**maintenance["meta"], "uuid": "m-2"}, "tenantId": "acme"}
    ingest.handler(sns_event(json.dumps(second)), LambdaContext())
    titles = [deliveries.get("acme", i).notification["title"] for i in queued_ids()]
    assert titles == ["Maintenance started: DB upgrade"] * 2


def test_fan_out_to_1000_channels_is_bounded(api, key, aws):
    """1,000 matching channels: ≤100 SendMessageBatch calls and a bounded number of DynamoDB queries."""
    from herald import aws as herald_aws
    from herald.channels import repository as channels
    from herald.channels.repository import ChannelItem
    from herald.db import table

    with table().batch_writer() as batch:
        for index in range(1000):
            item = ChannelItem(
                id=f"ch_{index:05d}",
                tenant_id="acme",
                name="n",
                kind="webhook",
                enabled=True,
                events=None,
                sealed_config=b"x",
                summary="",
                created_at="t",
                updated_at="t",
                version=1,
            )
            batch.put_item(Item=item.to_item())
    ids = [c.id for c in channels.all_channels("acme")]
    for start in range(0, 1000, 100):
        rule(api, key, ids[start : start + 100])
    calls: dict[str, int] = {}

    def count(event_name, **_):
        operation = event_name.split(".")[-1]
        calls[operation] = calls.get(operation, 0) + 1

    for service in ("sqs", "dynamodb"):
        herald_aws.client(service).meta.events.register("before-call.*.*", count)
    table().client.meta.events.register("before-call.*.*", count)
    reply = api.post("/v1/events", key=key, body=DOWN)
    assert reply.status == 202
    assert len(reply.json["deliveries"]) == 1000
    print(f"fan-out of 1000: {dict(sorted(calls.items()))}")
    assert calls.get("SendMessageBatch", 0) == 20  # 200 messages of five deliveries, ten a call
    assert calls.get("Query", 0) <= 5
    assert calls.get("BatchGetItem", 0) <= 20
    assert calls.get("BatchWriteItem", 0) <= 45
    assert len(queued_ids()) == 1000
