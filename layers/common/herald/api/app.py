"""The /v1 API resolver: routes from herald.api.routes, errors from herald.api.errors, OpenAPI and Swagger UI."""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.api_gateway import Route
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from herald import __version__
from herald.api import document, errors, request
from herald.api.contract import OpenApiDocument, answers
from herald.api.routes import (
    alerts,
    channels,
    console,
    deliveries,
    events,
    intervals,
    keys,
    meta,
    preview,
    settings,
    silences,
)
from herald.errors import HeraldError
from herald.settings import Settings


def _cors() -> CORSConfig | None:
    """CORS headers for the one allowed browser origin, if any (API Gateway answers the preflight).

    Read without get_settings' cache: the resolver is built at import, before tests set their environment.
    """
    origin = Settings.from_env().cors_origin
    if not origin:
        return None
    headers = ["Content-Type", "X-Api-Key", "Authorization", "Idempotency-Key"]
    return CORSConfig(allow_origin=origin, allow_headers=headers, max_age=600)


resolver = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=request.read_json, cors=_cors())
resolver._request_validation_middleware = request.JsonRequestValidation()
resolver.use([request.refuse_unknown_query])
for group in (meta, channels, deliveries, preview, events, intervals, silences, alerts, keys, settings, console):
    resolver.include_router(group.router)

SECURITY: list[dict[str, list[str]]] = [{"apiKey": []}, {"bearer": []}]

DESCRIPTION = (
    "Notification channels for monitoring and status-page products. Send the key as "
    "`x-api-key: hrld_...` or `Authorization: Bearer hrld_...`."
)


def _security_schemes() -> dict[str, Any]:
    # Powertools' OpenAPI models take ~40 ms to import: only the document needs them, not a cold start.
    from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer

    return {
        "apiKey": APIKey(name="x-api-key", in_=APIKeyIn.header, description="An hrld_ key"),
        "bearer": HTTPBearer(description="The same hrld_ key as a Bearer token"),
    }


@resolver.get("/v1/docs", include_in_schema=False)
def swagger_ui():  # type: ignore[no-untyped-def]
    # Powertools' enable_swagger would import its OpenAPI models at every cold start; this page shows the
    # document /v1/openapi.json serves, with Powertools' own Swagger UI page and assets.
    return Response(status_code=200, content_type="text/html", body=swagger_page(resolver._get_base_path()))


@lru_cache(maxsize=8)
def swagger_page(base_path: str) -> str:
    import aws_lambda_powertools.event_handler as powertools
    from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

    assets = Path(powertools.__file__).parent / "openapi" / "swagger_ui"
    script = (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
    style = (assets / "swagger-ui.min.css").read_text(encoding="utf-8")
    # `</` escaped: the document sits inside a <script> element, which a `</script>` in it would close.
    return generate_swagger_html(served_document(base_path).replace("</", "<\\/"), script, style, "", None)


@resolver.get(
    "/v1/openapi.json",
    summary="The OpenAPI 3 document of this API",
    security=[{}],
    responses=answers(200, OpenApiDocument, "The document; `servers` is where it was served from", keyed=False),
)
def openapi():  # type: ignore[no-untyped-def]  # no annotation: Powertools would document Response
    # Under a stage (/dev/v1/openapi.json) paths are relative to /dev; through a custom domain or the
    # local stack's root, to /. Powertools reads that from requestContext.stage and path, as its Swagger UI does.
    return Response(status_code=200, content_type="application/json", body=served_document(resolver._get_base_path()))


@lru_cache(maxsize=8)
def served_document(base_path: str) -> str:
    """The document as JSON with `servers` pointing at `base_path` ("" for the root)."""
    return json.dumps({**_finished(), "servers": [{"url": base_path or "/"}]})


@cache
def _finished() -> dict[str, Any]:
    # Generating and finishing the document takes most of a second: once per container, whatever the stage.
    generated = resolver.get_openapi_json_schema(
        title="Herald API",
        version=__version__,
        description=DESCRIPTION,
        security_schemes=_security_schemes(),
        security=SECURITY,
    )
    return document.finish(generated)


@resolver.exception_handler(HeraldError)
def _herald_error(exc: HeraldError) -> Response:
    return errors.from_herald_error(exc)


@resolver.exception_handler(RequestValidationError)
def _request_validation(exc: RequestValidationError) -> Response:
    route = resolver.context.get("_route")
    body = route.dependant.body_params if route is not None else []
    return errors.from_request_validation(exc, body[0].type_ if body else None)


@resolver.exception_handler(RequestUnsupportedContentType)
def _unsupported_media_type(exc: RequestUnsupportedContentType) -> Response:
    message = "Send the body as JSON with Content-Type: application/json."
    return errors.json_response(415, errors.error_body(message, "unsupported_media_type"))


@resolver.exception_handler(UnicodeDecodeError)
def _undecodable(exc: UnicodeDecodeError) -> Response:
    # Powertools decodes a base64 body to text before any route runs; bytes that are not UTF-8 stop it there.
    if resolver.current_event.is_base64_encoded:
        return errors.json_response(400, errors.error_body("The body must be JSON in UTF-8.", "invalid_body"))
    return errors.unexpected(exc)


@resolver.not_found
def _not_found(exc: NotFoundError) -> Response:
    path, method = resolver.current_event.path, resolver.current_event.http_method
    allowed = sorted({route.method for route in _routes() if route.rule.match(path)})
    if not allowed:
        return errors.json_response(404, errors.error_body("No such route.", "not_found"))
    message = f"{method} is not allowed on this route; it answers {', '.join(allowed)}."
    answer = errors.json_response(405, errors.error_body(message, "method_not_allowed"))
    answer.headers["Allow"] = ", ".join(allowed)
    return answer


def _routes() -> list[Route]:
    # Powertools keeps the routes it matches against here; 405 needs the methods of a path.
    return [*resolver._static_routes, *resolver._dynamic_routes]


@resolver.exception_handler(Exception)
def _unexpected(exc: Exception) -> Response:
    return errors.unexpected(exc)
