"""Integration fixtures: template.yaml's resources inside moto's in-process mock, built by the local stack's code.

`aws` gives every test a fresh account holding exactly what `make dev` creates (same names, same
environment), and points this process's herald package at it.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from moto import mock_aws

from herald import aws as herald_aws
from herald.delivery import log_width
from herald.settings import get_settings
from local import provision
from local import template as template_module
from local.api_key import environment_from_outputs
from local.aws import Aws
from local.constants import DUMMY_CREDENTIALS, REGION
from local.deployment import Deployment
from local.moto_server import prepare_dynamodb

# DynamoDB's conditional writes are atomic in AWS; moto's are not across threads. And moto scans the whole
# table for every query and serialises answers slowly; the local stack's index and serialiser apply here too.
prepare_dynamodb()


@cache
def _template() -> template_module.Template:
    return template_module.load()


@cache
def _clients() -> Aws:
    # moto intercepts every botocore client while a mock is active, so clients outlive one test's account.
    return Aws(None)


@dataclass(frozen=True)
class LocalAws:
    """The deployed template: its physical names and the environment the functions run with."""

    deployment: Deployment
    env: dict[str, str]

    def client(self, service: str) -> Any:
        return _clients().client(service)

    @property
    def table_name(self) -> str:
        return self.env["HERALD_TABLE_NAME"]

    @property
    def queue_url(self) -> str:
        return self.env["HERALD_QUEUE_URL"]

    @property
    def dlq_url(self) -> str:
        return self.env["HERALD_DLQ_URL"]

    @property
    def topic_arn(self) -> str:
        return self.deployment.sns_sources[0].topic_arn

    @property
    def sender_email(self) -> str:
        return self.env["HERALD_SENDER_EMAIL"]


def _reset_herald() -> None:
    get_settings.cache_clear()
    herald_aws.reset()
    log_width.forget()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalAws]:
    """A fresh moto account with template.yaml deployed; os.environ holds the functions' environment."""
    # Hermetic: no real profile or endpoint, and no HERALD_* knob of the caller's shell.
    for name in list(os.environ):
        if name.startswith("HERALD_") or name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE"):
            monkeypatch.delenv(name)
    for name, value in {**DUMMY_CREDENTIALS, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        deployment = provision.deploy(_template(), _clients())
        # The functions' environment, and the default usage plan the tools that create tenants use.
        outputs = provision.resolve_outputs(deployment)
        environment = {**deployment.environment(), **environment_from_outputs(outputs, "template.yaml")}
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        _reset_herald()
        yield LocalAws(deployment=deployment, env=environment)
    _reset_herald()


@pytest.fixture
def api(aws: LocalAws) -> Any:
    """The API function behind the emulated gateway and authorizer (tests/support/api.py)."""
    from tests.support.api import ApiClient

    return ApiClient()


@pytest.fixture
def key(aws: LocalAws) -> str:
    """An editor key of tenant `acme`."""
    from herald.auth import service as auth

    return str(auth.create_api_key("acme", "editor", "tests").key)


@pytest.fixture
def clock(aws: LocalAws) -> Iterator[Any]:
    """Herald's clock and moto's SQS delays, moved together: `clock.set(moment)` or `clock.advance(seconds)`
    (tests/support/timers.py)."""
    from tests.support.timers import Clock

    moved = Clock()
    yield moved
    moved.stop()


@pytest.fixture
def ingest(aws: LocalAws) -> Any:
    """The ingest function's module (functions/ingest/app.py)."""
    from tests.support.api import load_handler

    return load_handler("ingest")


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Every log line written during the test: Herald's logger (its handler's stream, swapped) and, through
    a root handler at DEBUG, every other logger that propagates (urllib3, botocore, ...) at the levels
    Herald leaves them."""
    from herald.observability import logger

    buffer = io.StringIO()
    previous = logger.registered_handler.setStream(buffer)
    root = logging.getLogger()
    handler = logging.StreamHandler(buffer)
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.setLevel(level)
        root.removeHandler(handler)
        logger.registered_handler.setStream(previous)


@pytest.fixture
def deliver(aws: LocalAws) -> Any:
    """Runs the sender function over the delivery queue until a receive finds it empty (a retried
    message stays hidden for its delay), ten messages at a time as SQS would give them."""
    from local.records import sqs_record
    from tests.support.api import LambdaContext, load_handler

    sender = load_handler("sender")
    sqs, arn = aws.client("sqs"), aws.deployment.sqs_sources[0].queue_arn

    def run() -> None:
        for _ in range(50):
            messages = sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return
            sender.handler({"Records": [sqs_record(m, arn) for m in messages]}, LambdaContext())
        raise AssertionError("the delivery queue did not empty")

    return run


@pytest.fixture
def loopback_receiver(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A keep-alive receiver on 127.0.0.1, which the egress policy is told to allow for this test."""
    from herald.transport import http
    from tests.support.zoo import Behaviour, ZooReceiver

    monkeypatch.setenv("HERALD_EGRESS_ALLOW", "127.0.0.1")
    get_settings.cache_clear()
    http.get_session.cache_clear()
    with ZooReceiver(Behaviour.KEEPALIVE) as serving:
        yield serving
    http.get_session.cache_clear()


@pytest.fixture
def quick_retries(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Deliveries to 127.0.0.1 allowed (the test's receivers), and retried after 1 s, three times."""
    from herald.transport import http

    monkeypatch.setenv("HERALD_EGRESS_ALLOW", "127.0.0.1")
    monkeypatch.setenv("HERALD_RETRY_SCHEDULE", "1,1,1")
    get_settings.cache_clear()
    http.get_session.cache_clear()
    yield
    http.get_session.cache_clear()


@pytest.fixture
def timers(aws: LocalAws) -> Any:
    """The timer function over the timer queue: `timers.run()` fires what is due, answers its outcomes."""
    from tests.support.timers import Timers

    source = next(source for source in aws.deployment.sqs_sources if source.function == "TimerFunction")
    return Timers(aws.client("sqs"), source.queue_url, source.queue_arn)
