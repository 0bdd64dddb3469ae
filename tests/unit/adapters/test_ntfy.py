"""ntfy: JSON publish to the server root (PROVIDERS.md section 12)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from herald.adapters.ntfy import NtfyAdapter, NtfyConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.unit.adapters import support
from tests.unit.adapters.support import ctx
from tests.unit.adapters.support import json_response as response

ADAPTER = NtfyAdapter()
CTX = ctx()


def config(**values: Any) -> NtfyConfig:
    return NtfyConfig.model_validate({"topic": "alerts", **values})


def notification(**values: Any) -> Notification:
    return Notification(**{"title": "My API is down", "body": "Connection timeout", "severity": "critical", **values})


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server", "url"),
    [
        (None, "https://ntfy.sh/"),
        ("https://ntfy.example.com", "https://ntfy.example.com/"),
        ("https://ntfy.example.com/", "https://ntfy.example.com/"),
        ("https://example.com/ntfy", "https://example.com/ntfy/"),  # a self-hosted path prefix is kept
    ],
)
def test_json_form_is_posted_to_the_server_root_not_the_topic_url(server: str | None, url: str) -> None:
    values = {"serverUrl": server} if server else {}

    request = ADAPTER.build_request(notification(), config(**values), CTX)

    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Content-Type"] == "application/json"
    assert request.json_body()["topic"] == "alerts"


def test_firing_critical_body() -> None:
    n = notification(
        fields=[{"label": "Region", "value": "eu-west"}],
        source_url="https://status.example.com/m/1",
        monitor={"name": "My API", "url": "https://api.example.com"},
    )

    assert ADAPTER.build_request(n, config(), CTX).json_body() == {
        "topic": "alerts",
        "title": "[CRITICAL] My API is down",
        "message": "Connection timeout\nRegion: eu-west\nMonitor: My API\nURL: https://api.example.com",
        "priority": 5,
        "tags": ["rotating_light"],
        "click": "https://status.example.com/m/1",
        "actions": [{"action": "view", "label": "Open", "url": "https://status.example.com/m/1"}],
    }


@pytest.mark.parametrize(
    ("values", "configured", "priority", "tags", "title"),
    [
        ({"severity": "critical"}, None, 5, ["rotating_light"], "[CRITICAL] My API is down"),
        ({"severity": "warning"}, None, 4, ["warning"], "[WARNING] My API is down"),
        ({"severity": "info"}, None, 3, ["information_source"], "[INFO] My API is down"),
        ({"severity": "info"}, 1, 1, ["information_source"], "[INFO] My API is down"),
        ({"severity": "critical"}, 2, 2, ["rotating_light"], "[CRITICAL] My API is down"),
        ({"status": "resolved"}, None, 3, ["white_check_mark"], "RESOLVED: My API is down"),
        ({"status": "resolved"}, 5, 3, ["white_check_mark"], "RESOLVED: My API is down"),
        ({"status": "resolved"}, 1, 1, ["white_check_mark"], "RESOLVED: My API is down"),
    ],
)
def test_priority_tags_and_title_by_severity_config_and_status(
    values: dict[str, Any], configured: int | None, priority: int, tags: list[str], title: str
) -> None:
    extra = {"priority": configured} if configured else {}

    body = ADAPTER.build_request(notification(**values), config(**extra), CTX).json_body()

    assert (body["priority"], body["tags"], body["title"]) == (priority, tags, title)


def test_resolved_message_says_how_long_it_was_down() -> None:
    n = notification(status="resolved", title="My API is up", body="", downtime_seconds=3725)

    message = ADAPTER.build_request(n, config(), CTX).json_body()["message"]

    assert message == "Down for 1h 2m 5s."


def test_without_link_there_is_no_click_and_no_action() -> None:
    body = ADAPTER.build_request(notification(source_url="javascript:alert(1)"), config(), CTX).json_body()

    assert "click" not in body
    assert "actions" not in body


def test_a_bare_title_still_sends_a_message() -> None:
    body = ADAPTER.build_request(Notification(title="Ping"), config(), CTX).json_body()

    assert body["message"] == "Ping"


def test_message_is_cut_at_4096_bytes_with_a_visible_ellipsis() -> None:
    n = notification(body="é" * 5000)  # two bytes each

    message = ADAPTER.build_request(n, config(), CTX).json_body()["message"]

    assert len(message.encode()) <= 4096
    assert len(message.encode()) > 4090
    assert message.endswith("…")


def test_a_message_at_the_limit_is_not_cut() -> None:
    message = ADAPTER.build_request(notification(body="a" * 4096), config(), CTX).json_body()["message"]

    assert message == "a" * 4096


def test_long_title_is_cut_with_an_ellipsis() -> None:
    title = ADAPTER.build_request(notification(title="x" * 500), config(), CTX).json_body()["title"]

    assert len(title) == 200
    assert title.endswith("…")


@pytest.mark.parametrize(
    ("values", "authorization"),
    [
        ({}, None),
        ({"accessToken": "tk_abc"}, "Bearer tk_abc"),
        ({"username": "phil", "password": "mypass"}, "Basic " + base64.b64encode(b"phil:mypass").decode()),
    ],
)
def test_auth_is_bearer_token_or_basic_user_password(values: dict[str, Any], authorization: str | None) -> None:
    headers = ADAPTER.build_request(notification(), config(**values), CTX).headers

    assert headers.get("Authorization") == authorization


# --- the answer -------------------------------------------------------------------------------------------


def test_200_is_success_with_the_message_id() -> None:
    receipt = ADAPTER.interpret(response(200, {"id": "sPs71M8A2T", "event": "message", "topic": "alerts"}))

    assert (receipt.provider_message_id, receipt.http_status) == ("sPs71M8A2T", 200)


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (
            401,
            {"code": 40101, "http": 401, "error": "unauthorized"},
            PermanentDeliveryError,
            "unauthorized (code 40101)",
        ),
        (403, {"code": 40301, "http": 403, "error": "forbidden"}, PermanentDeliveryError, "forbidden (code 40301)"),
        (
            400,
            {"code": 40009, "http": 400, "error": "invalid topic"},
            PermanentDeliveryError,
            "invalid topic (code 40009)",
        ),
        (502, None, RetryableDeliveryError, "Bad Gateway"),
    ],
)
def test_errors_carry_ntfys_own_words(status: int, body: Any, error: type[Exception], words: str) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body))

    assert raised.value.message == f"ntfy returned {status}: {words}"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [({}, 5.0), ({"Retry-After": "2"}, 5.0), ({"Retry-After": "30"}, 30.0)],
)
def test_429_is_retryable_and_waits_at_least_five_seconds(headers: dict[str, str], retry_after: float) -> None:
    body = {"code": 42901, "http": 429, "error": "limit reached: too many requests"}

    with pytest.raises(RetryableDeliveryError) as raised:
        ADAPTER.interpret(response(429, body, headers))

    assert raised.value.retry_after == retry_after
    assert "limit reached: too many requests" in raised.value.message


# --- the config -------------------------------------------------------------------------------------------


def test_kamustatus_seed_validates_as_it_is() -> None:
    body = {"topic": "your-topic", "serverUrl": "https://ntfy.sh"}

    assert NtfyConfig.model_validate(body).reveal() == body


def test_snake_case_keys_are_accepted_and_answered_in_camel_case() -> None:
    parsed = NtfyConfig.model_validate({"topic": "t", "server_url": "https://ntfy.example.com", "access_token": "tk"})

    assert parsed.reveal() == {"topic": "t", "serverUrl": "https://ntfy.example.com", "accessToken": "tk"}


def test_server_url_defaults_to_ntfy_sh() -> None:
    assert config().server_url == "https://ntfy.sh"


def messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(NtfyConfig, body)


def test_missing_topic_is_named() -> None:
    assert messages({"serverUrl": "https://ntfy.sh"}) == [("config.topic", "ntfy topic is required")]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"topic": "has space"}, "config.topic", "ntfy topic must be 1-64 letters, digits, '-' or '_'"),
        ({"topic": "a/b"}, "config.topic", "ntfy topic must be"),
        ({"topic": "x" * 65}, "config.topic", "ntfy topic must be"),
        ({"topic": ""}, "config.topic", "ntfy topic must be"),
        ({"priority": 0}, "config.priority", "greater than or equal to 1"),
        ({"priority": 6}, "config.priority", "less than or equal to 5"),
        ({"serverUrl": "http://ntfy.example.com"}, "config.serverUrl", "Invalid server URL"),
        ({"serverUrl": "https://127.0.0.1"}, "config.serverUrl", "Invalid server URL"),
        ({"serverUrl": "https://localhost"}, "config.serverUrl", "Invalid server URL: Hostname 'localhost'"),
        ({"accessToken": "tk", "username": "u", "password": "p"}, "config", "not both"),
        ({"username": "u"}, "config", "give both or neither"),
        ({"password": "p"}, "config", "give both or neither"),
        ({"username": "a:b", "password": "p"}, "config.username", "cannot contain ':'"),
    ],
)
def test_bad_configs_are_refused(values: dict[str, Any], field: str, words: str) -> None:
    found = messages({"topic": "alerts", **values})

    assert any(path == field and words in message for path, message in found), found


def test_redacted_hides_secrets_and_reveal_round_trips() -> None:
    body = {"topic": "alerts", "serverUrl": "https://ntfy.sh", "username": "phil", "password": "zq7pass", "priority": 4}
    parsed = NtfyConfig.model_validate(body)

    assert parsed.redacted() == {**body, "password": "••••••••"}
    assert "zq7" not in repr(parsed) + json.dumps(parsed.redacted())
    assert parsed.reveal() == body
    assert NtfyConfig.model_validate(parsed.reveal()) == parsed
    assert set(NtfyConfig.secret_fields()) == {"accessToken", "password"}


def test_summary_is_the_topic() -> None:
    assert config(serverUrl="https://ntfy.example.com").summary() == "alerts"


def test_json_schema() -> None:
    schema = NtfyAdapter.config_model.model_json_schema(by_alias=True)

    assert schema["required"] == ["topic"]
    assert {"topic", "serverUrl", "accessToken", "username", "password", "priority"} == set(schema["properties"])
    assert schema["properties"]["serverUrl"]["default"] == "https://ntfy.sh"
