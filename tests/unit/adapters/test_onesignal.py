"""OneSignal: create notification, one targeting mode, success only with an id (PROVIDERS.md section 10)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from herald.adapters.base import RenderContext
from herald.adapters.onesignal import OneSignalAdapter, OneSignalConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.unit.adapters import support
from tests.unit.adapters.support import NOW, ctx
from tests.unit.adapters.support import brief_notification as notification
from tests.unit.adapters.support import json_response as response

ADAPTER = OneSignalAdapter()
APP_ID = "202d4f61-1ca9-42df-9d36-bb17d8123abc"


def config(**values: Any) -> OneSignalConfig:
    return OneSignalConfig.model_validate(
        {"appId": APP_ID, "apiKey": "os_v2_app_xxxxxxxx", **({"segments": ["Total Subscriptions"]} | values)}
    )


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "url"),
    [
        ({}, "https://api.onesignal.com/notifications?c=push"),
        ({"onesignal": "http://127.0.0.1:9000"}, "http://127.0.0.1:9000/notifications?c=push"),
        ({"onesignal": "http://127.0.0.1:9000/os/"}, "http://127.0.0.1:9000/os/notifications?c=push"),
    ],
)
def test_url_auth_and_content_type(endpoints: dict[str, str], url: str) -> None:
    request = ADAPTER.build_request(notification(), config(), ctx(endpoints=endpoints))

    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Authorization"] == "Key os_v2_app_xxxxxxxx"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["Accept"] == "application/json"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ({"subscriptionIds": ["sub-1", "sub-2"]}, {"include_subscription_ids": ["sub-1", "sub-2"]}),
        (
            {"externalIds": ["oncall-alice"]},
            {"include_aliases": {"external_id": ["oncall-alice"]}, "target_channel": "push"},
        ),
        ({"segments": ["Total Subscriptions"]}, {"included_segments": ["Total Subscriptions"]}),
    ],
)
def test_exactly_the_configured_targeting_mode_is_sent(target: dict[str, Any], expected: dict[str, Any]) -> None:
    body = ADAPTER.build_request(notification(), config(**({"segments": None} | target)), ctx()).json_body()

    modes = {"include_subscription_ids", "include_aliases", "target_channel", "included_segments"}
    assert {key: body[key] for key in modes if key in body} == expected


def test_firing_body() -> None:
    n = notification(source_url="https://status.example/alert/123", dedup_key="alert-123")

    body = ADAPTER.build_request(n, config(externalIds=["oncall-alice"], segments=None), ctx("dlv_7")).json_body()

    assert body == {
        "app_id": APP_ID,
        "include_aliases": {"external_id": ["oncall-alice"]},
        "target_channel": "push",
        "headings": {"en": "🔴 [CRITICAL] DB down"},
        "contents": {"en": "connection refused on db-1"},
        "priority": 10,
        "idempotency_key": body["idempotency_key"],
        "data": {"event": "custom", "severity": "critical", "status": "firing", "dedupKey": "alert-123"},
        "url": "https://status.example/alert/123",
        "collapse_id": "alert-123",
    }
    assert uuid.UUID(body["idempotency_key"]).version == 5


def test_idempotency_key_is_the_same_on_every_retry_and_differs_between_deliveries() -> None:
    def key(delivery_id: str, attempt: int) -> str:
        context = RenderContext(delivery_id=delivery_id, attempt=attempt, now=NOW)
        return ADAPTER.build_request(notification(), config(), context).json_body()["idempotency_key"]

    assert key("dlv_a", 1) == key("dlv_a", 4)
    assert key("dlv_a", 1) != key("dlv_b", 1)


def test_resolved_replaces_the_alert_on_the_device_and_says_so() -> None:
    n = notification(status="resolved", title="DB is back", body="", dedup_key="alert-123", downtime_seconds=60)

    body = ADAPTER.build_request(n, config(), ctx()).json_body()

    assert body["headings"] == {"en": "✅ RESOLVED: DB is back"}
    assert body["contents"] == {"en": "Down for 1m."}
    assert body["collapse_id"] == "alert-123"
    assert body["priority"] == 5


@pytest.mark.parametrize(("severity", "priority"), [("critical", 10), ("warning", 5), ("info", 5)])
def test_only_critical_alerts_are_high_priority(severity: str, priority: int) -> None:
    assert ADAPTER.build_request(notification(severity=severity), config(), ctx()).json_body()["priority"] == priority


def test_a_long_dedup_key_becomes_a_short_stable_collapse_id() -> None:
    long_key = "k" * 200

    first = ADAPTER.build_request(notification(dedup_key=long_key), config(), ctx()).json_body()["collapse_id"]
    again = ADAPTER.build_request(notification(dedup_key=long_key), config(), ctx("dlv_2")).json_body()["collapse_id"]

    assert len(first) <= 64
    assert first == again


def test_without_link_or_dedup_key_there_is_no_url_or_collapse_id() -> None:
    body = ADAPTER.build_request(notification(), config(), ctx()).json_body()

    assert "url" not in body
    assert "collapse_id" not in body


def test_long_texts_are_cut_with_an_ellipsis() -> None:
    body = ADAPTER.build_request(notification(title="t" * 1000, body="b" * 5000), config(), ctx()).json_body()

    assert len(body["headings"]["en"]) == 256
    assert len(body["contents"]["en"]) == 1024
    assert body["headings"]["en"].endswith("…")
    assert body["contents"]["en"].endswith("…")


def test_contents_en_is_never_empty() -> None:
    assert ADAPTER.build_request(Notification(title="Ping"), config(), ctx()).json_body()["contents"] == {"en": "Ping"}


# --- the answer -------------------------------------------------------------------------------------------


def test_200_with_an_id_is_success() -> None:
    receipt = ADAPTER.interpret(response(200, {"id": "b98881cc-1e94-4366-bbd9-db8f3429292b", "external_id": None}))

    assert (receipt.provider_message_id, receipt.http_status) == ("b98881cc-1e94-4366-bbd9-db8f3429292b", 200)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"id": "", "errors": ["All included players are not subscribed"]}, "All included players are not subscribed"),
        (
            {"errors": {"invalid_aliases": {"external_id": ["nobody"]}}},
            '{"invalid_aliases":{"external_id":["nobody"]}}',
        ),
        ({"id": None}, "nothing was sent"),
        (None, "nothing was sent"),
    ],
)
def test_200_without_an_id_is_a_permanent_failure_with_onesignals_words(body: Any, words: str) -> None:
    with pytest.raises(PermanentDeliveryError) as raised:
        ADAPTER.interpret(response(200, body))

    assert raised.value.message.startswith("OneSignal returned 200: ")
    assert words in raised.value.message


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (400, {"errors": ["app_id not found"]}, PermanentDeliveryError, "OneSignal returned 400: app_id not found"),
        (
            403,
            {"errors": ["Access denied", "bad key"]},
            PermanentDeliveryError,
            "OneSignal returned 403: Access denied; bad key",
        ),
        (202, {"id": "x"}, PermanentDeliveryError, 'OneSignal returned 202: {"id": "x"}'),
        (500, None, RetryableDeliveryError, "OneSignal returned 500: Internal Server Error"),
    ],
)
def test_errors_carry_onesignals_words(status: int, body: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body))

    assert raised.value.message == message  # type: ignore[attr-defined]


def test_429_is_retryable_after_the_retry_after_header() -> None:
    with pytest.raises(RetryableDeliveryError) as raised:
        ADAPTER.interpret(response(429, {"errors": ["API rate limit exceeded."]}, {"Retry-After": "17"}))

    assert raised.value.retry_after == 17.0
    assert raised.value.message == "OneSignal returned 429: API rate limit exceeded."


# --- the config -------------------------------------------------------------------------------------------


def test_snake_case_keys_are_accepted_and_answered_in_camel_case() -> None:
    parsed = OneSignalConfig.model_validate({"app_id": APP_ID.upper(), "api_key": "k", "external_ids": ["a"]})

    assert parsed.reveal() == {"appId": APP_ID, "apiKey": "k", "externalIds": ["a"]}


def messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(OneSignalConfig, body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"apiKey": "k", "segments": ["All"]}, [("config.appId", "OneSignal app ID is required")]),
        ({"appId": APP_ID, "segments": ["All"]}, [("config.apiKey", "OneSignal API key is required")]),
        (
            {"appId": APP_ID, "apiKey": "k"},
            [("config", "Exactly one of subscriptionIds, externalIds or segments is required")],
        ),
    ],
)
def test_each_missing_required_field_is_named(body: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert messages(body) == expected


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"appId": "not-a-uuid"}, "config.appId", "OneSignal app ID must be a UUID"),
        ({"segments": ["All"], "externalIds": ["a"]}, "config", "Exactly one of"),
        ({"segments": []}, "config.segments", "at least 1"),
        ({"segments": [""]}, "config.segments.0", "at least 1"),
        ({"segments": None, "subscriptionIds": ["s"] * 2001}, "config.subscriptionIds", "at most 2000"),
        ({"playerIds": ["p"]}, "config.playerIds", "Unknown field 'playerIds'"),
    ],
)
def test_bad_configs_are_refused(values: dict[str, Any], field: str, words: str) -> None:
    body = {"appId": APP_ID, "apiKey": "k", "segments": ["All"]} | values
    found = messages({key: value for key, value in body.items() if value is not None})

    assert any(path == field and words in message for path, message in found), found


def test_redacted_hides_the_key_and_reveal_round_trips() -> None:
    parsed = config(apiKey="zq7key")

    assert parsed.redacted() == {"appId": APP_ID, "apiKey": "••••••••", "segments": ["Total Subscriptions"]}
    assert "zq7" not in repr(parsed) + json.dumps(parsed.redacted())
    assert OneSignalConfig.model_validate(parsed.reveal()) == parsed
    assert OneSignalConfig.secret_fields() == ["apiKey"]


@pytest.mark.parametrize(
    ("target", "summary"),
    [
        ({"segments": ["Total Subscriptions"]}, "Total Subscriptions"),
        ({"segments": None, "externalIds": ["alice", "bob", "carol"]}, "alice (+2 more)"),
    ],
)
def test_summary_names_the_first_target(target: dict[str, Any], summary: str) -> None:
    assert config(**target).summary() == summary


def test_json_schema() -> None:
    schema = OneSignalAdapter.config_model.model_json_schema(by_alias=True)

    assert schema["required"] == ["appId", "apiKey"]
    assert {"subscriptionIds", "externalIds", "segments"} <= set(schema["properties"])
