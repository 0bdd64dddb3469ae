"""A real HTTP(S) receiver on 127.0.0.1 for the guarded-session tests: records what arrives, counts connections.

Paths choose the behaviour (see `Handler.do_ANY`); every slow behaviour is bounded in time and stops when
the receiver does.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.serving import Serving

BIG_BODY_BYTES = 200 * 1024
SLOW_LIMIT_SECONDS = 8.0  # a trickling reply never lasts longer than this, whatever the client does


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        super().__init__(("127.0.0.1", 0), Handler)

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        with self.receiver.lock:
            self.receiver.connections += 1
        if self.receiver.tls is not None:
            # Handshake in the handler thread (on first read), not in the accepting loop.
            sock.settimeout(5)
            sock = self.receiver.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up or refuse our certificate are part of the tests, not noise for stderr.
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # an idle kept-alive connection is dropped after this
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self) -> Seen:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        receiver = self.server.receiver
        with receiver.lock:
            receiver.requests.append(seen)
        return seen

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_ANY(self) -> None:
        self._record()
        receiver = self.server.receiver
        path = self.path.split("?", 1)[0]
        if path == "/big":
            self._reply(200, b"x" * BIG_BODY_BYTES)
        elif path == "/redirect":
            self._reply(302, b"", {"Location": receiver.redirect_to})
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self._trickle(lambda: self.wfile.write(b"x"))
        elif path == "/trickle-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self._trickle(lambda: self.wfile.write(b"X-Slow: y\r\n"))
        elif path == "/hangup":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif path == "/hangup-on-reuse":
            # Keeps the connection after the first answer, then hangs up on the next request over it.
            self.served = getattr(self, "served", 0) + 1
            if self.served > 1:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                self._reply(200, b"first")
        elif path == "/drop-after":
            # Answers as if keeping the connection, then drops it: the client finds out only on reuse.
            self._reply(200, b"ok")
            self.wfile.flush()
            self.close_connection = True
        else:
            self._reply(receiver.status, receiver.body, {"Content-Type": "text/plain", "X-Reply": "a"})

    def _trickle(self, write: Any) -> None:
        receiver = self.server.receiver
        end = time.monotonic() + SLOW_LIMIT_SECONDS
        while time.monotonic() < end and not receiver.stopping.is_set():
            try:
                write()
                self.wfile.flush()
            except OSError:
                break
            receiver.stopping.wait(0.05)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_ANY  # noqa: N815 - http.server names


class Receiver(Serving):
    """Context manager: a threading HTTP/1.1 keep-alive server on 127.0.0.1, optionally TLS.

    One receiver of several: tests/support/zoo.py has the ones that close, reset, speak HTTP/1.0, ...
    """

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.lock = threading.Lock()
        self.requests: list[Seen] = []
        self.connections = 0
        self.status = 200
        self.body = b"ok"
        self.redirect_to = ""
        self._serve(_Server(self))

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host}:{self.port}{path}"


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
