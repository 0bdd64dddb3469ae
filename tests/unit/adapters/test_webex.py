"""Webex: POST https://webexapis.com/v1/messages with a bot token, Markdown to a room or person (section 21b)."""

from __future__ import annotations

from typing import Any

import pytest

from herald.adapters.webex import WebexAdapter, WebexConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from tests.unit.adapters import support
from tests.unit.adapters.support import brief_notification as notification
from tests.unit.adapters.support import ctx
from tests.unit.adapters.support import json_response as response

ADAPTER = WebexAdapter()
CTX = ctx()
TOKEN = "NWE3ZDk0ZjMtYjNhOS00secret"
ROOM = "Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQtNDNmMS0zYjU4LTkxNDctZjE0YmIwYzRkMTU0"


def config(**values: Any) -> WebexConfig:
    return WebexConfig.model_validate({"botToken": TOKEN, "roomId": ROOM, **values})


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "url"),
    [
        ({}, "https://webexapis.com/v1/messages"),
        ({"webex": "http://127.0.0.1:9000/webex/"}, "http://127.0.0.1:9000/webex/v1/messages"),
    ],
)
def test_posts_to_v1_messages_with_the_bot_token_as_bearer(endpoints: dict[str, str], url: str) -> None:
    request = ADAPTER.build_request(notification(), config(), ctx(endpoints=endpoints))

    assert (request.method, request.url) == ("POST", url)
    assert request.headers == {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    assert TOKEN not in request.body.decode()


def test_the_message_is_markdown_with_a_plain_text_fallback() -> None:
    n = notification(source_url="https://status.example/alert/123", fields=[{"label": "Region", "value": "eu_west"}])

    assert ADAPTER.build_request(n, config(), CTX).json_body() == {
        "roomId": ROOM,
        "markdown": "**🔴 \\[CRITICAL\\] DB down**\n\nconnection refused on db\\-1\n\n"
        "- **Region:** eu\\_west\n- **Severity:** critical\n\n"
        "[Open in monitoring](<https://status.example/alert/123>)",
        "text": "🔴 [CRITICAL] DB down\nconnection refused on db-1\nRegion: eu_west\nhttps://status.example/alert/123",
    }


@pytest.mark.parametrize(
    ("values", "destination"),
    [
        ({"personEmail": "oncall@example.com"}, {"toPersonEmail": "oncall@example.com"}),
        ({"toPersonEmail": "oncall@example.com"}, {"toPersonEmail": "oncall@example.com"}),  # Webex's own name
        ({"roomId": ROOM}, {"roomId": ROOM}),
    ],
)
def test_exactly_one_destination_is_sent(values: dict[str, Any], destination: dict[str, str]) -> None:
    parsed = WebexConfig.model_validate({"botToken": TOKEN, **values})

    body = ADAPTER.build_request(notification(), parsed, CTX).json_body()

    assert {key: body[key] for key in ("roomId", "toPersonEmail") if key in body} == destination


def test_a_recovery_says_so_with_downtime() -> None:
    body = ADAPTER.build_request(notification(status="resolved", downtime_seconds=125), config(), CTX).json_body()

    assert body["markdown"].startswith("**✅ RESOLVED: DB down**")
    assert "Recovered after 2m 5s of downtime." in body["markdown"]


def test_a_long_message_fits_webexs_byte_limit_in_both_forms() -> None:
    body = ADAPTER.build_request(notification(body="ü*" * 8000), config(), CTX).json_body()

    assert len(body["markdown"].encode()) <= 7439 and len(body["text"].encode()) <= 7439
    assert body["markdown"].startswith("**🔴 \\[CRITICAL\\] DB down**\n\nü\\*")


def test_mentions_and_markup_in_monitor_text_are_escaped_but_links_kept_whole() -> None:
    markdown = ADAPTER.build_request(notification(body="<@all> **x** https://a.example/a_b"), config(), CTX)

    assert "\\<\\@all\\> \\*\\*x\\*\\* https://a.example/a_b" in markdown.json_body()["markdown"]


# --- the answer -------------------------------------------------------------------------------------------


def test_200_with_the_message_id_is_success() -> None:
    receipt = ADAPTER.interpret(response(200, {"id": "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTAt", "roomId": ROOM}))

    assert (receipt.provider_message_id, receipt.http_status) == ("Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTAt", 200)


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "message", "delay"),
    [
        (
            401,
            {"message": "The request requires a valid access token set in the Authorization request header.",
             "errors": [{"description": "The request requires a valid access token"}], "trackingId": "ROUTER_1"},
            {},
            PermanentDeliveryError,
            "Webex returned 401: The request requires a valid access token set in the Authorization request header. "
            "(trackingId ROUTER_1)",
            None,
        ),
        (404, {"message": "Could not find a room with provided ID."}, {}, PermanentDeliveryError,
         "Webex returned 404: Could not find a room with provided ID.", None),
        (429, {"message": "Too Many Requests"}, {"Retry-After": "42"}, RetryableDeliveryError,
         "Webex returned 429: Too Many Requests", 42.0),
        (503, {"message": "Service overloaded"}, {}, RetryableDeliveryError, "Webex returned 503: Service overloaded",
         None),
        (200, {}, {}, PermanentDeliveryError, "Webex returned 200: {}", None),
    ],
)  # fmt: skip
def test_errors_carry_webexs_message_and_rate_limit_hint(
    status: int, body: Any, headers: dict[str, str], error: type[Exception], message: str, delay: float | None
) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body, headers))

    assert raised.value.message == message  # type: ignore[attr-defined]
    assert raised.value.retry_after == delay  # type: ignore[attr-defined]


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"roomId": ROOM}, "config.botToken", "Webex bot token is required"),
        ({"botToken": TOKEN}, "config", "Set either roomId or personEmail"),
        ({"botToken": TOKEN, "roomId": ROOM, "personEmail": "a@example.com"}, "config", "exactly one"),
        ({"botToken": TOKEN, "personEmail": "not-an-address"}, "config.personEmail", "Invalid email address"),
    ],
)
def test_bad_configs_are_refused_naming_the_field(body: dict[str, Any], field: str, words: str) -> None:
    found = support.error_pairs(WebexConfig, body)

    assert any(path == field and words in message for path, message in found), found


def test_the_token_is_secret_and_accepted_under_webexs_own_name() -> None:
    parsed = WebexConfig.model_validate({"accessToken": TOKEN, "toPersonEmail": "oncall@example.com"})

    assert parsed.redacted() == {"botToken": "••••••••", "personEmail": "oncall@example.com"}
    assert parsed.summary() == "oncall@example.com"
    assert parsed.secret_values() == [TOKEN]
