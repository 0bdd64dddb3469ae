"""A fan-out queues its deliveries in bundles (QueueMessage.bundles): one SQS message names up to five, so
a sender batch of ten messages carries up to fifty (issue 17 point 1b). Each delivery of a bundle must end
exactly as it would in a message of its own: delivered once, retried on its own schedule, dead-lettered on
its own, and never sent twice when the bundle itself comes back. Handlers against moto; a real receiver on
127.0.0.1; SQS faults injected into the sender's client (local.faults).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from herald import aws
from herald.settings import get_settings
from local.faults import FaultInjector
from local.records import deletable, sqs_record
from tests.support.api import ApiClient, LambdaContext, load_handler
from tests.support.zoo import Arrival, Behaviour, ZooReceiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


pytestmark = pytest.mark.usefixtures("quick_retries")


@pytest.fixture
def sender() -> Any:
    return load_handler("sender")


class Answers:
    """By path: /gone 410 always, /busy 503 the first time, everything else 200."""

    def __init__(self) -> None:
        self.busy_seen = False
        self._lock = threading.Lock()

    def __call__(self, arrival: Arrival) -> tuple[int, bytes]:
        if arrival.path == "/gone":
            return 410, b"gone"
        with self._lock:
            if arrival.path == "/busy" and not self.busy_seen:
                self.busy_seen = True
                return 503, b"busy"
        return 200, b"ok"


@pytest.fixture
def receiver() -> Iterator[ZooReceiver]:
    with ZooReceiver(Behaviour.KEEPALIVE, ok_answer=Answers()) as serving:
        yield serving


def fan_out(api: ApiClient, key: str, urls: list[str]) -> dict[str, str]:
    """One notification to a webhook channel per url: {path: deliveryId}."""
    channels = []
    for url in urls:
        reply = api.post("/v1/channels", key=key, body={"kind": "webhook", "config": {"url": url, "secret": SECRET}})
        assert reply.status == 201, reply.text
        channels.append(reply.json["id"])
    sent = api.post("/v1/notifications", key=key, body={"channelIds": channels, "notification": {"title": "Down"}})
    assert sent.status == 202, sent.text
    return {
        url.rsplit("/", 1)[1]: entry["deliveryId"] for url, entry in zip(urls, sent.json["deliveries"], strict=True)
    }


def receive(queue_url: str, wait: float = 5.0) -> list[dict[str, Any]]:
    sqs = aws.client("sqs")
    end = time.monotonic() + wait
    while time.monotonic() < end:
        got = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=1, MessageAttributeNames=["All"]
        )
        if got.get("Messages"):
            return got["Messages"]
        time.sleep(0.2)
    return []


def run(sender: Any, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """One invocation, then what the event source mapping does: delete every message not reported failed."""
    sqs, url = aws.client("sqs"), get_settings().queue_url
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    records = [sqs_record(m, arn) for m in messages]
    result = sender.handler({"Records": records}, LambdaContext())
    done = set(deletable(records, True, result, report_failures=True))
    for message in messages:
        if message["MessageId"] in done:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return result


def drain(sender: Any, rounds: int = 10) -> None:
    """The sender over the queue until a receive (waiting out retry delays) finds it empty."""
    for _ in range(rounds):
        messages = receive(get_settings().queue_url)
        if not messages:
            return
        run(sender, messages)
    raise AssertionError("the delivery queue did not empty")


def statuses(api: ApiClient, key: str, by_path: dict[str, str]) -> dict[str, list[str]]:
    return {
        path: [a["status"] for a in api.get(f"/v1/deliveries/{delivery_id}", key=key).json["attempts"]]
        for path, delivery_id in by_path.items()
    }


def test_each_delivery_of_a_bundle_is_retried_and_dead_lettered_on_its_own(api, key, sender, receiver):
    paths = ["ok-1", "busy", "gone", "ok-2"]
    by_path = fan_out(api, key, [receiver.url(f"/{p}") for p in paths])
    [bundle] = receive(get_settings().queue_url)

    result = run(sender, [bundle])
    [retry] = receive(get_settings().queue_url)  # hidden for the 1-s retry delay
    [copy] = receive(get_settings().dlq_url)
    drain(sender)

    assert [entry["deliveryId"] for entry in json.loads(bundle["Body"])["deliveries"]] == list(by_path.values())
    assert result == {"batchItemFailures": []}  # the bundle is done with: its deliveries go on alone
    assert (json.loads(retry["Body"])["deliveryId"], "deliveries" in json.loads(retry["Body"])) == (
        by_path["busy"],
        False,
    )
    assert (json.loads(copy["Body"])["deliveryId"], copy["MessageAttributes"]["attemptCount"]["StringValue"]) == (
        by_path["gone"],
        "1",
    )
    assert statuses(api, key, by_path) == {
        "ok-1": ["delivered"],
        "busy": ["retrying", "delivered"],
        "gone": ["failed"],
        "ok-2": ["delivered"],
    }
    assert receiver.by_webhook_id() == {
        by_path["ok-1"]: 1,
        by_path["busy"]: 2,
        by_path["gone"]: 1,
        by_path["ok-2"]: 1,
    }


def test_a_bundle_whose_retries_cannot_be_queued_comes_back_whole_and_sends_nothing_twice(api, key, sender, receiver):
    by_path = fan_out(api, key, [receiver.url(f"/{p}") for p in ("ok-1", "busy", "ok-2")])
    [bundle] = receive(get_settings().queue_url)
    injector = FaultInjector({"sqs.SendMessageBatch": 1.0})
    injector.attach(aws.client("sqs"))

    first = run(sender, [bundle])
    injector.shares.clear()  # SQS is back
    drain(sender)

    assert first == {"batchItemFailures": [{"itemIdentifier": bundle["MessageId"]}]}
    assert injector.injected["sqs.SendMessageBatch"] >= 1
    assert statuses(api, key, by_path) == {
        "ok-1": ["delivered"],
        "busy": ["retrying", "delivered"],
        "ok-2": ["delivered"],
    }
    assert receiver.by_webhook_id() == {by_path["ok-1"]: 1, by_path["busy"]: 2, by_path["ok-2"]: 1}


def test_a_bundle_sqs_moved_to_the_dlq_is_queued_again_delivery_by_delivery_by_make_redrive(api, key, sender, receiver):
    # After maxReceiveCount receives (a sender that kept crashing on it), SQS moves the bundle itself to the
    # DLQ, its deliveries still queued. make redrive must not delete it as stale: each goes back alone.
    from local.redrive import redrive_dlq

    by_path = fan_out(api, key, [receiver.url(f"/{p}") for p in ("ok-1", "ok-2")])
    [bundle] = receive(get_settings().queue_url)
    sqs = aws.client("sqs")
    sqs.send_message(QueueUrl=get_settings().dlq_url, MessageBody=bundle["Body"])
    sqs.delete_message(QueueUrl=get_settings().queue_url, ReceiptHandle=bundle["ReceiptHandle"])

    tally = redrive_dlq(get_settings().dlq_url)
    requeued = receive(get_settings().queue_url)
    run(sender, requeued)

    assert (tally.requeued, tally.redriven, tally.stale) == (2, 0, 0)
    assert sorted(json.loads(m["Body"])["deliveryId"] for m in requeued) == sorted(by_path.values())
    assert receive(get_settings().dlq_url, wait=1.0) == []
    assert statuses(api, key, by_path) == {"ok-1": ["delivered"], "ok-2": ["delivered"]}
    assert receiver.by_webhook_id() == {by_path["ok-1"]: 1, by_path["ok-2"]: 1}
