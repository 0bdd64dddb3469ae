"""Load: the local API under a steady open-loop mix of reads and writes, with no error allowed.

`make test` runs a short, light run that proves the driver and the promise (0 errors); `make soak`
runs 200 requests/s for 60 s (HERALD_LOAD_RATE, HERALD_LOAD_SECONDS) and writes its figures to
HERALD_LOAD_REPORT for docs/RELIABILITY.md. Requests are sent on a fixed schedule whatever the answers'
pace (open loop), so a slow API shows as latency and lateness, never as a quietly lower rate.

The driver shares the machine with the stack it measures, so it is lean: one `http.client` connection
per thread (requests' Session costs three times the CPU per call). The stack gets one execution
environment per function per core, plus one (HERALD_LOAD_CONTAINERS): more processes than cores
working at once only take turns, and each costs a cold start. It keeps no event log, which no check here
reads.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.conftest import Stack, running_stack

RATE = float(os.environ.get("HERALD_LOAD_RATE", "40"))
SECONDS = float(os.environ.get("HERALD_LOAD_SECONDS", "5"))
CONTAINERS = os.environ.get("HERALD_LOAD_CONTAINERS", str((os.cpu_count() or 1) + 1))
WORKERS = 64


@dataclass(frozen=True)
class Outcome:
    operation: str
    status: int
    seconds: float
    late: float
    done: float  # seconds from the first slot to this answer


class Tenant:
    """One tenant's key and the channels it made, shared by the driver's threads."""

    def __init__(self, base: str, key: str) -> None:
        self.base, self.headers = base, {"x-api-key": key}
        self.channels: list[str] = []
        self.lock = threading.Lock()

    def some_channel(self, rng: random.Random) -> str | None:
        with self.lock:
            return rng.choice(self.channels) if self.channels else None


class Answer:
    def __init__(self, status: int, body: bytes) -> None:
        self.status_code, self._body = status, body

    def json(self) -> Any:
        return json.loads(self._body)


class Client:
    """One keep-alive connection to the API (reopened when the server closes it), for one thread."""

    def __init__(self, base: str) -> None:
        address = urlsplit(base)
        self._host, self._port = address.hostname or "127.0.0.1", address.port or 80
        self._connection: http.client.HTTPConnection | None = None

    def _call(self, method: str, url: str, body: Any, headers: dict[str, str]) -> Answer:
        path = urlsplit(url)._replace(scheme="", netloc="").geturl()
        payload = None if body is None else json.dumps(body).encode()
        sent = {**headers, **({"content-type": "application/json"} if payload is not None else {})}
        for attempt in range(2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(self._host, self._port, timeout=30)
            try:
                self._connection.request(method, path, body=payload, headers=sent)
                answer = self._connection.getresponse()
                data = answer.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._connection.close()
                self._connection = None
                if attempt:  # a fresh connection failed too: a real error
                    raise
                continue
            if answer.will_close:
                self._connection.close()
                self._connection = None
            return Answer(answer.status, data)
        raise AssertionError("unreachable")

    def get(self, url: str, headers: dict[str, str], timeout: float = 30) -> Answer:
        return self._call("GET", url, None, headers)

    def post(self, url: str, json: Any, headers: dict[str, str], timeout: float = 30) -> Answer:
        return self._call("POST", url, json, headers)

    def patch(self, url: str, json: Any, headers: dict[str, str], timeout: float = 30) -> Answer:
        return self._call("PATCH", url, json, headers)


def _create(tenant: Tenant, http: Client, rng: random.Random) -> tuple[str, int]:
    body = {"name": "load", "kind": "ntfy", "config": {"topic": f"load-{rng.randrange(1 << 30)}"}}
    answer = http.post(f"{tenant.base}/v1/channels", json=body, headers=tenant.headers, timeout=30)
    if answer.status_code == 201:
        with tenant.lock:
            tenant.channels.append(answer.json()["id"])
    return "create channel", answer.status_code


def _rename(tenant: Tenant, http: Client, rng: random.Random) -> tuple[str, int]:
    channel = tenant.some_channel(rng)
    if channel is None:
        return _create(tenant, http, rng)
    body = {"name": f"load {rng.randrange(1000)}"}
    answer = http.patch(f"{tenant.base}/v1/channels/{channel}", json=body, headers=tenant.headers, timeout=30)
    # Two renames of one channel at once: the loser is told to read and try again (400 conflict).
    ok = answer.status_code == 200 or answer.json().get("code") == "conflict"
    return "rename channel", 200 if ok else answer.status_code


def _read(tenant: Tenant, http: Client, rng: random.Random) -> tuple[str, int]:
    channel = tenant.some_channel(rng)
    if channel is None:
        return _list(tenant, http, rng)
    answer = http.get(f"{tenant.base}/v1/channels/{channel}", headers=tenant.headers, timeout=30)
    return "read channel", answer.status_code


def _list(tenant: Tenant, http: Client, rng: random.Random) -> tuple[str, int]:
    answer = http.get(f"{tenant.base}/v1/channels?limit=20", headers=tenant.headers, timeout=30)
    return "list channels", answer.status_code


def _deliveries(tenant: Tenant, http: Client, rng: random.Random) -> tuple[str, int]:
    answer = http.get(f"{tenant.base}/v1/deliveries?limit=20", headers=tenant.headers, timeout=30)
    return "list deliveries", answer.status_code


# 70 % reads, 30 % writes.
MIX: list[tuple[Callable[[Tenant, Client, random.Random], tuple[str, int]], int]] = [
    (_read, 35),
    (_list, 20),
    (_deliveries, 15),
    (_create, 15),
    (_rename, 15),
]


def drive(tenant: Tenant, rate: float, seconds: float, seed: int = 7) -> list[Outcome]:
    """Send `rate` requests a second for `seconds`, on schedule, from WORKERS threads."""
    total = int(rate * seconds)
    rng = random.Random(seed)
    plan = rng.choices([action for action, _ in MIX], weights=[weight for _, weight in MIX], k=total)
    start = time.monotonic() + 0.5
    slots: queue.Queue[tuple[float, Callable[..., tuple[str, int]]] | None] = queue.Queue()
    for index, action in enumerate(plan):
        slots.put((start + index / rate, action))
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        client = Client(tenant.base)
        local = random.Random(seed * 1000 + worker)
        while (slot := slots.get()) is not None:
            due, action = slot
            time.sleep(max(0.0, due - time.monotonic()))
            began = time.monotonic()
            try:
                operation, status = action(tenant, client, local)
            except (OSError, http.client.HTTPException) as exc:
                operation, status = f"{action.__name__} ({type(exc).__name__})", 0
            with lock:
                now = time.monotonic()
                outcomes.append(Outcome(operation, status, now - began, began - due, now - start))

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(WORKERS)]
    for _ in threads:
        slots.put(None)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    assert not any(thread.is_alive() for thread in threads), "the driver did not finish in time"
    return outcomes


def report(outcomes: list[Outcome], rate: float, seconds: float, cpu: dict[str, float]) -> dict[str, object]:
    """The run's figures; `cpu`: CPU seconds spent during it by each of the stack's roles and the driver."""
    latencies = sorted(outcome.seconds for outcome in outcomes)
    wall = max(outcome.done for outcome in outcomes)

    def percentile(share: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000, 1)

    return {
        "target_rate": rate,
        "seconds": seconds,
        "containers": int(CONTAINERS),
        "requests": len(outcomes),
        "achieved_rate": round(len(outcomes) / wall, 1),
        "wall_seconds": round(wall, 1),
        "errors": sum(1 for outcome in outcomes if not 200 <= outcome.status < 300),
        "statuses": dict(Counter(str(outcome.status) for outcome in outcomes)),
        "by_operation": dict(Counter(outcome.operation for outcome in outcomes)),
        "latency_ms": {"p50": percentile(0.50), "p95": percentile(0.95), "p99": percentile(0.99)},
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
        "late_p99_ms": round(sorted(outcome.late for outcome in outcomes)[int(0.99 * len(outcomes))] * 1000, 1),
        # CPU time hardly moves when other work shares the machine: what a request costs, whatever the rate.
        "cpu_ms_per_request": {role: round(spent * 1000 / len(outcomes), 2) for role, spent in sorted(cpu.items())},
        "cpu_ms_per_request_total": round(sum(cpu.values()) * 1000 / len(outcomes), 2),
        "cpu_share_of_cores": round(sum(cpu.values()) / wall / (os.cpu_count() or 1), 2),
    }


@pytest.fixture(scope="module")
def load_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("load-stack")
    with running_stack(directory, HERALD_LOCAL_CONTAINERS=CONTAINERS, HERALD_LOCAL_EVENT_LOG="") as running:
        yield running


def test_the_api_holds_a_steady_mix_of_reads_and_writes_without_an_error(load_stack: Stack) -> None:
    tenant = Tenant(load_stack.base_url, load_stack.admin_key)
    before, driver = load_stack.cpu_seconds(), time.process_time()
    outcomes = drive(tenant, RATE, SECONDS)
    cpu = {role: spent - before.get(role, 0.0) for role, spent in load_stack.cpu_seconds().items()}
    figures = report(outcomes, RATE, SECONDS, {**cpu, "driver": time.process_time() - driver})
    if path := os.environ.get("HERALD_LOAD_REPORT"):
        Path(path).write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    assert len(outcomes) == int(RATE * SECONDS)
    failed = [outcome for outcome in outcomes if not 200 <= outcome.status < 300]
    assert not failed, f"{len(failed)} errors, first {failed[:5]}; {figures}"
    # Every channel the driver created is there to read back, and nothing else.
    listed: set[str] = set()
    token = None
    for _ in range(1000):
        params = {"limit": 100, **({"nextToken": token} if token else {})}
        page = requests.get(f"{tenant.base}/v1/channels", params=params, headers=tenant.headers, timeout=30).json()
        listed |= {channel["id"] for channel in page["data"]}
        if not (token := page["nextToken"]):
            break
    assert tenant.channels and listed == set(tenant.channels)
