"""Rocket.Chat: POST {server}/hooks/{id}/{token} with a headline and one attachment (PROVIDERS.md section 19)."""

from __future__ import annotations

from typing import Any

import pytest

from herald.adapters import registry
from herald.adapters.rocketchat import RocketChatAdapter, RocketChatConfig, escape_markdown
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from tests.unit.adapters import support
from tests.unit.adapters.support import brief_notification as notification
from tests.unit.adapters.support import ctx
from tests.unit.adapters.support import json_response as response

ADAPTER = RocketChatAdapter()
CTX = ctx()
HOOK = "https://chat.example.com/hooks/6SRjWvPNHw9ieYEbi/Yzm7hHxJGbs6WtgrQrKGEikHnjzk6c9"


def config(**values: Any) -> RocketChatConfig:
    return RocketChatConfig.model_validate({"webhookUrl": HOOK, **values})


# --- the request ------------------------------------------------------------------------------------------


def test_posts_the_headline_and_a_coloured_attachment_to_the_webhook_url() -> None:
    n = notification(source_url="https://status.example/alert/123", fields=[{"label": "Host", "value": "db_1"}])

    request = ADAPTER.build_request(n, config(), CTX)

    assert (request.method, request.url, request.headers) == ("POST", HOOK, {"Content-Type": "application/json"})
    assert request.json_body() == {
        "text": "🔴 [CRITICAL] DB down",
        "attachments": [
            {
                "color": "#E01E5A",
                "title": "🔴 [CRITICAL] DB down",
                "title_link": "https://status.example/alert/123",
                "text": "connection refused on db-1",
                "fields": [
                    {"title": "Host", "value": "db\\_1", "short": True},
                    {"title": "Severity", "value": "critical", "short": True},
                ],
            }
        ],
    }


def test_a_recovery_is_green_and_says_how_long_it_was_down() -> None:
    body = ADAPTER.build_request(notification(status="resolved", downtime_seconds=3720), config(), CTX).json_body()

    [part] = body["attachments"]
    assert body["text"].startswith("✅ RESOLVED") and part["color"] == "#2EB67D"
    assert part["text"].endswith("Recovered after 1h 2m of downtime.")


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("*bold* _it_ ~del~ `code` #room", r"\*bold\* \_it\_ \~del\~ \`code\` \#room"),
        ("a\\b", "a\\\\b"),
        ("[x](y) <b> 1. - +", "[x](y) <b> 1. - +"),  # the parser reads none of these as markup (fuselage #899)
    ],
)
def test_only_what_rocketchats_parser_reads_as_markup_is_escaped(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_rocketchats_own_override_names_and_the_slack_style_ones_are_accepted() -> None:
    own = config(alias="Herald", emoji=":bell:", channel="#ops")
    slack_style = RocketChatConfig.model_validate(
        {"webhookUrl": HOOK, "username": "Herald", "icon_emoji": ":bell:", "channel": "#ops"}
    )

    assert own == slack_style
    body = ADAPTER.build_request(notification(), own, CTX).json_body()
    assert (body["alias"], body["emoji"], body["channel"]) == ("Herald", ":bell:", "#ops")


def test_the_kind_is_also_found_by_its_spelt_out_name() -> None:
    assert registry.find("Rocket_Chat") is registry.get("rocketchat")


# --- the answer -------------------------------------------------------------------------------------------


def test_200_with_success_true_is_success() -> None:
    assert ADAPTER.interpret(response(200, {"success": True})).http_status == 200


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            400,
            {"success": False, "error": "Invalid integration id or token provided."},
            PermanentDeliveryError,
            "Rocket.Chat returned 400: Invalid integration id or token provided.",
        ),
        (200, {"success": False, "error": "error-invalid-channel"}, PermanentDeliveryError, None),
        (
            429,
            {"success": False, "error": "Error, too many requests. Please slow down."},
            RetryableDeliveryError,
            "Rocket.Chat returned 429: Error, too many requests. Please slow down.",
        ),
        (502, b"Bad Gateway", RetryableDeliveryError, "Rocket.Chat returned 502: Bad Gateway"),
    ],
)
def test_errors_carry_rocketchats_words(status: int, body: Any, error: type[Exception], message: str | None) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body, {"Retry-After": "5"} if status == 429 else None))

    assert raised.value.message == (message or "Rocket.Chat returned 200: error-invalid-channel")  # type: ignore[attr-defined]
    assert raised.value.retry_after == (5.0 if status == 429 else None)  # type: ignore[attr-defined]


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, "config.webhookUrl", "Rocket.Chat webhook URL is required"),
        ({"webhookUrl": "ftp://chat.example.com/hooks/a/b"}, "config.webhookUrl", "Invalid webhook URL"),
        ({"webhookUrl": "https://127.0.0.1/hooks/a/b"}, "config.webhookUrl", "Invalid webhook URL"),
        ({"webhookUrl": HOOK, "avatar": "https://x.example/a.png"}, "config.avatar", "Unknown field 'avatar'"),
    ],
)
def test_bad_configs_are_refused_naming_the_field(body: dict[str, Any], field: str, words: str) -> None:
    found = support.error_pairs(RocketChatConfig, body)

    assert any(path == field and words in message for path, message in found), found


def test_the_url_is_the_secret_and_the_summary_its_host() -> None:
    parsed = config(alias="Herald")

    assert parsed.redacted() == {"webhookUrl": "••••••••", "alias": "Herald"}
    assert parsed.summary() == "chat.example.com"
