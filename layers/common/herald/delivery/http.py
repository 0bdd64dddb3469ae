"""The one guarded HTTP session: the only code in Herald that opens sockets.

Every send: the URL is checked (egress policy), its name resolved once, every address checked, and the
connection made to a checked address itself, while the Host header, TLS SNI and certificate check use the
name. Nothing can look the name up a second time, so a DNS answer that changes in between (rebinding) is
never used. Redirects are returned, not followed. Each attempt has a total deadline (a watchdog closes the
socket when it passes, so a receiver trickling bytes cannot hold the sender) and at most 64 KiB of the
answer is read. Idle connections are kept per (scheme, host, address, port) and reused. Proxy variables
(HTTPS_PROXY, ...) are ignored on purpose: a proxy would connect to a name this module did not check.

Errors carry the host at most: never the path, query, userinfo or a header value, which may hold tokens.
They are raised without chaining (`from None`) because the low-level exceptions may quote the request.
"""

from __future__ import annotations

import contextlib
import http.client
import selectors
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

import certifi

import herald
from herald.adapters.base import HttpResponse, OutboundRequest
from herald.delivery.egress import (
    EgressPolicy,
    Resolver,
    Target,
    UnresolvableHost,
    default_resolver,
    policy_from_settings,
)
from herald.errors import ForbiddenTarget, PermanentDeliveryError, RetryableDeliveryError
from herald.settings import get_settings

USER_AGENT = f"Herald/{herald.__version__}"
MAX_RESPONSE_BYTES = 64 * 1024
DEFAULT_DEADLINE_SECONDS = 15.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 10.0
IDLE_PER_KEY = 4  # idle connections kept per (scheme, host, address, port)
MAX_KEYS = 128  # distinct destinations kept, least recently used dropped first
IDLE_SECONDS = 50.0  # below the usual keep-alive limits of receivers and load balancers

# Framing and hop-by-hop headers are this module's business: a channel's custom headers must not be able
# to desynchronise a kept-alive connection or speak to a proxy.
_RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "proxy-authorization",
        "proxy-connection",
        "user-agent",
    }
)

_PoolKey = tuple[str, str, str, int]
_DeliveryErrors = (PermanentDeliveryError, RetryableDeliveryError)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a fixed, already checked address; `host` is only the name it speaks to."""

    def __init__(self, target: Target, address: str, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = address
        self.idle_since = 0.0
        # The socket in use, kept even after http.client hands it to a response it will close with.
        self.live_sock: socket.socket | None = None

    def connect(self) -> None:
        # No name lookup here: the checked address, as a literal, is all that is connected to.
        self.sock = self.live_sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """As above, with TLS whose SNI and certificate check use the name, not the address."""

    default_port = http.client.HTTPS_PORT

    def __init__(self, target: Target, address: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(target, address, timeout)
        self._context = context

    def connect(self) -> None:
        super().connect()
        # Handshake after `live_sock` is the TLS socket, so the watchdog can also cut a trickled handshake.
        tls = self._context.wrap_socket(self.sock, server_hostname=self.host, do_handshake_on_connect=False)
        self.sock = self.live_sock = tls
        tls.do_handshake()


_Connection = _PinnedHTTPConnection


class _Watchdog:
    """Shuts a connection's socket down when the attempt's deadline passes, unblocking any read or write."""

    def __init__(self, connection: _Connection | None, seconds: float) -> None:
        self._connection = connection
        self._lock = threading.Lock()
        self._done = False
        self.fired = False
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, connection: _Connection) -> None:
        with self._lock:
            self._connection = connection
            if self.fired:
                _shutdown(connection)

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            if self._connection is not None:
                _shutdown(self._connection)

    def stop(self) -> bool:
        """Disarm. Returns True when the deadline had already passed (the connection is then dead)."""
        with self._lock:
            self._done = True
        self._timer.cancel()
        return self.fired


def _shutdown(connection: _Connection) -> None:
    sock = connection.live_sock
    if sock is None:
        return
    # The plain socket's shutdown, also for TLS: SSLSocket's own would race the reading thread.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


@dataclass
class _Attempt:
    target: Target
    started: float
    deadline: float
    watchdog: _Watchdog = field(repr=False)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class GuardedSession:
    """Sends adapters' requests under the egress policy. Thread-safe; share one per process.

    `resolver` maps (host, port) to IP strings (default: the system resolver); `ssl_context` verifies
    receivers (default: the certifi bundle); `deadline` bounds one attempt from lookup to last byte.
    """

    def __init__(
        self,
        policy: EgressPolicy | None = None,
        *,
        resolver: Resolver = default_resolver,
        deadline: float = DEFAULT_DEADLINE_SECONDS,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy or EgressPolicy(())
        self._resolver = resolver
        self._deadline = deadline
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._ssl_context = ssl_context or ssl.create_default_context(cafile=certifi.where())
        self._idle: OrderedDict[_PoolKey, list[_Connection]] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"GuardedSession(policy={self.policy!r}, deadline={self._deadline})"

    def __enter__(self) -> GuardedSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            idle = [conn for conns in self._idle.values() for conn in conns]
            self._idle.clear()
        for conn in idle:
            conn.close()

    def send(self, request: OutboundRequest) -> HttpResponse:
        """Send once; any status (3xx included) comes back as a response.

        Raises PermanentDeliveryError (code `forbidden_target`) for a URL or resolved address the policy
        refuses, PermanentDeliveryError (`invalid_request`) for a request that cannot be written, and
        RetryableDeliveryError for network trouble: DNS failure, refused or reset connections, TLS
        failures, time-outs and the total deadline.
        """
        started = time.monotonic()
        try:
            target = self.policy.check_url(request.url)
        except ForbiddenTarget as exc:
            raise PermanentDeliveryError(f"Refused target: {exc.message}", code="forbidden_target") from None
        watchdog = _Watchdog(None, self._deadline)
        attempt = _Attempt(target, started, started + self._deadline, watchdog)
        try:
            addresses = self._resolve(target)
            return self._exchange(attempt, addresses, request)
        finally:
            watchdog.stop()

    def _resolve(self, target: Target) -> list[str]:
        try:
            return self.policy.resolve(target, self._resolver)
        except UnresolvableHost:
            raise RetryableDeliveryError(f"Could not resolve {target.host}", code="dns_failed") from None
        except ForbiddenTarget as exc:
            raise PermanentDeliveryError(
                f"Refused target {target.host}: {exc.message}", code="forbidden_target"
            ) from None

    def _exchange(self, attempt: _Attempt, addresses: list[str], request: OutboundRequest) -> HttpResponse:
        headers = _outbound_headers(request.headers)
        conn, reused = self._checkout(attempt, addresses)
        try:
            try:
                response = self._roundtrip(attempt, conn, request, headers)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                # A kept-alive connection the receiver had already closed: one fresh try, never more.
                conn.close()
                if not reused or attempt.watchdog.fired:
                    raise _network_error(attempt, exc) from None
                conn, reused = self._connect(attempt, addresses), False
                response = self._roundtrip(attempt, conn, request, headers)
        except _DeliveryErrors:
            conn.close()
            raise
        except ssl.SSLCertVerificationError:
            conn.close()
            raise RetryableDeliveryError(
                f"TLS certificate of {attempt.target.host} was not accepted", code="tls_failed"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise _network_error(attempt, exc) from None
        except (ValueError, UnicodeError):
            # http.client refuses header names/values with line breaks and the like; its message quotes them.
            conn.close()
            raise PermanentDeliveryError(
                "The request has an invalid method or header", code="invalid_request"
            ) from None
        return response

    def _roundtrip(
        self, attempt: _Attempt, conn: _Connection, request: OutboundRequest, headers: dict[str, str]
    ) -> HttpResponse:
        attempt.watchdog.watch(conn)
        self._set_timeout(attempt, conn)
        conn.request(request.method.upper(), attempt.target.path_and_query, body=request.body or None, headers=headers)
        self._set_timeout(attempt, conn)
        reply = conn.getresponse()
        body = bytearray()
        while len(body) <= MAX_RESPONSE_BYTES:
            self._set_timeout(attempt, conn)
            chunk = reply.read1(MAX_RESPONSE_BYTES + 1 - len(body))
            if not chunk:
                break
            body += chunk
        if attempt.watchdog.stop():
            # The socket was shut under the reader: what was read may look complete but is not.
            raise _timeout(attempt)
        complete = reply.isclosed() and len(body) <= MAX_RESPONSE_BYTES
        response = HttpResponse(
            status=reply.status,
            headers=_response_headers(reply.getheaders()),
            body=bytes(body[:MAX_RESPONSE_BYTES]),
            elapsed_ms=int((time.monotonic() - attempt.started) * 1000),
        )
        if complete and not reply.will_close:
            self._checkin(attempt.target, conn)
        else:
            # Unread rest of a large answer, or the receiver will close: the connection cannot be reused.
            conn.close()
        return response

    def _set_timeout(self, attempt: _Attempt, conn: _Connection) -> None:
        remaining = attempt.remaining()
        if remaining <= 0:
            raise _timeout(attempt)
        if conn.live_sock is not None:
            conn.live_sock.settimeout(min(self._read_timeout, remaining))

    def _checkout(self, attempt: _Attempt, addresses: list[str]) -> tuple[_Connection, bool]:
        target = attempt.target
        with self._lock:
            for address in addresses:
                key = (target.scheme, target.host, address, target.port)
                idle = self._idle.get(key)
                while idle:
                    conn = idle.pop()
                    if _usable(conn):
                        self._idle.move_to_end(key)
                        return conn, True
                    conn.close()
        return self._connect(attempt, addresses), False

    def _connect(self, attempt: _Attempt, addresses: list[str]) -> _Connection:
        """A new connection to the first checked address that answers. Raises RetryableDeliveryError."""
        last: OSError | None = None
        for address in addresses:
            remaining = attempt.remaining()
            if remaining <= 0:
                raise _timeout(attempt)
            conn = self._new_connection(attempt.target, address, min(self._connect_timeout, remaining))
            attempt.watchdog.watch(conn)
            try:
                conn.connect()
            except ssl.SSLCertVerificationError:
                conn.close()
                raise RetryableDeliveryError(
                    f"TLS certificate of {attempt.target.host} was not accepted", code="tls_failed"
                ) from None
            except OSError as exc:
                conn.close()
                last = exc
                if attempt.watchdog.fired:
                    break
                continue
            return conn
        raise _network_error(attempt, last or TimeoutError()) from None

    def _new_connection(self, target: Target, address: str, timeout: float) -> _Connection:
        if target.scheme == "https":
            return _PinnedHTTPSConnection(target, address, timeout, self._ssl_context)
        return _PinnedHTTPConnection(target, address, timeout)

    def _checkin(self, target: Target, conn: _Connection) -> None:
        key = (target.scheme, target.host, conn.address, target.port)
        conn.idle_since = time.monotonic()
        evicted: list[_Connection] = []
        with self._lock:
            idle = self._idle.setdefault(key, [])
            self._idle.move_to_end(key)
            idle.append(conn)
            while len(idle) > IDLE_PER_KEY:
                evicted.append(idle.pop(0))
            while len(self._idle) > MAX_KEYS:
                _, dropped = self._idle.popitem(last=False)
                evicted.extend(dropped)
        for old in evicted:
            old.close()


def _usable(conn: _Connection) -> bool:
    """An idle connection is reused only if it is young and the receiver has neither closed it nor spoken."""
    sock = conn.sock
    if sock is None or time.monotonic() - conn.idle_since > IDLE_SECONDS:
        return False
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(sock, selectors.EVENT_READ)
            return not selector.select(timeout=0)
    except (OSError, ValueError):
        return False


def _outbound_headers(given: Mapping[str, str]) -> dict[str, str]:
    headers = {name: value for name, value in given.items() if name.lower() not in _RESERVED_HEADERS}
    headers["User-Agent"] = USER_AGENT
    return headers


def _response_headers(pairs: list[tuple[str, str]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    lower: dict[str, str] = {}
    for name, value in pairs:
        key = lower.setdefault(name.lower(), name)
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _timeout(attempt: _Attempt) -> RetryableDeliveryError:
    seconds = attempt.deadline - attempt.started
    return RetryableDeliveryError(f"No complete answer from {attempt.target.host} within {seconds:g} s", code="timeout")


def _network_error(attempt: _Attempt, exc: BaseException) -> RetryableDeliveryError:
    """A redacted, retryable error for a low-level failure: its kind and the host, nothing of the request."""
    host = attempt.target.host
    if attempt.watchdog.fired or isinstance(exc, TimeoutError):
        return _timeout(attempt)
    if isinstance(exc, ConnectionRefusedError):
        return RetryableDeliveryError(f"Connection to {host} refused", code="connection_refused")
    if isinstance(exc, ssl.SSLError):
        return RetryableDeliveryError(f"TLS handshake with {host} failed", code="tls_failed")
    if isinstance(exc, ConnectionResetError | BrokenPipeError | http.client.RemoteDisconnected):
        return RetryableDeliveryError(f"Connection to {host} was closed unexpectedly", code="connection_reset")
    if isinstance(exc, http.client.HTTPException):
        return RetryableDeliveryError(f"{host} sent an invalid HTTP response", code="bad_response")
    return RetryableDeliveryError(f"Network error talking to {host} ({type(exc).__name__})", code="network_error")


@cache
def get_session() -> GuardedSession:
    """The process-wide session, configured from HERALD_EGRESS_ALLOW and HERALD_DELIVERY_DEADLINE_SECONDS."""
    settings = get_settings()
    return GuardedSession(policy_from_settings(settings), deadline=settings.delivery_deadline_seconds)
