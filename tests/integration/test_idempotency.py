"""Issue 14 point 2 at the handler level (moto): idempotent intake through every door.

`Idempotency-Key` on POST /v1/events and /v1/notifications, an event's own `id`, and SNS / EventBridge
redeliveries (same MessageId / event id): the work is done once within 24 h and a repeat gets the first
answer; the same key with another body is 409 naming the conflict; a first try that failed leaves
nothing behind, so its retry does the work.
"""

from __future__ import annotations

import json

import pytest

from herald import aws
from herald.auth import service as auth
from local.faults import FaultInjector
from tests.integration.test_routing import DOWN, channel, eventbridge_event, queued_ids, rule, sns_event
from tests.support.api import LambdaContext


@pytest.fixture
def target(api, key):
    found = channel(api, key)
    rule(api, key, [found])
    return found


def post(api, key, path, body, idem=None):
    return api.post(path, key=key, body=body, headers={"Idempotency-Key": idem} if idem else None)


def test_an_event_sent_twice_with_one_key_is_ingested_once(api, key, target):
    first = post(api, key, "/v1/events", DOWN, idem="evt-7f3a")
    again = post(api, key, "/v1/events", DOWN, idem="evt-7f3a")

    assert (first.status, again.status) == (202, 202)
    assert again.json == first.json
    assert queued_ids() == [first.json["deliveries"][0]["deliveryId"]]


def test_the_same_key_with_another_body_is_409_naming_the_conflict(api, key, target):
    post(api, key, "/v1/events", DOWN, idem="evt-7f3a")
    other = post(api, key, "/v1/events", {**DOWN, "severity": "warning"}, idem="evt-7f3a")

    assert other.status == 409, other.text
    assert other.json["code"] == "idempotency_key_reused"
    assert "evt-7f3a" in other.json["error"] and "different body" in other.json["error"]
    assert len(queued_ids()) == 1


def test_an_events_own_id_makes_it_idempotent_without_a_header(api, key, target):
    first = post(api, key, "/v1/events", {**DOWN, "id": "uptime-incident-991"})
    again = post(api, key, "/v1/events", {**DOWN, "id": "uptime-incident-991"})

    assert again.json == first.json
    assert len(queued_ids()) == 1


def test_keys_belong_to_their_tenant(api, key, target):
    other_key = auth.create_api_key("globex", "editor", "idem").key
    theirs = channel(api, other_key)
    rule(api, other_key, [theirs])

    ours = post(api, key, "/v1/events", DOWN, idem="shared-key")
    their = post(api, other_key, "/v1/events", DOWN, idem="shared-key")

    assert (ours.status, their.status) == (202, 202)
    assert ours.json["id"] != their.json["id"]
    assert len(queued_ids()) == 2


def test_a_notification_sent_twice_with_one_key_is_sent_once(api, key, target):
    body = {"channelIds": [target], "notification": {"title": "Disk full"}}
    first = post(api, key, "/v1/notifications", body, idem="ntf-1")
    again = post(api, key, "/v1/notifications", body, idem="ntf-1")
    changed = post(api, key, "/v1/notifications", {**body, "notification": {"title": "Disk OK"}}, idem="ntf-1")

    assert (first.status, again.status, changed.status) == (202, 202, 409)
    assert again.json == first.json
    assert queued_ids() == [first.json["deliveries"][0]["deliveryId"]]


def test_a_first_try_that_failed_leaves_nothing_behind(api, key, target):
    outage = FaultInjector({"sqs.SendMessageBatch": 1.0}, limit=5)  # every try of the first request
    outage.attach(aws.client("sqs"))

    failed = post(api, key, "/v1/events", DOWN, idem="evt-retry")
    retried = post(api, key, "/v1/events", DOWN, idem="evt-retry")

    assert (failed.status, retried.status) == (500, 202)
    assert queued_ids() == [retried.json["deliveries"][0]["deliveryId"]]


@pytest.mark.parametrize("bad", ["", "x" * 256, "clé"])
def test_a_bad_key_is_400_naming_the_header(api, key, target, bad):
    reply = api.post("/v1/events", key=key, body=DOWN, headers={"Idempotency-Key": bad})

    assert reply.status == 400, reply.text
    assert "Idempotency-Key" in reply.json["error"]
    assert queued_ids() == []


def test_an_sns_message_delivered_twice_is_ingested_once(ingest, target):
    message = json.dumps({"tenantId": "acme", **DOWN})
    event = sns_event(message)

    first = ingest.handler(event, LambdaContext())
    again = ingest.handler(event, LambdaContext())  # SNS redelivers the same MessageId

    assert first == again == {"accepted": 1, "rejected": 0}
    assert len(queued_ids()) == 1


def test_an_event_id_is_ingested_once_through_different_sns_messages(ingest, target):
    message = json.dumps({"tenantId": "acme", "id": "uptime-incident-991", **DOWN})

    ingest.handler(sns_event(message), LambdaContext())
    ingest.handler(sns_event(message), LambdaContext())  # a new MessageId: published twice

    assert len(queued_ids()) == 1


def test_an_eventbridge_event_delivered_twice_is_ingested_once(ingest, target):
    event = eventbridge_event("monitor.down", {"tenantId": "acme", "monitor": DOWN["monitor"]})

    ingest.handler(event, LambdaContext())
    ingest.handler(event, LambdaContext())

    assert len(queued_ids()) == 1
