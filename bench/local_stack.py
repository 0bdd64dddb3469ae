"""Benchmark 12: the local stack's own latency, over HTTP on loopback (`python -m local`, as `make dev` runs it).

- first async delivery: `POST /v1/notifications` to one webhook channel; from the 202's arrival to the
  request's arrival at the receiver (the queue, the emulated SQS trigger, the sender). Goal: 300 ms.
- `/test` overhead: `POST /v1/channels/{id}/test` against a bare `requests.post` to the same receiver,
  interleaved. Goal: at most 10x. The receivers answer in one segment, as nginx does (TCP_NODELAY);
  `/test` to Python's http.server as it is, whose answer's body waits up to 40 ms for the ACK of its
  headers on a kept connection (Nagle against Linux's delayed ACK), is measured beside it.
- head-of-line through `?wait=true`: ten receivers, one answering after 5 s; when the nine others had the
  request, after the POST started. Goal: 100 ms (benchmark 10 measures the same path without the stack).
- for scale: `POST /v1/notifications` to 20 channels, `GET /v1/channels?limit=100`.

The stack and the receivers share the machine's cores with this process: figures rank changes to the
emulator and gateway, they do not predict AWS.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from bench.report import Section, Table
from bench.samples import notification_wire
from bench.stats import median
from tests.e2e.conftest import Framing, Receiver, Stack, start_stack

FIRST_DELIVERY_GOAL_MS, TEST_OVERHEAD_GOAL, HOL_GOAL_MS = 300.0, 10.0, 100.0
SLOW_SECONDS = 5.0
WAIT_SECONDS = 20.0


class _Api:
    def __init__(self, stack: Stack, session: requests.Session) -> None:
        self.base, self.session = stack.base_url, session
        self.headers = {"x-api-key": stack.admin_key}

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        reply = self.session.request(method, self.base + path, headers=self.headers, timeout=30, **kwargs)
        if reply.status_code != expect:
            raise RuntimeError(f"{method} {path} answered {reply.status_code}: {reply.text[:500]}")
        return reply.json()

    def webhook(self, url: str) -> str:
        body = {"kind": "webhook", "name": url, "config": {"url": url, "secret": "bench-signing-secret"}}
        return str(self.call("POST", "/v1/channels", 201, json=body)["id"])


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _first_delivery(api: _Api, receiver: Receiver, channel_id: str, runs: int) -> list[float]:
    body = {"channelIds": [channel_id], "notification": notification_wire(long=False)}
    gaps = []
    for _ in range(runs):
        receiver.reset()
        api.call("POST", "/v1/notifications", 202, json=body)
        answered = time.time()
        [arrived] = receiver.wait_for(1, timeout=WAIT_SECONDS)
        gaps.append((arrived.at - answered) * 1000)
    return gaps


def _bare_post(url: str) -> None:
    """A bare `requests.post`, as issue 17 measured it: a new connection each time. (A kept-alive one meets
    http.server's Nagle: its body waits for the ACK of its headers, which Linux delays by up to 40 ms.)"""
    requests.post(url, json={"ok": True}, timeout=10)


def _test_overhead(api: _Api, receiver: Receiver, channel_id: str, runs: int) -> Any:
    bare, test = [], []
    for _ in range(runs):
        bare.append(_timed(lambda: _bare_post(f"{receiver.url}/bare")))
        test.append(_timed(lambda: api.call("POST", f"/v1/channels/{channel_id}/test", 200)))
    return bare, test


def _head_of_line(api: _Api, receivers: list[Receiver], channel_ids: list[str], runs: int) -> list[float]:
    body = {"channelIds": channel_ids, "notification": notification_wire(long=False)}
    last_fast = []
    for _ in range(runs):
        for receiver in receivers:
            receiver.reset()
        started = time.time()
        answer = api.call("POST", "/v1/notifications?wait=true", 200, json=body)
        if not all(entry["success"] for entry in answer["deliveries"]):
            raise RuntimeError(f"?wait=true: not every delivery succeeded: {answer}")
        fast = [receiver.wait_for(1, timeout=WAIT_SECONDS)[0].at for receiver in receivers[1:]]
        last_fast.append((max(fast) - started) * 1000)
    return last_fast


def run(quick: bool) -> Section:
    runs = 3 if quick else 5
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="herald-bench-local-") as scratch:
        stack = start_stack(Path(scratch), HERALD_LOCAL_EVENT_LOG="")  # off, as `make dev` runs it
        receivers = [Receiver(Framing.KEEPALIVE, nodelay=True) for _ in range(10)]
        nagle = Receiver(Framing.KEEPALIVE)
        receivers[0].program(delay=SLOW_SECONDS)
        try:
            stack.wait_ready()
            with requests.Session() as session:
                session.trust_env = False
                api = _Api(stack, session)
                hooks = [api.webhook(f"{receiver.url}/hook") for receiver in receivers]
                nagle_hook = api.webhook(f"{nagle.url}/hook")
                fast = receivers[1]
                # Warm-up: every path used once (containers, connections, each channel's data key cached).
                _first_delivery(api, fast, hooks[1], 1)
                _test_overhead(api, fast, hooks[1], 1)
                _head_of_line(api, receivers, hooks, 1)
                samples["first async delivery after the 202"] = _first_delivery(api, fast, hooks[1], runs)
                bare, test = _test_overhead(api, fast, hooks[1], 5 if quick else 20)
                samples["bare requests.post"], samples["POST /v1/channels/{id}/test"] = bare, test
                _test_overhead(api, nagle, nagle_hook, 1)
                nagled = _test_overhead(api, nagle, nagle_hook, 5 if quick else 20)[1]
                samples["/test to http.server as it is (Nagle)"] = nagled
                samples["GET /v1/health (gateway + one invoke, no AWS)"] = [
                    _timed(lambda: api.call("GET", "/v1/health", 200)) for _ in range(5 if quick else 20)
                ]
                samples["?wait=true, last of the nine fast"] = _head_of_line(api, receivers, hooks, 1 if quick else 3)
                more = [api.webhook(f"{fast.url}/hook") for _ in range(100 - len(hooks))]
                twenty = {"channelIds": (hooks[1:] + more)[:20], "notification": notification_wire(long=False)}
                samples["POST /v1/notifications, 20 channels"] = [
                    _timed(lambda: api.call("POST", "/v1/notifications", 202, json=twenty)) for _ in range(runs)
                ]
                samples["GET /v1/channels?limit=100"] = [
                    _timed(lambda: api.call("GET", "/v1/channels?limit=100", 200)) for _ in range(runs)
                ]
        finally:
            if stack.interrupt() is None:
                stack.kill()
            for receiver in [*receivers, nagle]:
                receiver.close()

    figures = {name: median(values) for name, values in samples.items()}
    overhead = figures["POST /v1/channels/{id}/test"] / figures["bare requests.post"]
    goals = {
        "first async delivery after the 202": (f"<= {FIRST_DELIVERY_GOAL_MS:g} ms", FIRST_DELIVERY_GOAL_MS),
        "?wait=true, last of the nine fast": (f"<= {HOL_GOAL_MS:g} ms", HOL_GOAL_MS),
    }
    rows: list[list[Any]] = []
    for name, values in samples.items():
        goal, limit = goals.get(name, ("", None))
        met = "" if limit is None else ("yes" if figures[name] <= limit else "NO")
        rows.append([name, len(values), figures[name], max(values), goal, met])
    rows.append(["/test over bare POST", "", overhead, None, f"<= {TEST_OVERHEAD_GOAL:g}x",
                 "yes" if overhead <= TEST_OVERHEAD_GOAL else "NO"])  # fmt: skip
    notes = [
        f"/test overhead: {overhead:.1f}x a bare requests.post (goal <= {TEST_OVERHEAD_GOAL:g}x); the stack was "
        f"ready in {stack.ready_seconds:.1f} s.",
        "first async delivery: from the 202 reaching this process to the request reaching the receiver "
        "(both clocks are this machine's).",
        f"spread of the first-delivery runs: {statistics.pstdev(samples['first async delivery after the 202']):.0f} "
        "ms (population standard deviation).",
    ]
    failing = [row[0] for row in rows if row[-1] == "NO"]
    if failing:
        notes.append("BELOW GOAL: " + ", ".join(failing) + ".")
    table = Table(
        "The local stack over HTTP on 127.0.0.1 (python -m local), ms",
        ["measure", "runs", "median", "max", "goal", "met"],
        rows,
        notes,
    )
    return Section(
        "local",
        "12. The local stack's latency",
        [table],
        data={"samples_ms": samples, "test_over_bare": overhead, "ready_seconds": stack.ready_seconds},
    )
