"""Cached boto3 clients. Nothing is created at import time (moto and cold starts depend on it)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


# Sessions are not thread-safe: clients are made one at a time (the sender's threads may ask at once).
_MAKING = threading.Lock()


@cache
def _session() -> boto3.session.Session:
    """One session per process: its loader parses endpoints and each service's model once, so every client
    after the first costs a fraction of a new session's (bench 11: four clients 3.7 s -> 1.2 s, loaded box)."""
    return boto3.session.Session()


@cache
def client(service: str) -> Any:
    """One client per service per process; endpoint and region come from the standard AWS environment."""
    with _MAKING:
        return _session().client(service, config=_CONFIG)


@cache
def table(name: str) -> Any:
    with _MAKING:
        return _session().resource("dynamodb", config=_CONFIG).Table(name)


def reset() -> None:
    """Forget cached clients and the session (tests that switch endpoints or credentials between runs)."""
    client.cache_clear()
    table.cache_clear()
    _session.cache_clear()


# A refused condition is an answer, not a fault: trying again cannot change it.
_ANSWERS = frozenset({"ConditionalCheckFailedException", "TransactionCanceledException"})


def with_retries[T](call: Callable[[], T], tries: int = 5, first_pause: float = 0.1) -> T:
    """`call()`, again after a fault (throttle, 5xx, connection) that outlived botocore's own retries.

    Pauses double from `first_pause` (0.1 s: 1.5 s in all over 5 tries). For the writes whose loss
    would cost most: an attempt's outcome after a send, a message's delay or dead-lettering.
    """
    for attempt in range(tries):
        try:
            return call()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _ANSWERS or attempt + 1 == tries:
                raise
        except BotoCoreError:
            if attempt + 1 == tries:
                raise
        time.sleep(first_pause * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover
