"""Benchmark 6: the sender's batch loop (herald.delivery.worker.process_batch) against moto and a local receiver.

Ten webhook deliveries are stored the way the service stores them (new_delivery + repository.put_many), turned
into the SQS records Lambda would hand the sender, and processed in one call. With one receiver path slow,
a concurrent batch takes about as long as that one path; a serial one would take the sum of all latencies.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

from bench.moto_stack import AwsCalls, forget_process_state
from bench.receiver import SLOW_SECONDS, Receiver
from bench.report import Section, Table
from bench.samples import notification_wire
from bench.stats import median
from herald import crypto, db
from herald.auth import service as auth
from herald.channels import service as channels
from herald.delivery import repository, service, worker
from herald.models.delivery import Delivery, QueueMessage
from herald.models.notification import Notification
from herald.observability import metrics
from herald.settings import get_settings
from herald.transport import http

TENANT = "bench"
BATCH = 10
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:herald-local-DeliveryQueue"


def sqs_record(delivery: Delivery) -> dict[str, Any]:
    """An SQS event record as Lambda delivers it to the sender (the message the API or ingest queued)."""
    now_ms = str(int(time.time() * 1000))
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": f"bench-{uuid.uuid4()}",
        "body": QueueMessage.of(delivery).model_dump_json(),
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": now_ms,
            "SenderId": "AIDABENCH",
            "ApproximateFirstReceiveTimestamp": now_ms,
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-east-1",
    }


class _Batch:
    """One measured process_batch call and what it left in the table."""

    def __init__(self, wall: float, latencies_ms: list[int], calls: Counter[str]) -> None:
        self.wall = wall
        self.latencies_ms = latencies_ms
        self.calls = calls

    @property
    def concurrency(self) -> float:
        return sum(self.latencies_ms) / 1000 / self.wall


def _run_batch(
    channel_ids: list[str], notification: Notification, calls: AwsCalls, before: Callable[[], None] | None = None
) -> _Batch:
    """Store and process one batch. `before` runs once the deliveries are stored; it is timed with the batch."""
    deliveries = [service.new_delivery(TENANT, channel_id, "webhook", notification) for channel_id in channel_ids]
    repository.put_many(deliveries)
    records = [sqs_record(delivery) for delivery in deliveries]
    counted = calls.snapshot()
    started = time.perf_counter()
    if before is not None:
        before()
    answer = worker.process_batch(records, remaining_ms=lambda: 60_000)
    metrics.flush_metrics()  # as the sender's handler does after each batch
    wall = time.perf_counter() - started
    made = calls.snapshot() - counted
    if answer["batchItemFailures"]:
        raise RuntimeError(f"sender reported failures: {answer}")
    latencies = []
    for delivery in deliveries:
        stored = repository.get(TENANT, delivery.id)
        if stored is None or stored.status != "delivered":
            raise RuntimeError(f"delivery not delivered: {stored and (stored.status, stored.code, stored.error)}")
        latencies.append(int(stored.attempts[-1]["latencyMs"]))
    return _Batch(wall, latencies, made)


def _per_delivery(calls: Counter[str], service_name: str) -> float:
    return AwsCalls.by_service(calls, service_name) / BATCH


def _cold_process(make_clients_first: bool) -> None:
    """Forget every cached client, session and data key, as in a new sender; optionally make the ones a
    successful batch uses again, one by one, so the batch's threads do not each race to create their own."""
    forget_process_state()
    if make_clients_first:
        db.table()
        crypto.get_crypto().kms  # noqa: B018 - the property creates the KMS client
        http.get_session()


def run(quick: bool, calls: AwsCalls) -> Section:
    if "127.0.0.1" not in get_settings().egress_allow:
        raise RuntimeError("the sender benchmark needs HERALD_EGRESS_ALLOW=127.0.0.1")
    notification = Notification.model_validate(notification_wire(long=False))
    cold_runs = 1 if quick else 3
    with Receiver() as receiver:
        auth.ensure_tenant(TENANT)

        def channel(path: str) -> str:
            body = {
                "kind": "webhook",
                "name": path,
                "config": {"url": f"{receiver.base_url}{path}", "secret": "s3cret"},
            }
            return str(channels.create_channel(TENANT, body)["id"])

        fast = [channel(f"/fast/{i}") for i in range(BATCH)]
        slow = [channel(f"/slow/{i}") for i in range(BATCH)]

        cold: list[_Batch] = []
        prepared: list[_Batch] = []
        for _ in range(cold_runs):  # interleaved, so noise hits both alike
            cold.append(_run_batch(fast, notification, calls, partial(_cold_process, make_clients_first=False)))
            prepared.append(_run_batch(fast, notification, calls, partial(_cold_process, make_clients_first=True)))
        warm = [_run_batch(fast, notification, calls) for _ in range(3 if quick else 7)]
        _run_batch(slow, notification, calls)  # every slow channel's data key cached, like the fast ones'
        one_slow = [_run_batch([slow[0], *fast[1:]], notification, calls) for _ in range(1 if quick else 3)]
        all_slow = [] if quick else [_run_batch(slow, notification, calls) for _ in range(2)]
        received = receiver.requests()

    expected = BATCH * (1 + 2 * cold_runs + len(warm) + len(one_slow) + len(all_slow))
    if sum(received.values()) != expected:
        raise RuntimeError(f"receiver saw {dict(received)}, expected {expected} requests")

    rows: list[list[Any]] = []
    data: dict[str, Any] = {}
    cases = [
        ("new process: first batch", cold),
        ("new process, clients made first", prepared),
        ("10 fast, warm process", warm),
        (f"1 slow ({SLOW_SECONDS:g} s) + 9 fast", one_slow),
        (f"10 slow ({SLOW_SECONDS:g} s each)", all_slow),
    ]
    for name, batches in cases:
        if not batches:
            continue
        wall = median([batch.wall for batch in batches])
        total = median([sum(batch.latencies_ms) for batch in batches])
        longest = median([max(batch.latencies_ms) for batch in batches])
        aws_ms = median([AwsCalls.seconds(batch.calls) * 1000 for batch in batches])
        clients = int(median([AwsCalls.clients(batch.calls) for batch in batches]))
        last = batches[-1].calls
        rows.append(
            [
                name,
                len(batches),
                wall * 1000,
                total,
                longest,
                median([batch.concurrency for batch in batches]),
                BATCH / wall,
                aws_ms,
                clients,
                _per_delivery(last, "dynamodb"),
                _per_delivery(last, "kms"),
                AwsCalls.by_service(last, "sqs"),
            ]
        )
        data[name] = {
            "runs": len(batches),
            "wall_ms": wall * 1000,
            "wall_ms_runs": [round(batch.wall * 1000, 1) for batch in batches],
            "sum_latency_ms": total,
            "max_latency_ms": longest,
            "deliveries_per_s": BATCH / wall,
            "aws_call_ms": aws_ms,
            "clients_created": clients,
            "calls": AwsCalls.api_calls(last),
        }
    ratio = data["new process: first batch"]["wall_ms"] / data["new process, clients made first"]["wall_ms"]
    data["cold_over_prepared"] = ratio
    warm_calls = AwsCalls.api_calls(warm[-1].calls)
    table = Table(
        f"process_batch of {BATCH} webhook deliveries (moto DynamoDB/KMS/SQS, receiver on 127.0.0.1)",
        [
            "case",
            "runs",
            "wall ms",
            "Σ latency ms",
            "max latency ms",
            "Σ/wall",
            "deliveries/s",
            "Σ in AWS calls ms",
            "clients made",
            "DDB/dlv",
            "KMS/dlv",
            "SQS",
        ],
        rows,
        [
            "latency: each attempt's latencyMs as recorded in the delivery log (load + decrypt + send + record).",
            "Σ/wall: about 1 when attempts run one after another, up to 10 when all ten overlap.",
            "Σ in AWS calls: time inside boto3 calls (answered in-process by moto), summed over the threads.",
            "clients made: boto3 clients created (botocore's creating-client-class event); making them first is"
            " timed with the batch.",
            f"new process, first batch / clients made first: {ratio:.1f}x wall time.",
            "calls per delivery, warm: "
            + ", ".join(f"{name} {count / BATCH:g}" for name, count in sorted(warm_calls.items()))
            + "; a channel's first use in a process adds one kms.Decrypt.",
        ],
    )
    return Section("sender", "6. Sender batch concurrency", [table], data=data)
