"""Herald errors → HTTP responses, in one place. Every error is JSON {error, code, details?}."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from herald import errors
from herald.observability import logger

STATUS: list[tuple[type[errors.HeraldError], int]] = [
    (errors.InvalidRequest, 400),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.PayloadTooLarge, 413),
    (errors.ValidationFailed, 422),
    (errors.ForbiddenTarget, 422),
]


def json_response(status: int, body: Any) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, ensure_ascii=False),
    )


def error_body(message: str, code: str, details: list[errors.FieldError] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message, "code": code}
    if details:
        body["details"] = [{"field": d.field, "message": d.message} for d in details]
    return body


def from_herald_error(exc: errors.HeraldError) -> Response:
    status = next((code for cls, code in STATUS if isinstance(exc, cls)), 500)
    details = exc.details if isinstance(exc, errors.ValidationFailed) else None
    if status == 500:
        logger.error("Unmapped Herald error", extra={"code": exc.code})
        return json_response(500, error_body("Herald could not answer this request; try again.", "internal_error"))
    return json_response(status, error_body(exc.message, exc.code, details))


def from_request_validation(exc: RequestValidationError) -> Response:
    details = [
        errors.FieldError(".".join(str(part) for part in err.get("loc", ()) if part != "body"), str(err.get("msg")))
        for err in exc.errors()
    ]
    return json_response(422, error_body("The request has invalid fields.", "validation_failed", details))


def unexpected(exc: Exception) -> Response:
    # The exception type only: messages of library errors can carry request data.
    logger.exception("Unhandled error", extra={"errorType": type(exc).__name__})
    return json_response(500, error_body("Herald could not answer this request; try again.", "internal_error"))
