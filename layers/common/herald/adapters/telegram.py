"""Telegram Bot API: `sendMessage` with an HTML text, the bot token in the URL path (PROVIDERS.md §5).

The token may be left out of a channel when the tenant stored it once (provider settings `telegram`).
Because the token sits in the URL, nothing here puts a URL in an error, and `send` scrubs the token out
of whatever the service (or a proxy in front of it) answered.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, ClassVar
from urllib.parse import quote

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, ValidationInfo, WithJsonSchema

from herald.adapters import render
from herald.adapters.base import DeliveryContext, RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.errors import DeliveryError, PermanentDeliveryError
from herald.models.config import SECRET_PLACEHOLDER, ChannelConfig
from herald.models.fields import Secret
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

PUBLIC_API = "https://api.telegram.org"
# §5 "Required": `text` is 1-4096 characters after entity parsing, i.e. the visible text without tags.
# Counted in UTF-16 units (Telegram measures entities that way), which is never fewer than characters.
TEXT_LIMIT = 4096
HEADLINE_LIMIT = 256  # our choice: the headline stays one readable line, the body gets the room
LINK_TEXT = "Open in monitoring"

# §5: `chat_id` is an integer (`-1001234567890` for supergroups and channels) or `@channelusername`.
_CHAT_ID = re.compile(r"-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31}")
# BotFather tokens are `<bot id>:<secret>`. Checked loosely (seed bodies carry placeholders such as
# `123456:ABC-DEF...`); what matters is that nothing in it can leave its URL path segment.
_BOT_TOKEN = re.compile(r"[0-9]{1,20}:[A-Za-z0-9_.\-]{1,200}")
# What a real token looks like inside someone else's text (an echoed URL, possibly cut short).
_TOKEN_LIKE = re.compile(r"[0-9]{3,20}:[A-Za-z0-9_\-%]{8,}")


def _chat_id_text(value: Any) -> Any:
    # A chat id sent as a JSON number is the same id; bools are not ids.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _chat_id(value: str) -> str:
    if not _CHAT_ID.fullmatch(value):
        raise ValueError("Telegram chat ID must be a numeric id (e.g. -1001234567890) or @channelusername")
    return value


def _bot_token(value: Any, info: ValidationInfo) -> Any:
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    # Read back from storage or merged from provider settings: judged when it was written.
    if (info.context or {}).get("stored") or not isinstance(raw, str):
        return value
    if not _BOT_TOKEN.fullmatch(raw.strip()):
        raise ValueError("Telegram bot token must look like 123456789:ABCdef… (as given by @BotFather)")
    return value


ChatId = Annotated[
    str,
    BeforeValidator(_chat_id_text),
    AfterValidator(_chat_id),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
]
BotToken = Annotated[Secret, AfterValidator(_bot_token)]


class TelegramConfig(ChannelConfig):
    """A chat (optionally one forum topic of it) and the bot that posts there."""

    bot_token: BotToken | None = Field(None, description="Telegram bot token")
    chat_id: ChatId = Field(description="Telegram chat ID")
    message_thread_id: int | None = Field(None, ge=1, le=2**31 - 1, description="Telegram message thread ID")
    silent: bool = Field(False, description="Send silently")

    # The topic is inside the same chat: only the chat moves a channel elsewhere.
    recipient_fields: ClassVar[tuple[str, ...]] = ("chat_id", "message_thread_id")

    def provider(self) -> str | None:
        return "telegram"

    def missing_credentials(self) -> list[str]:
        return [] if self.bot_token is not None else ["botToken"]

    def summary(self) -> str:
        return self.chat_id


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _visible(tag: str, text: str) -> int:
    # Tags and entities are not part of the text Telegram counts; the escaped characters count once each.
    return _utf16(text)


def _headline(n: Notification) -> list[render.Span]:
    if not n.markup:
        return [("b", render.truncate(render.plain_headline(n), HEADLINE_LIMIT))]
    # A template's title is HTML already: shown as written, after the bold status word.
    words = "RESOLVED:" if n.resolved else render.label(n)
    return [("b", words), ("", " "), (render.RAW, n.title)]


def message_spans(n: Notification) -> list[render.Span]:
    """The message as spans: headline and recovery fixed, body and facts cut to fit, the link kept whole."""
    head: list[render.Span] = [("", f"{render.emoji(n)} "), *_headline(n)]
    if recovered := render.recovery_line(n):
        head += [("", "\n"), ("", recovered)]
    tail: list[render.Span] = []
    if url := render.link(n):
        tail = [("", "\n"), (render.link_tag(url), LINK_TEXT)]

    own = render.RAW if n.markup else ""
    middle: list[render.Span] = []
    if n.body:
        middle += [("", "\n"), (own, n.body)]
    for index, (name, value) in enumerate(render.facts(n)):
        if name in ("Severity", "Downtime"):  # the headline and the recovery line say those
            continue
        if n.markup and index < len(n.fields):
            middle += [("", "\n"), (render.RAW, f"<b>{name}:</b> {value}")]
        else:
            middle += [("", "\n"), ("b", f"{name}:"), ("", f" {value}")]

    room = TEXT_LIMIT - sum(_visible(*span) for span in head + tail)
    return head + render.fit_spans(middle, room, _visible) + tail


def message_text(n: Notification) -> str:
    return render.html(message_spans(n))


def payload(n: Notification, config: TelegramConfig) -> dict[str, Any]:
    chat: int | str = int(config.chat_id) if config.chat_id.lstrip("-").isdigit() else config.chat_id
    body: dict[str, Any] = {
        "chat_id": chat,
        "text": message_text(n),
        "parse_mode": "HTML",
        # The link is a button-like line of its own; a preview card of it would only repeat it.
        "link_preview_options": {"is_disabled": True},
        "disable_notification": config.silent,
    }
    if config.message_thread_id is not None:
        body["message_thread_id"] = config.message_thread_id
    return body


def _error_words(data: Any) -> str | None:
    if not isinstance(data, dict) or not data.get("description"):
        return None
    words = str(data["description"])
    parameters = data.get("parameters")
    if isinstance(parameters, dict) and parameters.get("migrate_to_chat_id"):
        # §5: the group became a supergroup; the channel must be pointed at the new id.
        words += f" (the group is now chat {parameters['migrate_to_chat_id']}: update chatId)"
    return words


def _retry_after(data: Any) -> float | None:
    parameters = data.get("parameters") if isinstance(data, dict) else None
    hint = parameters.get("retry_after") if isinstance(parameters, dict) else None
    # json.loads takes `Infinity` and `NaN`: only a finite, non-negative number is a delay.
    if isinstance(hint, int | float) and not isinstance(hint, bool) and math.isfinite(hint) and hint >= 0:
        return float(hint)
    return None


def _scrubbed(error: DeliveryError, token: str) -> DeliveryError:
    """`error` with the token (as given, as quoted in the URL, or cut short) replaced by the placeholder."""
    message = error.message
    for form in {token, quote(token, safe=":")} - {""}:
        message = message.replace(form, SECRET_PLACEHOLDER)
    message = _TOKEN_LIKE.sub(SECRET_PLACEHOLDER, message)
    if message == error.message:
        return error
    return type(error)(
        message,
        code=error.code,
        http_status=error.http_status,
        retry_after=error.retry_after,
    )


class TelegramAdapter(HttpAdapter[TelegramConfig]):
    kind = "telegram"
    display_name = "Telegram"
    config_model = TelegramConfig

    def build_request(self, notification: Notification, config: TelegramConfig, ctx: RenderContext) -> OutboundRequest:
        """POST {endpoint}/bot{token}/sendMessage with JSON (§5).

        Raises PermanentDeliveryError when no bot token is set on the channel or in the provider settings.
        """
        if config.bot_token is None:
            raise PermanentDeliveryError(
                "Telegram bot token is missing: set botToken on the channel or store it with "
                "PUT /v1/settings/providers/telegram",
                code="missing_credentials",
            )
        token = quote(config.bot_token.get_secret_value(), safe=":")
        url = f"{ctx.endpoint(self.kind, PUBLIC_API)}/bot{token}/sendMessage"
        return OutboundRequest.json("POST", url, payload(notification, config))

    def interpret(self, response: HttpResponse) -> Receipt:
        """Success only for 200 with `ok: true`; the message id is recorded.

        Raises RetryableDeliveryError for 429 (delay from `parameters.retry_after`) and 5xx, and
        PermanentDeliveryError otherwise (also for a 200 without `ok: true`), with Telegram's `description`.
        """
        data = response.json()
        ok = isinstance(data, dict) and data.get("ok") is True
        if response.status == 200 and ok:
            result = data.get("result")
            message_id = result.get("message_id") if isinstance(result, dict) else None
            return Receipt(provider_message_id=str(message_id) if message_id is not None else None, http_status=200)
        words = _error_words(data)
        if response.status == 200:
            raise classify.failure(self.display_name, response, words or "the answer did not say ok", retryable=False)
        raise classify.failure(self.display_name, response, words, retry_after=_retry_after(data))

    def send(self, notification: Notification, config: TelegramConfig, ctx: DeliveryContext) -> Receipt:
        """As HttpAdapter.send; an error never carries the bot token, whatever the answer quoted."""
        try:
            return super().send(notification, config, ctx)
        except DeliveryError as error:
            token = config.bot_token.get_secret_value() if config.bot_token else ""
            raise _scrubbed(error, token) from None
