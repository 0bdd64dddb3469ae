"""JSON from outside (API bodies, SNS messages, EventBridge details), within the depth Herald can store.

DynamoDB keeps at most 32 levels of nested attributes, and a delivery stores an event's `details` a few
levels down; Python's parser itself gives up (RecursionError) near a thousand. Anything deeper than
MAX_DEPTH is refused up front with a 400 that names the limit, instead of failing half-way with a 500.
"""

from __future__ import annotations

import json
from typing import Any

from herald.errors import InvalidRequest

MAX_DEPTH = 20


def too_deep(what: str) -> InvalidRequest:
    return InvalidRequest(f"The {what} is nested more than {MAX_DEPTH} levels deep.", code="too_deep")


def loads(data: str | bytes, what: str = "body") -> Any:
    """Parse JSON text. Raises InvalidRequest: `invalid_json`, or `too_deep` past MAX_DEPTH levels."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise too_deep(what) from None
    except ValueError:
        raise InvalidRequest(f"The {what} is not valid JSON.", code="invalid_json") from None
    check_depth(value, what)
    return value


def check_depth(value: Any, what: str = "body") -> None:
    """Raises InvalidRequest (`too_deep`) when objects and arrays nest more than MAX_DEPTH levels."""
    level: list[Any] = [value]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return
    raise too_deep(what)
