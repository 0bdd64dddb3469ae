"""LINE Messaging API push: one text message, bearer channel token, retry key per delivery, 200 success."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from herald.adapters import registry
from herald.adapters.line import LineAdapter, LineConfig, fit_utf16
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.unit.adapters import support
from tests.unit.adapters.support import MONITOR, ctx
from tests.unit.adapters.support import brief_notification as notification
from tests.unit.adapters.support import json_response as response

ADAPTER = LineAdapter()
TOKEN = "lineChannelAccessToken0123456789+/="
USER = "U8189cf6745fc0d808977bdb0b9f22995"  # the example of LINE's "Get user IDs" page


def config(**values: Any) -> LineConfig:
    return LineConfig.model_validate({"channelAccessToken": TOKEN, "to": USER, **values})


def body_of(n: Notification, cfg: LineConfig | None = None) -> dict[str, Any]:
    return ADAPTER.build_request(n, cfg or config(), ctx()).json_body()


def text_of(n: Notification) -> str:
    [message] = body_of(n)["messages"]
    assert message["type"] == "text"
    return message["text"]


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "url"),
    [
        ({}, "https://api.line.me/v2/bot/message/push"),
        ({"line": "http://127.0.0.1:9000/line/"}, "http://127.0.0.1:9000/line/v2/bot/message/push"),
    ],
)
def test_a_push_with_the_bearer_token_and_json(endpoints: dict[str, str], url: str) -> None:
    request = ADAPTER.build_request(notification(), config(), ctx(endpoints=endpoints))

    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"


def test_every_attempt_of_a_delivery_sends_the_same_retry_key_and_another_delivery_another() -> None:
    def key(delivery_id: str, attempt: int) -> str:
        return ADAPTER.build_request(notification(), config(), ctx(delivery_id, attempt=attempt)).headers[
            "X-Line-Retry-Key"
        ]

    first, retried, other = key("dlv_1", 1), key("dlv_1", 4), key("dlv_2", 1)

    assert first == retried != other
    assert str(uuid.UUID(first)) == first  # LINE wants a UUID in its hexadecimal form


def test_the_body_is_one_text_message_to_the_target() -> None:
    n = notification(
        monitor=MONITOR, fields=[{"label": "Region", "value": "eu-west"}], source_url="https://status.example/m/1"
    )

    assert body_of(n, config(notificationDisabled=True)) == {
        "to": USER,
        "messages": [
            {
                "type": "text",
                "text": "🔴 [CRITICAL] DB down\nconnection refused on db-1\nRegion: eu-west\nMonitor: My API\n"
                "URL: https://api.example.com\nhttps://status.example/m/1",
            }
        ],
        "notificationDisabled": True,
    }


def test_markup_in_the_alert_is_sent_as_written_because_line_text_has_none() -> None:
    assert text_of(notification(title="<b>*x*</b> & _y_", body="")).endswith("<b>*x*</b> & _y_")


def test_a_resolved_alert_is_a_new_message_that_says_so_with_the_downtime() -> None:
    text = text_of(notification(status="resolved", title="DB is back", downtime_seconds=3600))

    assert text.startswith("✅ RESOLVED: DB is back")
    assert "Down for 1h." in text


# --- limits -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("abc", 3, "abc"),
        ("abcd", 3, "ab…"),
        ("🍎🍎🍎", 6, "🍎🍎🍎"),  # an emoji is two UTF-16 units
        ("🍎🍎🍎", 5, "🍎🍎…"),
        ("a🍎", 2, "a…"),  # never half an emoji
    ],
)
def test_fit_utf16_counts_as_line_does(text: str, limit: int, expected: str) -> None:
    assert fit_utf16(text, limit) == expected


@pytest.mark.parametrize("char", ["b", "🔥"])
def test_a_long_alert_is_cut_to_5000_units_and_keeps_its_link_whole(char: str) -> None:
    link = "https://status.example/m/" + "9" * 200

    text = text_of(notification(body=char * 6000, source_url=link))

    assert utf16_units(text) <= 5000
    assert text.endswith(f"…\n{link}")


# --- the answer -------------------------------------------------------------------------------------------


def test_200_is_success_and_records_the_sent_message_id() -> None:
    answer = {"sentMessages": [{"id": "461230966842064897", "quoteToken": "IStG5h1Tz7b..."}]}

    receipt = ADAPTER.interpret(response(200, answer))

    assert (receipt.provider_message_id, receipt.http_status) == ("461230966842064897", 200)


def test_409_with_the_accepted_request_id_is_an_earlier_attempt_that_went_through() -> None:
    answer = {"message": "The retry key is already accepted"}
    headers = {"x-line-accepted-request-id": "123e4567-e89b-12d3-a456-426614174000"}

    receipt = ADAPTER.interpret(response(409, answer, headers))

    assert (receipt.provider_message_id, receipt.http_status) == ("123e4567-e89b-12d3-a456-426614174000", 409)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            400,
            {
                "message": "The request body has 1 error(s)",
                "details": [{"message": "Length must be between 0 and 5000", "property": "messages[0].text"}],
            },
            PermanentDeliveryError,
            "LINE returned 400: The request body has 1 error(s) (messages[0].text: Length must be between 0 and 5000)",
        ),
        (
            401,
            {"message": "Authentication failed due to the following reason: invalid token."},
            PermanentDeliveryError,
            "LINE returned 401: Authentication failed due to the following reason: invalid token.",
        ),
        (
            400,
            {"message": "Failed to send messages"},
            PermanentDeliveryError,
            "LINE returned 400: Failed to send messages",
        ),
        (409, {"message": "Conflict"}, PermanentDeliveryError, "LINE returned 409: Conflict"),
        (
            429,
            {"message": "You have reached your monthly limit."},
            PermanentDeliveryError,
            "LINE returned 429: You have reached your monthly limit.",
        ),
        (429, {"message": "Too Many Requests"}, RetryableDeliveryError, "LINE returned 429: Too Many Requests"),
        (500, b"", RetryableDeliveryError, "LINE returned 500: Internal Server Error"),
    ],
)
def test_failures_carry_lines_words(status: int, body: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body))

    assert raised.value.message == message  # type: ignore[attr-defined]


def test_429_takes_a_retry_after_when_one_is_sent() -> None:
    with pytest.raises(RetryableDeliveryError) as raised:
        ADAPTER.interpret(response(429, {"message": "Too Many Requests"}, {"Retry-After": "30"}))

    assert (raised.value.retry_after, raised.value.code) == (30.0, "rate_limited")


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"channelAccessToken": TOKEN, "to": USER},
        {"channel_access_token": TOKEN, "userId": USER},
        {"accessToken": TOKEN, "to": USER},
    ],
)
def test_lines_own_spellings_are_accepted(body: dict[str, Any]) -> None:
    assert LineConfig.model_validate(body).reveal() == {
        "channelAccessToken": TOKEN,
        "to": USER,
        "notificationDisabled": False,
    }


@pytest.mark.parametrize(("key", "target"), [("groupId", "C" + "a1" * 16), ("roomId", "R" + "0f" * 16)])
def test_groups_and_multi_person_chats_are_targets_too(key: str, target: str) -> None:
    parsed = LineConfig.model_validate({"channelAccessToken": TOKEN, key: target, "silent": True})

    assert (parsed.to, parsed.notification_disabled, parsed.summary()) == (target, True, target)


def messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(LineConfig, body)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"to": USER}, "config.channelAccessToken", "LINE channel access token is required"),
        ({"channelAccessToken": ""}, "config.to", "LINE user, group or room ID is required"),
        ({"channelAccessToken": TOKEN, "to": "@herald"}, "config.to", "user ID (U + 32 hex digits)"),
        ({"channelAccessToken": TOKEN, "to": USER.upper()}, "config.to", "user ID (U + 32 hex digits)"),
        ({"channelAccessToken": TOKEN, "to": USER, "notify": True}, "config.notify", "Unknown field 'notify'"),
    ],
)
def test_bad_configs_are_refused_naming_the_field(body: dict[str, Any], field: str, words: str) -> None:
    found = messages(body)

    assert any(path == field and words in message for path, message in found), found


def test_line_notify_is_not_a_kind_nor_an_alias() -> None:
    # LINE Notify was retired on 2025-03-31; a channel must not look as if it could still reach it.
    assert registry.find("linenotify") is None
    assert registry.find("line_notify") is None
    assert isinstance(registry.find("LINE"), LineAdapter)


def test_redacted_hides_the_token_and_reveal_round_trips() -> None:
    parsed = config()

    assert parsed.redacted() == {"channelAccessToken": "••••••••", "to": USER, "notificationDisabled": False}
    assert TOKEN not in repr(parsed) + str(parsed) + json.dumps(parsed.redacted())
    assert LineConfig.model_validate(parsed.reveal()) == parsed
    assert LineConfig.secret_fields() == ["channelAccessToken"]
