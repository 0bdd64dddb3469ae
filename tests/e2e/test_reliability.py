"""Issue 14's proofs through the local stack: never lost, never twice, under crashes and faults.

Each test runs its own stack, with the knobs it needs (docs/LOCAL.md): a short queue visibility timeout
(HERALD_LOCAL_VISIBILITY_TIMEOUT) so a crashed batch comes back in seconds, and AWS faults injected into
one function (HERALD_LOCAL_FAULTS). Receivers are the zoo's (tests/support/zoo.py) and the e2e Receiver,
counting what arrived by `webhook-id`, which is the delivery id.

`make soak` runs the fault-injection test with 1,000 deliveries (HERALD_SOAK_DELIVERIES) and writes its
figures to HERALD_RELIABILITY_REPORT; docs/RELIABILITY.md records them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from herald.models.delivery import BUNDLE_SIZE
from tests.e2e.conftest import ROOT, Receiver, Stack, children_of, start_stack, wait_until
from tests.e2e.helpers import Herald
from tests.support.zoo import CHAOS_FAULTS, Behaviour, ZooReceiver

pytestmark = pytest.mark.e2e

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
FINAL = {"delivered", "failed", "unknown", "suppressed"}


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[Any]:
    """Start a stack with extra settings; it is stopped after the test."""
    started: list[Stack] = []

    def start(**env: str) -> Stack:
        directory = tmp_path / f"stack{len(started)}"
        directory.mkdir()
        stack = start_stack(directory, **env)
        started.append(stack)
        stack.wait_ready()
        return stack

    yield start
    for stack in started:
        if stack.interrupt() is None:
            stack.kill()


def herald_for(stack: Stack) -> Herald:
    session = requests.Session()
    session.trust_env = False
    return Herald(stack, session)


def webhooks(herald: Herald, urls: list[str]) -> list[str]:
    return [herald.webhook(url, secret=SECRET) for url in urls]


def send_all(herald: Herald, channels: list[str], rounds: int) -> list[str]:
    ids: list[str] = []
    for number in range(rounds):
        ids += [d["deliveryId"] for d in herald.send(channels, title=f"Alert {number}")["deliveries"]]
    return ids


def settle(herald: Herald, ids: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    """Every delivery's record once all are final, or as they are when `timeout` runs out."""
    records: dict[str, dict[str, Any]] = {}
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for delivery_id in ids:
            if records.get(delivery_id, {}).get("status") not in FINAL:
                records[delivery_id] = herald.delivery(delivery_id)
        if all(r["status"] in FINAL for r in records.values()):
            break
        time.sleep(1.0)
    return records


def dead_lettered(stack: Stack) -> Counter[str]:
    """Delivery ids of the messages in the DLQ (each read once; the stack is about to stop)."""
    sqs = stack.client("sqs")
    url = next(u for u in sqs.list_queues()["QueueUrls"] if u.endswith("DeadLetterQueue"))
    found: Counter[str] = Counter()
    for _ in range(200):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300, WaitTimeSeconds=0)
        if not got.get("Messages"):
            break
        found.update(json.loads(m["Body"]).get("deliveryId", "") for m in got["Messages"])
    return found


def sender_processes(stack: Stack) -> list[int]:
    """The emulated SenderFunction containers: worker processes under the stack."""
    found, pending = [], list(children_of(stack.process.pid))
    while pending:
        pid = pending.pop()
        pending.extend(children_of(pid))
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"local.worker" in command and b"SenderFunction" in command:
            found.append(pid)
    return found


def test_a_sender_killed_mid_batch_loses_nothing_and_sends_nothing_twice(own_stack):
    stack = own_stack(
        HERALD_LOCAL_VISIBILITY_TIMEOUT="10",
        HERALD_DELIVERY_DEADLINE_SECONDS="3",
        HERALD_RETRY_SCHEDULE="1,1,1",
    )
    herald = herald_for(stack)
    receiver = Receiver()
    try:
        receiver.program(delay=0.5)  # every answer takes a while: sends are in flight when the kill comes
        channels = webhooks(herald, [f"{receiver.url}/hook/{n}" for n in range(10)])
        ids = send_all(herald, channels, rounds=5)  # 50 deliveries

        assert wait_until(lambda: len(receiver.requests) >= 5, 30), "the sender never started"
        killed = sender_processes(stack)
        for pid in killed:
            os.kill(pid, signal.SIGKILL)  # mid-batch; the stack starts new containers for the next batch
        records = settle(herald, ids, timeout=150)
        time.sleep(2)  # a duplicate would arrive now

        statuses = Counter(r["status"] for r in records.values())
        arrived = Counter(r.headers.get("webhook-id", "") for r in receiver.requests)
        in_dlq = dead_lettered(stack)
    finally:
        receiver.close()

    assert killed, "no sender process was found to kill"
    # Nothing lost: every delivery ended; those that did not end delivered keep their message in the DLQ.
    assert set(statuses) <= {"delivered", "unknown"}, statuses
    assert all(in_dlq[i] >= 1 for i, r in records.items() if r["status"] == "unknown")
    # Nothing twice: a delivered delivery arrived exactly once; one whose attempt was cut short, at most once.
    assert all(arrived[i] == 1 for i, r in records.items() if r["status"] == "delivered"), arrived
    assert all(arrived[i] <= 1 for i in ids), arrived
    # Only what the killed containers held may be unknown: at most one batch of ten messages each, each
    # message a bundle of up to BUNDLE_SIZE deliveries (the emulated event source runs up to five pollers,
    # so a busy moment has several batches in flight).
    assert statuses["unknown"] <= 10 * BUNDLE_SIZE * len(killed), (statuses, len(killed))
    assert statuses["delivered"] > 0, statuses


def test_faults_everywhere_lose_nothing_and_duplicate_nothing(own_stack, tmp_path: Path):
    deliveries = int(os.environ.get("HERALD_SOAK_DELIVERIES", "200"))
    channels_count = 20
    faults_log = tmp_path / "faults.jsonl"
    stack = own_stack(
        HERALD_LOCAL_VISIBILITY_TIMEOUT="8",
        HERALD_DELIVERY_DEADLINE_SECONDS="2",
        HERALD_RETRY_SCHEDULE="1,1,1,1",
        HERALD_LOCAL_FAULTS="dynamodb=0.05,sqs=0.05,seed=11",
        HERALD_LOCAL_FAULTS_LOG=str(faults_log),
    )
    herald = herald_for(stack)
    receivers = [
        ZooReceiver(Behaviour.CHAOS).chaos(0.3, seed=n, slow_seconds=3.0).__enter__() for n in range(channels_count)
    ]
    started = time.monotonic()
    try:
        channels = webhooks(herald, [r.url() for r in receivers])
        ids = send_all(herald, channels, rounds=max(1, deliveries // channels_count))
        records = settle(herald, ids, timeout=120 + deliveries * 0.6)
        took = time.monotonic() - started
        time.sleep(2)
        arrivals = Counter(a.headers.get("webhook-id", "") for r in receivers for a in r.arrivals)
        answers = [answer for r in receivers for answer in r.answers]
        in_dlq = dead_lettered(stack)
    finally:
        for receiver in receivers:
            receiver.__exit__(None, None, None)

    statuses = Counter(r["status"] for r in records.values())
    lost = [i for i, r in records.items() if r["status"] not in FINAL]
    twice_after_2xx = {i: n for i, n in Counter(a.webhook_id for a in answers if a.outcome == "200").items() if n > 1}
    delivered_unsent = [i for i, r in records.items() if r["status"] == "delivered" and arrivals[i] == 0]
    not_in_dlq = [i for i, r in records.items() if r["status"] in ("failed", "unknown") and not in_dlq[i]]
    injected = Counter()
    if faults_log.exists():
        injected.update(
            f"{e['service']}.{e['operation']}" for e in map(json.loads, faults_log.read_text().splitlines())
        )
    figures = {
        "deliveries": len(ids),
        "channels": channels_count,
        "seconds": round(took, 1),
        "statuses": dict(statuses),
        "attempts": sum(len(r["attempts"]) for r in records.values()),
        "requests_received": sum(arrivals.values()),
        "receiver_answers": dict(Counter(a.outcome for a in answers)),
        "aws_faults_injected": dict(injected),
        "lost": len(lost),
        "duplicates_after_2xx": len(twice_after_2xx),
        "delivered_without_a_request": len(delivered_unsent),
        "failed_or_unknown_without_dlq_message": len(not_in_dlq),
    }
    report = os.environ.get("HERALD_RELIABILITY_REPORT")
    if report:
        Path(report).write_text(json.dumps(figures, indent=2) + "\n")
    print("\nreliability figures:", json.dumps(figures))

    assert len(ids) == deliveries - deliveries % channels_count
    assert lost == [], figures
    assert twice_after_2xx == {}, figures
    assert delivered_unsent == [], figures
    assert not_in_dlq == [], figures
    # The faults really happened, of every kind, and most deliveries still made it.
    assert set(CHAOS_FAULTS) <= set(figures["receiver_answers"]), figures
    assert injected, figures
    assert statuses["delivered"] >= 0.8 * len(ids), figures


def test_an_event_that_fails_every_try_is_kept_and_can_be_fed_back(own_stack):
    # Ingest's DynamoDB refuses its first six calls: an SNS event and an EventBridge event each fail
    # their three tries and land in the ingest failure queue, then make redrive-ingest sends them back.
    stack = own_stack(
        HERALD_LOCAL_FAULTS="dynamodb=1,limit=6",
        HERALD_LOCAL_FAULTS_IN="IngestFunction",
        HERALD_LOCAL_CONTAINERS="1",
    )
    herald = herald_for(stack)
    receiver = Receiver()
    try:
        channel = herald.webhook(f"{receiver.url}/hook", secret=SECRET)
        reply = herald.call("POST", "/v1/rules", {"name": "all", "match": {}, "channelIds": [channel]})
        assert reply.status_code == 201, reply.text
        event = {"type": "monitor.down", "monitor": {"id": "mon_1", "name": "My API"}}
        topic = stack.outputs["AlertsTopicArn"]
        stack.client("sns").publish(TopicArn=topic, Message=json.dumps({"tenantId": "dev", **event}))
        sqs = stack.client("sqs")
        failures = next(u for u in sqs.list_queues()["QueueUrls"] if u.endswith("IngestFailureQueue"))

        def kept() -> int:
            attributes = sqs.get_queue_attributes(QueueUrl=failures, AttributeNames=["ApproximateNumberOfMessages"])
            return int(attributes["Attributes"]["ApproximateNumberOfMessages"])

        assert wait_until(lambda: kept() == 1, 30), "the failed SNS event was not kept"
        detail = {"tenantId": "dev", "monitor": {"id": "mon_2", "name": "My DB"}}
        stack.client("events").put_events(
            Entries=[{"Source": "herald.monitor", "DetailType": "monitor.down", "Detail": json.dumps(detail)}]
        )
        assert wait_until(lambda: kept() == 2, 30), "the failed EventBridge event was not kept"
        [record] = sqs.receive_message(QueueUrl=failures, MaxNumberOfMessages=1, VisibilityTimeout=0)["Messages"]
        shape = json.loads(record["Body"])
        assert len(receiver.requests) == 0

        fed = subprocess.run(
            [sys.executable, "-m", "local.redrive_ingest"],
            cwd=ROOT,
            env={**os.environ, "HERALD_AWS_PORT": str(stack.aws_port)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        arrived = receiver.wait_for(2, timeout=30)
    finally:
        receiver.close()

    assert shape["requestContext"]["condition"] == "RetriesExhausted"
    assert fed.returncode == 0, fed.stderr
    assert "Sent back 2 events" in fed.stdout
    bodies = sorted(r.body.decode() for r in arrived)
    assert "My API" in bodies[0] + bodies[1] and "My DB" in bodies[0] + bodies[1]
    assert ("My API" in bodies[0]) != ("My API" in bodies[1])
    assert wait_until(lambda: kept() == 0, 10)
