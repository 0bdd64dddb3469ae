"""Cached boto3 clients. Nothing is created at import time (moto and cold starts depend on it)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    """One client per service per process; endpoint and region come from the standard AWS environment."""
    return boto3.session.Session().client(service, config=_CONFIG)


@cache
def table(name: str) -> Any:
    return boto3.session.Session().resource("dynamodb", config=_CONFIG).Table(name)


def reset() -> None:
    """Forget cached clients (tests that switch endpoints between runs)."""
    client.cache_clear()
    table.cache_clear()
