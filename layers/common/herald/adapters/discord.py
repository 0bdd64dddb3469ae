"""Discord webhook: one embed with the severity colour, mentions suppressed (PROVIDERS.md §2)."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import WebhookUrl
from herald.models.notification import Notification
from herald.timeutil import iso
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

# Embed limits, PROVIDERS.md §2 ("Limits"); over any of them Discord answers 400. No `content` is sent
# (the embed carries everything), so its 2000-character limit never applies.
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
MAX_FIELDS = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000  # title + description + field names and values + footer, summed


_SNOWFLAKE = re.compile(r"[0-9]{1,20}")


def _snowflake_text(value: Any) -> Any:
    # A thread id sent as a JSON number is still an id; bools are not.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _snowflake(value: str) -> str:
    if not _SNOWFLAKE.fullmatch(value):
        raise ValueError("Discord thread ID must be the thread's numeric id")
    return value


Snowflake = Annotated[
    str,
    BeforeValidator(_snowflake_text),
    AfterValidator(_snowflake),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": "^[0-9]{1,20}$"}, {"type": "integer", "minimum": 0}]}),
]


class DiscordConfig(ChannelConfig):
    webhook_url: WebhookUrl = Field(description="Discord webhook URL")
    thread_id: Snowflake | None = Field(None, description="Discord thread ID")
    username: str | None = Field(None, min_length=1, max_length=80, description="Discord username")

    # The thread is part of the same webhook (the URL is the credential), so only the URL moves a channel.
    host_fields: ClassVar[tuple[str, ...]] = ("webhook_url",)
    recipient_fields: ClassVar[tuple[str, ...]] = ("thread_id",)

    def summary(self) -> str:
        return urlsplit(self.webhook_url.get_secret_value()).hostname or ""


# Discord reads Markdown in an embed's description and field values; a backslash makes punctuation literal.
# Escaped: emphasis, spoilers, code, quotes, headings, masked links and <mentions>. Links it finds by itself
# are left whole, since an escape inside one would break it.
_MARKUP = re.compile(r"([\\*_~`|>#\[\]<])")
_LINK = re.compile(r"(https?://[^\s<>]+)")


def escape_markdown(text: str) -> str:
    """User text shown as written: `**x**` stays two stars and an x, never bold."""
    return "".join(part if index % 2 else _MARKUP.sub(r"\\\1", part) for index, part in enumerate(_LINK.split(text)))


def build_embed(n: Notification) -> dict[str, Any]:
    """The embed, every part within its own limit and all of them within the 6000-character total."""
    title = render.truncate(render.headline(n), TITLE_LIMIT)
    footer = render.truncate(f"Herald · {n.event}", FOOTER_LIMIT)
    description = render.description(n, DESCRIPTION_LIMIT, render.verbatim(n, escape_markdown))
    room = EMBED_TOTAL_LIMIT - len(title) - len(footer) - len(description)

    fields: list[dict[str, Any]] = []
    for name, value, escape in render.escaped_facts(n, escape_markdown)[:MAX_FIELDS]:
        name_text = render.truncate(name, FIELD_NAME_LIMIT)
        value_text = render.fit_escaped(value or "—", FIELD_VALUE_LIMIT, escape)
        size = len(name_text) + len(value_text)
        if size > room:
            break  # the total is a hard 400; later facts are dropped rather than the message
        fields.append({"name": name_text, "value": value_text, "inline": len(value) <= 40})
        room -= size

    embed: dict[str, Any] = {"title": title, "color": render.color_int(n), "timestamp": iso(n.occurred_at)}
    if description:
        embed["description"] = description
    if url := render.link(n):
        embed["url"] = url
    if fields:
        embed["fields"] = fields
    embed["footer"] = {"text": footer}
    return embed


def _error_words(response: HttpResponse) -> str | None:
    data = response.json()
    if not isinstance(data, dict) or not data.get("message"):
        return None
    code = data.get("code")
    return f"{data['message']} (code {code})" if code else str(data["message"])


class DiscordAdapter(HttpAdapter[DiscordConfig]):
    kind = "discord"
    display_name = "Discord"
    config_model = DiscordConfig

    def build_request(self, notification: Notification, config: DiscordConfig, ctx: RenderContext) -> OutboundRequest:
        """POST the webhook URL (`thread_id` as a query parameter when set) with one embed (§2)."""
        url = config.webhook_url.get_secret_value()
        if config.thread_id:
            url = render.with_query_param(url, "thread_id", config.thread_id)
        payload: dict[str, Any] = {"allowed_mentions": {"parse": []}, "embeds": [build_embed(notification)]}
        if config.username:
            payload["username"] = config.username
        return OutboundRequest.json("POST", url, payload)

    def interpret(self, response: HttpResponse) -> Receipt:
        """Success is 204, or 200 with the message when the URL asks `wait=true` (its id is recorded).

        Raises RetryableDeliveryError for 429 (delay from the JSON `retry_after`, else Retry-After) and
        5xx; PermanentDeliveryError otherwise, with Discord's own message.
        """
        if response.status == 204:
            return Receipt(http_status=204)
        if response.status == 200:
            data = response.json()
            message_id = data.get("id") if isinstance(data, dict) else None
            return Receipt(provider_message_id=str(message_id) if message_id else None, http_status=200)
        retry_after = None
        if response.status == 429:
            data = response.json()
            hint = data.get("retry_after") if isinstance(data, dict) else None
            if isinstance(hint, int | float) and not isinstance(hint, bool) and hint >= 0:
                retry_after = float(hint)
        raise classify.failure(self.display_name, response, _error_words(response), retry_after=retry_after)
