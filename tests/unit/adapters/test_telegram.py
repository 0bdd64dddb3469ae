"""Telegram: sendMessage with HTML, success only with `ok: true`, token kept out of errors (PROVIDERS.md §5)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest

from herald.adapters.base import DeliveryContext
from herald.adapters.providers import TelegramSettings
from herald.adapters.telegram import TelegramAdapter, TelegramConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from herald.transport.wire import HttpResponse, OutboundRequest
from tests.unit.adapters import support
from tests.unit.adapters.support import NOW, ctx
from tests.unit.adapters.support import brief_notification as notification
from tests.unit.adapters.support import json_response as response

ADAPTER = TelegramAdapter()
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
ALLOWED_TAGS = {"b", "a"}


def config(**values: Any) -> TelegramConfig:
    return TelegramConfig.model_validate({"botToken": TOKEN, "chatId": "-1001234567890", **values})


def text_of(n: Notification, cfg: TelegramConfig | None = None) -> str:
    return ADAPTER.build_request(n, cfg or config(), ctx()).json_body()["text"]


class _Entities(HTMLParser):
    """What Telegram's HTML parser sees: the visible text, and whether every tag is allowed and closed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.visible: list[str] = []
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"unbalanced {tag}")

    def handle_data(self, data: str) -> None:
        self.visible.append(data)


def parse(text: str) -> tuple[str, list[str]]:
    """(visible text, problems). A bare `&`, `<` or `>` in text is a problem: Telegram refuses it."""
    parser = _Entities()
    parser.feed(text)
    parser.close()
    stripped = text
    for entity in ("&amp;", "&lt;", "&gt;", "&quot;"):
        stripped = stripped.replace(entity, "")
    problems = parser.problems + (["bare &"] if "&" in stripped else []) + (["open tags"] if parser.open else [])
    return "".join(parser.visible), problems


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "url"),
    [
        ({}, f"https://api.telegram.org/bot{TOKEN}/sendMessage"),
        ({"telegram": "http://127.0.0.1:9000"}, f"http://127.0.0.1:9000/bot{TOKEN}/sendMessage"),
        ({"telegram": "http://127.0.0.1:9000/tg"}, f"http://127.0.0.1:9000/tg/bot{TOKEN}/sendMessage"),
        ({"telegram": "http://127.0.0.1:9000/tg/"}, f"http://127.0.0.1:9000/tg/bot{TOKEN}/sendMessage"),
    ],
)
def test_post_to_send_message_with_the_token_in_the_path(endpoints: dict[str, str], url: str) -> None:
    request = ADAPTER.build_request(notification(), config(), ctx(endpoints=endpoints))

    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Content-Type"] == "application/json"


def test_firing_body_follows_the_recommended_alert() -> None:
    n = notification(body="connection refused on db-1 & db-2", source_url="https://status.example/alert/123")

    body = ADAPTER.build_request(n, config(), ctx()).json_body()

    assert body == {
        "chat_id": -1001234567890,
        "text": "🔴 <b>[CRITICAL] DB down</b>\nconnection refused on db-1 &amp; db-2\n"
        '<a href="https://status.example/alert/123">Open in monitoring</a>',
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
        "disable_notification": False,
    }


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"title": "a < b > c", "body": ""}, "🔴 <b>[CRITICAL] a &lt; b &gt; c</b>"),
        ({"title": "AT&T", "body": "&amp; is already an entity"}, "🔴 <b>[CRITICAL] AT&amp;T</b>\n&amp;amp; is"),
        ({"title": "x", "body": "<script>alert(1)</script>"}, "&lt;script&gt;alert(1)&lt;/script&gt;"),
        # Only & < > are escaped: quotes and apostrophes are plain text to Telegram.
        ({"title": "x", "body": 'say "hi" it\'s'}, 'say "hi" it\'s'),
        ({"title": "x", "body": "", "fields": [{"label": "A<b>", "value": "1 & 2"}]}, "<b>A&lt;b&gt;:</b> 1 &amp; 2"),
    ],
)
def test_html_is_escaped(values: dict[str, Any], expected: str) -> None:
    text = text_of(notification(**values))

    assert expected in text
    assert parse(text)[1] == []


def test_link_attribute_is_escaped() -> None:
    text = text_of(notification(source_url='https://s.example/a?x=1&y="2"<'))

    assert '<a href="https://s.example/a?x=1&amp;y=&quot;2&quot;&lt;">Open in monitoring</a>' in text
    assert parse(text)[1] == []


@pytest.mark.parametrize("source_url", [None, "javascript:alert(1)", "/relative/path"])
def test_no_link_without_an_absolute_http_url(source_url: str | None) -> None:
    assert "<a " not in text_of(notification(source_url=source_url))


def test_facts_are_listed_without_severity() -> None:
    n = notification(
        body="",
        fields=[{"label": "Region", "value": "eu-west"}],
        monitor={"id": "mon_1", "name": "My API", "url": "https://api.example.com"},
    )

    assert text_of(n) == (
        "🔴 <b>[CRITICAL] DB down</b>\n<b>Region:</b> eu-west\n<b>Monitor:</b> My API\n"
        "<b>URL:</b> https://api.example.com"
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, {"disable_notification": False}),
        ({"silent": True}, {"disable_notification": True}),
        ({"messageThreadId": 42}, {"disable_notification": False, "message_thread_id": 42}),
        ({"message_thread_id": "7", "silent": True}, {"disable_notification": True, "message_thread_id": 7}),
    ],
)
def test_silent_and_forum_topic(values: dict[str, Any], expected: dict[str, Any]) -> None:
    body = ADAPTER.build_request(notification(), config(**values), ctx()).json_body()

    assert {key: body[key] for key in ("disable_notification", "message_thread_id") if key in body} == expected


@pytest.mark.parametrize(
    ("chat_id", "sent"),
    [("-1001234567890", -1001234567890), (123456, 123456), ("@herald_alerts", "@herald_alerts")],
)
def test_chat_id_is_sent_as_telegram_expects(chat_id: Any, sent: Any) -> None:
    body = ADAPTER.build_request(notification(), config(chatId=chat_id), ctx()).json_body()

    assert body["chat_id"] == sent


@pytest.mark.parametrize(
    ("downtime", "line"),
    [(12345, "Recovered after 3h 25m 45s of downtime."), (None, "Recovered.")],
)
def test_resolved_says_it_recovered_and_for_how_long(downtime: int | None, line: str) -> None:
    n = notification(status="resolved", title="DB is back", body="", downtime_seconds=downtime)

    assert text_of(n) == f"✅ <b>RESOLVED: DB is back</b>\n{line}"


# --- limits -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        {"body": "x" * 10_000},
        {"body": "a&b<c>" * 2_000},  # every character near the cut is an entity once escaped
        {"body": "🔥" * 5_000},  # two UTF-16 units each
        {"body": "", "fields": [{"label": f"F{i}", "value": "v" * 2048} for i in range(25)]},
        {"title": "t" * 1024, "body": "b" * 16_384, "status": "resolved", "downtime_seconds": 60},
    ],
)
def test_long_messages_fit_4096_visible_characters_with_a_visible_cut(values: dict[str, Any]) -> None:
    n = notification(source_url="https://status.example/alert/123", **values)

    text = text_of(n)
    visible, problems = parse(text)

    assert problems == []
    assert utf16(visible) <= 4096
    assert utf16(visible) >= 4000  # the room is used, not thrown away
    assert "…" in visible
    assert text.endswith('\n<a href="https://status.example/alert/123">Open in monitoring</a>')


def test_a_cut_resolved_message_keeps_its_recovery_line() -> None:
    n = notification(status="resolved", body="b" * 10_000, downtime_seconds=60)

    visible, _ = parse(text_of(n))

    assert visible.startswith("✅ RESOLVED: DB down\nRecovered after 1m of downtime.\nbbb")
    assert visible.endswith("b…")


def test_a_long_title_is_cut_to_one_headline() -> None:
    visible, _ = parse(text_of(notification(title="t" * 1024, body="")))

    assert visible == "🔴 " + ("[CRITICAL] " + "t" * 1024)[:255] + "…"


def test_a_message_within_the_limit_is_not_cut() -> None:
    body = "y" * 4000

    visible, _ = parse(text_of(notification(title="T", body=body)))

    assert visible == f"🔴 [CRITICAL] T\n{body}"


# --- credentials ------------------------------------------------------------------------------------------


def test_a_channel_without_a_token_draws_on_the_telegram_provider_settings() -> None:
    own = TelegramConfig.model_validate({"chatId": "-100123"})
    settings = TelegramSettings.model_validate({"botToken": TOKEN})

    merged = TelegramConfig.model_validate({**settings.reveal(), **own.reveal()}, context={"stored": True})

    assert (own.provider(), own.missing_credentials()) == ("telegram", ["botToken"])
    assert merged.missing_credentials() == []
    assert ADAPTER.build_request(notification(), merged, ctx()).url.endswith(f"/bot{TOKEN}/sendMessage")


def test_sending_without_any_token_is_a_permanent_failure() -> None:
    with pytest.raises(PermanentDeliveryError) as raised:
        ADAPTER.build_request(notification(), TelegramConfig.model_validate({"chatId": "1"}), ctx())

    assert raised.value.code == "missing_credentials"
    assert "PUT /v1/settings/providers/telegram" in raised.value.message


# --- the answer -------------------------------------------------------------------------------------------


def test_200_with_ok_true_is_success_and_records_the_message_id() -> None:
    receipt = ADAPTER.interpret(response(200, {"ok": True, "result": {"message_id": 4711, "chat": {"id": -1}}}))

    assert (receipt.provider_message_id, receipt.http_status) == ("4711", 200)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            200,
            {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"},
            PermanentDeliveryError,
            "Telegram returned 200: Bad Request: message text is empty",
        ),
        (
            200,
            b"<html>captive portal</html>",
            PermanentDeliveryError,
            "Telegram returned 200: the answer did not say ok",
        ),
        (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
            PermanentDeliveryError,
            "Telegram returned 400: Bad Request: chat not found",
        ),
        (
            400,
            {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": -1001234567890},
            },
            PermanentDeliveryError,
            "Telegram returned 400: Bad Request: group chat was upgraded to a supergroup chat "
            "(the group is now chat -1001234567890: update chatId)",
        ),
        (
            401,
            {"ok": False, "error_code": 401, "description": "Unauthorized"},
            PermanentDeliveryError,
            "Telegram returned 401: Unauthorized",
        ),
        (
            403,
            {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
            PermanentDeliveryError,
            "Telegram returned 403: Forbidden: bot was blocked by the user",
        ),
        (502, b"", RetryableDeliveryError, "Telegram returned 502: Bad Gateway"),
    ],
)
def test_failures_carry_telegrams_description(status: int, body: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body))

    assert raised.value.message == message  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "headers", "retry_after"),
    [
        (
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 35",
                "parameters": {"retry_after": 35},
            },
            {},
            35.0,
        ),
        ({"ok": False, "error_code": 429, "description": "Too Many Requests"}, {"Retry-After": "7"}, 7.0),
        (b'{"ok":false,"description":"Too Many Requests","parameters":{"retry_after":Infinity}}', {}, None),
    ],
)
def test_429_is_retryable_after_parameters_retry_after(
    body: Any, headers: dict[str, str], retry_after: float | None
) -> None:
    with pytest.raises(RetryableDeliveryError) as raised:
        ADAPTER.interpret(response(429, body, headers))

    assert raised.value.retry_after == retry_after
    assert raised.value.code == "rate_limited"
    assert raised.value.message.startswith("Telegram returned 429: Too Many Requests")


class _Receiver:
    """An in-memory stand-in for the guarded session: records the request, answers what it is told."""

    def __init__(self, answer: HttpResponse) -> None:
        self.answer = answer
        self.requests: list[OutboundRequest] = []

    def send(self, request: OutboundRequest) -> HttpResponse:
        self.requests.append(request)
        return self.answer


@pytest.mark.parametrize(
    "echo",
    [
        f"Cannot POST /bot{TOKEN}/sendMessage",
        f"no route for /tg/bot{TOKEN[:30]}",  # an echo cut short still does not show the secret part
    ],
)
def test_an_error_never_carries_the_bot_token(echo: str) -> None:
    receiver = _Receiver(response(404, echo.encode()))
    context = DeliveryContext(delivery_id="dlv_1", attempt=1, now=NOW, http=receiver)

    with pytest.raises(PermanentDeliveryError) as raised:
        ADAPTER.send(notification(), config(), context)

    secret = TOKEN.split(":", 1)[1]
    assert secret[:8] not in raised.value.message
    assert secret[:8] not in str(raised.value) + repr(raised.value)
    assert raised.value.message.startswith("Telegram returned 404: ")
    assert "••••••••" in raised.value.message
    assert receiver.requests[0].url.endswith(f"/bot{TOKEN}/sendMessage")


def test_send_returns_the_receipt() -> None:
    receiver = _Receiver(response(200, {"ok": True, "result": {"message_id": 9}}))
    context = DeliveryContext(delivery_id="dlv_1", attempt=1, now=NOW, http=receiver)

    assert ADAPTER.send(notification(), config(), context).provider_message_id == "9"


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "chat_id"),
    [
        # shared/reference/seeds/000 (Kamustatus) and 001 (PixoMonitor), verbatim.
        ({"botToken": "123456:ABC-DEF...", "chatId": "-1001234567890"}, "-1001234567890"),
        ({"bot_token": "123456789:ABCdefGHIjklMNOpqrsTUVwxyz", "chat_id": "-1001234567890"}, "-1001234567890"),
        ({"botToken": TOKEN, "chatId": -1001234567890}, "-1001234567890"),
        ({"chatId": "@herald_alerts"}, "@herald_alerts"),
    ],
)
def test_seed_bodies_and_spellings_are_accepted(body: dict[str, Any], chat_id: str) -> None:
    parsed = TelegramConfig.model_validate(body)

    assert parsed.chat_id == chat_id
    assert parsed.reveal()["chatId"] == chat_id


def messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(TelegramConfig, body)


def test_a_missing_chat_id_is_named() -> None:
    assert messages({"botToken": TOKEN}) == [("config.chatId", "Telegram chat ID is required")]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"chatId": "general"}, "config.chatId", "Telegram chat ID must be a numeric id"),
        ({"chatId": True}, "config.chatId", "Input should be a valid string"),
        ({"chatId": "-100 123"}, "config.chatId", "Telegram chat ID must be"),
        ({"botToken": "not-a-token"}, "config.botToken", "Telegram bot token must look like"),
        ({"botToken": "123:abc/../../x"}, "config.botToken", "Telegram bot token must look like"),
        ({"botToken": ""}, "config.botToken", "Telegram bot token is required"),
        ({"chatId": ""}, "config.chatId", "Telegram chat ID must be"),
        ({"messageThreadId": 0}, "config.messageThreadId", "greater than or equal to 1"),
        ({"silent": "maybe"}, "config.silent", "valid boolean"),
        ({"parseMode": "HTML"}, "config.parseMode", "Unknown field 'parseMode'"),
    ],
)
def test_bad_configs_are_refused(values: dict[str, Any], field: str, words: str) -> None:
    found = messages({"botToken": TOKEN, "chatId": "-100123"} | values)

    assert any(path == field and words in message for path, message in found), found
    assert all("AAHdq" not in message for _, message in found)


def test_a_stored_token_is_not_judged_again() -> None:
    parsed = TelegramConfig.model_validate({"botToken": "legacy token", "chatId": "1"}, context={"stored": True})

    assert parsed.reveal()["botToken"] == "legacy token"


def test_redacted_hides_the_token_and_reveal_round_trips() -> None:
    parsed = config(messageThreadId=5, silent=True)

    assert parsed.redacted() == {
        "botToken": "••••••••",
        "chatId": "-1001234567890",
        "messageThreadId": 5,
        "silent": True,
    }
    assert "AAHdq" not in repr(parsed) + str(parsed) + json.dumps(parsed.redacted())
    assert TelegramConfig.model_validate(parsed.reveal()) == parsed
    assert parsed.reveal()["botToken"] == TOKEN
    assert TelegramConfig.secret_fields() == ["botToken"]


@pytest.mark.parametrize(("chat_id", "summary"), [("-1001234567890", "-1001234567890"), ("@ops_alerts", "@ops_alerts")])
def test_summary_is_the_chat_id(chat_id: str, summary: str) -> None:
    assert TelegramConfig.model_validate({"chatId": chat_id}).summary() == summary


def test_json_schema() -> None:
    schema = TelegramAdapter.config_model.model_json_schema(by_alias=True)

    assert schema["required"] == ["chatId"]
    assert set(schema["properties"]) == {"botToken", "chatId", "messageThreadId", "silent"}
    assert schema["properties"]["botToken"]["anyOf"][0]["writeOnly"] is True
    assert {"type": "integer"} in schema["properties"]["chatId"]["anyOf"]
