"""PagerDuty Events API v2: trigger, resolve by the same dedup_key, 202 success (PROVIDERS.md section 6)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from herald.adapters.pagerduty import PagerDutyAdapter, PagerDutyConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from herald.secrets import canonical_keys
from tests.unit.adapters import support
from tests.unit.adapters.support import BRIEF, NOW, ctx
from tests.unit.adapters.support import json_response as response

ADAPTER = PagerDutyAdapter()
KEY = "0123456789abcdef0123456789abcdef"
MONITOR = {"id": "mon_abc123", "name": "My API", "url": "https://api.example.com/health", "type": "HTTPS"}


def config(**values: Any) -> PagerDutyConfig:
    return PagerDutyConfig.model_validate({"integrationKey": KEY, **values})


def notification(**values: Any) -> Notification:
    return support.notification(BRIEF | {"occurred_at": NOW}, **values)


def body_of(n: Notification, cfg: PagerDutyConfig | None = None, delivery_id: str = "dlv_1") -> dict[str, Any]:
    return ADAPTER.build_request(n, cfg or config(), ctx(delivery_id)).json_body()


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "endpoints", "url"),
    [
        ("us", {}, "https://events.pagerduty.com/v2/enqueue"),
        ("eu", {}, "https://events.eu.pagerduty.com/v2/enqueue"),
        ("us", {"pagerduty": "http://127.0.0.1:9000"}, "http://127.0.0.1:9000/v2/enqueue"),
        ("eu", {"pagerduty": "http://127.0.0.1:9000/pd/"}, "http://127.0.0.1:9000/pd/v2/enqueue"),
    ],
)
@pytest.mark.parametrize("status", ["firing", "resolved"])
def test_url_by_region_or_endpoint(region: str, endpoints: dict[str, str], url: str, status: str) -> None:
    request = ADAPTER.build_request(notification(status=status), config(region=region), ctx(endpoints=endpoints))

    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Content-Type"] == "application/json"
    assert "Authorization" not in request.headers  # §6: the routing key travels in the body


def test_trigger_body() -> None:
    n = notification(
        event="monitor.down",
        dedup_key="alert-123",
        monitor=MONITOR,
        fields=[{"label": "Region", "value": "eu-west"}],
        source_url="https://status.example/alert/123",
    )

    assert body_of(n) == {
        "routing_key": KEY,
        "event_action": "trigger",
        "dedup_key": "alert-123",
        "payload": {
            "summary": "[CRITICAL] DB down — connection refused on db-1",
            "source": "api.example.com",
            "severity": "critical",
            "timestamp": "2026-05-15T08:30:00.000Z",
            "class": "monitor.down",
            "component": "My API",
            "custom_details": {
                "event": "monitor.down",
                "body": "connection refused on db-1",
                "Region": "eu-west",
                "Monitor": "My API",
                "URL": "https://api.example.com/health",
            },
        },
        "links": [{"href": "https://status.example/alert/123", "text": "Open in monitoring"}],
        "client": "Herald",
        "client_url": "https://status.example/alert/123",
    }


def test_a_bare_notification_still_has_every_required_payload_field() -> None:
    body = body_of(Notification(title="Ping", occurred_at=NOW))

    assert body["payload"] == {
        "summary": "[INFO] Ping",
        "source": "Herald",
        "severity": "info",
        "timestamp": "2026-05-15T08:30:00.000Z",
        "class": "custom",
        "custom_details": {"event": "custom"},
    }
    assert "links" not in body
    assert "client_url" not in body


@pytest.mark.parametrize(("severity", "expected"), [("critical", "critical"), ("warning", "warning"), ("info", "info")])
def test_severity_mapping(severity: str, expected: str) -> None:
    assert body_of(notification(severity=severity))["payload"]["severity"] == expected


def test_source_falls_back_to_the_monitor_name() -> None:
    assert body_of(notification(monitor={"name": "Checkout"}))["payload"]["source"] == "Checkout"


def test_summary_is_cut_at_1024_with_an_ellipsis() -> None:
    summary = body_of(notification(title="t" * 1024, body="b" * 5000))["payload"]["summary"]

    assert len(summary) == 1024
    assert summary.endswith("…")


@pytest.mark.parametrize(
    ("values", "delivery_id", "key"),
    [
        ({"dedup_key": "alert-123", "monitor": MONITOR}, "dlv_1", "alert-123"),
        ({"monitor": MONITOR}, "dlv_1", "mon_abc123"),
        ({}, "dlv_9", "dlv_9"),
        ({"monitor": {"id": "m" * 256}}, "dlv_1", hashlib.sha256(("m" * 256).encode()).hexdigest()),
    ],
)
def test_dedup_key_and_its_fallbacks(values: dict[str, Any], delivery_id: str, key: str) -> None:
    assert body_of(notification(**values), delivery_id=delivery_id)["dedup_key"] == key
    assert len(key) <= 255


@pytest.mark.parametrize("values", [{"dedup_key": "alert-123"}, {"monitor": MONITOR}, {"monitor": {"id": "m" * 256}}])
def test_resolve_closes_what_the_trigger_opened(values: dict[str, Any]) -> None:
    trigger = body_of(notification(**values), delivery_id="dlv_1")
    resolve = body_of(notification(status="resolved", downtime_seconds=60, **values), delivery_id="dlv_2")

    assert resolve == {"routing_key": KEY, "event_action": "resolve", "dedup_key": trigger["dedup_key"]}


# --- the answer -------------------------------------------------------------------------------------------


def test_202_is_success_and_records_the_dedup_key() -> None:
    answer = {"status": "success", "message": "Event processed", "dedup_key": "alert-123"}

    receipt = ADAPTER.interpret(response(202, answer))

    assert (receipt.provider_message_id, receipt.http_status) == ("alert-123", 202)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            400,
            {
                "status": "invalid event",
                "message": "Event object is invalid",
                "errors": ["Length of 'routing_key' is incorrect (should be 32 characters)"],
            },
            PermanentDeliveryError,
            "PagerDuty returned 400: Event object is invalid: Length of 'routing_key' is incorrect "
            "(should be 32 characters)",
        ),
        (400, {"status": "invalid event"}, PermanentDeliveryError, "PagerDuty returned 400: invalid event"),
        (200, {"status": "success"}, PermanentDeliveryError, "PagerDuty returned 200: success"),
        (503, b"", RetryableDeliveryError, "PagerDuty returned 503: Service Unavailable"),
    ],
)
def test_failures_carry_pagerdutys_words(status: int, body: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body))

    assert raised.value.message == message  # type: ignore[attr-defined]


@pytest.mark.parametrize(("headers", "retry_after"), [({}, None), ({"Retry-After": "30"}, 30.0)])
def test_429_is_retryable(headers: dict[str, str], retry_after: float | None) -> None:
    with pytest.raises(RetryableDeliveryError) as raised:
        ADAPTER.interpret(response(429, b"Request Limit Exceeded", headers))

    assert raised.value.code == "rate_limited"
    assert raised.value.retry_after == retry_after
    assert raised.value.message == "PagerDuty returned 429: Request Limit Exceeded"


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"integrationKey": "your-pagerduty-integration-key"},  # shared/reference/seeds/000 (Kamustatus), verbatim
        {"routingKey": "your-pagerduty-integration-key"},
        {"routing_key": "your-pagerduty-integration-key"},
        {"integration_key": "your-pagerduty-integration-key", "region": "us"},
    ],
)
def test_seed_body_and_every_spelling_of_the_key_are_accepted(body: dict[str, Any]) -> None:
    parsed = PagerDutyConfig.model_validate(body)

    assert parsed.reveal() == {"integrationKey": "your-pagerduty-integration-key", "region": "us"}


def test_a_patch_spelled_routing_key_lands_on_integration_key() -> None:
    # PATCH merging renames keys by the field's alias choices before it merges (herald.secrets).
    assert canonical_keys(PagerDutyConfig, {"routing_key": "new", "region": "eu"}) == {
        "integrationKey": "new",
        "region": "eu",
    }


@pytest.mark.parametrize(("region", "expected"), [("eu", "eu"), ("EU", "eu"), (" Us ", "us")])
def test_region_is_case_insensitive(region: str, expected: str) -> None:
    assert config(region=region).region == expected


def messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(PagerDutyConfig, body)


@pytest.mark.parametrize("body", [{}, {"region": "eu"}, {"integrationKey": ""}, {"routingKey": "  "}])
def test_a_missing_key_is_named(body: dict[str, Any]) -> None:
    assert messages(body) == [("config.integrationKey", "PagerDuty integration key is required")]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"region": "apac"}, "config.region", "'us' or 'eu'"),
        ({"region": 1}, "config.region", "'us' or 'eu'"),
        ({"integrationKey": 12345}, "config.integrationKey", "valid string"),
        ({"serviceKey": "x"}, "config.serviceKey", "Unknown field 'serviceKey'"),
        ({"routingKey": "other"}, "config", "Set integrationKey or routingKey, not both"),
    ],
)
def test_bad_configs_are_refused(values: dict[str, Any], field: str, words: str) -> None:
    found = messages({"integrationKey": KEY} | values)

    assert any(path == field and words in message for path, message in found), found


def test_redacted_hides_the_key_and_reveal_round_trips() -> None:
    parsed = config(region="eu")

    assert parsed.redacted() == {"integrationKey": "••••••••", "region": "eu"}
    assert KEY not in repr(parsed) + str(parsed) + json.dumps(parsed.redacted())
    assert PagerDutyConfig.model_validate(parsed.reveal()) == parsed
    assert PagerDutyConfig.secret_fields() == ["integrationKey"]


@pytest.mark.parametrize(("region", "summary"), [("us", "events.pagerduty.com"), ("eu", "events.eu.pagerduty.com")])
def test_summary_is_the_regions_host(region: str, summary: str) -> None:
    assert config(region=region).summary() == summary


def test_json_schema() -> None:
    schema = PagerDutyAdapter.config_model.model_json_schema(by_alias=True)

    assert schema["required"] == ["integrationKey"]
    assert schema["properties"]["region"]["enum"] == ["us", "eu"]
    assert schema["properties"]["integrationKey"]["writeOnly"] is True
