"""Zulip: a message from a bot to a stream topic or to users, on the organisation's own server.

Source (read 2026-12-03): PROVIDERS.md §20, which cites zulip.com/api/send-message (POST {realm}/api/v1/messages,
form-encoded; `type`, `to`, `topic`, `content`), zulip.com/api/http-headers (HTTP Basic `bot_email:api_key`)
and zulip.com/api/rest-error-handling (429 `RATE_LIMIT_HIT` with `retry-after` and a Retry-After header).

    POST {server}/api/v1/messages           Authorization: Basic base64(bot_email:api_key)
    type=stream&to=alerts&topic=DB down&content=**[CRITICAL] DB down**…
    type=private&to=["ops@example.com"]&content=…
    200 {"result": "success", "msg": "", "id": 42}
    400 {"result": "error", "msg": "Stream 'x' does not exist", "code": "STREAM_DOES_NOT_EXIST"}

Limits: content ≤ 10,000 bytes, topic ≤ 60 characters. Zulip has no resolve: a recovery is posted into the
same topic (the monitor's name, else the title) so trigger and recovery share a thread.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Annotated, ClassVar, Self
from urllib.parse import quote, urlencode, urlsplit

from pydantic import AliasChoices, Field, model_validator

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import EmailAddress, Secret, ServerUrl
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

SEND_PATH = "/api/v1/messages"
CONTENT_LIMIT_BYTES = 10_000  # §20
TOPIC_LIMIT = 60  # §20
# Per-text character budget to start from (a notification body's maximum), halved until the content fits.
TEXT_BUDGET = 16_384

# Zulip's Markdown is Python-Markdown underneath, which honours a backslash before exactly these: monitor text
# shows as written, with no bold, links, quotes or headings, and no `@**all**` mention or `#**stream**` link.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()>#+\-.!])")
# Indentation would make a code block, where the escapes show as written.
_LINE_BREAK = re.compile(r"\r\n?")
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
# A link destination keeps printable ASCII except what would end it early or start markup (`( ) < > \\`);
# those, spaces and non-ASCII are percent-encoded, which names the same resource.
_DESTINATION_SAFE = "".join(chr(code) for code in range(0x21, 0x7F) if chr(code) not in "()<>\\")

Recipient = Annotated[str, Field(min_length=1, max_length=254)]


class ZulipConfig(ChannelConfig):
    """A Zulip server, the bot that posts, and a stream + topic or the users to message directly."""

    server_url: ServerUrl = Field(
        validation_alias=AliasChoices("serverUrl", "server_url", "site", "realm", "realmUrl", "realm_url"),
        description="Zulip server URL",
    )
    bot_email: EmailAddress = Field(
        validation_alias=AliasChoices("botEmail", "bot_email", "email"), description="Zulip bot email"
    )
    api_key: Secret = Field(validation_alias=AliasChoices("apiKey", "api_key", "key"), description="Zulip API key")
    stream: str | None = Field(
        None,
        min_length=1,
        max_length=60,
        validation_alias=AliasChoices("stream", "channel"),
        description="Zulip stream",
    )
    topic: str | None = Field(
        None,
        min_length=1,
        max_length=TOPIC_LIMIT,
        validation_alias=AliasChoices("topic", "subject"),
        description="Zulip topic",
    )
    to: list[Recipient] | None = Field(
        None,
        min_length=1,
        max_length=50,
        validation_alias=AliasChoices("to", "users", "recipients"),
        description="Zulip users",
    )

    host_fields: ClassVar[tuple[str, ...]] = ("server_url", "bot_email")
    recipient_fields: ClassVar[tuple[str, ...]] = ("stream", "topic", "to")

    @model_validator(mode="after")
    def _one_destination(self) -> Self:
        """Raises ValueError unless exactly one of a stream or users is given, and a topic only with a stream."""
        if (self.stream is None) == (self.to is None):
            raise ValueError("Give either a Zulip stream (with an optional topic) or the users to message, not both")
        if self.topic is not None and self.stream is None:
            raise ValueError("A Zulip topic needs a stream")
        return self

    def summary(self) -> str:
        host = urlsplit(self.server_url).hostname or ""
        where = f"#{self.stream}" if self.stream else f"{len(self.to or [])} user(s)"
        return f"{host} {where}"


def escape_markdown(text: str) -> str:
    """`text` shown as written: every character Zulip's Markdown would read as markup is backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _INDENT.sub("", _LINE_BREAK.sub("\n", text)))


def topic(n: Notification, config: ZulipConfig) -> str:
    """The configured topic, else the monitor's name (the same for the alert and its recovery), else the title."""
    chosen = config.topic or (n.monitor.name if n.monitor and n.monitor.name else n.title)
    return render.truncate(chosen, TOPIC_LIMIT)


def content(n: Notification, budget: int = TEXT_BUDGET) -> str:
    """Bold headline, body and recovery line, facts as a list and the link, as Zulip Markdown."""
    # The notification's own texts as a template wrote them (already Zulip Markdown), or escaped.
    own = render.verbatim(n, escape_markdown)
    prefix = escape_markdown(render.headline_prefix(n))  # Herald's own: always escaped
    blocks = [f"**{prefix}{own(render.truncate(n.title, max(budget - len(prefix), 1)))}**"]
    if description := render.description(n, budget, own):
        blocks.append(description)
    rows = [fact for fact in render.escaped_facts(n, escape_markdown) if fact[0] not in ("Downtime", "Severity")]
    if rows:
        blocks.append(
            "\n".join(
                f"- **{esc(render.truncate(name, budget))}:** {esc(render.truncate(value, budget))}"
                for name, value, esc in rows
            )
        )
    if link := render.link(n):
        blocks.append(f"[Open in monitoring]({quote(link, safe=_DESTINATION_SAFE)})")
    return "\n\n".join(blocks)


def form(n: Notification, config: ZulipConfig) -> dict[str, str]:
    """The form fields: a stream message with its topic, or a private message to a JSON list of users."""
    text = render.fit_json(lambda budget: content(n, budget), CONTENT_LIMIT_BYTES, TEXT_BUDGET, size=_bytes)
    if config.stream is not None:
        return {"type": "stream", "to": config.stream, "topic": topic(n, config), "content": text}
    return {"type": "private", "to": json.dumps(config.to), "content": text}


def _bytes(text: str) -> int:
    return len(text.encode())


def _error_words(response: HttpResponse) -> str | None:
    data = response.json()
    if not isinstance(data, dict):
        return None
    words = [str(data[key]) for key in ("code", "msg") if data.get(key)]
    return ": ".join(words) or None


def _retry_after(response: HttpResponse) -> float | None:
    # The Retry-After header first; the JSON `retry-after` (float seconds) when a proxy dropped the header.
    header = classify.retry_after_seconds(response)
    if header is not None:
        return header
    data = response.json()
    seconds = data.get("retry-after") if isinstance(data, dict) else None
    if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds >= 0:
        return float(seconds)
    return None


class ZulipAdapter(HttpAdapter[ZulipConfig]):
    kind = "zulip"
    display_name = "Zulip"
    config_model = ZulipConfig

    def build_request(self, notification: Notification, config: ZulipConfig, ctx: RenderContext) -> OutboundRequest:
        """POST the form to {server}/api/v1/messages with the bot's e-mail and API key as HTTP Basic (§20)."""
        pair = f"{config.bot_email}:{config.api_key.get_secret_value()}".encode()
        headers = {
            "Authorization": f"Basic {base64.b64encode(pair).decode()}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        body = urlencode(form(notification, config)).encode()
        return OutboundRequest("POST", config.server_url.rstrip("/") + SEND_PATH, headers, body)

    def interpret(self, response: HttpResponse) -> Receipt:
        """Success is 200 with `result: success` and the message `id`.

        Raises RetryableDeliveryError for 429 `RATE_LIMIT_HIT` (delay from Retry-After, else `retry-after`)
        and 5xx; PermanentDeliveryError otherwise, with Zulip's code and msg.
        """
        data = response.json()
        if response.status == 200 and isinstance(data, dict) and data.get("result") == "success":
            message_id = data.get("id")
            return Receipt(provider_message_id=str(message_id) if message_id is not None else None, http_status=200)
        retry_after = _retry_after(response) if response.status == 429 else None
        raise classify.failure(self.display_name, response, _error_words(response), retry_after=retry_after)
