"""The receiver zoo: HTTP servers on 127.0.0.1 that behave the ways real receivers do, not the way a client
would like them to.

Each is Python's `http.server` with one behaviour, named by `Behaviour`. The HTTP/1.0 one is http.server
as it ships (its default protocol, closing after every answer); the others speak HTTP/1.1 and close,
time out idle connections, reset, hang up, answer `100 Continue` first, chunk, gzip, send 5 MB, trickle
or redirect. Every request is recorded, so tests count what arrived (by `webhook-id` where there is one). ECHO is
the provider that quotes the request back in its error answer; `behaviour` may be changed between
requests, and `ok_answer` shapes the 2xx for receivers that must look like a given provider.
Python's `http.server` run as a program, and nginx (tests/support/nginx.py), complete the zoo.

`fail_on={1, ...}` makes a behaviour hit only those requests (counted from 1); the others are answered
200 over keep-alive HTTP/1.1, which is how tests show that a reset or a hang-up does not poison the next
delivery to the same receiver.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.serving import Serving

BIG_BYTES = 5 * 1024 * 1024
TRICKLE_CHUNKS = 20
TRICKLE_PAUSE = 0.05  # 20 x 50 ms: a 1 s answer, well inside the 15 s deadline
IDLE_TIMEOUT = 0.5
OK_BODY = b'{"ok":true}'
ERROR_WORDS = "database connection pool exhausted"
# Where providers put the words of an error: Slack's text, Telegram's `description`, Twilio's `message`,
# Vonage's `error-text`, Pushover's `errors`, Matrix's `error`, ... The echo fills every one.
ECHO_FIELDS = ("error", "message", "description", "detail", "error_description", "errcode")


class Behaviour(StrEnum):
    HTTP10 = "http10"  # http.server's own default: HTTP/1.0, the connection closed after each answer
    CLOSE = "close"  # HTTP/1.1 answers that carry `Connection: close`
    IDLE = "idle"  # HTTP/1.1 keep-alive, the server drops a connection idle for 0.5 s
    KEEPALIVE = "keepalive"  # HTTP/1.1 keep-alive, as long as the client likes
    RESET = "reset"  # reads the request, then resets the connection (RST)
    HANGUP = "hangup"  # reads the request, then closes without a word
    CONTINUE = "continue"  # `100 Continue` first, then the answer
    CHUNKED = "chunked"  # the answer in chunked transfer coding
    GZIP_ERROR = "gzip-error"  # a 500 whose body is gzip-encoded
    BIG = "big"  # a 200 with a 5 MB body
    TRICKLE = "trickle"  # a 200 whose body arrives in 20 pieces over a second
    MOVED = "301"
    FOUND = "302"
    TEMPORARY = "307"
    ECHO = "echo"  # `echo_status` quoting the request back: credentials first, then line, headers and body
    CHAOS = "chaos"  # 200, except a random share of requests: 500, 429, reset, hang-up, too slow, 5 MB


CHAOS_FAULTS = ("500", "429", "reset", "hangup", "slow", "big")


REDIRECTS = {Behaviour.MOVED: 301, Behaviour.FOUND: 302, Behaviour.TEMPORARY: 307}


@dataclass(frozen=True)
class Answered:
    """What the receiver did with one request, once it had done it."""

    webhook_id: str
    outcome: str  # "200" (a complete 2xx was written), or one of CHAOS_FAULTS


@dataclass(frozen=True)
class Arrival:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    connection: int  # which TCP connection (1, 2, ...) it came over

    def json(self) -> Any:
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, receiver: ZooReceiver, handler: type[BaseHTTPRequestHandler]) -> None:
        self.receiver = receiver
        super().__init__(("127.0.0.1", 0), handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up are part of the tests, not noise for stderr.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.connection_number = self.server.receiver._connected()

    def do_ANY(self) -> None:
        receiver = self.server.receiver
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.arrival = Arrival(
            self.command,
            self.path,
            {k.lower(): v for k, v in self.headers.items()},
            body,
            self.connection_number,
        )
        number = receiver._record(self.arrival)
        behaviour = receiver.behaviour
        if behaviour is Behaviour.CHAOS:
            self._chaos(receiver)
        elif behaviour is Behaviour.ECHO:
            self._echo(receiver, self.arrival)
        elif receiver.fail_on is None or number in receiver.fail_on:
            self._misbehave(behaviour)
        else:
            self._reply(*receiver.ok_answer(self.arrival))

    def _chaos(self, receiver: ZooReceiver) -> None:
        fault = receiver.draw_fault()
        webhook_id = self.headers.get("webhook-id", "")
        if fault is not None:
            receiver.answered(Answered(webhook_id, fault))  # noted first: the answer may never get out
        if fault == "500":
            self._reply(500, b'{"error":"internal"}')
        elif fault == "429":
            self._reply(429, b'{"error":"slow down"}', {"Retry-After": "1"})
        elif fault == "reset":
            self._misbehave(Behaviour.RESET)
        elif fault == "hangup":
            self._misbehave(Behaviour.HANGUP)
        elif fault == "slow":
            receiver.stopping.wait(receiver.slow_seconds)  # past Herald's deadline: it has gone by then
            self._reply(503, b'{"error":"too late"}')
        else:
            body = b"x" * BIG_BYTES if fault == "big" else OK_BODY
            self._reply(200, body)
            self.wfile.flush()
            receiver.answered(Answered(webhook_id, "200"))  # only once the whole 2xx was written

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_ANY  # noqa: N815 - http.server's names

    def _misbehave(self, behaviour: Behaviour) -> None:
        if behaviour is Behaviour.RESET:
            # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
        elif behaviour is Behaviour.HANGUP:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif behaviour is Behaviour.CLOSE:
            self._reply(200, OK_BODY, {"Connection": "close"})
            self.close_connection = True
        elif behaviour is Behaviour.CONTINUE:
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()
            self._reply(200, OK_BODY)
        elif behaviour is Behaviour.CHUNKED:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (OK_BODY[:4], OK_BODY[4:]):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        elif behaviour is Behaviour.GZIP_ERROR:
            words = json.dumps({"error": ERROR_WORDS}).encode()
            self._reply(500, gzip.compress(words), {"Content-Encoding": "gzip"})
        elif behaviour is Behaviour.BIG:
            self._reply(200, b"x" * BIG_BYTES, {"Content-Type": "text/plain"})
        elif behaviour is Behaviour.TRICKLE:
            self._trickle()
        elif behaviour in REDIRECTS:
            self._reply(REDIRECTS[behaviour], b"", {"Location": self.server.receiver.redirect_to})
        else:
            self._reply(*self.server.receiver.ok_answer(self.arrival))

    def _echo(self, receiver: ZooReceiver, arrival: Arrival) -> None:
        """The hardest error answer for a client that keeps provider words: the request, quoted back.

        What looks like a credential (`echo_first` in it, or an Authorization header) comes first, so
        that a client cutting the answer short still keeps it; every header is reflected as `X-Echo-*`.
        """
        headers = [f"{name}: {value}" for name, value in arrival.headers.items()]
        text = "\n".join([arrival.path, *headers, arrival.body.decode("utf-8", "replace")])
        first = receiver.echo_first
        marked = re.findall(rf"[^\s&\"']*{re.escape(first)}[^\s&\"']*", text) if first else []
        marked += [header for header in headers if header.startswith("authorization")]
        words = " | ".join([*marked, arrival.method, text])
        body: dict[str, Any] = dict.fromkeys(ECHO_FIELDS, words)
        body |= {"ok": False, "errors": [words], "messages": [{"status": "4", "error-text": words}]}
        echoed = {f"X-Echo-{name}": value for name, value in arrival.headers.items() if value.isascii()}
        self._reply(receiver.echo_status, json.dumps(body).encode(), echoed)

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Type": "application/json", **(headers or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self) -> None:
        piece = b"x" * 10
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(piece) * TRICKLE_CHUNKS))
        self.end_headers()
        for _ in range(TRICKLE_CHUNKS):
            self.wfile.write(piece)
            self.wfile.flush()
            if self.server.receiver.stopping.wait(TRICKLE_PAUSE):
                break


def _handler_for(behaviour: Behaviour) -> type[BaseHTTPRequestHandler]:
    """http.server's handler, with the protocol and idle timeout the behaviour calls for."""
    attributes: dict[str, Any] = {"protocol_version": "HTTP/1.1"}
    if behaviour is Behaviour.HTTP10:
        attributes = {}  # http.server's defaults, untouched
    elif behaviour is Behaviour.IDLE:
        attributes["timeout"] = IDLE_TIMEOUT
    else:
        attributes["timeout"] = 10  # no connection outlives a test by long
    return type(f"{behaviour.name.title()}Handler", (_Handler,), attributes)


class ZooReceiver(Serving):
    """Context manager: one behaviour on a free port of 127.0.0.1."""

    def __init__(
        self,
        behaviour: Behaviour | str,
        *,
        fail_on: set[int] | None = None,
        redirect_to: str = "",
        on_arrival: Callable[[Arrival], None] | None = None,
        ok_answer: Callable[[Arrival], tuple[int, bytes]] | None = None,
    ) -> None:
        self.behaviour = Behaviour(behaviour)
        self.ok_answer = ok_answer or (lambda _arrival: (200, OK_BODY))
        self.echo_status = 400  # ECHO: the status of the answer that quotes the request back
        self.echo_first = ""  # ECHO: pieces of the request holding this string are quoted first
        self.fail_on = fail_on
        self.on_arrival = on_arrival  # runs before the answer: e.g. to fail Herald's next AWS call
        self.fault_share = 0.0  # CHAOS: the share of requests that get one of CHAOS_FAULTS
        self.slow_seconds = 3.0  # CHAOS "slow": longer than the deadline of the stack under test
        self.answers: list[Answered] = []
        self._chaos = random.Random()
        self.redirect_to = redirect_to or "http://127.0.0.1:9/elsewhere"
        self.arrivals: list[Arrival] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._serve(_Server(self, _handler_for(self.behaviour)))

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def by_webhook_id(self) -> Counter[str]:
        """How many requests arrived for each `webhook-id` (Herald's id of a delivery)."""
        with self._lock:
            return Counter(a.headers.get("webhook-id", "") for a in self.arrivals)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Arrival]:
        end = time.monotonic() + timeout
        while time.monotonic() < end and len(self.arrivals) < count:
            time.sleep(0.05)
        assert len(self.arrivals) >= count, f"{count} requests expected within {timeout} s, {len(self.arrivals)} came"
        return self.arrivals[:count]

    def chaos(self, share: float, seed: int, slow_seconds: float) -> ZooReceiver:
        """CHAOS: fail `share` of the requests at random (repeatably, by `seed`)."""
        self.fault_share, self.slow_seconds = share, slow_seconds
        self._chaos.seed(seed)
        return self

    def draw_fault(self) -> str | None:
        with self._lock:
            if self._chaos.random() >= self.fault_share:
                return None
            return self._chaos.choice(CHAOS_FAULTS)

    def answered(self, answer: Answered) -> None:
        with self._lock:
            self.answers.append(answer)

    def _connected(self) -> int:
        with self._lock:
            self.connections += 1
            return self.connections

    def _record(self, arrival: Arrival) -> int:
        with self._lock:
            self.arrivals.append(arrival)
            number = len(self.arrivals)
        if self.on_arrival is not None:
            self.on_arrival(arrival)
        return number


class HttpServerProgram:
    """`python3 -m http.server` as a user runs it: HTTP/1.0, 501 to POST, the request lines on stderr."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lines: list[str] = []
        self._directory = tempfile.TemporaryDirectory(prefix="herald-http-server-")  # serves an empty folder
        self.port = 0

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request_lines(self) -> list[str]:
        """`"POST /hook HTTP/1.1" 501 -` and the like, one per request served."""
        return [line for line in self._lines if '" ' in line and "HTTP/" in line]

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self._lines.append(line.rstrip("\n"))

    def __enter__(self) -> HttpServerProgram:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-u",
                "-m",
                "http.server",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "-d",
                self._directory.name,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        threading.Thread(target=self._pump, args=(self._process.stderr,), daemon=True).start()
        end = time.monotonic() + 10
        while time.monotonic() < end:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        self.__exit__()
        raise RuntimeError("python -m http.server did not start within 10 s")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
        self._directory.cleanup()
