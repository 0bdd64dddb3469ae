"""Idempotent intake: a request or event sent again with the same key does its work once.

Powertools' idempotency utility with its DynamoDB persistence layer, in Herald's one table: each
tenant's records live in its own partition (`T#<tenant>`, sort key the hashed key), expire with the
table's TTL (`expiresAt`) after 24 h, and hold the first answer, which a repeat gets back. A repeat
whose payload differs is refused (`Conflict`), as is one that arrives while the first is still at work.
A first try that raises leaves no record, so its retry does the work.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from herald import aws, db
from herald.errors import Conflict, InvalidRequest
from herald.settings import get_settings

KEY_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255

_CONFIG = IdempotencyConfig(
    event_key_jmespath="[scope, key]",
    payload_validation_jmespath="payload",
    expires_after_seconds=KEY_SECONDS,
    raise_on_no_idempotency_key=True,
    use_local_cache=False,  # several containers share the table; it is the only truth
)


@cache
def _store(tenant_id: str, table_name: str) -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=table_name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=db.tenant_pk(tenant_id),
        expiry_attr="expiresAt",
        boto3_client=aws.client("dynamodb"),
    )


def register(context: Any) -> None:
    """Give the invocation's Lambda context to the utility (call it from every handler that takes keys).

    A first try that dies mid-way (a crash, a time-out) leaves its record in progress; with the context,
    that record expires when the invocation's time is up, so the retry is not refused for 24 hours.
    """
    _CONFIG.register_lambda_context(context)


def check_key(key: str, field: str = "Idempotency-Key") -> str:
    """The key as given, if it is 1-255 printable ASCII characters. Raises InvalidRequest naming `field`."""
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidRequest(f"{field} must be 1-{MAX_KEY_LENGTH} printable ASCII characters.", code="invalid_header")
    return key


def once[T](tenant_id: str, scope: str, key: str | None, payload: Any, work: Callable[[], T]) -> T:
    """`work()` the first time `key` is used in `scope` within 24 h; its first answer every later time.

    Without a key, simply `work()`. Raises Conflict when the key was used with another payload, or when
    the first use is still running.
    """
    if key is None:
        return work()

    store = _store(tenant_id, get_settings().table_name)

    @idempotent_function(data_keyword_argument="request", persistence_store=store, config=_CONFIG)
    def run(request: dict[str, Any]) -> T:
        return work()

    try:
        return run(request={"scope": scope, "key": key, "payload": payload})
    except IdempotencyValidationError:
        raise Conflict(
            f"Idempotency key '{key}' was already used with a different body in the last 24 hours.",
            code="idempotency_key_reused",
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            f"A request with idempotency key '{key}' is still being processed; try again shortly.",
            code="idempotency_in_progress",
        ) from None
