"""/console: the web console's files, with no key needed (the console asks for one and sends it to /v1)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from herald import console
from herald.api.errors import error_body, json_response

router = Router()


@router.get("/console", include_in_schema=False)
def console_index() -> Response[str]:
    return _serve(console.INDEX)


@router.get("/console/<file>", include_in_schema=False)
def console_file(file: str) -> Response[str]:
    return _serve(file)


def _serve(name: str) -> Response[str]:
    found = console.asset(name, _base_path())
    if found is None:
        return json_response(404, error_body("No such console file.", "not_found"))
    headers = dict(console.SECURITY_HEADERS)
    return Response(status_code=200, content_type=found.content_type, body=found.body, headers=headers)


def _base_path() -> str:
    """The stage (`/dev`) or base path mapping the browser reached the API under; "" at the root."""
    event: APIGatewayProxyEvent = router.current_event  # type: ignore[assignment]
    full = str(event.request_context.path or event.path)
    return full[: -len(event.path)] if full.endswith(event.path) else ""
