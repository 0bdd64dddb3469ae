"""Benchmark 7: the guarded transport alone vs requests.Session vs bare http.client, on the real nginx.

Each client sends N sequential POSTs of a 1 KiB JSON body over one kept-alive connection to the same nginx
on 127.0.0.1, over HTTP and over HTTPS (a throw-away CA; the certificate is for NAME, every client connects
to 127.0.0.1 and verifies NAME). Rounds are interleaved, the client order rotating, and each client's figure
is the median of the rounds. nginx's access log says which connection served each request, so the table
also shows that every client really kept one connection (`conns` = 1).

The transport is `GuardedSession.send` as adapters call it: egress check of the URL, the (pinned) lookup
and its check, pool lookup, send, bounded read. The issue's goal: at least 0.8x the bare Session's
throughput.
"""

from __future__ import annotations

import http.client
import json
import ssl
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from bench.report import Section, Table
from bench.stats import median, spread
from herald.transport.egress import EgressPolicy
from herald.transport.http import GuardedSession, tls_context
from herald.transport.wire import OutboundRequest
from tests.support.nginx import Nginx, nginx_binary
from tests.support.pki import Pki, make_pki

TITLE = "7. Transport on one kept-alive connection (GuardedSession vs requests vs http.client)"
# Not "localhost": the egress policy refuses reserved names even when allow-listed, so the certificate is
# for a plain name that no resolver knows; each client is pinned to 127.0.0.1 its own way.
NAME = "receiver.herald.test"
ADDRESS = "127.0.0.1"
ROUNDS = 5
GOAL = 0.8
CLIENTS = ("transport", "requests.Session", "http.client")
SCHEMES = ("http", "https")


def _payload() -> bytes:
    """A webhook-like JSON body of exactly 1 KiB."""
    event = {
        "type": "incident.opened",
        "id": "01JBENCH0000000000000000",
        "timestamp": "2026-11-23T09:26:00Z",
        "data": {"title": "API latency above threshold", "severity": "critical", "service": "checkout"},
        "padding": "",
    }
    size = len(json.dumps(event, separators=(",", ":")).encode())
    event["padding"] = "x" * (1024 - size)
    body = json.dumps(event, separators=(",", ":")).encode()
    assert len(body) == 1024
    return body


BODY = _payload()


@dataclass
class Client:
    send: Callable[[], object]
    close: Callable[[], None]


def _headers(client: str, scheme: str) -> dict[str, str]:
    # webhook-id tells the clients apart in nginx's access log.
    return {"Content-Type": "application/json", "webhook-id": f"bench-{client}-{scheme}"}


def _transport(nginx: Nginx, pki: Pki) -> Client:
    scheme = nginx.scheme
    session = GuardedSession(
        EgressPolicy((ADDRESS,)),
        ssl_context=tls_context(str(pki.ca_file)) if scheme == "https" else None,
        resolver=lambda host, port: [ADDRESS],
    )
    host = NAME if scheme == "https" else ADDRESS
    request = OutboundRequest("POST", nginx.url("/hook", host=host), _headers("transport", scheme), BODY)

    def send() -> object:
        return session.send(request)

    return Client(send, session.close)


class _NamedAdapter(HTTPAdapter):
    """Connects to the URL's address (127.0.0.1) but sends SNI for, and verifies, NAME."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["server_hostname"] = NAME
        super().init_poolmanager(*args, **kwargs)


def _requests(nginx: Nginx, pki: Pki) -> Client:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(pki.ca_file)
    headers = _headers("requests.Session", nginx.scheme)
    if nginx.scheme == "https":
        session.mount("https://", _NamedAdapter())
        headers["Host"] = f"{NAME}:{nginx.port}"
    url = nginx.url("/hook")

    def send() -> object:
        return session.post(url, data=BODY, headers=headers).content

    return Client(send, session.close)


class _NamedHTTPSConnection(http.client.HTTPSConnection):
    """http.client to 127.0.0.1, with SNI and the certificate check for NAME."""

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=NAME)  # type: ignore[attr-defined]


def _http_client(nginx: Nginx, pki: Pki) -> Client:
    headers = _headers("http.client", nginx.scheme)
    connection: http.client.HTTPConnection
    if nginx.scheme == "https":
        context = ssl.create_default_context(cafile=str(pki.ca_file))
        connection = _NamedHTTPSConnection(ADDRESS, nginx.port, context=context, timeout=10)
        headers["Host"] = f"{NAME}:{nginx.port}"
    else:
        connection = http.client.HTTPConnection(ADDRESS, nginx.port, timeout=10)

    def send() -> object:
        connection.request("POST", "/hook", body=BODY, headers=headers)
        return connection.getresponse().read()

    return Client(send, connection.close)


FACTORIES: dict[str, Callable[[Nginx, Pki], Client]] = {
    "transport": _transport,
    "requests.Session": _requests,
    "http.client": _http_client,
}


def _connections(nginx: Nginx, expected: int) -> dict[str, dict[str, Any]]:
    """Per client: how many requests nginx logged, on how many connections, how many were not 200."""
    logged = nginx.wait_for_requests(expected, timeout=10)
    by_client: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in logged:
        by_client[entry["webhook_id"] or ""].append(entry)
    out = {}
    for client in CLIENTS:
        entries = by_client[f"bench-{client}-{nginx.scheme}"]
        out[client] = {
            "requests": len(entries),
            "connections": len({entry["connection"] for entry in entries}),
            "max_requests_per_connection": max((entry["connection_requests"] for entry in entries), default=0),
            "not_200": sum(entry["status"] != 200 for entry in entries),
        }
    return out


def _measure(servers: dict[str, Nginx], pki: Pki, count: int) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Seconds per request, one value per round, for every "scheme/client"; and nginx's view of them."""
    per_request: dict[str, list[float]] = {f"{s}/{c}": [] for s in SCHEMES for c in CLIENTS}
    clients: dict[str, Client] = {}
    try:
        for scheme, nginx in servers.items():
            for name, factory in FACTORIES.items():
                client = factory(nginx, pki)
                clients[f"{scheme}/{name}"] = client
                client.send()  # warm-up: connects (and handshakes) once
        for round_number in range(ROUNDS):
            schemes = SCHEMES if round_number % 2 == 0 else SCHEMES[::-1]
            shift = round_number % len(CLIENTS)
            for scheme in schemes:
                for name in CLIENTS[shift:] + CLIENTS[:shift]:
                    send = clients[f"{scheme}/{name}"].send
                    started = time.perf_counter()
                    for _ in range(count):
                        send()
                    per_request[f"{scheme}/{name}"].append((time.perf_counter() - started) / count)
    finally:
        for client in clients.values():
            client.close()
    expected = len(CLIENTS) * (1 + ROUNDS * count)
    seen = {scheme: _connections(nginx, expected) for scheme, nginx in servers.items()}
    return per_request, seen


def run(quick: bool) -> Section:
    if nginx_binary() is None:
        return Section(
            "transport",
            TITLE,
            notes=["Skipped: nginx is not installed (looked on PATH and at /usr/sbin/nginx); apt-get install nginx."],
            data={"skipped": "nginx not installed"},
        )
    count = 50 if quick else 500
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="herald-bench-nginx-")))
        for sub in ("pki", "http", "https"):
            (scratch / sub).mkdir()
        pki = make_pki(scratch / "pki", NAME)
        servers = {
            scheme: stack.enter_context(
                Nginx(
                    scratch / scheme,
                    pki=pki if scheme == "https" else None,
                    keepalive_requests=10_000,
                    keepalive_timeout="60s",
                )
            )
            for scheme in SCHEMES
        }
        per_request, seen = _measure(servers, pki, count)

    rows: list[list[Any]] = []
    raw: dict[str, Any] = {"requests_per_round": count, "rounds": ROUNDS, "body_bytes": len(BODY)}
    ratios: dict[str, dict[str, float]] = {}
    problems: list[str] = []
    for scheme in SCHEMES:
        medians = {client: median(per_request[f"{scheme}/{client}"]) for client in CLIENTS}
        ratios[scheme] = {
            "transport_over_session": medians["requests.Session"] / medians["transport"],
            "transport_over_http_client": medians["http.client"] / medians["transport"],
        }
        for client in CLIENTS:
            values = per_request[f"{scheme}/{client}"]
            nginx_view = seen[scheme][client]
            rows.append(
                [
                    scheme,
                    client,
                    medians[client] * 1e6,
                    1 / medians[client],
                    spread(values),
                    medians["requests.Session"] / medians[client],
                    nginx_view["connections"],
                    nginx_view["max_requests_per_connection"],
                ]
            )
            raw[f"{scheme}/{client}"] = {
                "us_per_request": medians[client] * 1e6,
                "requests_per_second": 1 / medians[client],
                "rounds_us": [value * 1e6 for value in values],
                **nginx_view,
            }
            expected = 1 + ROUNDS * count
            if nginx_view["connections"] != 1 or nginx_view["requests"] != expected or nginx_view["not_200"]:
                problems.append(
                    f"{scheme}/{client}: nginx logged {nginx_view['requests']} of {expected} requests, "
                    f"{nginx_view['not_200']} not 200, on {nginx_view['connections']} connections (expected 1)."
                )
    raw["ratios"] = ratios
    notes = [
        "transport / requests.Session throughput: "
        + ", ".join(f"{s.upper()} {ratios[s]['transport_over_session']:.2f}" for s in SCHEMES)
        + f" (goal >= {GOAL}); transport / http.client: "
        + ", ".join(f"{s.upper()} {ratios[s]['transport_over_http_client']:.2f}" for s in SCHEMES)
        + ".",
        "x Session: throughput relative to requests.Session on the same scheme (higher is faster).",
        "conns: distinct nginx connections that served the client's requests (warm-up included); "
        "max/conn: nginx's $connection_requests at its highest.",
        f"HTTPS: TLS with a throw-away CA, certificate for {NAME}; every client connects to {ADDRESS} and "
        "verifies that name (transport: pinned resolver; requests: server_hostname; http.client: wrap_socket).",
    ]
    below = [s.upper() for s in SCHEMES if ratios[s]["transport_over_session"] < GOAL]
    if below:
        notes.append(f"BELOW GOAL over {', '.join(below)}: the transport is slower than {GOAL}x the Session.")
    notes += [f"PROBLEM {problem}" for problem in problems]
    table = Table(
        f"POST of a {len(BODY)}-byte JSON body to nginx, µs per request (median of {ROUNDS} interleaved "
        f"rounds of {count})",
        ["scheme", "client", "µs/request", "requests/s", "± %", "x Session", "conns", "max/conn"],
        rows,
        notes,
    )
    raw["failed"] = bool(problems)
    return Section("transport", TITLE, [table], data=raw)
