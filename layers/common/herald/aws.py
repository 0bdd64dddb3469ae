"""Cached boto3 clients. Nothing is created at import time (moto and cold starts depend on it)."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
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


class Table:
    """One DynamoDB table, read and written with plain Python values, as boto3's `Table` resource is.

    The calls are a DynamoDB client's with the table's name filled in; `client` carries the hooks boto3's
    resource registers (`boto3.dynamodb.transform`): parameters copied, `Key`/`Attr` conditions turned into
    expressions, values serialised on the way out and deserialised on the way back. Without the resource's
    model and generated classes, a cold start makes its table ~13 ms sooner (BENCHMARKS.md section 11).
    """

    def __init__(self, client: Any, name: str) -> None:
        from boto3.dynamodb.transform import TransformationInjector, copy_dynamodb_params

        injector = TransformationInjector()
        events = client.meta.events
        events.register("provide-client-params.dynamodb", copy_dynamodb_params)
        events.register("before-parameter-build.dynamodb", injector.inject_condition_expressions)
        events.register("before-parameter-build.dynamodb", injector.inject_attribute_value_input)
        events.register("after-call.dynamodb", injector.inject_attribute_value_output)
        self.client, self.name = client, name

    def get_item(self, **params: Any) -> Any:
        return self.client.get_item(TableName=self.name, **params)

    def put_item(self, **params: Any) -> Any:
        return self.client.put_item(TableName=self.name, **params)

    def update_item(self, **params: Any) -> Any:
        return self.client.update_item(TableName=self.name, **params)

    def delete_item(self, **params: Any) -> Any:
        return self.client.delete_item(TableName=self.name, **params)

    def query(self, **params: Any) -> Any:
        return self.client.query(TableName=self.name, **params)

    def scan(self, **params: Any) -> Any:
        return self.client.scan(TableName=self.name, **params)

    def batch_writer(self) -> Any:
        """boto3's buffered BatchWriteItem writer (unprocessed items sent again), for bulk loads."""
        from boto3.dynamodb.table import BatchWriter

        return BatchWriter(self.name, self.client)


@cache
def table(name: str) -> Table:
    """The table `name` on a client of its own: the shared `client("dynamodb")` speaks DynamoDB's typed
    values ({"S": ...}), which Powertools' idempotency layer expects; this one plain Python values."""
    with _MAKING:
        return Table(_session().client("dynamodb", config=_CONFIG), name)


def reset() -> None:
    """Forget cached clients, assumed-role credentials and the session (tests that switch endpoints)."""
    client.cache_clear()
    table.cache_clear()
    _client_with.cache_clear()
    with _ASSUMING:
        _ASSUMED.clear()
    _session.cache_clear()


# -- A customer's resources through a role the customer lets Herald assume (SNS and EventBridge kinds) --

# STS AssumeRole (docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html, read 2026-12-03):
# sessions last 900 s to the role's maximum (default 3600 s); a session name is 2-64 of [\w+=,.@-].
SESSION_SECONDS = 3600
# Credentials are used until this long before they expire: a send never starts on a key about to lapse.
REFRESH_MARGIN_SECONDS = 300
_SESSION_NAME_CHARS = re.compile(r"[^\w+=,.@-]")


class _WithoutAssumeRoleBodies(logging.Filter):
    """botocore's DEBUG log writes whole request and response bodies: an AssumeRole's external id (a
    tenant's secret) and the credentials STS answers with. Those records are dropped; all others pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG or "AssumeRole" not in record.getMessage()


for _name in ("botocore.endpoint", "botocore.parsers"):  # the loggers that write bodies
    logging.getLogger(_name).addFilter(_WithoutAssumeRoleBodies())


@dataclass(frozen=True)
class Role:
    """A role in a customer's account, assumed with the external id the customer's trust policy demands."""

    arn: str
    external_id: str = field(repr=False)
    tenant_id: str

    @property
    def session_name(self) -> str:
        """`herald-<tenant>`: the customer's CloudTrail shows who acted, and for which Herald tenant."""
        return _SESSION_NAME_CHARS.sub("-", f"herald-{self.tenant_id}")[:64]


@dataclass(frozen=True)
class _Credentials:
    key_id: str
    secret: str = field(repr=False)
    token: str = field(repr=False)
    expires: float  # epoch seconds


_ASSUMED: dict[Role, _Credentials] = {}
# One STS call per role at a time: threads that need the same role wait for the first one's answer.
_ASSUMING = threading.Lock()


def assumed_client(service: str, region: str, role: Role) -> Any:
    """A client for `service` in `region` acting as `role`; STS credentials kept until shortly before expiry.

    Raises botocore's ClientError (e.g. AccessDenied when the role's trust policy refuses Herald or the
    external id) or BotoCoreError (STS unreachable), as the caller's own AWS call would.
    """
    credentials = _credentials(role)
    return _client_with(service, region, credentials)


def _credentials(role: Role) -> _Credentials:
    with _ASSUMING:
        held = _ASSUMED.get(role)
        if held is not None and time.time() < held.expires - REFRESH_MARGIN_SECONDS:
            return held
        answer = client("sts").assume_role(
            RoleArn=role.arn,
            RoleSessionName=role.session_name,
            ExternalId=role.external_id,
            DurationSeconds=SESSION_SECONDS,
        )["Credentials"]
        fresh = _Credentials(
            answer["AccessKeyId"], answer["SecretAccessKey"], answer["SessionToken"], answer["Expiration"].timestamp()
        )
        _ASSUMED[role] = fresh
        return fresh


@lru_cache(maxsize=64)
def _client_with(service: str, region: str, credentials: _Credentials) -> Any:
    with _MAKING:
        return _session().client(
            service,
            region_name=region,
            aws_access_key_id=credentials.key_id,
            aws_secret_access_key=credentials.secret,
            aws_session_token=credentials.token,
            config=_CONFIG,
        )


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
