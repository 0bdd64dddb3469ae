"""The one guarded HTTP client: the only code in Herald that opens sockets.

urllib3 owns the connection lifecycle (keep-alive, connections the receiver closed or will close,
`Connection: close`, HTTP/1.0, chunked and length framing, `100 Continue`, content decoding). Herald owns
the policy on top of it:

- the URL is checked by the egress policy, its name resolved once and every address checked; the socket is
  connected to a checked address itself, while `Host`, TLS SNI and the certificate check use the name, so a
  DNS answer that changes in between (rebinding) is never used;
- connections are pooled per (scheme, host, port, checked address): a pool never serves a name at another
  address than the one it was checked at; pools are bounded in size and in number;
- redirects are returned, not followed; proxies from the environment are never used (a proxy would connect
  to a name this module did not check); urllib3's retries are off (the queue's schedule decides);
- every attempt has a total deadline, from connect to the last byte read, enforced on each socket
  operation (no thread per send), and at most 64 KiB of an answer is read (after decoding).

Errors carry the host at most: never the path, query, userinfo or a header value, which may hold tokens.
They are raised without chaining (`from None`) because the low-level exceptions may quote the request.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from http.client import HTTPException, RemoteDisconnected
from typing import Any

import certifi
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    LocationValueError,
    NewConnectionError,
    ProtocolError,
    SSLError,
)

import herald
from herald.errors import ForbiddenTarget, PermanentDeliveryError, RetryableDeliveryError
from herald.settings import Settings, get_settings
from herald.transport.egress import (
    EgressPolicy,
    Resolver,
    Target,
    UnresolvableHost,
    default_resolver,
    policy_from_settings,
)
from herald.transport.wire import HttpResponse, OutboundRequest

USER_AGENT = f"Herald/{herald.__version__}"
MAX_RESPONSE_BYTES = 64 * 1024
DEFAULT_DEADLINE_SECONDS = 15.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 10.0  # the longest one socket operation may wait, within the deadline
POOL_SIZE = 4  # connections kept per (scheme, host, port, address)
MAX_POOLS = 128  # destinations kept, least recently used closed first
JUDGED_URLS = 512  # URLs whose static egress check is remembered (bench 8: 50 µs a send)
IDLE_SECONDS = 50.0  # a kept connection idle longer is not reused: below the usual load-balancer limits

# urllib3 logs some failures with the request URL (e.g. "Failed to parse headers (url=...)"), which may
# hold a token; nothing it logs below ERROR is worth that.
logging.getLogger("urllib3").setLevel(logging.ERROR)

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


@dataclass(frozen=True)
class _Budget:
    """The time one attempt may still take: a socket operation waits at most `min(step, left)`."""

    deadline: float  # on time.monotonic()'s clock
    step: float  # one read or write
    connect: float  # one TCP connect

    def timeout(self, step: float | None = None) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the attempt's deadline has passed")
        return min(self.step if step is None else step, left)

    @property
    def spent(self) -> bool:
        return self.deadline <= time.monotonic()


# The budget of the send running on this thread. A connection is used by one thread at a time, and every
# socket call urllib3 makes for a send runs on the sending thread.
_current = threading.local()


def _arm(sock: socket.socket) -> None:
    budget: _Budget | None = getattr(_current, "budget", None)
    if budget is not None:
        sock.settimeout(budget.timeout())


class _BudgetSocket(socket.socket):
    """A TCP socket whose every blocking call waits no longer than what is left of the attempt."""

    def recv(self, *args: Any) -> bytes:
        _arm(self)
        return super().recv(*args)

    def recv_into(self, *args: Any) -> int:
        _arm(self)
        return super().recv_into(*args)

    def send(self, *args: Any) -> int:
        _arm(self)
        return super().send(*args)

    def sendall(self, *args: Any) -> None:
        _arm(self)
        super().sendall(*args)


class _BudgetSSLSocket(_BudgetSocket, ssl.SSLSocket):
    """The same for TLS (the context's `sslsocket_class`): super() here reaches SSLSocket's reads and
    writes, and the handshake is bounded too."""

    def do_handshake(self, *args: Any) -> None:
        _arm(self)
        super().do_handshake(*args)


def _connect(address: str, port: int) -> socket.socket:
    """A TCP connection to `address` (an IP literal: no name is looked up here), within the budget."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = _BudgetSocket(family, socket.SOCK_STREAM)
    try:
        budget: _Budget = _current.budget
        sock.settimeout(budget.timeout(budget.connect))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.connect((address, port))
    except BaseException:
        sock.close()
        raise
    return sock


class _Pinned:
    """Connects to the checked `address`; urllib3 speaks to `host` (Host header, SNI, certificate)."""

    address: str
    port: int

    def _new_conn(self) -> socket.socket:
        try:
            return _connect(self.address, self.port)
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, "connect timed out") from exc
        except OSError as exc:
            raise NewConnectionError(self, "connect failed") from exc  # type: ignore[arg-type]


class _PinnedHTTPConnection(_Pinned, HTTPConnection):
    def __init__(self, *args: Any, address: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.address = address


class _PinnedHTTPSConnection(_Pinned, HTTPSConnection):
    def __init__(self, *args: Any, address: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.address = address


class _FreshPool:
    """A pool that does not hand out a connection idle for longer than IDLE_SECONDS."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        if conn.sock is not None and time.monotonic() - getattr(conn, "idle_since", 0.0) > IDLE_SECONDS:
            conn.close()  # reconnects, to the same checked address, when used
        return conn

    def _put_conn(self, conn: Any) -> None:
        if conn is not None:
            conn.idle_since = time.monotonic()
        super()._put_conn(conn)  # type: ignore[misc]


class _HTTPPool(_FreshPool, urllib3.HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection


class _HTTPSPool(_FreshPool, urllib3.HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


_PoolKey = tuple[str, str, int, str]


def tls_context(extra_ca_file: str | None = None) -> ssl.SSLContext:
    """Verifies receivers against certifi's roots, plus the PEM bundle `extra_ca_file` (HERALD_CA_BUNDLE)."""
    context = ssl.create_default_context(cafile=certifi.where())
    if extra_ca_file:
        context.load_verify_locations(cafile=extra_ca_file)
    return context


class GuardedSession:
    """Sends adapters' requests under the egress policy. Thread-safe; share one per process.

    `resolver` maps (host, port) to IP strings (default: the system resolver); `ssl_context` verifies
    receivers (default: `tls_context()`); `deadline` bounds one attempt from lookup to last byte.
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
        # A URL's static judgement depends on the URL and the policy alone, and a sender sends to the same
        # few URLs again and again: the accepted ones are remembered (refusals raise, so they are not).
        self._judge = lru_cache(maxsize=JUDGED_URLS)(self.policy.check_url)
        self._resolver = resolver
        self._deadline = deadline
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._ssl_context = ssl_context or tls_context()
        # Every TLS socket this session makes keeps to the attempt's budget.
        self._ssl_context.sslsocket_class = _BudgetSSLSocket
        self._pools: OrderedDict[_PoolKey, urllib3.HTTPConnectionPool] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"GuardedSession(policy={self.policy!r}, deadline={self._deadline})"

    def __enter__(self) -> GuardedSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every pool and its idle connections."""
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.close()

    def send(self, request: OutboundRequest) -> HttpResponse:
        """Send once; any status (3xx included) comes back as a response.

        Raises PermanentDeliveryError (code `forbidden_target`) for a URL or resolved address the policy
        refuses, PermanentDeliveryError (`invalid_request`) for a request that cannot be written, and
        RetryableDeliveryError for network trouble: DNS failure, refused or reset connections, TLS
        failures, invalid answers, time-outs and the total deadline.
        """
        started = time.monotonic()
        try:
            target = self._judge(request.url)
        except ForbiddenTarget as exc:
            raise PermanentDeliveryError(f"Refused target: {exc.message}", code="forbidden_target") from None
        _current.budget = _Budget(started + self._deadline, self._read_timeout, self._connect_timeout)
        try:
            addresses = self._resolve(target)
            return self._exchange(target, addresses, request, started)
        finally:
            _current.budget = None

    def _resolve(self, target: Target) -> list[str]:
        try:
            return self.policy.resolve(target, self._resolver)
        except UnresolvableHost:
            raise RetryableDeliveryError(f"Could not resolve {target.host}", code="dns_failed") from None
        except ForbiddenTarget as exc:
            raise PermanentDeliveryError(
                f"Refused target {target.host}: {exc.message}", code="forbidden_target"
            ) from None

    def _exchange(self, target: Target, addresses: list[str], request: OutboundRequest, started: float) -> HttpResponse:
        headers = _outbound_headers(request.headers)
        for index, address in enumerate(addresses):
            pool = self._pool(target, address)
            try:
                reply = pool.urlopen(
                    request.method.upper(),
                    target.path_and_query,
                    body=request.body or None,
                    headers=headers,
                    retries=False,
                    redirect=False,
                    assert_same_host=False,
                    preload_content=False,
                    release_conn=False,
                )
                return _read(reply, started)
            except NewConnectionError as exc:
                # Nothing was sent: the next checked address may answer.
                if index + 1 < len(addresses) and not _out_of_time():
                    continue
                raise _network_error(target, self._deadline, exc) from None
            except (HTTPError, HTTPException, OSError) as exc:
                raise _network_error(target, self._deadline, exc) from None
            except (ValueError, UnicodeError):
                # http.client refuses header names/values with line breaks and the like; its message quotes them.
                raise PermanentDeliveryError(
                    "The request has an invalid method or header", code="invalid_request"
                ) from None
        raise AssertionError("the egress policy resolves to at least one address")  # pragma: no cover

    def _pool(self, target: Target, address: str) -> urllib3.HTTPConnectionPool:
        key = (target.scheme, target.host, target.port, address)
        evicted: list[urllib3.HTTPConnectionPool] = []
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = self._new_pool(target, address)
                self._pools[key] = pool
                while len(self._pools) > MAX_POOLS:
                    evicted.append(self._pools.popitem(last=False)[1])
            self._pools.move_to_end(key)
        for old in evicted:
            old.close()
        return pool

    def _new_pool(self, target: Target, address: str) -> urllib3.HTTPConnectionPool:
        common: dict[str, Any] = {"maxsize": POOL_SIZE, "block": False, "retries": False, "address": address}
        if target.scheme == "https":
            return _HTTPSPool(target.host, target.port, ssl_context=self._ssl_context, **common)
        return _HTTPPool(target.host, target.port, **common)


def _read(reply: urllib3.BaseHTTPResponse, started: float) -> HttpResponse:
    """At most MAX_RESPONSE_BYTES of the (decoded) body; the connection is kept only when all was read."""
    complete = False
    try:
        # read(n) returns n bytes unless the body ends first; urllib3 bounds what it decompresses to n.
        body = reply.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
        complete = len(body) <= MAX_RESPONSE_BYTES
        return HttpResponse(
            status=reply.status,
            headers=dict(reply.headers.itermerged()),
            body=body[:MAX_RESPONSE_BYTES],
            elapsed_ms=int((time.monotonic() - started) * 1000),
        )
    finally:
        if not complete:
            # The unread rest of a large answer, or a broken one: the connection cannot serve again.
            reply.close()
        reply.release_conn()


def _outbound_headers(given: Mapping[str, str]) -> dict[str, str]:
    headers = {name: value for name, value in given.items() if name.lower() not in _RESERVED_HEADERS}
    headers["User-Agent"] = USER_AGENT
    return headers


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it wraps: urllib3 keeps the original error as the cause or as an argument."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _out_of_time() -> bool:
    budget: _Budget | None = getattr(_current, "budget", None)
    return budget is not None and budget.spent


def _network_error(target: Target, deadline: float, exc: BaseException) -> RetryableDeliveryError:
    """A redacted, retryable error for a low-level failure: its kind and the host, nothing of the request."""
    host = target.host
    chain = list(_causes(exc))
    if _out_of_time() or any(isinstance(e, TimeoutError) for e in chain):
        return RetryableDeliveryError(f"No complete answer from {host} within {deadline:g} s", code="timeout")
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain):
        return RetryableDeliveryError(f"TLS certificate of {host} was not accepted", code="tls_failed")
    if any(isinstance(e, ssl.SSLError | SSLError) for e in chain):
        return RetryableDeliveryError(f"TLS handshake with {host} failed", code="tls_failed")
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return RetryableDeliveryError(f"Connection to {host} refused", code="connection_refused")
    if any(isinstance(e, ConnectionResetError | BrokenPipeError | RemoteDisconnected) for e in chain):
        return RetryableDeliveryError(f"Connection to {host} was closed unexpectedly", code="connection_reset")
    if any(isinstance(e, DecodeError) for e in chain):
        return RetryableDeliveryError(f"{host} sent a body that could not be decoded", code="bad_response")
    if any(isinstance(e, LocationValueError) for e in chain):
        return RetryableDeliveryError(f"The URL for {host} could not be sent", code="network_error")
    if any(isinstance(e, HTTPException | ProtocolError) for e in chain):
        return RetryableDeliveryError(f"{host} sent an invalid HTTP response", code="bad_response")
    return RetryableDeliveryError(f"Network error talking to {host} ({type(exc).__name__})", code="network_error")


def session_from_settings(settings: Settings, resolver: Resolver = default_resolver) -> GuardedSession:
    """A session for HERALD_EGRESS_ALLOW, HERALD_DELIVERY_DEADLINE_SECONDS and HERALD_CA_BUNDLE."""
    return GuardedSession(
        policy_from_settings(settings),
        resolver=resolver,
        deadline=settings.delivery_deadline_seconds,
        ssl_context=tls_context(settings.ca_bundle),
    )


@cache
def get_session() -> GuardedSession:
    """The process-wide session, configured from the settings."""
    return session_from_settings(get_settings())
