"""Splunk On-Call REST endpoint: message types, RECOVERY by the same entity_id, 200 `success` (PROVIDERS.md §22)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from herald.adapters.splunkoncall import SplunkOnCallAdapter, SplunkOnCallConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.unit.adapters import support
from tests.unit.adapters.support import BRIEF, LINK, MONITOR, NOW, ctx
from tests.unit.adapters.support import json_response as response

ADAPTER = SplunkOnCallAdapter()
KEY = "3a1c9e2f-58b0-4d1e-9c7a-0f6b2d4e8a13"
PATH = f"/integrations/generic/20131114/alert/{KEY}/database"


def config(**values: Any) -> SplunkOnCallConfig:
    return SplunkOnCallConfig.model_validate({"apiKey": KEY, "routingKey": "database", **values})


def notification(**values: Any) -> Notification:
    return support.notification(BRIEF | {"occurred_at": NOW}, **values)


def body_of(n: Notification, delivery_id: str = "dlv_1") -> dict[str, Any]:
    return ADAPTER.build_request(n, config(), ctx(delivery_id)).json_body()


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "url"),
    [
        ({}, f"https://alert.victorops.com{PATH}"),
        ({"splunkoncall": "http://127.0.0.1:9000/splunkoncall/"}, f"http://127.0.0.1:9000/splunkoncall{PATH}"),
    ],
)
def test_the_key_and_routing_key_are_path_segments(endpoints: dict[str, str], url: str) -> None:
    request = ADAPTER.build_request(notification(), config(), ctx(endpoints=endpoints))

    assert (request.method, request.url) == ("POST", url)
    assert request.headers == {"Content-Type": "application/json"}  # §22: the secret is in the path only


def test_a_routing_key_with_url_characters_stays_one_segment() -> None:
    request = ADAPTER.build_request(notification(), config(apiKey="a/b?c"), ctx())

    assert request.url.endswith("/alert/a%2Fb%3Fc/database")


def test_alert_body() -> None:
    n = notification(dedup_key="alert-123", monitor=MONITOR, source_url=LINK, body="connection refused on db-1")

    assert body_of(n) == {
        "message_type": "CRITICAL",
        "entity_id": "alert-123",
        "entity_display_name": "[CRITICAL] DB down",
        "state_message": "connection refused on db-1\nMonitor: My API\nURL: https://api.example.com\n" + LINK,
        "monitoring_tool": "Herald",
        "state_start_time": int(NOW.timestamp()),
        "alert_url": LINK,
    }


@pytest.mark.parametrize(
    ("severity", "status", "message_type"),
    [
        ("critical", "firing", "CRITICAL"),
        ("warning", "firing", "WARNING"),
        ("info", "firing", "INFO"),  # a timeline entry, never a page
        ("critical", "resolved", "RECOVERY"),
        ("info", "resolved", "RECOVERY"),
    ],
)
def test_message_type_by_severity_and_status(severity: str, status: str, message_type: str) -> None:
    assert body_of(notification(severity=severity, status=status))["message_type"] == message_type


def test_the_recovery_resolves_the_entity_the_alert_opened() -> None:
    opened = body_of(notification(monitor=MONITOR), delivery_id="dlv_1")
    closed = body_of(notification(monitor=MONITOR, status="resolved", downtime_seconds=3720), delivery_id="dlv_2")

    assert opened["entity_id"] == closed["entity_id"] == "mon_abc123"
    assert closed["entity_display_name"] == "RESOLVED: DB down"
    assert "1h 2m" in closed["state_message"]


def test_a_bare_notification_has_a_state_message_and_no_link() -> None:
    body = body_of(Notification(title="Ping", occurred_at=NOW), delivery_id="dlv_9")

    assert (body["entity_id"], body["state_message"]) == ("dlv_9", "[INFO] Ping")
    assert "alert_url" not in body


def test_long_text_is_cut() -> None:
    body = body_of(notification(title="t" * 1024, body="b" * 16_000))

    assert len(body["entity_display_name"]) == 1024 and body["entity_display_name"].endswith("…")
    assert len(body["state_message"]) == 10_000


# --- the answer -------------------------------------------------------------------------------------------


def test_200_success_records_the_entity_id() -> None:
    receipt = ADAPTER.interpret(response(200, {"result": "success", "entity_id": "alert-123"}))

    assert (receipt.provider_message_id, receipt.http_status) == ("alert-123", 200)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            400,
            {"result": "failure", "message": "Missing fields: message_type"},
            PermanentDeliveryError,
            "Splunk On-Call returned 400: Missing fields: message_type",
        ),
        (
            404,
            {"result": "failure", "message": "Could not find integration for key"},
            PermanentDeliveryError,
            "Splunk On-Call returned 404: Could not find integration for key",
        ),
        (200, {"result": "failure"}, PermanentDeliveryError, "Splunk On-Call returned 200: failure"),
        (200, b"", PermanentDeliveryError, "Splunk On-Call returned 200: the answer did not confirm delivery"),
        (503, b"", RetryableDeliveryError, "Splunk On-Call returned 503: Service Unavailable"),
    ],
)
def test_failures_carry_the_services_words(status: int, body: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body))

    assert raised.value.message == message  # type: ignore[attr-defined]


def test_429_is_retryable_after_the_hint() -> None:
    with pytest.raises(RetryableDeliveryError) as raised:
        ADAPTER.interpret(response(429, {"result": "failure", "message": "Too many requests"}, {"Retry-After": "7"}))

    assert (raised.value.code, raised.value.retry_after) == ("rate_limited", 7.0)


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"apiKey": KEY, "routingKey": "database"},
        {"restApiKey": KEY, "routing_key": "database"},
        {"REST_API_KEY": KEY, "routingKey": " database "},
        {"api_key": KEY, "routingKey": "database"},
    ],
)
def test_every_spelling_is_accepted(body: dict[str, Any]) -> None:
    assert SplunkOnCallConfig.model_validate(body).reveal() == {"apiKey": KEY, "routingKey": "database"}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"routingKey": "database"}, "config.apiKey", "Splunk On-Call REST API key is required"),
        ({"apiKey": KEY}, "config.routingKey", "Splunk On-Call routing key is required"),
        ({"apiKey": KEY, "routingKey": "data base"}, "config.routingKey", "should match pattern"),
        ({"apiKey": KEY, "routingKey": "a/b"}, "config.routingKey", "should match pattern"),
        ({"apiKey": KEY, "routingKey": "db", "messageType": "x"}, "config.messageType", "Unknown field"),
    ],
)
def test_bad_configs_are_refused_naming_the_field(body: dict[str, Any], field: str, words: str) -> None:
    found = support.error_pairs(SplunkOnCallConfig, body)

    assert any(path == field and words in message for path, message in found), found


def test_redacted_hides_the_key_and_the_summary_names_host_and_routing_key() -> None:
    parsed = config()

    assert parsed.redacted() == {"apiKey": "••••••••", "routingKey": "database"}
    assert KEY not in repr(parsed) + json.dumps(parsed.redacted()) + parsed.summary()
    assert parsed.summary() == "alert.victorops.com · database"
    assert SplunkOnCallConfig.secret_fields() == ["apiKey"]
