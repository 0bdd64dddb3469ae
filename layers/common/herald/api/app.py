"""The /v1 API resolver: routes from herald.api.routes, errors from herald.api.errors, OpenAPI and Swagger UI."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import (
    APIKey,
    APIKeyIn,
    HTTPBase,
    HTTPBearer,
    MutualTLS,
    OAuth2,
    OpenIdConnect,
)

from herald import __version__
from herald.api import errors
from herald.api.routes import channels, deliveries, events, keys, meta, settings
from herald.errors import HeraldError

resolver = APIGatewayRestResolver(enable_validation=True)
for group in (meta, channels, deliveries, events, keys, settings):
    resolver.include_router(group.router)

SECURITY_SCHEMES: dict[str, APIKey | HTTPBase | OAuth2 | OpenIdConnect | HTTPBearer | MutualTLS] = {
    "apiKey": APIKey(name="x-api-key", in_=APIKeyIn.header, description="An hrld_ key"),
    "bearer": HTTPBearer(description="The same hrld_ key as a Bearer token"),
}
SECURITY: list[dict[str, list[str]]] = [{"apiKey": []}, {"bearer": []}]

resolver.enable_swagger(
    path="/v1/docs",
    title="Herald API",
    version=__version__,
    security_schemes=SECURITY_SCHEMES,
    security=SECURITY,
    description="Notification channels for monitoring and status-page products. Send the key as "
    "`x-api-key: hrld_...` or `Authorization: Bearer hrld_...`.",
)


@resolver.get("/v1/openapi.json", summary="The OpenAPI 3 document of this API")
def openapi():  # type: ignore[no-untyped-def]  # no annotation: Powertools would document Response
    return Response(
        status_code=200,
        content_type="application/json",
        body=resolver.get_openapi_json_schema(
            title="Herald API", version=__version__, security_schemes=SECURITY_SCHEMES, security=SECURITY
        ),
    )


@resolver.exception_handler(HeraldError)
def _herald_error(exc: HeraldError) -> Response:
    return errors.from_herald_error(exc)


@resolver.exception_handler(RequestValidationError)
def _request_validation(exc: RequestValidationError) -> Response:
    return errors.from_request_validation(exc)


@resolver.not_found
def _not_found(exc: NotFoundError) -> Response:
    return errors.json_response(404, errors.error_body("No such route.", "not_found"))


@resolver.exception_handler(Exception)
def _unexpected(exc: Exception) -> Response:
    return errors.unexpected(exc)
