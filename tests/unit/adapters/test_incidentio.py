"""incident.io HTTP alert source: firing/resolved by deduplication_key, Bearer token, 202 (PROVIDERS.md §23)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from herald.adapters.incidentio import IncidentIoAdapter, IncidentIoConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.unit.adapters import support
from tests.unit.adapters.support import BRIEF, LINK, MONITOR, NOW, ctx
from tests.unit.adapters.support import json_response as response

ADAPTER = IncidentIoAdapter()
SOURCE = "01GW2G3V0S59R238FAHPDS1R66"
TOKEN = "inc_alert_source_7Hq2xV9p"


def config(**values: Any) -> IncidentIoConfig:
    return IncidentIoConfig.model_validate({"alertSourceConfigId": SOURCE, "token": TOKEN, **values})


def notification(**values: Any) -> Notification:
    return support.notification(BRIEF | {"occurred_at": NOW}, **values)


def body_of(n: Notification, delivery_id: str = "dlv_1") -> dict[str, Any]:
    return ADAPTER.build_request(n, config(), ctx(delivery_id)).json_body()


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "url"),
    [
        ({}, f"https://api.incident.io/v2/alert_events/http/{SOURCE}"),
        (
            {"incidentio": "http://127.0.0.1:9000/incidentio"},
            f"http://127.0.0.1:9000/incidentio/v2/alert_events/http/{SOURCE}",
        ),
    ],
)
@pytest.mark.parametrize("status", ["firing", "resolved"])
def test_one_endpoint_with_a_bearer_token(endpoints: dict[str, str], url: str, status: str) -> None:
    request = ADAPTER.build_request(notification(status=status), config(), ctx(endpoints=endpoints))

    assert (request.method, request.url) == ("POST", url)
    assert request.headers == {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    assert "token=" not in request.url  # §23 allows ?token=; a header keeps it out of access logs


def test_firing_body() -> None:
    n = notification(
        event="monitor.down",
        dedup_key="alert-123",
        monitor=MONITOR,
        source_url=LINK,
        fields=[{"label": "Region", "value": "eu-west"}],
    )

    assert body_of(n) == {
        "title": "DB down",
        "status": "firing",
        "deduplication_key": "alert-123",
        "metadata": {"severity": "critical", "event": "monitor.down", "monitor": "My API", "Region": "eu-west"},
        "description": "connection refused on db-1\n\n**Region:** eu-west\n\n**Monitor:** My API\n\n"
        "**URL:** https://api.example.com",
        "source_url": LINK,
    }


def test_markdown_in_the_users_text_is_shown_as_written() -> None:
    description = body_of(notification(body="*bold* <img src=x> [a](b)"))["description"]

    assert description == "\\*bold\\* \\<img src=x\\> \\[a\\]\\(b\\)"


def test_resolved_uses_the_same_key_and_says_how_long() -> None:
    opened = body_of(notification(monitor=MONITOR), delivery_id="dlv_1")
    closed = body_of(notification(monitor=MONITOR, status="resolved", downtime_seconds=3720), delivery_id="dlv_2")

    assert (opened["status"], closed["status"]) == ("firing", "resolved")
    assert opened["deduplication_key"] == closed["deduplication_key"] == "mon_abc123"
    assert "Recovered after 1h 2m of downtime." in closed["description"]


def test_a_bare_notification_has_every_required_field() -> None:
    body = body_of(Notification(title="Ping", occurred_at=NOW), delivery_id="dlv_9")

    assert body == {
        "title": "Ping",
        "status": "firing",
        "deduplication_key": "dlv_9",
        "metadata": {"severity": "info", "event": "custom"},
    }


def test_long_text_is_cut() -> None:
    body = body_of(notification(title="t" * 1024, body="b" * 16_000))

    assert len(body["title"]) == 1024
    assert len(body["description"]) == 10_000 and body["description"].endswith("…")


# --- the answer -------------------------------------------------------------------------------------------


def test_202_records_the_deduplication_key() -> None:
    answer = {"status": "success", "message": "Event accepted for processing", "deduplication_key": "alert-123"}

    receipt = ADAPTER.interpret(response(202, answer))

    assert (receipt.provider_message_id, receipt.http_status) == ("alert-123", 202)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            422,
            {
                "type": "validation_error",
                "status": 422,
                "request_id": "r-1",
                "errors": [{"code": "is_required", "message": "Title is required", "source": {"field": "title"}}],
            },
            PermanentDeliveryError,
            "incident.io returned 422: title: Title is required",
        ),
        (
            401,
            {"type": "authentication_error", "status": 401, "errors": [{"code": "unauthenticated", "message": ""}]},
            PermanentDeliveryError,
            "incident.io returned 401: unauthenticated",
        ),
        (404, {"type": "not_found", "status": 404}, PermanentDeliveryError, "incident.io returned 404: not_found"),
        (200, {"status": "success"}, PermanentDeliveryError, 'incident.io returned 200: {"status": "success"}'),
        (502, b"", RetryableDeliveryError, "incident.io returned 502: Bad Gateway"),
    ],
)
def test_failures_carry_the_services_words(status: int, body: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body))

    assert raised.value.message == message  # type: ignore[attr-defined]


def test_429_is_retryable_after_the_hint() -> None:
    body = {"type": "rate_limited", "status": 429, "errors": [{"code": "rate_limited", "message": "Too many requests"}]}

    with pytest.raises(RetryableDeliveryError) as raised:
        ADAPTER.interpret(response(429, body, {"Retry-After": "12"}))

    assert (raised.value.code, raised.value.retry_after) == ("rate_limited", 12.0)
    assert raised.value.message == "incident.io returned 429: Too many requests"


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"alertSourceConfigId": SOURCE, "token": TOKEN},
        {"alert_source_config_id": SOURCE, "alert_source_token": TOKEN},
        {"alertSourceId": SOURCE, "alertSourceToken": TOKEN},
        {"sourceId": SOURCE, "bearerToken": TOKEN},
    ],
)
def test_every_spelling_is_accepted(body: dict[str, Any]) -> None:
    assert IncidentIoConfig.model_validate(body).reveal() == {"alertSourceConfigId": SOURCE, "token": TOKEN}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"token": TOKEN}, "config.alertSourceConfigId", "incident.io alert source config ID is required"),
        ({"alertSourceConfigId": SOURCE}, "config.token", "incident.io alert source token is required"),
        ({"alertSourceConfigId": "../admin", "token": TOKEN}, "config.alertSourceConfigId", "should match pattern"),
        ({"alertSourceConfigId": SOURCE, "token": ""}, "config.token", "is required"),
    ],
)
def test_bad_configs_are_refused_naming_the_field(body: dict[str, Any], field: str, words: str) -> None:
    found = support.error_pairs(IncidentIoConfig, body)

    assert any(path == field and words in message for path, message in found), found


def test_redacted_hides_the_token() -> None:
    parsed = config()

    assert parsed.redacted() == {"alertSourceConfigId": SOURCE, "token": "••••••••"}
    assert TOKEN not in repr(parsed) + json.dumps(parsed.redacted()) + parsed.summary()
    assert parsed.summary() == f"api.incident.io · {SOURCE}"
    assert IncidentIoConfig.secret_fields() == ["token"]
