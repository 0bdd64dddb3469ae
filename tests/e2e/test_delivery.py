"""Issue 4's proof: the delivery engine through the local stack, against real HTTP receivers on loopback.

The stack runs with HERALD_RETRY_SCHEDULE=1,1,1 (4 attempts) and HERALD_EGRESS_ALLOW=127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
import requests

from tests.e2e.conftest import Receiver, Stack, wait_until
from tests.e2e.helpers import Herald

pytestmark = pytest.mark.e2e

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def queue_url(stack: Stack, suffix: str) -> str:
    urls = stack.client("sqs").list_queues().get("QueueUrls", [])
    return next(url for url in urls if url.endswith(suffix))


def test_500_500_200_is_delivered_on_the_third_attempt(herald: Herald, receiver: Receiver):
    receiver.program([500, 500], default=200)
    channel = herald.webhook(f"{receiver.url}/hook")
    delivery_id = herald.send([channel])["deliveries"][0]["deliveryId"]
    record = herald.settled(delivery_id)
    assert record["status"] == "delivered"
    assert [a["httpStatus"] for a in record["attempts"]] == [500, 500, 200]
    assert [a["status"] for a in record["attempts"]] == ["retrying", "retrying", "delivered"]
    time.sleep(2)
    assert len(receiver.requests) == 3
    bodies = [r.json() for r in receiver.requests]
    assert {b["id"] for b in bodies} == {delivery_id}
    assert [b["attempt"] for b in bodies] == [1, 2, 3]


def test_429_with_retry_after_waits_at_least_that_long(herald: Herald, receiver: Receiver):
    receiver.program([429], default=200, headers={"Retry-After": "2"})
    channel = herald.webhook(f"{receiver.url}/hook")
    delivery_id = herald.send([channel])["deliveries"][0]["deliveryId"]
    assert herald.settled(delivery_id)["status"] == "delivered"
    first, second = receiver.wait_for(2)
    assert second.at - first.at >= 2.0


def test_400_fails_after_one_request(herald: Herald, receiver: Receiver):
    receiver.program(default=400, body=b'{"error": "bad payload"}')
    channel = herald.webhook(f"{receiver.url}/hook")
    record = herald.settled(herald.send([channel])["deliveries"][0]["deliveryId"])
    assert record["status"] == "failed"
    assert "400" in record["error"] and "bad payload" in record["error"]
    time.sleep(2)
    assert len(receiver.requests) == 1


def test_always_500_fails_after_every_attempt_and_lands_in_the_dlq(herald: Herald, receiver: Receiver, stack: Stack):
    receiver.program(default=500)
    channel = herald.webhook(f"{receiver.url}/hook")
    delivery_id = herald.send([channel])["deliveries"][0]["deliveryId"]
    record = herald.settled(delivery_id, timeout=45)
    assert (record["status"], record["code"]) == ("failed", "attempts_exhausted")
    assert len(record["attempts"]) == 4
    sqs = stack.client("sqs")
    dlq = queue_url(stack, "DeadLetterQueue")

    def in_dlq() -> bool:
        # Other tests' messages may be ahead of ours: each one read stays hidden for a moment, so the next
        # read reaches further into the queue (up to 200 messages a look; they are all visible again soon).
        for _ in range(20):
            got = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=3, WaitTimeSeconds=0)
            messages = got.get("Messages", [])
            if any(json.loads(m["Body"]).get("deliveryId") == delivery_id for m in messages):
                return True
            if not messages:
                return False
        return False

    assert wait_until(in_dlq, 20, interval=0.5)
    time.sleep(3)
    assert len(receiver.requests) == 4


def test_the_same_message_delivered_twice_sends_once(herald: Herald, receiver: Receiver, stack: Stack):
    channel = herald.webhook(f"{receiver.url}/hook")
    delivery_id = herald.send([channel])["deliveries"][0]["deliveryId"]
    body = json.dumps({"tenantId": "dev", "deliveryId": delivery_id})
    sqs = stack.client("sqs")
    main = queue_url(stack, "DeliveryQueue")
    sqs.send_message(QueueUrl=main, MessageBody=body)
    sqs.send_message(QueueUrl=main, MessageBody=body)
    record = herald.settled(delivery_id)
    assert record["status"] == "delivered"
    time.sleep(4)
    assert len(receiver.requests) == 1, record["attempts"]


def test_one_slow_receiver_does_not_delay_the_other_nine(herald: Herald):
    slow, fast = Receiver(), Receiver()
    try:
        slow.program(default=200, delay=5.0)
        channels = [herald.webhook(f"{slow.url}/slow")] + [herald.webhook(f"{fast.url}/fast{i}") for i in range(9)]
        herald.send(channels)
        nine = fast.wait_for(9, timeout=30)
        [late] = slow.wait_for(1, timeout=30)
        arrivals = sorted(r.at for r in nine)
        # The nine do not wait for the slow one: they all arrive before it has answered.
        assert arrivals[-1] < late.at + 5.0
        assert arrivals[-1] - arrivals[0] < 2.5
    finally:
        slow.close()
        fast.close()


def test_a_redirect_is_not_followed(herald: Herald, receiver: Receiver):
    target = Receiver()
    try:
        receiver.program(default=302, headers={"Location": f"{target.url}/inside"})
        channel = herald.webhook(f"{receiver.url}/hook")
        record = herald.settled(herald.send([channel])["deliveries"][0]["deliveryId"])
        assert record["status"] == "failed"
        assert "302" in record["error"]
        time.sleep(1)
        assert target.requests == []
    finally:
        target.close()


def verify_standard_webhook(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    """A Standard Webhooks verifier written from the spec (v1: HMAC-SHA256 over id.timestamp.body)."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id, timestamp, signatures = lower["webhook-id"], lower["webhook-timestamp"], lower["webhook-signature"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest())
    return any(
        version == "v1" and hmac.compare_digest(expected.decode(), signature)
        for version, _, signature in (part.partition(",") for part in signatures.split(" "))
    )


def test_signatures_verify_and_the_webhook_id_is_stable_across_retries(herald: Herald, receiver: Receiver):
    receiver.program([503], default=200)
    channel = herald.webhook(f"{receiver.url}/hook", secret=SECRET, headers={"X-Tenant": "t-1"})
    delivery_id = herald.send([channel], sourceUrl="https://status.example.com/m/1")["deliveries"][0]["deliveryId"]
    assert herald.settled(delivery_id)["status"] == "delivered"
    first, second = receiver.wait_for(2)
    for request in (first, second):
        assert verify_standard_webhook(SECRET, request.headers, request.body)
        key = base64.b64decode(SECRET.removeprefix("whsec_"))
        herald_sig = "sha256=" + hmac.new(key, request.body, hashlib.sha256).hexdigest()
        assert {k.lower(): v for k, v in request.headers.items()}["x-herald-signature"] == herald_sig
        assert request.headers["X-Tenant"] == "t-1"
        assert request.headers["User-Agent"].startswith("Herald/")
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery_id
    body = second.json()
    assert body["event"] == "custom" and body["notification"]["title"] == "DB down"
    assert body["notification"]["sourceUrl"] == "https://status.example.com/m/1"


def test_wait_true_delivers_inline_with_per_channel_results(herald: Herald, receiver: Receiver):
    broken = Receiver()
    try:
        broken.program(default=404, body=b"no such hook")
        good, bad = herald.webhook(f"{receiver.url}/ok"), herald.webhook(f"{broken.url}/gone")
        reply = herald.call(
            "POST", "/v1/notifications", {"channelIds": [good, bad], "notification": {"title": "x"}}, wait="true"
        )
        assert reply.status_code == 200, reply.text
        by_channel = {d["channelId"]: d for d in reply.json()["deliveries"]}
        assert by_channel[good]["success"] is True and by_channel[good]["status"] == "delivered"
        assert by_channel[bad]["success"] is False and "404" in by_channel[bad]["error"]
        all_bad = herald.call(
            "POST", "/v1/notifications", {"channelIds": [bad], "notification": {"title": "x"}}, wait="true"
        )
        assert all_bad.status_code == 502
    finally:
        broken.close()


def test_channel_test_answers_200_or_502_with_the_providers_words(herald: Herald, receiver: Receiver):
    channel = herald.webhook(f"{receiver.url}/hook")
    ok = herald.call("POST", f"/v1/channels/{channel}/test")
    assert ok.status_code == 200, ok.text
    assert ok.json()["success"] is True
    receiver.program(default=410, body=b"endpoint disabled")
    gone = herald.call("POST", f"/v1/channels/{channel}/test")
    assert gone.status_code == 502
    assert gone.json()["success"] is False
    assert "410" in gone.json()["error"] and "endpoint disabled" in gone.json()["error"]
    logged = herald.call("GET", "/v1/deliveries", channelId=channel).json()["data"]
    assert {d["event"] for d in logged} == {"test"} and len(logged) == 2


def test_delivery_log_filters_and_records_every_attempt(herald: Herald, receiver: Receiver):
    receiver.program([500], default=200)
    channel = herald.webhook(f"{receiver.url}/hook")
    delivery_id = herald.send([channel])["deliveries"][0]["deliveryId"]
    herald.settled(delivery_id)
    page = herald.call("GET", "/v1/deliveries", channelId=channel, status="delivered").json()
    [entry] = page["data"]
    assert entry["id"] == delivery_id and entry["notificationId"].startswith("ntf_")
    for attempt in entry["attempts"]:
        assert set(attempt) == {"attempt", "time", "status", "httpStatus", "error", "latencyMs"}
        assert attempt["latencyMs"] >= 0
    assert herald.call("GET", "/v1/deliveries", status="lost").status_code == 400


def test_an_email_delivery_is_in_the_emulators_ses_records(herald: Herald, stack: Stack, http: requests.Session):
    reply = herald.call("POST", "/v1/test-email", {"email": "oncall@example.com"})
    assert reply.status_code == 200, reply.text
    data = http.get(f"{stack.aws_endpoint}/moto-api/data.json", timeout=30).json()
    sent = data["ses"]["Message"]
    assert any(m["destinations"]["ToAddresses"] == ["oncall@example.com"] for m in sent)


def test_a_name_that_rebinds_to_loopback_is_refused_at_send_time(tmp_path, http: requests.Session, receiver: Receiver):
    """Accepted at create (a public-looking name, no DNS needed), it resolves to 127.0.0.1 when sent.

    A stack of its own: nothing is allow-listed, and its emulated environment resolves
    rebind.herald.test to 127.0.0.1, where a real receiver listens and must receive nothing.
    """
    from tests.e2e.conftest import start_stack

    isolated = start_stack(tmp_path, HERALD_EGRESS_ALLOW="", HERALD_LOCAL_HOSTS="rebind.herald.test=127.0.0.1")
    try:
        isolated.wait_ready()
        herald = Herald(isolated, http)
        port = receiver.url.rsplit(":", 1)[1]
        created = herald.call(
            "POST", "/v1/channels", {"kind": "webhook", "config": {"url": f"https://rebind.herald.test:{port}/hook"}}
        )
        assert created.status_code == 201, created.text
        tested = herald.call("POST", f"/v1/channels/{created.json()['id']}/test")
        assert tested.status_code == 502
        assert tested.json()["code"] == "forbidden_target"
        assert "private/internal" in tested.json()["error"]
        queued = herald.send([created.json()["id"]])["deliveries"][0]["deliveryId"]
        record = herald.settled(queued)
        assert (record["status"], record["code"]) == ("failed", "forbidden_target")
        time.sleep(1)
        assert receiver.requests == []
    finally:
        if isolated.interrupt() is None:
            isolated.kill()
