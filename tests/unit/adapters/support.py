"""Helpers shared by the adapter unit tests: sample notifications, render contexts, provider answers, config errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from herald.adapters.base import RenderContext
from herald.adapters.validation import field_errors
from herald.models.notification import Notification
from herald.transport.wire import HttpResponse, OutboundRequest

# The clock the push-style adapters render at, and the one the chat/message adapters render at a minute later.
NOW = datetime(2026, 5, 15, 8, 30, tzinfo=UTC)
LATER = datetime(2026, 5, 15, 8, 31, tzinfo=UTC)

LINK = "https://status.example.com/m/1"
MONITOR: dict[str, Any] = {"id": "mon_abc123", "name": "My API", "url": "https://api.example.com", "type": "HTTPS"}

# A Twilio account (SMS, voice and WhatsApp go through it) and the SMS/voice channel config's credentials.
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "zq7SECRET-twilio-x9"
TWILIO: dict[str, Any] = {
    "provider": "twilio",
    "accountSid": TWILIO_SID,
    "authToken": TWILIO_TOKEN,
    "fromNumber": "+14155550000",
}

# A monitor that went down, with every optional part filled in.
DOWN: dict[str, Any] = {
    "event": "monitor.down",
    "title": "My API is down",
    "body": "Connection timeout after 10000ms",
    "severity": "critical",
    "fields": [{"label": "Region", "value": "eu-west"}],
    "source_url": LINK,
    "monitor": MONITOR,
    "dedup_key": "mon_abc123",
    "occurred_at": "2026-05-15T08:30:00Z",
}

# The short alert the push-style adapter tests start from.
BRIEF: dict[str, Any] = {"title": "DB down", "body": "connection refused on db-1", "severity": "critical"}


def omit(defaults: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """`defaults` without `keys`: for a test file whose sample notification leaves those parts out."""
    return {key: value for key, value in defaults.items() if key not in keys}


def notification(defaults: Mapping[str, Any] = DOWN, /, **overrides: Any) -> Notification:
    """A notification from `defaults` (the full `DOWN` sample unless given), with `overrides` on top."""
    return Notification(**{**defaults, **overrides})


def ctx(
    delivery_id: str = "dlv_1",
    endpoints: Mapping[str, str] | None = None,
    *,
    attempt: int = 1,
    now: datetime = NOW,
) -> RenderContext:
    return RenderContext(delivery_id=delivery_id, attempt=attempt, now=now, endpoints=endpoints or {})


def response(status: int, body: str | bytes = b"", headers: dict[str, str] | None = None) -> HttpResponse:
    """A provider answer whose body is given as it is on the wire (text is UTF-8 encoded)."""
    raw = body.encode() if isinstance(body, str) else body
    return HttpResponse(status=status, headers=headers or {}, body=raw)


def json_response(status: int, body: Any = None, headers: dict[str, str] | None = None) -> HttpResponse:
    """A provider answer whose body is given as JSON (bytes pass as they are, None is an empty body)."""
    raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
    return HttpResponse(status=status, headers=headers or {}, body=raw)


def _field_errors(model: type[BaseModel], data: dict[str, Any]) -> list[Any]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return field_errors(caught.value, model, "config")


def errors_of(model: type[BaseModel], data: dict[str, Any]) -> dict[str, str]:
    """The API's field errors for a config that must not validate, by field."""
    return {error.field: error.message for error in _field_errors(model, data)}


def error_pairs(model: type[BaseModel], data: dict[str, Any]) -> list[tuple[str, str]]:
    """The API's field errors for a config that must not validate, in order, as (field, message)."""
    return [(error.field, error.message) for error in _field_errors(model, data)]


def brief_notification(**values: Any) -> Notification:
    """A notification from the short `BRIEF` sample, with `values` on top."""
    return notification(BRIEF, **values)


def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials and a region for boto3, so that moto's emulator answers and nothing reaches AWS."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)


class Receiver:
    """The guarded session's interface: keeps what it was sent, answers with a canned response."""

    def __init__(self, answer: HttpResponse) -> None:
        self.answer = answer
        self.sent: list[OutboundRequest] = []

    def send(self, request: OutboundRequest) -> HttpResponse:
        self.sent.append(request)
        return self.answer
