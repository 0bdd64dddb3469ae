"""Issue 14 point 3 at the handler level (moto + a real receiver on 127.0.0.1): the write after a send.

The provider accepts, then DynamoDB fails Herald's outcome write. A failure that passes within the
in-process retries is invisible; one that lasts is never turned into a second send: the next claim
finds the attempt's lease unreleased and ends the delivery `unknown`, its message in the DLQ, until
someone redrives it. Faults are injected into the sender's own DynamoDB client (local.faults).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from herald import aws
from herald.auth import service as auth
from herald.delivery import service
from herald.settings import get_settings
from herald.transport import http
from local.faults import FaultInjector
from local.records import sqs_record
from tests.support.api import ApiClient, LambdaContext, load_handler
from tests.support.zoo import Behaviour, ZooReceiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DEADLINE = 2  # seconds per attempt: the lease is this plus service.LEASE_MARGIN_SECONDS


@pytest.fixture
def loopback(aws, monkeypatch) -> None:
    monkeypatch.setenv("HERALD_EGRESS_ALLOW", "127.0.0.1")
    monkeypatch.setenv("HERALD_DELIVERY_DEADLINE_SECONDS", str(DEADLINE))
    monkeypatch.setenv("HERALD_RETRY_SCHEDULE", "1,1,1")
    get_settings.cache_clear()
    http.get_session.cache_clear()
    yield
    http.get_session.cache_clear()


@pytest.fixture
def api(loopback) -> ApiClient:
    return ApiClient()


@pytest.fixture
def key(loopback) -> str:
    return auth.create_api_key("acme", "editor", "never-twice").key


@pytest.fixture
def sender(loopback):
    return load_handler("sender")


class Outage:
    """DynamoDB refuses the sender's calls from the moment the receiver has the request."""

    def __init__(self, calls: int) -> None:
        self.injector = FaultInjector({"dynamodb": 1.0}, limit=0)
        self.calls = calls
        self.started = False
        aws.table(get_settings().table_name)  # the sender's table resource, made before the send
        self.injector.attach(aws.table(get_settings().table_name).client)

    def start(self, _arrival: Any) -> None:
        if not self.started:  # the first request only
            self.started = True
            self.injector.limit = self.calls

    def end(self) -> None:
        self.injector.limit = sum(self.injector.injected.values())


@pytest.fixture
def receiver_with(request) -> Iterator[Any]:
    started: list[ZooReceiver] = []

    def make(on_arrival=None) -> ZooReceiver:
        receiver = ZooReceiver(Behaviour.KEEPALIVE, on_arrival=on_arrival).__enter__()
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        receiver.__exit__(None, None, None)


def webhook_channel(api, key, url: str) -> str:
    reply = api.post("/v1/channels", key=key, body={"kind": "webhook", "config": {"url": url, "secret": SECRET}})
    assert reply.status == 201, reply.text
    return str(reply.json["id"])


def queue_one(api, key, url: str) -> str:
    body = {"channelIds": [webhook_channel(api, key, url)], "notification": {"title": "DB down"}}
    sent = api.post("/v1/notifications", key=key, body=body)
    assert sent.status == 202, sent.text
    return str(sent.json["deliveries"][0]["deliveryId"])


def receive(queue_url: str, wait: float = 10.0) -> list[dict[str, Any]]:
    sqs = aws.client("sqs")
    end = time.monotonic() + wait
    while time.monotonic() < end:
        got = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],  # as the event source mapping hands them to the sender
        )
        if got.get("Messages"):
            return got["Messages"]
        time.sleep(0.2)
    return []


def run_sender(sender, queue_arn: str) -> dict[str, Any]:
    messages = receive(get_settings().queue_url)
    assert messages, "no message in the delivery queue"
    return sender.handler({"Records": [sqs_record(m, queue_arn) for m in messages]}, LambdaContext())


def dead_letters() -> list[dict[str, Any]]:
    found = receive(get_settings().dlq_url, wait=2.0)
    return [json.loads(m["Body"]) for m in found]


def test_an_outcome_write_that_fails_briefly_is_retried_in_process(api, key, sender, aws, receiver_with):
    outage = Outage(calls=3)  # fewer than the five tries of the outcome write
    receiver = receiver_with(outage.start)
    delivery_id = queue_one(api, key, receiver.url())

    result = run_sender(sender, aws.deployment.sqs_sources[0].queue_arn)

    record = api.get(f"/v1/deliveries/{delivery_id}", key=key).json
    assert result == {"batchItemFailures": []}
    assert outage.injector.injected == {"dynamodb.UpdateItem": 3}
    assert (record["status"], len(record["attempts"])) == ("delivered", 1)
    assert receiver.by_webhook_id() == {delivery_id: 1}


def test_an_outcome_write_that_keeps_failing_ends_unknown_and_is_never_sent_again(api, key, sender, aws, receiver_with):
    outage = Outage(calls=1000)
    receiver = receiver_with(outage.start)
    delivery_id = queue_one(api, key, receiver.url())
    queue_arn = aws.deployment.sqs_sources[0].queue_arn

    first = run_sender(sender, queue_arn)  # sent; every outcome write fails; the message goes back
    outage.end()
    early = run_sender(sender, queue_arn)  # the lease is still live: the claim waits, nothing is sent
    time.sleep(DEADLINE + service.LEASE_MARGIN_SECONDS + 1)
    late = run_sender(sender, queue_arn)  # the lease expired unreleased: unknown, not a second send

    record = api.get(f"/v1/deliveries/{delivery_id}", key=key).json
    assert len(first["batchItemFailures"]) == 1 and len(early["batchItemFailures"]) == 1
    assert late == {"batchItemFailures": []}
    assert (record["status"], record["code"]) == ("unknown", "outcome_unknown")
    assert [a["status"] for a in record["attempts"]] == ["unknown"]
    assert receiver.by_webhook_id() == {delivery_id: 1}
    assert [(m["tenantId"], m["deliveryId"]) for m in dead_letters()] == [("acme", delivery_id)]

    # By hand: redrive sends it again, once, on a fresh schedule.
    redriven = api.post(f"/v1/deliveries/{delivery_id}/redrive", key=key)
    run_sender(sender, queue_arn)

    record = api.get(f"/v1/deliveries/{delivery_id}", key=key).json
    assert redriven.status == 202, redriven.text
    assert record.get("status") == "delivered", record
    assert [a["status"] for a in record["attempts"]] == ["unknown", "redriven", "delivered"]
    assert receiver.by_webhook_id() == {delivery_id: 2}


def test_only_a_failed_or_unknown_delivery_can_be_redriven(api, key, sender, aws, receiver_with):
    receiver = receiver_with()
    delivery_id = queue_one(api, key, receiver.url())
    run_sender(sender, aws.deployment.sqs_sources[0].queue_arn)

    again = api.post(f"/v1/deliveries/{delivery_id}/redrive", key=key)
    missing = api.post("/v1/deliveries/dlv_nope/redrive", key=key)

    assert (again.status, again.json["code"]) == (409, "not_redrivable")
    assert "is delivered" in again.json["error"]
    assert (missing.status, missing.json["code"]) == (404, "delivery_not_found")
    assert receiver.by_webhook_id() == {delivery_id: 1}


def test_a_dlq_message_moved_back_by_sqs_redrives_its_delivery_once(api, key, sender, aws):
    # The console's "Start DLQ redrive" (SQS StartMessageMoveTask, which moto lacks) moves a message with its
    # body and attributes to the delivery queue: done here by hand, as SQS does it.
    queue_arn = aws.deployment.sqs_sources[0].queue_arn
    with ZooReceiver(Behaviour.MOVED) as moved, ZooReceiver(Behaviour.KEEPALIVE) as healed:
        config = {"url": moved.url(), "secret": SECRET}
        created = api.post("/v1/channels", key=key, body={"kind": "webhook", "config": config})
        channel = created.json["id"]
        sent = api.post("/v1/notifications", key=key, body={"channelIds": [channel], "notification": {"title": "Up?"}})
        delivery_id = sent.json["deliveries"][0]["deliveryId"]
        run_sender(sender, queue_arn)  # a 301 is not followed: failed at once, its message in the DLQ
        [copy] = receive(get_settings().dlq_url)
        patched = api.patch(f"/v1/channels/{channel}", key=key, body={"config": {**config, "url": healed.url()}})

        for _ in range(2):  # moved back twice: the second copy is a duplicate and must send nothing
            aws.client("sqs").send_message(
                QueueUrl=get_settings().queue_url, MessageBody=copy["Body"], MessageAttributes=copy["MessageAttributes"]
            )
            run_sender(sender, queue_arn)

        record = api.get(f"/v1/deliveries/{delivery_id}", key=key).json
        assert patched.status == 200, patched.text
        assert copy["MessageAttributes"]["attemptCount"]["StringValue"] == "1"
        assert [a["status"] for a in record["attempts"]] == ["failed", "redriven", "delivered"]
        assert (moved.by_webhook_id(), healed.by_webhook_id()) == ({delivery_id: 1}, {delivery_id: 1})


def test_a_delivery_written_claimed_for_an_inline_attempt_is_held_by_its_lease_as_a_claim_is(aws):
    # /test and ?wait=true write their deliveries claimed, to send them at once without a claim of their own:
    # that write must hold off every other sender exactly as a claim does, and end unknown if never released.
    from herald.delivery import repository
    from herald.models.notification import Notification

    notification = Notification(event="test", title="inline")
    first, second = (service.new_delivery("acme", "ch_inline", "webhook", notification) for _ in range(2))
    [held, lapsing] = repository.put_many([first, second], leases=["lease-a", "lease-b"], lease_seconds=0.5)

    with pytest.raises(repository.ClaimRefused) as refused:
        repository.claim("acme", first.id, "another-sender", 30)
    time.sleep(0.7)  # lease-b lapses unreleased: its sender stopped somewhere after the write
    with pytest.raises(repository.AttemptAbandoned) as abandoned:
        repository.claim("acme", second.id, "another-sender", 30)

    assert (held.attempt_count, lapsing.attempt_count) == (1, 1)
    assert refused.value.delivery is not None and refused.value.delivery.status == "queued"
    assert 0 < refused.value.wait_seconds <= 0.5
    assert abandoned.value.delivery.status == "unknown"
    stored = repository.get("acme", second.id, consistent=True)
    assert stored is not None and (stored.status, stored.attempt_count) == ("unknown", 1)


def test_an_inline_test_whose_outcome_write_keeps_failing_answers_unknown_and_is_never_sent_again(
    api, key, sender, aws, receiver_with
):
    # /test writes its delivery claimed and sends at once. Were the failed outcome write a 500, the caller's
    # retry would send a second test; instead the answer says unknown, and the delivery's queued message
    # finds the lease unreleased once it lapses, as for a sender that stopped mid-attempt.
    outage = Outage(calls=1000)
    receiver = receiver_with(outage.start)
    channel_id = webhook_channel(api, key, receiver.url())

    tested = api.post(f"/v1/channels/{channel_id}/test", key=key)
    outage.end()
    delivery_id = tested.json["deliveryId"]
    assert (tested.status, tested.json["success"], tested.json["code"]) == (502, False, "outcome_unknown")
    assert "will not send it again" in tested.json["error"]
    assert receive(get_settings().queue_url, wait=1.0) == []  # not before the lease has lapsed

    time.sleep(DEADLINE + service.LEASE_MARGIN_SECONDS + 1)
    late = run_sender(sender, aws.deployment.sqs_sources[0].queue_arn)

    record = api.get(f"/v1/deliveries/{delivery_id}", key=key).json
    assert late == {"batchItemFailures": []}
    assert (record["status"], record["code"]) == ("unknown", "outcome_unknown")
    assert [a["status"] for a in record["attempts"]] == ["unknown"]
    assert receiver.by_webhook_id() == {delivery_id: 1}
    assert [(m["tenantId"], m["deliveryId"]) for m in dead_letters()] == [("acme", delivery_id)]


def test_a_wait_send_whose_outcome_writes_fail_answers_and_its_retry_with_the_key_sends_nothing(
    api, key, aws, receiver_with
):
    outage = Outage(calls=1000)
    receiver = receiver_with(outage.start)
    body = {"channelIds": [webhook_channel(api, key, receiver.url())], "notification": {"title": "DB down"}}
    headers = {"Idempotency-Key": "wait-then-outage"}

    first = api.post("/v1/notifications", key=key, body=body, query={"wait": "true"}, headers=headers)
    outage.end()
    again = api.post("/v1/notifications", key=key, body=body, query={"wait": "true"}, headers=headers)

    [entry] = first.json["deliveries"]
    assert first.status == 502, first.text
    assert (entry["status"], entry["success"]) == ("unknown", False)
    assert (again.status, again.json) == (first.status, first.json)
    assert receiver.by_webhook_id() == {entry["deliveryId"]: 1}
