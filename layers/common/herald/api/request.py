"""Reading a request: who is calling (and may they), the JSON body, and strict query values."""

from __future__ import annotations

import base64
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from herald import idempotency, jsonin
from herald.auth.models import Principal
from herald.auth.roles import Role
from herald.errors import Forbidden, InvalidRequest, PayloadTooLarge, Unauthorized

MAX_BODY_BYTES = 64 * 1024
MAX_PAGE = 100


def caller(router: BaseRouter, role: Role) -> Principal:
    """The authorizer's principal, if its role is at least `role`. Raises Unauthorized, Forbidden."""
    event: APIGatewayProxyEvent = router.current_event  # type: ignore[assignment]
    context: dict[str, Any] = dict(event.request_context.authorizer or {})
    try:
        principal = Principal.from_context(context)
    except (KeyError, ValueError):
        raise Unauthorized("Missing or unknown API key.") from None
    if principal.role < role:
        raise Forbidden(f"This needs the {role.name} role; the key has {principal.role.name}.")
    return principal


def json_body(router: BaseRouter) -> Any:
    """The body parsed as JSON. Raises PayloadTooLarge (over 64 KiB) and InvalidRequest (not JSON)."""
    event = router.current_event
    raw = event.body or ""
    data = base64.b64decode(raw) if event.is_base64_encoded else raw.encode()
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge("The request body is larger than 64 KiB.")
    if not data.strip():
        raise InvalidRequest("The request needs a JSON body.", code="invalid_body")
    return jsonin.loads(data, "body")


def json_object(router: BaseRouter) -> dict[str, Any]:
    body = json_body(router)
    if not isinstance(body, dict):
        raise InvalidRequest("The body must be a JSON object.", code="invalid_body")
    return body


def query(router: BaseRouter, allowed: set[str]) -> dict[str, str]:
    """Query parameters, refusing names this route does not know."""
    params = dict(router.current_event.query_string_parameters or {})
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InvalidRequest(f"Unknown query parameter '{unknown[0]}'.", code="invalid_query")
    return params


def limit(raw: str | None) -> int:
    """`limit`: 1..100, default 50; anything else is a 400, never clamped."""
    if raw is None:
        return 50
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise InvalidRequest(f"limit must be a whole number from 1 to {MAX_PAGE}.", code="invalid_query")
    return int(raw)


def boolean(name: str, raw: str | None) -> bool | None:
    if raw is None:
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise InvalidRequest(f"{name} must be true or false.", code="invalid_query")


def idempotency_key(router: BaseRouter) -> str | None:
    """The `Idempotency-Key` header (any case), checked. Raises InvalidRequest naming the header."""
    headers = router.current_event.headers or {}
    value = next((v for k, v in headers.items() if k.lower() == "idempotency-key"), None)
    return None if value is None else idempotency.check_key(value)
