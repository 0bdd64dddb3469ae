"""Query parameters and headers shared by several routes, typed once for validation and the document."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header, Query

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
