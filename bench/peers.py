"""Benchmarks 8-10: Herald's sender path beside its peers, its CPU and throughput, and head-of-line blocking.

Run in a child process (`python -m bench.peers --out results.json [--quick]`, started by `python -m bench`):
Herald's Powertools logs and metrics go to its stdout, which the parent discards, and the fakes of
bench/fakes.py stay in this process. AWS is replaced by those fakes, so what is measured is Herald's own
work: load the channel (AES-GCM open, config validation), render, egress guard, sign, send, classify,
record.

8. Sequential sends to the real nginx over HTTP and HTTPS (the test CA of tests/support/pki.py):
   `service.attempt` (the sender's per-delivery path) vs `requests.Session.post` vs Apprise's `json://`
   (`jsons://`) notify, rounds interleaved, medians of the rounds. Goals: >= 0.8x Session, >= 20x Apprise
   over HTTPS. CPU per delivery (time.process_time) over HTTP for Herald and the Session.
9. `worker.process_batch` on SQS batches of 10 messages, each a bundle of up to five deliveries as the
   fan-out queues them, 32 receivers answering after 50 ms (another process): goal >= 300 deliveries/s per
   sender process.
10. Head-of-line: 10 receivers, one answering after 5 s; when the other nine arrived, after the batch (or
   the `?wait=true` send) started. Goal: within 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Before Herald reads its settings: egress to loopback only, no AWS endpoint, a region for the idle clients.
os.environ.update(
    {
        "HERALD_EGRESS_ALLOW": "127.0.0.1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_SERVICE_NAME": "herald",
    }
)

import requests

from bench.fakes import InMemoryAws, in_memory_aws
from bench.lambda_env import ROOT
from bench.report import Section, Table
from bench.samples import notification_wire
from bench.slow_receivers import SlowReceivers
from bench.stats import median, spread
from herald import settings
from herald.channels import service as channels
from herald.delivery import service, usecases, worker
from herald.models.delivery import BUNDLE_SIZE, Delivery, QueueMessage
from herald.models.notification import Notification
from herald.observability import metrics
from herald.transport import http
from tests.support.nginx import Nginx, nginx_binary
from tests.support.pki import Pki, make_pki

NAME = "receiver.herald.test"  # the certificate's name; resolved to 127.0.0.1 in this process only
TENANT = "bench"
ROUNDS = 5
SQS_BATCH = 10  # the template's BatchSize: a sender invocation's messages
SESSION_GOAL, APPRISE_GOAL_HTTPS, THROUGHPUT_GOAL, HOL_GOAL_MS = 0.8, 20.0, 300.0, 100.0
BENCH_DEPS = ROOT / ".bench-deps"  # `make bench` installs bench/requirements.txt (Apprise) here
APPRISE_MISSING = (
    "Apprise is not installed: `make bench` installs bench/requirements.txt into .bench-deps "
    "(or: .venv/bin/python -m pip install --target .bench-deps -r bench/requirements.txt)."
)


def _resolve_locally(name: str) -> None:
    """This process's /etc/hosts: `name` is 127.0.0.1 (for Herald's resolver, requests and Apprise alike)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == name else host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def _apprise() -> Any:
    """The apprise module from .bench-deps (appended, so the venv's own packages keep precedence), or None."""
    if BENCH_DEPS.is_dir() and str(BENCH_DEPS) not in sys.path:
        sys.path.append(str(BENCH_DEPS))
    try:
        import apprise
    except ImportError:
        return None
    return apprise


def _webhook(url: str) -> str:
    return str(
        channels.create_channel(
            TENANT, {"kind": "webhook", "name": url, "config": {"url": url, "secret": "bench-signing-secret"}}
        )["id"]
    )


def _store(fakes: InMemoryAws, channel_ids: list[str], notification: Notification) -> list[Delivery]:
    deliveries = [service.new_delivery(TENANT, cid, "webhook", notification) for cid in channel_ids]
    fakes.deliveries.put_many(deliveries)
    return deliveries


def _delivered(fakes: InMemoryAws, delivery_ids: list[str]) -> None:
    for delivery_id in delivery_ids:
        stored = fakes.deliveries.get(TENANT, delivery_id)
        if stored is None or stored.status != "delivered":
            raise RuntimeError(f"{delivery_id} not delivered: {stored and (stored.status, stored.code, stored.error)}")


# ---- 8. peers


@dataclass
class _Client:
    """One way of sending: `send(count)` is timed; `ready(count)` before it and `check()` after it are not
    (Herald's deliveries are stored by the fan-out, not by the sender, and are checked once sent)."""

    send: Callable[[int], None]
    ready: Callable[[int], None] = lambda count: None
    check: Callable[[], None] = lambda: None


def _clients(fakes: InMemoryAws, nginx: Nginx, pki: Pki, notification: Notification) -> dict[str, _Client]:
    """Per client, how it sends `count` notifications one after another."""
    host = NAME if nginx.scheme == "https" else "127.0.0.1"
    url = nginx.url("/hook", host=host)
    channel = _webhook(url)
    body = json.dumps(notification.to_wire()).encode()
    session = requests.Session()
    session.trust_env = False
    session.verify = str(pki.ca_file)
    stored: list[str] = []

    def store(count: int) -> None:
        stored[:] = [delivery.id for delivery in _store(fakes, [channel] * count, notification)]

    def herald(count: int) -> None:
        # One after another, in batches as the sender gets them: its log line and metrics once per batch.
        for start in range(0, len(stored), SQS_BATCH):
            service.log_outcomes([service.attempt(TENANT, did) for did in stored[start : start + SQS_BATCH]])
            metrics.flush_metrics()

    def plain(count: int) -> None:
        for _ in range(count):
            session.post(url, data=body, headers={"Content-Type": "application/json"}).raise_for_status()

    clients = {
        "Herald sender path": _Client(herald, ready=store, check=lambda: _delivered(fakes, stored)),
        "requests.Session": _Client(plain),
    }
    apprise = _apprise()
    if apprise is not None:
        notifier = apprise.Apprise()
        notifier.add(url.replace("http", "json", 1))

        def peer(count: int) -> None:
            for _ in range(count):
                if not notifier.notify(title=notification.title, body=notification.body):
                    raise RuntimeError("Apprise reported a failed notify")

        clients["Apprise"] = _Client(peer)
    return clients


def _peers(fakes: InMemoryAws, quick: bool) -> tuple[Section, dict[str, float]]:
    count = 30 if quick else 200
    apprise_count = 10 if quick else 40  # a new connection (and TLS handshake) per notify: slower
    notification = Notification.model_validate(notification_wire(long=False))
    per_request: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="herald-bench-peers-")))
        for sub in ("pki", "http", "https"):
            (scratch / sub).mkdir()
        pki = make_pki(scratch / "pki", NAME)
        os.environ["HERALD_CA_BUNDLE"] = os.environ["REQUESTS_CA_BUNDLE"] = str(pki.ca_file)  # Apprise: requests
        settings.get_settings.cache_clear()
        http.get_session.cache_clear()
        servers = {
            scheme: stack.enter_context(
                Nginx(scratch / scheme, pki=pki if scheme == "https" else None, keepalive_requests=100_000,
                      keepalive_timeout="60s")
            )
            for scheme in ("http", "https")
        }  # fmt: skip
        clients = {
            f"{scheme}/{name}": client
            for scheme, nginx in servers.items()
            for name, client in _clients(fakes, nginx, pki, notification).items()
        }
        for client in clients.values():  # warm-up: connects once, the first use of each code path
            client.ready(1)
            client.send(1)
            client.check()
        names = list(clients)
        for round_number in range(ROUNDS):
            shift = round_number % len(names)
            for key in names[shift:] + names[:shift]:
                n, client = (apprise_count if key.endswith("Apprise") else count), clients[key]
                client.ready(n)
                wall, process = time.perf_counter(), time.process_time()
                client.send(n)
                per_request.setdefault(key, []).append((time.perf_counter() - wall) / n)
                cpu.setdefault(key, []).append((time.process_time() - process) / n)
                client.check()

    rows: list[list[Any]] = []
    data: dict[str, Any] = {"requests_per_round": count, "apprise_per_round": apprise_count, "rounds": ROUNDS}
    ratios: dict[str, float] = {}
    for scheme in ("http", "https"):
        herald = median(per_request[f"{scheme}/Herald sender path"])
        session = median(per_request[f"{scheme}/requests.Session"])
        apprise = median(per_request[f"{scheme}/Apprise"]) if f"{scheme}/Apprise" in per_request else None
        ratios[f"{scheme}_over_session"] = session / herald
        if apprise is not None:
            ratios[f"{scheme}_over_apprise"] = apprise / herald
        for client in ("Herald sender path", "requests.Session", "Apprise"):
            key = f"{scheme}/{client}"
            if key not in per_request:
                continue
            value = median(per_request[key])
            rows.append(
                [scheme, client, value * 1e6, 1 / value, spread(per_request[key]), median(cpu[key]) * 1e6,
                 herald and value / herald]
            )  # fmt: skip
            data[key] = {"us_per_request": value * 1e6, "cpu_us": median(cpu[key]) * 1e6, "rounds": per_request[key]}
    data["ratios"] = ratios
    herald_cpu = median(cpu["http/Herald sender path"]) * 1e6
    session_cpu = median(cpu["http/requests.Session"]) * 1e6
    data["cpu_us_per_delivery"] = herald_cpu
    notes = [
        "Herald / requests.Session throughput: "
        + ", ".join(f"{s.upper()} {ratios[f'{s}_over_session']:.2f}" for s in ("http", "https"))
        + f" (goal >= {SESSION_GOAL})"
        + (
            "; Herald / Apprise: "
            + ", ".join(f"{s.upper()} {ratios[f'{s}_over_apprise']:.1f}" for s in ("http", "https"))
            + f" (goal >= {APPRISE_GOAL_HTTPS:g} over HTTPS)."
            if "https_over_apprise" in ratios
            else "."
        ),
        f"Herald's CPU per delivery (HTTP): {herald_cpu:,.0f} µs, of which the Session's send would be "
        f"{session_cpu:,.0f} µs; Herald's own work (load, render, guard, sign, classify, record): "
        f"{herald_cpu - session_cpu:,.0f} µs.",
        "x Herald: time per request relative to Herald's (above 1: slower than Herald).",
        "Herald: service.attempt with in-memory repositories, queue and KMS (bench/fakes.py), so no AWS time; "
        "requests.Session: post of the notification's JSON on one kept-alive connection; Apprise: one "
        "Apprise() with a json:// (jsons://) URL, notify() per message (requests.post: a new connection each).",
    ]
    if "https_over_apprise" not in ratios:
        notes.append(f"Apprise case skipped: {APPRISE_MISSING}")
    below = [f"{s.upper()} vs Session" for s in ("http", "https") if ratios[f"{s}_over_session"] < SESSION_GOAL]
    if ratios.get("https_over_apprise", APPRISE_GOAL_HTTPS) < APPRISE_GOAL_HTTPS:
        below.append("HTTPS vs Apprise")
    if below:
        notes.append("BELOW GOAL: " + ", ".join(below) + ".")
    table = Table(
        f"Sequential sends to nginx on 127.0.0.1 (median of {ROUNDS} interleaved rounds of {count}; "
        f"Apprise {apprise_count})",
        ["scheme", "client", "µs/request", "requests/s", "± %", "CPU µs/request", "x Herald"],
        rows,
        notes,
    )
    section = Section("peers", "8. Herald's sender path vs requests.Session vs Apprise", [table], data=data)
    # --quick may run without Apprise (CI, `make test` never install it); the full run must compare with it.
    section.data["failed"] = "https_over_apprise" not in ratios and not quick
    return section, {"cpu_us": herald_cpu}


# ---- 9. throughput


def _record(message: QueueMessage) -> dict[str, Any]:
    """The SQS record Lambda hands the sender (only what the worker reads)."""
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": f"bench-{uuid.uuid4()}",
        "body": message.body(),
        "attributes": {"ApproximateReceiveCount": "1"},
    }


def _batches(fakes: InMemoryAws, channel_ids: list[str], notification: Notification, batch: int) -> float:
    """Deliver one notification to every channel, queued as the fan-out queues it (bundles of deliveries,
    QueueMessage.bundles) and handed over in SQS batches of `batch` messages; the wall seconds."""
    deliveries = _store(fakes, channel_ids, notification)
    messages = QueueMessage.bundles(deliveries)
    started = time.perf_counter()
    for start in range(0, len(messages), batch):
        records = [_record(message) for message in messages[start : start + batch]]
        answer = worker.process_batch(records, remaining_ms=lambda: 60_000)
        metrics.flush_metrics()  # as the sender's handler does after each batch
        if answer["batchItemFailures"]:
            raise RuntimeError(f"sender reported failures: {answer}")
    wall = time.perf_counter() - started
    _delivered(fakes, [delivery.id for delivery in deliveries])
    return wall


def _throughput(fakes: InMemoryAws, quick: bool, cpu_us: float) -> Section:
    receivers_count, delay, batch = 32, 0.05, 10
    notification = Notification.model_validate(notification_wire(long=False))
    per_round = 96 if quick else 320
    with SlowReceivers(receivers_count, delay=delay) as receivers:
        channel_ids = [_webhook(f"{url}/hook") for url in receivers.urls]
        targets = [channel_ids[i % receivers_count] for i in range(per_round)]
        _batches(fakes, channel_ids, notification, batch)  # warm-up: one connection per receiver
        rates = [per_round / _batches(fakes, targets, notification, batch) for _ in range(ROUNDS)]
        arrived = len(receivers.arrivals())
    expected = receivers_count + ROUNDS * per_round
    if arrived != expected:
        raise RuntimeError(f"the receivers saw {arrived} requests, expected {expected}")
    rate = median(rates)
    ceiling = batch * BUNDLE_SIZE / delay
    notes = [
        f"{rate:,.0f} deliveries/s (goal >= {THROUGHPUT_GOAL:g}); ceiling of one process: a batch of {batch} "
        f"messages (template BatchSize) of up to {BUNDLE_SIZE} deliveries each (QueueMessage.bundles), all sent "
        f"at once, takes at least the receivers' {delay * 1000:g} ms, so {ceiling:,.0f}/s; reached: "
        f"{rate / ceiling:.0%} of it.",
        "Lambda hands a container one batch at a time; across containers the sender scales by concurrency "
        "(docs/SCALING.md).",
        f"Herald's CPU per delivery, sequential over HTTP (benchmark 8): {cpu_us:,.0f} µs, i.e. at most "
        f"{1e6 / cpu_us:,.0f} deliveries/s per core if receivers answered at once.",
    ]
    if rate < THROUGHPUT_GOAL:
        notes.append(f"BELOW GOAL: {rate:,.0f}/s < {THROUGHPUT_GOAL:g}/s.")
    table = Table(
        f"worker.process_batch, batches of {batch} messages, {receivers_count} receivers answering after "
        f"{delay * 1000:g} ms ({per_round} deliveries a round, median of {ROUNDS})",
        ["receivers", "delay ms", "batch", "deliveries/s", "± %", "ceiling/s"],
        [[receivers_count, delay * 1000, batch, rate, spread(rates), ceiling]],
        notes,
    )
    return Section(
        "throughput",
        "9. Deliveries per second per sender process",
        [table],
        data={"deliveries_per_s": rate, "rounds": rates, "ceiling": ceiling, "cpu_us_per_delivery": cpu_us},
    )


# ---- 10. head-of-line


def _head_of_line(fakes: InMemoryAws, quick: bool) -> Section:
    notification = Notification.model_validate(notification_wire(long=False))
    rounds = 1 if quick else ROUNDS
    fast_ms: dict[str, list[float]] = {"sender batch": [], "?wait=true": []}
    slow_ms: dict[str, list[float]] = {"sender batch": [], "?wait=true": []}
    with SlowReceivers(10, delay=0.0, slow_seconds=5.0) as receivers:
        urls = [f"{receivers.urls[0]}/slow/0"] + [f"{url}/hook" for url in receivers.urls[1:]]
        channel_ids = [_webhook(url) for url in urls]
        _batches(fakes, channel_ids[1:], notification, 10)  # warm connections, as in a busy sender

        def sender() -> None:
            _batches(fakes, channel_ids, notification, 10)

        def wait_true() -> None:
            body = {"channelIds": channel_ids, "notification": notification.to_wire()}
            status, answer = usecases.send_notification(TENANT, body, wait=True)
            metrics.flush_metrics()  # as the API's handler does after each request
            if status != 200 or not all(entry["success"] for entry in answer["deliveries"]):
                raise RuntimeError(f"?wait=true answered {status}: {answer}")

        receivers.arrivals()
        for _ in range(rounds):
            for name, run in (("sender batch", sender), ("?wait=true", wait_true)):
                started = time.time()
                run()
                seen = receivers.arrivals()
                fast = [at for _, path, at in seen if not path.startswith("/slow/")]
                slow = [at for _, path, at in seen if path.startswith("/slow/")]
                if len(fast) != 9 or len(slow) != 1:
                    raise RuntimeError(f"{name}: the receivers saw {len(fast)} fast and {len(slow)} slow requests")
                fast_ms[name].append((max(fast) - started) * 1000)
                slow_ms[name].append((slow[0] - started) * 1000)
    rows = [
        [name, rounds, median(fast_ms[name]), max(fast_ms[name]), median(slow_ms[name]),
         "yes" if median(fast_ms[name]) <= HOL_GOAL_MS else "NO"]
        for name in fast_ms
    ]  # fmt: skip
    notes = [
        "last fast: when the ninth fast receiver had the request (its arrival, read by the receiver process), "
        "after the batch or send began; slow: when the 5-s receiver had its own. Goal: last fast <= "
        f"{HOL_GOAL_MS:g} ms.",
        "sender batch: worker.process_batch of the fan-out's 2 messages (bundles of five); ?wait=true: "
        "usecases.send_notification(wait=True), "
        "what POST /v1/notifications?wait=true runs, with in-memory AWS. Through the local stack: benchmark 12.",
    ]
    failing = [name for name in fast_ms if median(fast_ms[name]) > HOL_GOAL_MS]
    if failing:
        notes.append("BELOW GOAL: " + ", ".join(failing) + ".")
    table = Table(
        "10 receivers, one answering after 5 s, the nine others at once",
        ["path", "runs", "last fast ms (median)", "last fast ms (max)", "slow arrived ms", "<= 100 ms"],
        rows,
        notes,
    )
    return Section(
        "head_of_line",
        "10. Head-of-line: one slow receiver among ten",
        [table],
        data={"last_fast_ms": fast_ms, "slow_arrived_ms": slow_ms},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", default=["peers", "throughput", "head_of_line"])
    args = parser.parse_args(argv)
    sections: list[Section] = []
    error = None
    if nginx_binary() is None:
        error = "nginx is not installed (looked on PATH and at /usr/sbin/nginx); apt-get install nginx"
        args.out.write_text(json.dumps({"sections": [], "error": error}))
        return 1
    try:
        _resolve_locally(NAME)
        with in_memory_aws() as fakes:
            started = time.monotonic()
            peers, figures = _peers(fakes, args.quick)
            peers.seconds = time.monotonic() - started
            if "peers" in args.only:
                sections.append(peers)
            for key, bench in (
                ("throughput", lambda: _throughput(fakes, args.quick, figures["cpu_us"])),
                ("head_of_line", lambda: _head_of_line(fakes, args.quick)),
            ):
                if key in args.only:
                    started = time.monotonic()
                    section = bench()
                    section.seconds = time.monotonic() - started
                    sections.append(section)
    except Exception:
        error = traceback.format_exc()
    args.out.write_text(json.dumps({"sections": [s.to_dict() for s in sections], "error": error}, default=str))
    return 1 if error else 0


if __name__ == "__main__":
    raise SystemExit(main())
