"""API Gateway emulation: a threaded HTTP server on 127.0.0.1:HERALD_API_PORT in front of the functions.

Per request, as API Gateway does: pick the route from the template's `Api` events; for a protected
route call the REQUEST authorizer (or use its cached answer) and evaluate the returned policy; for a
route that requires an API key, find the key's usage plan and apply its throttle (local/throttle.py),
then the stage-wide throttle; build the REST proxy event with the authorizer's context; and return
the function's response. Failures become the template's GatewayResponses.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from local.apigw_events import (
    MAX_REQUEST_BYTES,
    AuthorizerDecision,
    HttpRequest,
    HttpResponse,
    RouteMatch,
    authorizer_context,
    authorizer_event,
    gateway_response,
    match_route,
    method_arn,
    policy_allows,
    proxy_event,
    read_decision,
    read_proxy_response,
)
from local.constants import HOST
from local.containers import FunctionPool, PoolClosed
from local.deployment import ApiSpec, Authorizer
from local.throttle import Buckets, UsagePlans

log = logging.getLogger("local.apigw")


class Gateway:
    """One REST API of the template, served by its functions' pools. Thread-safe."""

    def __init__(
        self, api: ApiSpec, pools: Mapping[str, FunctionPool], plans: UsagePlans, buckets: Buckets | None = None
    ) -> None:
        self.api = api
        self._pools = pools
        self._plans = plans
        self._buckets = buckets or Buckets()
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, AuthorizerDecision]] = {}
        self._cache_lock = threading.Lock()

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        response = self._handle(request, request_id)
        extra = [("x-amzn-RequestId", request_id), ("x-amz-apigw-id", request_id[:16])]
        return HttpResponse(status=response.status, headers=[*response.headers, *extra], body=response.body)

    def _handle(self, request: HttpRequest, request_id: str) -> HttpResponse:
        if len(request.body) > MAX_REQUEST_BYTES:
            return gateway_response(self.api, "REQUEST_TOO_LARGE", request_id)
        match = match_route(self.api.routes, request.method, request.path)
        if match is None:
            return gateway_response(self.api, "MISSING_AUTHENTICATION_TOKEN", request_id)
        context: dict[str, Any] | None = None
        usage_key: str | None = None
        if match.route.authorizer is not None:
            decided = self._authorize(self.api.authorizers[match.route.authorizer], request, match, request_id)
            if isinstance(decided, HttpResponse):
                return decided
            context, usage_key = decided
        if match.route.api_key_required:
            if self.api.api_key_source == "HEADER":
                usage_key = next((value for name, value in request.headers if name.lower() == "x-api-key"), None)
            if (refused := self._meter(usage_key, request_id)) is not None:
                return refused
        if self.api.stage_throttle is not None and not self._buckets.allow("stage", self.api.stage_throttle):
            return gateway_response(self.api, "THROTTLED", request_id)
        outcome = self._pools[match.route.function].invoke(proxy_event(self.api, request, match, request_id, context))
        response = read_proxy_response(outcome.result) if outcome.ok else None
        if response is None:
            log.warning("%s %s: function error or malformed proxy response", request.method, request.path)
            return gateway_response(self.api, "DEFAULT_5XX", request_id)
        return response

    def _meter(self, usage_key: str | None, request_id: str) -> HttpResponse | None:
        """403 without a key of a usage plan on this stage, 429 when the key's plan throttle is spent."""
        plan = self._plans.plan_of(usage_key) if usage_key else None
        if plan is None:
            return gateway_response(self.api, "INVALID_API_KEY", request_id)
        if plan.throttle is not None and not self._buckets.allow(f"key:{plan.key_id}", plan.throttle):
            return gateway_response(self.api, "THROTTLED", request_id)
        return None

    def _identity(self, authorizer: Authorizer, request: HttpRequest) -> tuple[str, ...] | None:
        """The identity source values, or None when one is missing (API Gateway answers 401 itself)."""
        headers = {name.lower(): value for name, value in request.headers}
        query = dict(request.query)
        values = [headers.get(name.lower(), "") for name in authorizer.identity_headers]
        values += [query.get(name, "") for name in authorizer.identity_query_strings]
        return tuple(values) if all(values) else None

    def _authorize(
        self, authorizer: Authorizer, request: HttpRequest, match: RouteMatch, request_id: str
    ) -> tuple[dict[str, Any], str | None] | HttpResponse:
        """The proxy event's authorizer context and the usage key, or the gateway response refusing the call."""
        caching = authorizer.ttl_seconds > 0
        identity: tuple[str, ...] = ()
        if caching:
            found = self._identity(authorizer, request)
            if found is None:
                return gateway_response(self.api, "UNAUTHORIZED", request_id)
            identity = found
        started = time.monotonic()
        decision = self._cached(authorizer.name, identity) if caching else None
        if decision is None:
            outcome = self._pools[authorizer.function].invoke(authorizer_event(self.api, request, match, request_id))
            if not outcome.ok:
                # Only the exact message "Unauthorized" is a 401; any other failure is the authorizer's fault.
                unauthorized = (outcome.error or {}).get("errorMessage") == "Unauthorized"
                kind = "UNAUTHORIZED" if unauthorized else "AUTHORIZER_CONFIGURATION_ERROR"
                return gateway_response(self.api, kind, request_id)
            decision = read_decision(outcome.result)
            if decision is None:
                return gateway_response(self.api, "AUTHORIZER_CONFIGURATION_ERROR", request_id)
            if caching:
                with self._cache_lock:
                    self._cache[(authorizer.name, identity)] = (time.monotonic() + authorizer.ttl_seconds, decision)
        if not policy_allows(decision.policy, method_arn(self.api, request.method, request.path)):
            return gateway_response(self.api, "ACCESS_DENIED", request_id)
        return authorizer_context(decision, int((time.monotonic() - started) * 1000)), decision.usage_key

    def _cached(self, name: str, identity: tuple[str, ...]) -> AuthorizerDecision | None:
        with self._cache_lock:
            hit = self._cache.get((name, identity))
        return hit[1] if hit and hit[0] > time.monotonic() else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes: with Nagle's algorithm the body waits for the client's
    # delayed ACK of the headers, about 40 ms on Linux loopback, on every keep-alive request (bench 12).
    disable_nagle_algorithm = True
    server: ApiServer

    def _read_body(self) -> bytes | None:
        """The request body, or None when it is larger than API Gateway accepts."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                total += size
                if total > MAX_REQUEST_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        started = time.monotonic()
        url = urlsplit(self.path)
        called = url.path or "/"
        path = self.server.strip_stage(called)
        body = self._read_body()
        too_large = body is None
        headers = list(self.headers.items())
        headers += [
            ("X-Forwarded-For", self.client_address[0]),
            ("X-Forwarded-Port", str(self.server.server_address[1])),
            ("X-Forwarded-Proto", "http"),
        ]
        request = HttpRequest(
            method=self.command,
            path=path,
            query=parse_qsl(url.query, keep_blank_values=True),
            headers=headers,
            body=b"" if body is None else body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
            base_path=called.removesuffix(path),
        )
        if too_large:
            self.close_connection = True  # the unread body makes the connection unusable
            response = gateway_response(self.server.gateway.api, "REQUEST_TOO_LARGE", str(uuid.uuid4()))
        else:
            try:
                response = self.server.gateway.handle(request)
            except PoolClosed:  # the stack is stopping
                self.close_connection = True
                response = HttpResponse(503, [("Content-Type", "application/json")], b'{"message": "Stopping"}')
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(0 if self.command == "HEAD" else len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        log.info("%s %s %d %dms", self.command, self.path, response.status, (time.monotonic() - started) * 1000)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815
    # Methods no route can have: API Gateway answers them itself (MISSING_AUTHENTICATION_TOKEN).
    do_TRACE = do_CONNECT = do_QUERY = do_PROPFIND = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        # Requests are logged once, with their status and time, by _serve.
        return

    def send_response(self, code: int, message: str | None = None) -> None:
        # API Gateway sends no Server header of Python's kind; keep the Date header.
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, gateway: Gateway) -> None:
        self.gateway = gateway
        super().__init__((HOST, port), _Handler)

    def strip_stage(self, path: str) -> str:
        """Accept the deployed URL shape too: /<stage>/v1/... is /v1/..."""
        prefix = f"/{self.gateway.api.stage}/"
        return path[len(prefix) - 1 :] if path.startswith(prefix) else path
