"""Pushbullet: a link or note push with `Access-Token`, 200 success, 429 until X-Ratelimit-Reset (PROVIDERS.md §9)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from herald.adapters.base import RenderContext
from herald.adapters.pushbullet import PushbulletAdapter, PushbulletConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.unit.adapters import support
from tests.unit.adapters.support import NOW, ctx
from tests.unit.adapters.support import brief_notification as notification
from tests.unit.adapters.support import json_response as response

CLOCK = 1_780_000_000.0
ADAPTER = PushbulletAdapter(clock=lambda: CLOCK)
TOKEN = "o.cWbRJ8kQxXLk3Zf2yT7vN1pQ9sD4aE6u"


def config(**values: Any) -> PushbulletConfig:
    return PushbulletConfig.model_validate({"accessToken": TOKEN, **values})


def body_of(n: Notification, cfg: PushbulletConfig | None = None, delivery_id: str = "dlv_1") -> dict[str, Any]:
    return ADAPTER.build_request(n, cfg or config(), ctx(delivery_id)).json_body()


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "url"),
    [
        ({}, "https://api.pushbullet.com/v2/pushes"),
        ({"pushbullet": "http://127.0.0.1:9000"}, "http://127.0.0.1:9000/v2/pushes"),
        ({"pushbullet": "http://127.0.0.1:9000/pb/"}, "http://127.0.0.1:9000/pb/v2/pushes"),
    ],
)
def test_post_json_with_the_access_token_header(endpoints: dict[str, str], url: str) -> None:
    request = ADAPTER.build_request(notification(), config(), ctx(endpoints=endpoints))

    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Access-Token"] == TOKEN
    assert request.headers["Content-Type"] == "application/json"
    assert TOKEN not in request.body.decode()


@pytest.mark.parametrize(
    ("source_url", "expected"),
    [
        (
            "https://status.example/alert/123",
            {
                "type": "link",
                "title": "🔴 [CRITICAL] DB down",
                "body": "connection refused on db-1",
                "url": "https://status.example/alert/123",
                "guid": "dlv_7",
            },
        ),
        (
            None,
            {"type": "note", "title": "🔴 [CRITICAL] DB down", "body": "connection refused on db-1", "guid": "dlv_7"},
        ),
        (
            "ftp://files.example/x",
            {"type": "note", "title": "🔴 [CRITICAL] DB down", "body": "connection refused on db-1", "guid": "dlv_7"},
        ),
    ],
)
def test_a_link_push_when_there_is_a_link_else_a_note(source_url: str | None, expected: dict[str, Any]) -> None:
    assert body_of(notification(source_url=source_url), delivery_id="dlv_7") == expected


def test_facts_are_in_the_body() -> None:
    n = notification(fields=[{"label": "Region", "value": "eu-west"}], monitor={"name": "My API"})

    assert body_of(n)["body"] == "connection refused on db-1\nRegion: eu-west\nMonitor: My API"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ({}, {}),
        ({"deviceIden": "ujpah72o0sjAoRtnM0jc"}, {"device_iden": "ujpah72o0sjAoRtnM0jc"}),
        ({"channel_tag": "herald-ops"}, {"channel_tag": "herald-ops"}),
    ],
)
def test_targeting(target: dict[str, Any], expected: dict[str, Any]) -> None:
    body = body_of(notification(), config(**target))

    assert {key: body[key] for key in ("device_iden", "channel_tag") if key in body} == expected


def test_the_guid_is_the_delivery_id_on_every_retry() -> None:
    first = ADAPTER.build_request(notification(), config(), RenderContext("dlv_a", 1, NOW)).json_body()
    retry = ADAPTER.build_request(notification(), config(), RenderContext("dlv_a", 3, NOW)).json_body()

    assert first["guid"] == retry["guid"] == "dlv_a"


@pytest.mark.parametrize(("downtime", "body"), [(7200, "Down for 2h."), (None, "")])
def test_resolved_says_it_recovered(downtime: int | None, body: str) -> None:
    pushed = body_of(notification(status="resolved", title="DB is back", body="", downtime_seconds=downtime))

    assert pushed["title"] == "✅ RESOLVED: DB is back"
    assert pushed["body"] == body


def test_long_texts_are_cut_with_an_ellipsis() -> None:
    pushed = body_of(notification(title="t" * 1000, body="b" * 16_000))

    assert len(pushed["title"]) == 250
    assert len(pushed["body"]) == 4096
    assert pushed["title"].endswith("…")
    assert pushed["body"].endswith("…")


# --- the answer -------------------------------------------------------------------------------------------


def test_200_is_success_and_records_the_push_iden() -> None:
    answer = {"active": True, "iden": "ujpah72o0sjAoRtnM0jc", "type": "link", "dismissed": False}

    receipt = ADAPTER.interpret(response(200, answer))

    assert (receipt.provider_message_id, receipt.http_status) == ("ujpah72o0sjAoRtnM0jc", 200)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            401,
            {
                "error": {
                    "type": "invalid_request",
                    "message": "Access token is missing or invalid.",
                    "cat": "~(=^‥^)",
                }
            },
            PermanentDeliveryError,
            "Pushbullet returned 401: invalid_request: Access token is missing or invalid.",
        ),
        (
            400,
            {"error": {"type": "invalid_request", "message": "Push type 'link' requires a url"}},
            PermanentDeliveryError,
            "Pushbullet returned 400: invalid_request: Push type 'link' requires a url",
        ),
        (404, b"not found", PermanentDeliveryError, "Pushbullet returned 404: not found"),
        (503, {"error": {"type": "server_error"}}, RetryableDeliveryError, "Pushbullet returned 503: server_error"),
    ],
)
def test_failures_carry_pushbullets_words(status: int, body: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body))

    assert raised.value.message == message  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [
        ({"X-Ratelimit-Limit": "32768", "X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": str(int(CLOCK) + 90)}, 90.0),
        ({"x-ratelimit-reset": str(int(CLOCK) - 10)}, 0.0),
        ({"X-Ratelimit-Reset": "later"}, None),
        ({"Retry-After": "15"}, 15.0),
    ],
)
def test_429_is_retryable_until_the_rate_limit_resets(headers: dict[str, str], retry_after: float | None) -> None:
    body = {"error": {"type": "invalid_request", "message": "You have been ratelimited"}}

    with pytest.raises(RetryableDeliveryError) as raised:
        ADAPTER.interpret(response(429, body, headers))

    assert raised.value.retry_after == retry_after
    assert raised.value.code == "rate_limited"
    assert raised.value.message == "Pushbullet returned 429: invalid_request: You have been ratelimited"


# --- the config -------------------------------------------------------------------------------------------


def test_snake_case_is_accepted_and_answered_in_camel_case() -> None:
    parsed = PushbulletConfig.model_validate({"access_token": TOKEN, "device_iden": "ujpah72o0sjAoRtnM0jc"})

    assert parsed.reveal() == {"accessToken": TOKEN, "deviceIden": "ujpah72o0sjAoRtnM0jc"}


def messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(PushbulletConfig, body)


@pytest.mark.parametrize("body", [{}, {"accessToken": ""}, {"channelTag": "ops"}])
def test_a_missing_access_token_is_named(body: dict[str, Any]) -> None:
    assert messages(body) == [("config.accessToken", "Pushbullet access token is required")]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"deviceIden": "a", "channelTag": "b"}, "config", "Set deviceIden or channelTag, not both"),
        ({"deviceIden": "not/an/iden"}, "config.deviceIden", "Pushbullet device iden must be"),
        ({"channelTag": "has space"}, "config.channelTag", "Pushbullet channel tag must be"),
        ({"email": "a@b.c"}, "config.email", "Unknown field 'email'"),
    ],
)
def test_bad_configs_are_refused(values: dict[str, Any], field: str, words: str) -> None:
    found = messages({"accessToken": TOKEN} | values)

    assert any(path == field and words in message for path, message in found), found


def test_redacted_hides_the_token_and_reveal_round_trips() -> None:
    parsed = config(channelTag="herald-ops")

    assert parsed.redacted() == {"accessToken": "••••••••", "channelTag": "herald-ops"}
    assert TOKEN not in repr(parsed) + str(parsed) + json.dumps(parsed.redacted())
    assert PushbulletConfig.model_validate(parsed.reveal()) == parsed
    assert PushbulletConfig.secret_fields() == ["accessToken"]


@pytest.mark.parametrize(
    ("target", "summary"),
    [({}, "all devices"), ({"deviceIden": "ujpah72o0s"}, "device ujpah72o0s"), ({"channelTag": "ops"}, "channel ops")],
)
def test_summary_names_the_target(target: dict[str, Any], summary: str) -> None:
    assert config(**target).summary() == summary


def test_json_schema() -> None:
    schema = PushbulletAdapter.config_model.model_json_schema(by_alias=True)

    assert schema["required"] == ["accessToken"]
    assert set(schema["properties"]) == {"accessToken", "deviceIden", "channelTag"}
    assert schema["properties"]["accessToken"]["writeOnly"] is True
