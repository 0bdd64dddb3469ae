"""Zulip: POST {server}/api/v1/messages, form-encoded, bot e-mail + API key as HTTP Basic (PROVIDERS.md §20)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

import pytest

from herald.adapters.zulip import ZulipAdapter, ZulipConfig, escape_markdown
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from herald.transport.wire import OutboundRequest
from tests.unit.adapters.support import MONITOR, brief_notification, ctx, errors_of
from tests.unit.adapters.support import json_response as response

ADAPTER = ZulipAdapter()
CTX = ctx()
BASE = {"serverUrl": "https://acme.zulipchat.com", "botEmail": "herald-bot@acme.zulipchat.com", "apiKey": "k3y"}


def config(**values: Any) -> ZulipConfig:
    return ZulipConfig.model_validate({**BASE, "stream": "alerts", **values})


def fields(request: OutboundRequest) -> dict[str, str]:
    parsed = parse_qs(request.body.decode(), keep_blank_values=True, strict_parsing=True)
    return {name: values[0] for name, values in parsed.items()}


# --- the config ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelled",
    [
        {"site": "https://acme.zulipchat.com", "email": "herald-bot@acme.zulipchat.com", "key": "k3y"},  # zuliprc
        {"realm_url": "https://acme.zulipchat.com", "bot_email": "herald-bot@acme.zulipchat.com", "api_key": "k3y"},
    ],
)
def test_zuliprc_and_snake_case_spellings_are_accepted(spelled: dict[str, str]) -> None:
    assert ZulipConfig.model_validate({**spelled, "channel": "alerts", "subject": "db"}) == config(topic="db")


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        ({}, "Give either a Zulip stream (with an optional topic) or the users to message, not both"),
        ({"stream": "alerts", "to": ["a@example.com"]}, "Give either a Zulip stream"),
        ({"to": ["a@example.com"], "topic": "db"}, "A Zulip topic needs a stream"),
    ],
)
def test_exactly_one_destination(destination: dict[str, Any], message: str) -> None:
    assert message in errors_of(ZulipConfig, {**BASE, **destination})["config"]


def test_a_topic_is_at_most_60_characters() -> None:
    assert errors_of(ZulipConfig, {**BASE, "stream": "alerts", "topic": "x" * 61}) == {
        "config.topic": "String should have at most 60 characters"
    }


def test_the_summary_names_the_server_and_the_stream_never_the_key() -> None:
    assert config().summary() == "acme.zulipchat.com #alerts"
    assert ZulipConfig.model_validate({**BASE, "to": ["a@example.com", "b@example.com"]}).summary() == (
        "acme.zulipchat.com 2 user(s)"
    )


# --- the request -------------------------------------------------------------------------------------------


def test_posts_the_form_with_the_bot_login_as_basic_auth() -> None:
    request = ADAPTER.build_request(brief_notification(), config(serverUrl="https://chat.example.com/zulip/"), CTX)

    assert (request.method, request.url) == ("POST", "https://chat.example.com/zulip/api/v1/messages")
    scheme, token = request.headers["Authorization"].split(" ")
    assert (scheme, base64.b64decode(token)) == ("Basic", b"herald-bot@acme.zulipchat.com:k3y")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "k3y" not in request.url


def test_a_stream_message_has_its_topic_and_markdown_content() -> None:
    n = brief_notification(source_url="https://status.example/alert/123", fields=[{"label": "Region", "value": "eu"}])

    assert fields(ADAPTER.build_request(n, config(topic="db alerts"), CTX)) == {
        "type": "stream",
        "to": "alerts",
        "topic": "db alerts",
        "content": "**🔴 \\[CRITICAL\\] DB down**\n\nconnection refused on db\\-1\n\n- **Region:** eu\n\n"
        "[Open in monitoring](https://status.example/alert/123)",
    }


@pytest.mark.parametrize(
    ("values", "topic"),
    [
        ({"monitor": MONITOR}, "My API"),  # the alert and its recovery share the monitor's thread
        ({"monitor": MONITOR, "status": "resolved", "title": "My API is up"}, "My API"),
        ({}, "DB down"),
        ({"title": "t" * 80}, "t" * 59 + "…"),
    ],
)
def test_without_a_configured_topic_the_monitor_or_title_names_the_thread(values: dict[str, Any], topic: str) -> None:
    assert fields(ADAPTER.build_request(brief_notification(**values), config(), CTX))["topic"] == topic


def test_users_get_a_private_message_addressed_by_a_json_list() -> None:
    users = config(stream=None, to=["ops@example.com", "9"])

    sent = fields(ADAPTER.build_request(brief_notification(), users, CTX))

    assert (sent["type"], sent["to"]) == ("private", '["ops@example.com", "9"]')
    assert "topic" not in sent


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("@**all** look", "@\\*\\*all\\*\\* look"),  # no mention that pings everyone
        ("#**ops** [x](y)", "\\#\\*\\*ops\\*\\* \\[x\\]\\(y\\)"),
        ("    indented\r\n> quote", "indented\n\\> quote"),  # no code block, no quote
        ("1. item_a", "1\\. item\\_a"),
    ],
)
def test_markdown_in_monitor_text_is_escaped(text: str, shown: str) -> None:
    assert escape_markdown(text) == shown


def test_a_link_with_parentheses_or_spaces_cannot_end_early() -> None:
    n = brief_notification(source_url="https://status.example/a b)(c")

    assert (
        "[Open in monitoring](https://status.example/a%20b%29%28c)"
        in fields(ADAPTER.build_request(n, config(), CTX))["content"]
    )


def test_a_recovery_says_so_with_its_downtime() -> None:
    n = brief_notification(status="resolved", title="DB is back", body="", downtime_seconds=125)

    content = fields(ADAPTER.build_request(n, config(), CTX))["content"]

    assert content == "**✅ RESOLVED: DB is back**\n\nRecovered after 2m 5s of downtime."


def test_content_is_cut_to_10000_bytes() -> None:
    n = Notification(title="big", body="€" * 16_000)

    assert len(fields(ADAPTER.build_request(n, config(), CTX))["content"].encode()) <= 10_000


# --- the answer -------------------------------------------------------------------------------------------


def test_200_with_result_success_is_a_delivery_with_the_message_id() -> None:
    receipt = ADAPTER.interpret(response(200, {"result": "success", "msg": "", "id": 42}))

    assert (receipt.provider_message_id, receipt.http_status) == ("42", 200)


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "message", "retry_after"),
    [
        (
            400,
            {"result": "error", "msg": "Stream 'x' does not exist", "code": "STREAM_DOES_NOT_EXIST"},
            {},
            PermanentDeliveryError,
            "Zulip returned 400: STREAM_DOES_NOT_EXIST: Stream 'x' does not exist",
            None,
        ),
        (
            401,
            {"result": "error", "msg": "Invalid API key", "code": "UNAUTHORIZED"},
            {},
            PermanentDeliveryError,
            "Zulip returned 401: UNAUTHORIZED: Invalid API key",
            None,
        ),
        (
            429,
            {"result": "error", "code": "RATE_LIMIT_HIT", "msg": "API usage exceeded rate limit", "retry-after": 28.7},
            {},
            RetryableDeliveryError,
            "Zulip returned 429: RATE_LIMIT_HIT: API usage exceeded rate limit",
            28.7,
        ),
        (
            429,
            {"result": "error", "code": "RATE_LIMIT_HIT", "msg": "API usage exceeded rate limit", "retry-after": 28.7},
            {"Retry-After": "30"},
            RetryableDeliveryError,
            "Zulip returned 429: RATE_LIMIT_HIT: API usage exceeded rate limit",
            30.0,
        ),
        # A 200 that is not Zulip's success (a login page from a proxy) is not a delivery.
        (200, b"<html>Sign in</html>", {}, PermanentDeliveryError, "Zulip returned 200: <html>Sign in</html>", None),
        (502, b"Bad Gateway", {}, RetryableDeliveryError, "Zulip returned 502: Bad Gateway", None),
    ],
)
def test_errors_carry_zulips_code_and_words_and_its_retry_hint(
    status: int,
    body: Any,
    headers: dict[str, str],
    error: type[Exception],
    message: str,
    retry_after: float | None,
) -> None:
    with pytest.raises(error) as caught:
        ADAPTER.interpret(response(status, body, headers))

    assert str(caught.value) == message
    assert getattr(caught.value, "retry_after", None) == retry_after
