"""Herald errors → HTTP responses, in one place. Every error is JSON {error, code, details?}."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel

from herald import errors
from herald.adapters.validation import messages
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


def from_request_validation(exc: RequestValidationError, body_model: type[BaseModel] | None) -> Response:
    """Powertools' validation of a route's typed parameters, in Herald's words.

    A bad query value is 400 `invalid_query`, a bad header 400 `invalid_header`, a body that is not an
    object 400 `invalid_body`; body fields that break the route's model are 422 naming each field.
    """
    problems = list(exc.errors())
    where = {str(error["loc"][0]) for error in problems if error.get("loc")}
    for location, code in (("query", "invalid_query"), ("header", "invalid_header")):
        if location in where:
            error = next(error for error in problems if error["loc"][0] == location)
            name = str(error["loc"][-1])
            if location == "header":  # Powertools reports header names in lower case
                name = "-".join(word.capitalize() for word in name.split("-"))
            return json_response(400, error_body(f"{name}: {error['msg']}", code))
    if any(len(error.get("loc", ())) <= 1 for error in problems):
        empty = any(error["type"] == "missing" for error in problems)
        message = "The request needs a JSON body." if empty else "The body must be a JSON object."
        return json_response(400, error_body(message, "invalid_body"))
    details = messages([{**error, "loc": error["loc"][1:]} for error in problems], body_model, "")
    return json_response(422, error_body("The request has invalid fields.", "validation_failed", details))


def unexpected(exc: Exception) -> Response:
    # The exception type only: messages of library errors can carry request data.
    logger.exception("Unhandled error", extra={"errorType": type(exc).__name__})
    return json_response(500, error_body("Herald could not answer this request; try again.", "internal_error"))
