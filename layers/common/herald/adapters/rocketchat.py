"""Rocket.Chat incoming webhook integration: one coloured attachment under a headline (PROVIDERS.md §19).

Request format, read 2026-12-03 from PROVIDERS.md §19 (apprise/rocketchat.py, kuma/rocket-chat.js; the
official integration page is not in the stored corpus): `POST {server}/hooks/{integrationId}/{token}`,
`Content-Type: application/json`, body `text`, optional `alias` (display name), `emoji`, `channel` (`#room`
or `@user`, where the integration allows it) and `attachments[{title, title_link, text, color,
fields[{short, title, value}]}]`. Success is 200 with `{"success": true}`; errors are
`{"success": false, "error": "…"}` (400), 401/404 for a wrong token or id, 429 with `X-RateLimit-*`. No
resolve. Markdown escaping: Rocket.Chat's message parser takes a backslash before `* _ ~ \\` #` and `\\`
only (github.com/RocketChat/fuselage/pull/899, "Escaping only necessary characters", read 2026-12-03).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field

from herald.adapters import attachments, render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import WebhookUrl
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

# §19 "Limits": the server's Message_MaxAllowedSize is 5,000 characters by default; the attachment's text
# keeps to it as well.
TEXT_LIMIT = 5000
FIELD_LIMIT = 1000  # our choice: a fact is a line, not a page

_SPECIAL = re.compile(r"([\\*_~`#])")


class RocketChatConfig(ChannelConfig):
    """An incoming webhook URL (itself the credential) and the overrides the integration may allow."""

    webhook_url: WebhookUrl = Field(description="Rocket.Chat webhook URL")
    channel: str | None = Field(None, min_length=1, max_length=128, description="Rocket.Chat channel")
    # Rocket.Chat's own names first; the Slack-style `username` / `icon_emoji` it also maps (§19).
    alias: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        validation_alias=AliasChoices("alias", "username"),
        description="Rocket.Chat alias",
    )
    emoji: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        validation_alias=AliasChoices("emoji", "iconEmoji", "icon_emoji"),
        description="Rocket.Chat emoji",
    )

    host_fields: ClassVar[tuple[str, ...]] = ("webhook_url",)
    recipient_fields: ClassVar[tuple[str, ...]] = ("channel",)

    def summary(self) -> str:
        return urlsplit(self.webhook_url.get_secret_value()).hostname or ""


def escape_markdown(text: str) -> str:
    """`text` shown as written: a backslash before each character Rocket.Chat's parser reads as markup."""
    return _SPECIAL.sub(r"\\\1", text)


def payload(n: Notification, config: RocketChatConfig) -> dict[str, Any]:
    """`text` is the headline (what notifications and the room list show); the attachment carries the rest."""
    body: dict[str, Any] = {
        "text": render.truncate(render.headline(n), TEXT_LIMIT),
        "attachments": [attachments.attachment(n, escape_markdown, TEXT_LIMIT, FIELD_LIMIT)],
    }
    overrides = {"alias": config.alias, "emoji": config.emoji, "channel": config.channel}
    body.update({key: value for key, value in overrides.items() if value})
    return body


class RocketChatAdapter(HttpAdapter[RocketChatConfig]):
    kind = "rocketchat"
    display_name = "Rocket.Chat"
    aliases = ("rocket_chat",)
    config_model = RocketChatConfig

    def build_request(
        self, notification: Notification, config: RocketChatConfig, ctx: RenderContext
    ) -> OutboundRequest:
        """POST the webhook URL as JSON (§19)."""
        return OutboundRequest.json("POST", config.webhook_url.get_secret_value(), payload(notification, config))

    def interpret(self, response: HttpResponse) -> Receipt:
        """Success is 200 with `"success": true` (§19).

        Raises RetryableDeliveryError for 429 (delay from Retry-After) and 5xx; PermanentDeliveryError
        otherwise, with Rocket.Chat's `error` (or `message`).
        """
        data = response.json()
        if response.status == 200 and isinstance(data, dict) and data.get("success") is True:
            return Receipt(http_status=200)
        raise classify.failure(self.display_name, response, attachments.error_words(data, "error", "message"))
