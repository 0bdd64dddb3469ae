"""Gotify: POST {server}/message with X-Gotify-Key (PROVIDERS.md section 13)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from herald.adapters.gotify import GotifyAdapter, GotifyConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.unit.adapters import support
from tests.unit.adapters.support import brief_notification as notification
from tests.unit.adapters.support import ctx
from tests.unit.adapters.support import json_response as response

ADAPTER = GotifyAdapter()
CTX = ctx()
SERVER = "https://gotify.example.com"


def config(**values: Any) -> GotifyConfig:
    return GotifyConfig.model_validate({"serverUrl": SERVER, "appToken": "AbCdEf123", **values})


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server", "url"),
    [
        ("https://gotify.example.com", "https://gotify.example.com/message"),
        ("https://gotify.example.com/", "https://gotify.example.com/message"),
        ("https://example.com/gotify", "https://example.com/gotify/message"),  # sub-path kept (section 13)
    ],
)
def test_posts_to_server_message_with_the_app_token_in_a_header(server: str, url: str) -> None:
    request = ADAPTER.build_request(notification(), config(serverUrl=server), CTX)

    assert (request.method, request.url) == ("POST", url)
    assert request.headers["X-Gotify-Key"] == "AbCdEf123"
    assert request.headers["Content-Type"] == "application/json"
    assert "AbCdEf123" not in request.url


def test_firing_body_is_markdown_with_a_click_url() -> None:
    n = notification(
        source_url="https://status.example/alert/123",
        fields=[{"label": "Region", "value": "eu_west"}],
    )

    assert ADAPTER.build_request(n, config(), CTX).json_body() == {
        "title": "🔴 [CRITICAL] DB down",
        "message": "connection refused on db-1\n\n- **Region:** eu\\_west\n\n"
        "[Open in monitoring](<https://status.example/alert/123>)",
        "priority": 8,
        "extras": {
            "client::display": {"contentType": "text/markdown"},
            "client::notification": {"click": {"url": "https://status.example/alert/123"}},
        },
    }


def test_without_a_link_there_is_no_click_extra() -> None:
    body = ADAPTER.build_request(notification(), config(), CTX).json_body()

    assert body["extras"] == {"client::display": {"contentType": "text/markdown"}}


def test_markdown_in_monitor_text_is_escaped() -> None:
    message = ADAPTER.build_request(notification(body="*bold* [x](y) <b>"), config(), CTX).json_body()["message"]

    assert message == r"\*bold\* \[x\]\(y\) \<b\>"


def test_resolved_says_it_recovered_and_for_how_long() -> None:
    n = notification(status="resolved", title="DB is back", body="", downtime_seconds=125)

    body = ADAPTER.build_request(n, config(), CTX).json_body()

    assert body["title"] == "✅ RESOLVED: DB is back"
    assert body["message"] == "**Recovered after 2m 5s of downtime.**"
    assert body["priority"] == 3


def test_resolved_without_a_known_downtime_still_says_it_recovered() -> None:
    n = notification(status="resolved", title="DB is back", body="was refusing connections")

    assert ADAPTER.build_request(n, config(), CTX).json_body()["message"] == (
        "was refusing connections\n\n**Recovered.**"
    )


@pytest.mark.parametrize(
    ("values", "configured", "priority"),
    [
        ({"severity": "critical"}, None, 8),
        ({"severity": "warning"}, None, 5),
        ({"severity": "info"}, None, 3),
        ({"severity": "critical"}, 0, 0),
        ({"severity": "info"}, 10, 10),
        ({"status": "resolved"}, None, 3),
        ({"status": "resolved"}, 10, 3),
        ({"status": "resolved"}, 1, 1),
    ],
)
def test_priority_from_config_or_severity_and_never_loud_on_recovery(
    values: dict[str, Any], configured: int | None, priority: int
) -> None:
    extra = {"priority": configured} if configured is not None else {}

    assert ADAPTER.build_request(notification(**values), config(**extra), CTX).json_body()["priority"] == priority


def test_a_bare_title_still_sends_a_message() -> None:
    assert ADAPTER.build_request(Notification(title="Ping_1"), config(), CTX).json_body()["message"] == r"Ping\_1"


# --- the answer -------------------------------------------------------------------------------------------


def test_200_is_success_with_the_message_id() -> None:
    receipt = ADAPTER.interpret(response(200, {"id": 25, "appid": 5, "message": "m", "priority": 8}))

    assert (receipt.provider_message_id, receipt.http_status) == ("25", 200)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            401,
            {"error": "Unauthorized", "errorCode": 401, "errorDescription": "you need to provide a valid access token"},
            PermanentDeliveryError,
            "Gotify returned 401: Unauthorized: you need to provide a valid access token",
        ),
        (
            400,
            {"error": "Bad Request", "errorCode": 400, "errorDescription": "Field 'message' is required"},
            PermanentDeliveryError,
            "Gotify returned 400: Bad Request: Field 'message' is required",
        ),
        (503, None, RetryableDeliveryError, "Gotify returned 503: Service Unavailable"),
        (429, {"error": "Too Many Requests"}, RetryableDeliveryError, "Gotify returned 429: Too Many Requests"),
    ],
)
def test_errors_carry_gotifys_error_description(status: int, body: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body))

    assert raised.value.message == message  # type: ignore[attr-defined]


# --- the config -------------------------------------------------------------------------------------------


def test_snake_case_keys_are_accepted_and_answered_in_camel_case() -> None:
    parsed = GotifyConfig.model_validate({"server_url": SERVER, "app_token": "tok", "priority": 8})

    assert parsed.reveal() == {"serverUrl": SERVER, "appToken": "tok", "priority": 8}


def messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(GotifyConfig, body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"appToken": "t"}, [("config.serverUrl", "Gotify server URL is required")]),
        ({"serverUrl": SERVER}, [("config.appToken", "Gotify app token is required")]),
    ],
)
def test_each_missing_required_field_is_named(body: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert messages(body) == expected


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"serverUrl": "http://gotify.example.com"}, "config.serverUrl", "Invalid server URL"),
        ({"serverUrl": "https://192.168.1.10"}, "config.serverUrl", "private/internal range"),
        ({"serverUrl": "https://printer.local"}, "config.serverUrl", "Invalid server URL"),
        ({"priority": -1}, "config.priority", "greater than or equal to 0"),
        ({"priority": 11}, "config.priority", "less than or equal to 10"),
        ({"appToken": ""}, "config.appToken", "is required"),
        ({"token": "x"}, "config.token", "Unknown field 'token'"),
    ],
)
def test_bad_configs_are_refused(values: dict[str, Any], field: str, words: str) -> None:
    found = messages({"serverUrl": SERVER, "appToken": "t", **values})

    assert any(path == field and words in message for path, message in found), found


def test_redacted_hides_the_token_and_reveal_round_trips() -> None:
    parsed = config(appToken="zq7token", priority=6)

    assert parsed.redacted() == {"serverUrl": SERVER, "appToken": "••••••••", "priority": 6}
    assert "zq7" not in repr(parsed) + json.dumps(parsed.redacted())
    assert GotifyConfig.model_validate(parsed.reveal()) == parsed
    assert GotifyConfig.secret_fields() == ["appToken"]


def test_summary_is_the_server_host() -> None:
    assert config(serverUrl="https://push.example.org/gotify").summary() == "push.example.org"


def test_json_schema() -> None:
    schema = GotifyAdapter.config_model.model_json_schema(by_alias=True)

    assert schema["required"] == ["serverUrl", "appToken"]
    assert schema["properties"]["appToken"]["writeOnly"] is True
