"""Opsgenie Alert API v2: create with an alias, close by alias, 202 success (PROVIDERS.md section 7)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from herald.adapters.opsgenie import OpsgenieAdapter, OpsgenieConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.unit.adapters import support
from tests.unit.adapters.support import MONITOR, ctx
from tests.unit.adapters.support import brief_notification as notification
from tests.unit.adapters.support import json_response as response

ADAPTER = OpsgenieAdapter()
KEY = "11111111-2222-3333-4444-555555555555"


def config(**values: Any) -> OpsgenieConfig:
    return OpsgenieConfig.model_validate({"apiKey": KEY, **values})


def body_of(n: Notification, cfg: OpsgenieConfig | None = None, delivery_id: str = "dlv_1") -> dict[str, Any]:
    return ADAPTER.build_request(n, cfg or config(), ctx(delivery_id)).json_body()


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "endpoints", "base"),
    [
        ("us", {}, "https://api.opsgenie.com"),
        ("eu", {}, "https://api.eu.opsgenie.com"),
        ("eu", {"opsgenie": "http://127.0.0.1:9000"}, "http://127.0.0.1:9000"),
        ("us", {"opsgenie": "http://127.0.0.1:9000/og/"}, "http://127.0.0.1:9000/og"),
    ],
)
@pytest.mark.parametrize(
    ("status", "path"),
    [("firing", "/v2/alerts"), ("resolved", "/v2/alerts/alert-123/close?identifierType=alias")],
)
def test_create_and_close_urls(region: str, endpoints: dict[str, str], base: str, status: str, path: str) -> None:
    n = notification(status=status, dedup_key="alert-123")

    request = ADAPTER.build_request(n, config(region=region), ctx(endpoints=endpoints))

    assert (request.method, request.url) == ("POST", base + path)
    assert request.headers["Authorization"] == f"GenieKey {KEY}"
    assert request.headers["Content-Type"] == "application/json"


def test_create_body() -> None:
    n = notification(
        event="monitor.down",
        dedup_key="alert-123",
        monitor=MONITOR,
        fields=[{"label": "Region", "value": "eu-west"}],
        source_url="https://status.example/alert/123",
    )
    cfg = config(responders=[{"type": "team", "name": "ops"}, {"type": "user", "username": "a@b.c"}], tags=["prod"])

    assert body_of(n, cfg) == {
        "message": "[CRITICAL] DB down",
        "alias": "alert-123",
        "description": "connection refused on db-1\nRegion: eu-west\nMonitor: My API\nURL: https://api.example.com\n"
        "https://status.example/alert/123",
        "priority": "P1",
        "source": "Herald",
        "entity": "My API",
        "responders": [{"type": "team", "name": "ops"}, {"type": "user", "username": "a@b.c"}],
        "tags": ["prod"],
        "details": {
            "event": "monitor.down",
            "severity": "critical",
            "Region": "eu-west",
            "Monitor": "My API",
            "URL": "https://api.example.com",
            "link": "https://status.example/alert/123",
        },
    }


def test_a_bare_notification_sends_only_what_it_has() -> None:
    body = body_of(Notification(title="Ping"))

    assert body == {
        "message": "[INFO] Ping",
        "alias": "dlv_1",
        "priority": "P5",
        "source": "Herald",
        "details": {"event": "custom", "severity": "info"},
    }


@pytest.mark.parametrize(("severity", "priority"), [("critical", "P1"), ("warning", "P3"), ("info", "P5")])
def test_priority_by_severity(severity: str, priority: str) -> None:
    assert body_of(notification(severity=severity))["priority"] == priority


@pytest.mark.parametrize(
    ("values", "delivery_id", "expected"),
    [
        ({"dedup_key": "alert-123", "monitor": MONITOR}, "dlv_1", "alert-123"),
        ({"monitor": MONITOR}, "dlv_1", "mon_abc123"),
        ({}, "dlv_7", "dlv_7"),
    ],
)
def test_alias_and_its_fallbacks(values: dict[str, Any], delivery_id: str, expected: str) -> None:
    assert body_of(notification(**values), delivery_id=delivery_id)["alias"] == expected


@pytest.mark.parametrize(
    ("key", "encoded"),
    [
        ("alert-123", "alert-123"),
        ("db/eu west?x=1#y", "db%2Feu%20west%3Fx%3D1%23y"),
        ("München", "M%C3%BCnchen"),
    ],
)
def test_close_finds_the_alert_by_its_url_encoded_alias(key: str, encoded: str) -> None:
    opened = body_of(notification(dedup_key=key))["alias"]

    request = ADAPTER.build_request(notification(status="resolved", dedup_key=key), config(), ctx("dlv_2"))

    assert opened == key
    assert request.url == f"https://api.opsgenie.com/v2/alerts/{encoded}/close?identifierType=alias"


def test_the_longest_monitor_id_is_used_whole_on_create_and_close() -> None:
    long_id = "m" * 256  # the longest a monitor id can be, within Opsgenie's 512

    created = body_of(notification(monitor={"id": long_id}))["alias"]
    close = ADAPTER.build_request(notification(status="resolved", monitor={"id": long_id}), config(), ctx())

    assert created == long_id
    assert close.url == f"https://api.opsgenie.com/v2/alerts/{long_id}/close?identifierType=alias"


@pytest.mark.parametrize(
    ("downtime", "note"),
    [(3600, "RESOLVED: DB is back\nRecovered after 1h of downtime."), (None, "RESOLVED: DB is back\nRecovered.")],
)
def test_close_body_says_it_recovered(downtime: int | None, note: str) -> None:
    n = notification(status="resolved", title="DB is back", dedup_key="alert-123", downtime_seconds=downtime)

    assert body_of(n) == {"source": "Herald", "note": note}


# --- limits -----------------------------------------------------------------------------------------------


def test_message_is_cut_at_130_with_an_ellipsis() -> None:
    message = body_of(notification(title="t" * 500))["message"]

    assert len(message) == 130
    assert message.endswith("…")


def test_description_is_cut_at_15000() -> None:
    description = body_of(notification(body="b" * 16_000))["description"]

    assert len(description) == 15_000
    assert description.endswith("…")


def test_details_stay_within_8000_characters() -> None:
    fields = [{"label": f"Field {i}", "value": "v" * 2048} for i in range(25)]

    details = body_of(notification(fields=fields))["details"]

    assert sum(len(key) + len(value) for key, value in details.items()) <= 8000
    assert details["event"] == "custom"
    assert any(value.endswith("…") for value in details.values())
    assert all(isinstance(value, str) for value in details.values())


# --- the answer -------------------------------------------------------------------------------------------


def test_202_is_success_and_records_the_request_id() -> None:
    answer = {"result": "Request will be processed", "took": 0.302, "requestId": "43a29c5c-3dbf-4fa4-9c26-f4f71023e120"}

    receipt = ADAPTER.interpret(response(202, answer))

    assert (receipt.provider_message_id, receipt.http_status) == ("43a29c5c-3dbf-4fa4-9c26-f4f71023e120", 202)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            401,
            {"message": "Key format is not valid!", "took": 0.001, "requestId": "r1"},
            PermanentDeliveryError,
            "Opsgenie returned 401: Key format is not valid!",
        ),
        (
            422,
            {"message": "Request body is not processable", "errors": {"message": "Message can not be empty."}},
            PermanentDeliveryError,
            "Opsgenie returned 422: Request body is not processable (message: Message can not be empty.)",
        ),
        (200, {"result": "ok"}, PermanentDeliveryError, 'Opsgenie returned 200: {"result": "ok"}'),
        (503, b"", RetryableDeliveryError, "Opsgenie returned 503: Service Unavailable"),
    ],
)
def test_failures_carry_opsgenies_words(status: int, body: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body))

    assert raised.value.message == message  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [
        ({"X-RateLimit-State": "THROTTLED", "X-RateLimit-Period-In-Sec": "60"}, 60.0),
        ({"x-ratelimit-period-in-sec": "1"}, 1.0),
        ({"Retry-After": "12"}, 12.0),
        ({"X-RateLimit-Period-In-Sec": "soon"}, None),
        ({"X-RateLimit-Period-In-Sec": "inf"}, None),
        ({}, None),
    ],
)
def test_429_is_retryable_after_the_rate_limit_period(headers: dict[str, str], retry_after: float | None) -> None:
    with pytest.raises(RetryableDeliveryError) as raised:
        ADAPTER.interpret(response(429, {"message": "You are making too many requests!"}, headers))

    assert raised.value.retry_after == retry_after
    assert raised.value.code == "rate_limited"
    assert raised.value.message == "Opsgenie returned 429: You are making too many requests!"


# --- the config -------------------------------------------------------------------------------------------


def test_seed_body_is_accepted() -> None:
    # shared/reference/seeds/000 (Kamustatus), verbatim.
    parsed = OpsgenieConfig.model_validate({"apiKey": "your-opsgenie-api-key", "region": "us"})

    assert parsed.reveal() == {"apiKey": "your-opsgenie-api-key", "region": "us"}


def test_snake_case_and_upper_case_region_are_accepted() -> None:
    parsed = OpsgenieConfig.model_validate({"api_key": "k", "region": "EU", "tags": ["db"]})

    assert parsed.reveal() == {"apiKey": "k", "region": "eu", "tags": ["db"]}


def messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(OpsgenieConfig, body)


@pytest.mark.parametrize("body", [{}, {"region": "eu"}, {"apiKey": ""}])
def test_a_missing_api_key_is_named(body: dict[str, Any]) -> None:
    assert messages(body) == [("config.apiKey", "Opsgenie API key is required")]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"region": "apac"}, "config.region", "'us' or 'eu'"),
        ({"tags": ["t"] * 21}, "config.tags", "at most 20"),
        ({"tags": ["t" * 51]}, "config.tags.0", "at most 50"),
        ({"tags": "prod"}, "config.tags", "valid list"),
        ({"responders": [{"type": "team"}]}, "config.responders.0", "needs exactly one of id or name"),
        ({"responders": [{"type": "user", "name": "Ann"}]}, "config.responders.0", "exactly one of id or username"),
        ({"responders": [{"type": "team", "id": "1", "name": "ops"}]}, "config.responders.0", "exactly one"),
        ({"responders": [{"type": "squad", "name": "ops"}]}, "config.responders.0.type", "'team'"),
        ({"responders": [{"type": "team", "name": "ops", "x": 1}]}, "config.responders.0.x", "Unknown field 'x'"),
        ({"responders": [{"type": "team", "id": "t"}] * 51}, "config.responders", "at most 50"),
        ({"priority": "P1"}, "config.priority", "Unknown field 'priority'"),
    ],
)
def test_bad_configs_are_refused(values: dict[str, Any], field: str, words: str) -> None:
    found = messages({"apiKey": KEY} | values)

    assert any(path == field and words in message for path, message in found), found


def test_redacted_hides_the_key_and_reveal_round_trips() -> None:
    parsed = config(region="eu", responders=[{"type": "schedule", "name": "primary"}], tags=["db"])

    assert parsed.redacted() == {
        "apiKey": "••••••••",
        "region": "eu",
        "responders": [{"type": "schedule", "name": "primary"}],
        "tags": ["db"],
    }
    assert KEY not in repr(parsed) + str(parsed) + json.dumps(parsed.redacted())
    assert OpsgenieConfig.model_validate(parsed.reveal()) == parsed
    assert OpsgenieConfig.secret_fields() == ["apiKey"]


@pytest.mark.parametrize(("region", "summary"), [("us", "api.opsgenie.com"), ("eu", "api.eu.opsgenie.com")])
def test_summary_is_the_regions_host(region: str, summary: str) -> None:
    assert config(region=region).summary() == summary


def test_json_schema() -> None:
    schema = OpsgenieAdapter.config_model.model_json_schema(by_alias=True)

    assert schema["required"] == ["apiKey"]
    assert set(schema["properties"]) == {"apiKey", "region", "responders", "tags"}
    assert schema["properties"]["apiKey"]["writeOnly"] is True
