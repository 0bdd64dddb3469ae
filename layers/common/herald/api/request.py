"""Reading a request: who is calling (and may they), the JSON body, unknown query names, Idempotency-Key."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType
from aws_lambda_powertools.event_handler.types import EventHandlerInstance
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from herald import idempotency, jsonin
from herald.auth.models import Principal
from herald.auth.roles import Role
from herald.errors import Forbidden, InvalidRequest, PayloadTooLarge, Unauthorized

MAX_BODY_BYTES = 64 * 1024
# The rule of the stand-in route through which Powertools answers a path or method no route has
# (compiled as Powertools compiles it: ".*" anchored, "^.*$").
NO_ROUTE = APIGatewayRestResolver._compile_regex(r".*").pattern


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


def read_json(text: str | None) -> Any:
    """The resolver's JSON body parser: 413 over 64 KiB, 400 when empty, not JSON or nested too deep.

    Powertools calls it before validating a body against the route's model, so these answers come first.
    """
    data = (text or "").encode()
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge("The request body is larger than 64 KiB.")
    if not data.strip():
        raise InvalidRequest("The request needs a JSON body.", code="invalid_body")
    return jsonin.loads(data, "body")


def as_sent(router: BaseRouter) -> Any:
    """The JSON body as the caller sent it, already read and checked by `read_json`.

    Routes declare a body model so that Powertools validates and documents it; the use cases take the
    JSON as sent, because a PATCH must tell a field left out from a null, and idempotency compares what
    was sent, not what defaults made of it.
    """
    return router.current_event.json_body


class JsonRequestValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation for JSON bodies only: 415 for any other Content-Type.

    Powertools would also parse forms and multipart bodies; Herald's API takes neither, and a malformed
    multipart header would fail inside the parser. The resolver keeps this middleware in a private
    attribute, set once where the resolver is made (herald.api.app).
    """

    def _get_body(self, app: EventHandlerInstance) -> dict[str, Any]:
        content_type = app.current_event.headers.get("content-type", "")
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type not in ("", "application/json"):
            raise RequestUnsupportedContentType("Unsupported content type", errors=[])
        return super()._get_body(app)


def refuse_unknown_query(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    """Middleware: a query parameter the route does not declare is a 400 naming it, never ignored."""
    route = app.context.get("_route")
    if route is None or route.rule.pattern == NO_ROUTE:
        return next_middleware(app)  # no route has this path and method: 404 or 405, whatever the query
    declared = {param.alias for param in route.dependant.query_params}
    unknown = sorted(set(app.current_event.query_string_parameters or {}) - declared)
    if unknown:
        raise InvalidRequest(f"Unknown query parameter '{unknown[0]}'.", code="invalid_query")
    return next_middleware(app)


def idempotency_key(router: BaseRouter) -> str | None:
    """The `Idempotency-Key` header (any case), checked. Raises InvalidRequest naming the header."""
    headers = router.current_event.headers or {}
    value = next((v for k, v in headers.items() if k.lower() == "idempotency-key"), None)
    return None if value is None else idempotency.check_key(value)
