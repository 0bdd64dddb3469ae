"""Benchmarks 13-14: the AWS calls Herald makes, counted with botocore's before-call hook against moto.

13. Per delivery at steady state (the sender's batches of 10, channel data keys cached or not), per
    `POST /v1/notifications` to 20 channels (queued and `?wait=true`), per `/test`, per
    `GET /v1/channels?limit=100` (in a new container and in a warm one: KMS calls too), per page of a
    delivery log of 2,000 (calls and items read). Through the real handlers (tests/support/api.py's
    ApiClient: authorizer, then the API function), whatever the repositories do today.
14. Fan-out of one monitoring event to 1, 100, 1,000 and 10,000 channels (rules of 100 channels each,
    `routing.ingest.ingest_event`): calls and wall time should grow by batches (BatchGetItem of 100,
    BatchWriteItem of 25, SendMessageBatch of 10), not by channel.

Runs in bench.aws_suite's child (moto patches botocore process-wide).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from bench.moto_stack import AwsCalls, forget_process_state
from bench.receiver import Receiver
from bench.report import Section, Table
from bench.samples import notification_wire
from bench.sender import sqs_record
from bench.stats import median
from herald.auth import service as auth
from herald.channels import service as channels
from herald.delivery import log_width, repository, service, worker
from herald.delivery import queue as delivery_queue
from herald.models.event import MonitoringEvent
from herald.models.notification import Notification
from herald.routing import ingest, rules
from tests.support.api import ApiClient

BATCH = 10
LOG, LOG_QUICK = 2000, 300  # deliveries in the tenant's log when a page of it is listed
RULE_SIZE = 100  # the most channels one rule names


def _webhooks(tenant: str, url: str, count: int) -> list[str]:
    body = {"kind": "webhook", "config": {"url": url, "secret": "bench-signing-secret"}}
    return [str(channels.create_channel(tenant, {**body, "name": f"hook {i}"})["id"]) for i in range(count)]


def _calls(before: Counter[str], after: Counter[str]) -> dict[str, int]:
    return AwsCalls.api_calls(after - before)


def _short(calls: dict[str, int], per: float = 1) -> str:
    return ", ".join(f"{name} {count / per:g}" for name, count in sorted(calls.items())) or "none"


def _batch(tenant: str, channel_ids: list[str], notification: Notification, calls: AwsCalls) -> dict[str, int]:
    deliveries = [service.new_delivery(tenant, cid, "webhook", notification) for cid in channel_ids]
    repository.put_many(deliveries)
    before = calls.snapshot()
    answer = worker.process_batch([sqs_record(d) for d in deliveries], remaining_ms=lambda: 60_000)
    made = _calls(before, calls.snapshot())
    if answer["batchItemFailures"]:
        raise RuntimeError(f"sender reported failures: {answer}")
    return made


def run_calls(quick: bool, calls: AwsCalls) -> Section:
    tenant = "calls"
    auth.ensure_tenant(tenant)
    key = str(auth.create_api_key(tenant, "editor", "bench").key)
    notification = Notification.model_validate(notification_wire(long=False))
    api = ApiClient()
    rows: list[list[Any]] = []
    data: dict[str, Any] = {}

    def row(case: str, made: dict[str, int], per: int, unit: str) -> None:
        totals = {svc: sum(c for n, c in made.items() if n.startswith(f"{svc}.")) for svc in ("dynamodb", "kms", "sqs")}
        rows.append([case, unit, sum(made.values()) / per, totals["dynamodb"] / per, totals["kms"] / per,
                     totals["sqs"] / per, _short(made, per)])  # fmt: skip
        data[case] = {"per": per, "calls": made}

    with Receiver() as receiver:
        channel_ids = _webhooks(tenant, f"{receiver.base_url}/fast/hook", 20)
        forget_process_state()  # a new sender container: no client, no data key
        row("sender, first batch of a container", _batch(tenant, channel_ids[:BATCH], notification, calls), BATCH,
            "delivery")  # fmt: skip
        row("sender, steady state (keys cached)", _batch(tenant, channel_ids[:BATCH], notification, calls), BATCH,
            "delivery")  # fmt: skip

        body = {"channelIds": channel_ids, "notification": notification.to_wire()}
        api.request("POST", "/v1/notifications", key=key, body=body)  # warm: clients made, key authorised
        before = calls.snapshot()
        reply = api.request("POST", "/v1/notifications", key=key, body=body)
        if reply.status != 202:
            raise RuntimeError(f"POST /v1/notifications answered {reply.status}: {reply.text}")
        row("POST /v1/notifications, 20 channels", _calls(before, calls.snapshot()), 1, "request")

        for case, path, query in (
            ("POST /v1/channels/{id}/test", f"/v1/channels/{channel_ids[0]}/test", None),
            ("POST /v1/notifications?wait=true, 20 channels", "/v1/notifications", {"wait": "true"}),
        ):
            before = calls.snapshot()
            reply = api.request("POST", path, key=key, body=None if query is None else body, query=query)
            if reply.status != 200:
                raise RuntimeError(f"{case} answered {reply.status}: {reply.text}")
            row(case, _calls(before, calls.snapshot()), 1, "request")

        _webhooks(tenant, f"{receiver.base_url}/fast/hook", 80)
        for case, cold in (("GET /v1/channels?limit=100, new container", True),
                           ("GET /v1/channels?limit=100, warm", False)):  # fmt: skip
            if cold:
                forget_process_state()
                api.request("GET", "/v1/kinds", key=key)  # the key authorised and clients made: channels only
            before = calls.snapshot()
            reply = api.request("GET", "/v1/channels", key=key, query={"limit": "100"})
            if reply.status != 200 or len(reply.json["data"]) != 100:
                raise RuntimeError(f"GET /v1/channels answered {reply.status}")
            row(case, _calls(before, calls.snapshot()), 1, "request")

        log = LOG_QUICK if quick else LOG
        cycle = channel_ids * (log // len(channel_ids) + 1)
        repository.put_many([service.new_delivery(tenant, cid, "webhook", notification) for cid in cycle[:log]])
        for limit in (20, 100):
            query = {"limit": str(limit)}
            api.request("GET", "/v1/deliveries", key=key, query=query)
            before = calls.snapshot()
            reply = api.request("GET", "/v1/deliveries", key=key, query=query)
            if reply.status != 200 or len(reply.json["data"]) != limit:
                raise RuntimeError(f"GET /v1/deliveries answered {reply.status}")
            after = calls.snapshot()
            read = (after - before)[AwsCalls.READ]
            width = log_width.log_width(tenant, fresh=True)
            case = f"GET /v1/deliveries?limit={limit}, a log of {log:,} over {width} shards"
            row(case, _calls(before, after), 1, "request")
            rows[-1][-1] += f"; {read} items read (the page's {limit} among them)"
            data[case]["items_read"] = read

    table = Table(
        "AWS calls counted by botocore's before-call hook (moto), per unit",
        ["case", "per", "calls", "DynamoDB", "KMS", "SQS", "calls by operation"],
        rows,
        [
            "sender: worker.process_batch of 10 webhook deliveries to 10 channels; first batch of a container: "
            "Herald's clients and data-key cache new (forget_process_state), so one kms.Decrypt per channel.",
            "Goals (issue 17): channel reads batched per SQS batch (BatchGetItem), <= 2 writes per delivery, "
            "KMS Decrypt <= 1 per channel per container per 5 min (the data-key cache's TTL).",
            "API cases: the API function's calls once the authorizer's answer is cached (as API Gateway "
            "caches it), through tests/support/api.py's ApiClient.",
            "Delivery log: a page of the newest deliveries over the shards of the tenant's index (a lazy "
            "merge: a fair share of each shard, more only where the page needs it); items read = index keys "
            "of the queries + the page's items (BatchGetItem). Before the lazy merge each shard was asked for "
            "a whole page: 32 x (limit + 1) index keys. A new tenant's log is 2 shards wide and doubles when "
            "DynamoDB throttles its writes (herald.delivery.log_width); a tenant from before widths has 32.",
        ],
    )
    return Section("calls", "13. AWS calls per delivery and per request", [table], data=data)


class _CountingSqs:
    """The one SQS call queue.enqueue makes, answered at once: moto's SQS recomputes a queue's attributes
    over every message on each send (quadratic: 10,000 messages would take minutes)."""

    def __init__(self) -> None:
        self.calls = 0

    def send_message_batch(self, *, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls += 1
        return {"Successful": [{"Id": entry["Id"], "MessageId": entry["Id"]} for entry in Entries], "Failed": []}


@contextmanager
def _counted_sqs() -> Iterator[_CountingSqs]:
    sqs = _CountingSqs()
    real = delivery_queue.aws
    delivery_queue.aws = SimpleNamespace(client=lambda service: sqs if service == "sqs" else real.client(service))  # type: ignore[assignment]
    try:
        yield sqs
    finally:
        delivery_queue.aws = real


def run_fanout(quick: bool, calls: AwsCalls) -> Section:
    sizes = [1, 10, 100] if quick else [1, 100, 1000, 10_000]
    rows: list[list[Any]] = []
    data: dict[str, Any] = {}
    with _counted_sqs() as sqs:
        for size in sizes:
            rows.append(_fan_out(size, quick, calls, sqs, data))
    table = Table(
        "ingest_event of one event routed to N channels (N/100 rules): calls and wall time",
        ["channels", "calls", "calls/channel", "wall ms", "in AWS ms", "Herald µs/channel", "calls by operation"],
        rows,
        [
            "Expected by batches: BatchGetItem ceil(N/100), BatchWriteItem ceil(N/25), SendMessageBatch ceil(N/50) "
            "(ten messages a call, bundles of five deliveries), plus the rules' Query pages; the sender then makes "
            "the per-delivery calls of benchmark 13.",
            "DynamoDB: moto in-process (its time is 'in AWS'); SQS: the queue module's client answered at once "
            "(moto's SQS is quadratic in queue depth), its SendMessageBatch calls counted there.",
            "Herald µs/channel: (wall - in AWS) / N, Herald's own work per channel: flat means it grows by "
            "batches, not by channel.",
        ],
    )
    return Section("fanout", "14. Fan-out to 1 ... 10,000 channels", [table], data=data)


def _fan_out(size: int, quick: bool, calls: AwsCalls, sqs: _CountingSqs, data: dict[str, Any]) -> list[Any]:
    tenant = f"fanout-{size}"
    auth.ensure_tenant(tenant)
    channel_ids = _webhooks(tenant, "https://hooks.example.com/fanout", size)
    for start in range(0, size, RULE_SIZE):
        rules.create_rule(tenant, {"name": f"all {start}", "channelIds": channel_ids[start : start + RULE_SIZE]})
    walls, in_aws, made = [], [], {}
    for _ in range(1 if quick or size >= 10_000 else 3):  # moto takes minutes over 10,000 items
        event = MonitoringEvent.model_validate({"type": "custom", "title": "Fan-out", "body": "One to many."})
        before, sent = calls.snapshot(), sqs.calls
        started = time.perf_counter()
        answer = ingest.ingest_event(tenant, event)
        walls.append(time.perf_counter() - started)
        after = calls.snapshot()
        in_aws.append(AwsCalls.seconds(after - before))
        made = _calls(before, after) | {"sqs.SendMessageBatch": sqs.calls - sent}
        if len(answer["deliveries"]) != size:
            raise RuntimeError(f"fan-out to {size}: {len(answer['deliveries'])} deliveries queued")
    wall, aws_seconds = median(walls), median(in_aws)
    total = sum(made.values())
    data[str(size)] = {"calls": made, "wall_ms": wall * 1000, "in_aws_ms": aws_seconds * 1000,
                       "wall_ms_runs": [w * 1000 for w in walls]}  # fmt: skip
    return [size, total, total / size, wall * 1000, aws_seconds * 1000, (wall - aws_seconds) * 1e6 / size,
            _short(made)]  # fmt: skip
