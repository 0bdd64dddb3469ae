"""Pydantic errors → Herald's field errors: '<Field description> is required', named by wire path."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

from herald.errors import FieldError, InvalidRequest, ValidationFailed


def _description(model: type[BaseModel] | None, name: str) -> str | None:
    if model is None:
        return None
    for field_name, field in model.model_fields.items():
        if name in (field_name, to_camel(field_name), field.alias):
            return field.description
    return None


def parse_body[M: BaseModel](model: type[M], body: Any) -> M:
    """A request body as `model`. Raises InvalidRequest unless it is a JSON object, ValidationFailed naming
    each field that breaks its rule."""
    if not isinstance(body, dict):
        raise InvalidRequest("The body must be a JSON object.", code="invalid_body")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc, model, "")) from None


def field_errors(exc: ValidationError, model: type[BaseModel] | None, prefix: str) -> list[FieldError]:
    """One FieldError per pydantic error, with camelCase paths under `prefix` (e.g. `config.chatId`)."""
    return messages(exc.errors(include_url=False), model, prefix)


def messages(errors: Iterable[Any], model: type[BaseModel] | None, prefix: str) -> list[FieldError]:
    """field_errors for pydantic's error dicts, as Powertools' request validation hands them over."""
    out: list[FieldError] = []
    for error in errors:
        loc = [to_camel(part) if isinstance(part, str) else str(part) for part in error["loc"]]
        path = ".".join([prefix, *loc]) if prefix else ".".join(loc)
        out.append(FieldError(path, _message(error, model)))
    return out


def _message(error: Any, model: type[BaseModel] | None) -> str:
    kind = error["type"]
    loc = error["loc"]
    first = loc[0] if loc and isinstance(loc[0], str) else None
    described = _description(model, first) if first else None
    empty_text = (
        kind in ("string_too_short", "too_short")
        and len(loc) == 1
        and isinstance(error.get("input"), str)
        and error.get("ctx", {}).get("min_length") == 1
    )
    if kind == "missing" or empty_text:
        # An empty value is as good as none: the same words as a missing one.
        return f"{described or to_camel(str(first or 'value'))} is required"
    if kind == "extra_forbidden":
        return f"Unknown field '{to_camel(str(loc[-1]))}'"
    message = str(error["msg"])
    # pydantic prefixes errors raised by our validators with "Value error, "; the rest is ours.
    return message.removeprefix("Value error, ")
