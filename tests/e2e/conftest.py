"""e2e fixtures: the local stack (`python -m local`) started from nothing on free ports, and a real HTTP receiver.

Every wait here is bounded in time; a stack that does not come up fails the suite with its output.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from local.constants import state_file
from tests.support.clock import CLOCK_VARIABLE, FileClock
from tests.support.pki import Pki, make_pki
from tests.support.samples import FIXED_HOST_KINDS

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 90.0
STOP_SECONDS = 20.0
_READY = re.compile(r"Herald local stack ready in ([0-9.]+) s")
# The name HTTPS receivers are reached by: the stack's /etc/hosts (HERALD_LOCAL_HOSTS) maps it to 127.0.0.1,
# and its certificate comes from the session's test CA, which the stack trusts through HERALD_CA_BUNDLE.
TLS_NAME = "receiver.herald.test"
TIMER_SCALE = 0.01
_ADMIN_KEY = re.compile(r"Admin API key \(tenant dev\): (hrld_[A-Za-z0-9_-]+)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def children_of(pid: int) -> set[int]:
    """Direct child processes of `pid` (Linux /proc)."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces; the parent pid follows the state field.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def wait_until(check: Callable[[], Any], timeout: float, interval: float = 0.1) -> Any:
    """The first truthy value `check` returns within `timeout` seconds, else None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    return None


class EventLog:
    """Reads HERALD_LOCAL_EVENT_LOG: one JSON line per handler invocation."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self, function: str | None = None) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        text = self.path.read_text(encoding="utf-8")
        # The stack may be writing a line right now: only complete lines (ending in a newline) count.
        complete = text[: text.rfind("\n") + 1].split("\n")  # not splitlines(): JSON may hold U+2028
        found = [json.loads(line) for line in complete if line.strip()]
        return [entry for entry in found if function is None or entry["function"] == function]

    def wait_for(
        self, function: str, matches: Callable[[dict[str, Any]], bool], timeout: float = 20.0
    ) -> dict[str, Any]:
        """The first invocation of `function` whose entry `matches`; fails after `timeout` seconds."""

        def find() -> dict[str, Any] | None:
            return next((entry for entry in self.entries(function) if matches(entry)), None)

        entry = wait_until(find, timeout, interval=0.2)
        assert entry is not None, f"{function} was not invoked as expected within {timeout:.0f} s"
        return entry


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _role(arguments: str) -> str | None:
    if "local.moto_server" in arguments:
        return "moto"
    if "--logical-id" in arguments:
        return arguments.split("--logical-id ")[1].split(maxsplit=1)[0].removesuffix("Function")
    if arguments.endswith("-m local"):
        return "stack"
    return None


@dataclass
class Stack:
    """A running `python -m local`."""

    process: subprocess.Popen[bytes]
    api_port: int
    aws_port: int
    output: Path
    events: EventLog
    admin_key: str = ""
    ready_seconds: float = 0.0
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def aws_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.aws_port}"

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) of this stack's processes, summed by role: the gateway (`stack`), the AWS
        emulator (`moto`) and each function's execution environments (`Api`, `Authorizer`, ...). Only this
        stack's process tree counts, so other stacks on the machine (parallel test workers) do not."""
        stats: dict[int, tuple[int, float, str]] = {}  # pid -> (parent, CPU seconds, command line)
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                arguments = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:  # gone meanwhile
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS, arguments)
        seconds: dict[str, float] = {}
        for pid, (_, cpu, arguments) in stats.items():
            ancestor = pid
            while ancestor in stats and ancestor != self.process.pid:
                ancestor = stats[ancestor][0]
            if ancestor == self.process.pid and (role := _role(arguments.strip())) is not None:
                seconds[role] = seconds.get(role, 0.0) + cpu
        return seconds

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    @property
    def outputs(self) -> dict[str, str]:
        """The template's Outputs as the running stack resolved them (what `make api-key` reads too)."""
        state: dict[str, dict[str, str]] = json.loads(state_file(self.aws_port).read_text(encoding="utf-8"))
        return state["outputs"]

    def client(self, service: str) -> Any:
        return boto3.client(service, **self._emulator())

    def resource(self, service: str) -> Any:
        return boto3.resource(service, **self._emulator())

    def _emulator(self) -> dict[str, Any]:
        return {
            "endpoint_url": self.aws_endpoint,
            "region_name": "us-east-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
            "config": Config(retries={"max_attempts": 2}, connect_timeout=3, read_timeout=10),
        }

    def wait_ready(self) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                return True
            return bool(_READY.search(self.text()))

        wait_until(ready, READY_SECONDS, interval=0.1)
        text = self.text()
        found = _READY.search(text)
        assert found and self.process.poll() is None, f"the local stack did not start:\n{text[-4000:]}"
        key = _ADMIN_KEY.search(text)
        assert key, f"the local stack printed no admin key:\n{text[-4000:]}"
        self.admin_key, self.ready_seconds = key.group(1), float(found.group(1))

    def interrupt(self) -> int | None:
        """Ctrl-C, as a terminal sends it; the exit code, or None if it did not stop in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """Last resort: the whole process group, so no emulator or container outlives a failed test."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_SECONDS)


def start_stack(directory: Path, **extra_env: str) -> Stack:
    """`python -m local` with fresh ports, the e2e knobs and an event log, started but not yet ready."""
    api_port, aws_port = free_port(), free_port()
    while aws_port == api_port:
        aws_port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HERALD_", "AWS_"))}
    defaults = {
        "HERALD_API_PORT": str(api_port),
        "HERALD_AWS_PORT": str(aws_port),
        "HERALD_EGRESS_ALLOW": "127.0.0.1",
        "HERALD_RETRY_SCHEDULE": "1,1,1",
        # Alert timers 100x faster (local stack only): a 10m escalation step comes due in 6 s.
        "HERALD_TIMER_SCALE": str(TIMER_SCALE),
        "HERALD_LOCAL_EVENT_LOG": str(directory / "events.jsonl"),
        # Suites that do not test throttling poll the API hard: no usage plan or stage limit may refuse them.
        "HERALD_LOCAL_PARAMETERS": "ApiRateLimit=100000 ApiBurstLimit=100000 "
        "TenantRateLimit=100000 TenantBurstLimit=100000",
    }
    env.update({**defaults, **extra_env})
    output = directory / "stack.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "local"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Stack(process, api_port, aws_port, output, EventLog(directory / "events.jsonl"), env=env)


@contextmanager
def running_stack(directory: Path, **extra_env: str) -> Iterator[Stack]:
    """A stack started and ready, stopped (Ctrl-C first, then kill) when the block ends."""
    running = start_stack(directory, **extra_env)
    try:
        running.wait_ready()
        yield running
    finally:
        if running.interrupt() is None:
            running.kill()


@pytest.fixture(scope="session")
def providers() -> Iterator[Receiver]:
    """One receiver standing in for every provider with a fixed public host (API.md section 1).

    The session stack sends kind K to `{providers.url}/K` (HERALD_ENDPOINT_K); tests filter
    `providers.requests` by path and call `providers.reset()` first.
    """
    running = Receiver()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A private CA and a certificate for TLS_NAME: what a self-hosted receiver behind an internal CA has."""
    return make_pki(tmp_path_factory.mktemp("pki"), TLS_NAME)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, providers: Receiver, test_ca: Pki) -> Iterator[Stack]:
    """The local stack for the whole e2e session, its fixed-host providers pointed at `providers`."""
    endpoints = {f"HERALD_ENDPOINT_{kind.upper()}": f"{providers.url}/{kind}" for kind in FIXED_HOST_KINDS}
    tls = {"HERALD_CA_BUNDLE": str(test_ca.ca_file), "HERALD_LOCAL_HOSTS": f"{TLS_NAME}=127.0.0.1"}
    directory = tmp_path_factory.mktemp("stack")
    # The system clock until a test moves it (the `clock` fixture).
    moved = {CLOCK_VARIABLE: str(directory / "clock")}
    with running_stack(directory, **endpoints, **tls, **moved) as running:
        yield running


@pytest.fixture
def clock(stack: Stack) -> Iterator[FileClock]:
    """The session stack's clock (herald.timeutil.utcnow in every function), back to the system's after."""
    moved = FileClock(Path(stack.env[CLOCK_VARIABLE]))
    try:
        yield moved
    finally:
        moved.path.write_text("", encoding="utf-8")


@pytest.fixture(scope="session")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # a proxy from the environment must never see loopback traffic
        yield session


# ---- a real HTTP receiver


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


DEFAULT_BODY = b'{"ok": true}'


class Framing(StrEnum):
    """How a receiver ends its answers. Each new Receiver takes the next one in turn, so every e2e suite
    delivers to servers that keep connections, close them, and speak HTTP/1.0 (see tests/support/zoo.py)."""

    KEEPALIVE = "HTTP/1.1 keep-alive"
    CLOSE = "HTTP/1.1 Connection: close"
    HTTP10 = "HTTP/1.0"


_framings = itertools.cycle(Framing)


class Receiver:
    """A threaded HTTP server on 127.0.0.1 that records requests and answers as programmed."""

    def __init__(self, framing: Framing | None = None, *, nodelay: bool = False) -> None:
        self.framing = framing or next(_framings)
        # http.server as it is sends an answer's headers and body in two segments with Nagle on: over a kept
        # connection the body waits for the ACK of the headers, which Linux delays up to 40 ms. `nodelay`
        # answers as nginx and most servers do (TCP_NODELAY), for benchmarks of Herald's own time.
        self.nodelay = nodelay
        self.requests: list[Received] = []
        self._statuses: list[int] = []
        self._default_status = 200
        self._headers: dict[str, str] = {}
        self._body = DEFAULT_BODY
        self._delay = 0.0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def program(
        self,
        statuses: list[int] | None = None,
        *,
        default: int = 200,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        delay: float = 0.0,
    ) -> None:
        """Answer with `statuses` in turn, then `default`; `delay` seconds before each answer."""
        with self._lock:
            self._statuses = list(statuses or [])
            self._default_status = default
            self._headers = dict(headers or {})
            self._body = body if body is not None else self._body
            self._delay = delay

    def reset(self) -> None:
        """Forget what arrived and answer 200 again (for a receiver shared by several tests)."""
        with self._lock:
            self.requests.clear()
        self.program(body=DEFAULT_BODY)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """The first `count` requests; fails if they do not arrive within `timeout` seconds."""
        arrived = wait_until(lambda: len(self.requests) >= count, timeout)
        assert arrived, f"expected {count} requests within {timeout:.0f} s, got {len(self.requests)}"
        return self.requests[:count]

    def _answer(self) -> tuple[int, dict[str, str], bytes, float]:
        with self._lock:
            status = self._statuses.pop(0) if self._statuses else self._default_status
            return status, dict(self._headers), self._body, self._delay

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0" if receiver.framing is Framing.HTTP10 else "HTTP/1.1"
            disable_nagle_algorithm = receiver.nodelay

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with receiver._lock:
                    receiver.requests.append(
                        Received(self.command, self.path, dict(self.headers.items()), body, time.time())
                    )
                status, headers, answer, delay = receiver._answer()
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                if receiver.framing is Framing.CLOSE:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 - http.server's names

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def herald(stack: Stack, http: requests.Session) -> Any:
    """The API as a client sees it, with the admin key of tenant `dev`."""
    from tests.e2e.helpers import Herald  # helpers builds on this module

    return Herald(stack, http)


@pytest.fixture
def provider(providers: Receiver) -> Iterator[Receiver]:
    """The session's shared fixed-host receiver, emptied before and after the test."""
    providers.reset()
    yield providers
    providers.reset()
