"""Query parameters and headers shared by several routes, typed once for validation and the document."""

from __future__ import annotations

import re
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from pydantic import AwareDatetime, BeforeValidator
from pydantic_core import PydanticCustomError

from herald.idempotency import MAX_KEY_LENGTH

Limit = Annotated[int, Query(ge=1, le=100, description="Page size, 1-100")]
NextToken = Annotated[
    str | None, Query(alias="nextToken", max_length=2048, description="The nextToken of the previous page")
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        pattern=r"^[\x20-\x7e]+$",
        description="Repeat a request with the same key within 24 h to get its first answer again",
    ),
]

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})", re.IGNORECASE)


def _rfc3339(value: object) -> object:
    """Only what the document's `date-time` promises: pydantic alone would also take Unix seconds ("0.5")."""
    if not (isinstance(value, str) and _RFC3339.fullmatch(value)):
        raise PydanticCustomError(
            "rfc3339", "Input should be a date and time with its offset (RFC 3339), e.g. 2026-12-04T10:00:00Z"
        )
    return value.upper()


Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
