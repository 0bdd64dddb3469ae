"""Mattermost incoming webhook: one attachment coloured by severity (PROVIDERS.md §18).

Request format, read 2026-12-03 from developers.mattermost.com/integrate/webhooks/incoming/ (PROVIDERS.md §18):
`POST {server}/hooks/{generated-key}`, `Content-Type: application/json`, body `text` and/or Slack-style
`attachments` (`fallback`, `color`, `title`, `title_link`, `text`, `fields[{title, value, short}]`, `footer`),
optional overrides `channel` (`@user` for a direct message), `username`, `icon_emoji` (the server must allow
overrides). Success is 200 with the plain-text body `ok`; errors are JSON `{"id", "message", "status_code"}`;
429 only where the server's rate limiting is on (`X-RateLimit-Reset` seconds). No resolve: a recovery is a
new, green post.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field

from herald.adapters import attachments, markdown, render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import WebhookUrl
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

# §18 "Limits": a post holds 16,383 characters, 4,000 on older servers (`MaxPostSize`). The attachment's
# text keeps to the older limit, so it shows whole on every server.
TEXT_LIMIT = 4000
FIELD_LIMIT = 1000  # our choice: a fact is a line, not a page
FALLBACK_LIMIT = 500  # our choice: the push-notification preview, as for Slack
FOOTER = "Herald"


class MattermostConfig(ChannelConfig):
    """An incoming webhook URL (itself the credential) and the overrides Mattermost lets a webhook make."""

    webhook_url: WebhookUrl = Field(description="Mattermost webhook URL")
    channel: str | None = Field(None, min_length=1, max_length=64, description="Mattermost channel")
    username: str | None = Field(None, min_length=1, max_length=64, description="Mattermost username")
    icon_emoji: str | None = Field(None, min_length=1, max_length=64, description="Mattermost icon emoji")

    host_fields: ClassVar[tuple[str, ...]] = ("webhook_url",)
    recipient_fields: ClassVar[tuple[str, ...]] = ("channel",)

    def summary(self) -> str:
        return urlsplit(self.webhook_url.get_secret_value()).hostname or ""


def payload(n: Notification, config: MattermostConfig) -> dict[str, Any]:
    """The webhook body: the attachment plus its plain `fallback` and `footer`, and the configured overrides."""
    part = attachments.attachment(n, markdown.escape, TEXT_LIMIT, FIELD_LIMIT)
    part = {"fallback": render.truncate(render.plain_headline(n), FALLBACK_LIMIT), **part, "footer": FOOTER}
    body: dict[str, Any] = {"attachments": [part]}
    overrides = {"channel": config.channel, "username": config.username, "icon_emoji": config.icon_emoji}
    body.update({key: value for key, value in overrides.items() if value})
    return body


def _retry_after(response: HttpResponse) -> float | None:
    # Retry-After first; else the rate limiter's `X-RateLimit-Reset`, the seconds until the window resets (§18).
    hint = classify.retry_after_seconds(response)
    if hint is not None:
        return hint
    try:
        reset = float(response.header("X-RateLimit-Reset") or "")
    except ValueError:
        return None
    return reset if 0 <= reset < 86_400 else None


class MattermostAdapter(HttpAdapter[MattermostConfig]):
    kind = "mattermost"
    display_name = "Mattermost"
    config_model = MattermostConfig

    def build_request(
        self, notification: Notification, config: MattermostConfig, ctx: RenderContext
    ) -> OutboundRequest:
        """POST the webhook URL as JSON (§18: with a Content-Type, no Slack-style `payload=` form)."""
        return OutboundRequest.json("POST", config.webhook_url.get_secret_value(), payload(notification, config))

    def interpret(self, response: HttpResponse) -> Receipt:
        """Success is 200 with the body `ok` (§18).

        Raises RetryableDeliveryError for 429 (delay from Retry-After or X-RateLimit-Reset) and 5xx;
        PermanentDeliveryError otherwise, with Mattermost's `message` and error `id`.
        """
        if response.status == 200 and response.text.strip() == "ok":
            return Receipt(http_status=200)
        data = response.json()
        words = attachments.error_words(data, "message")
        if words and isinstance(data, dict) and data.get("id"):
            words = f"{words} ({data['id']})"
        retry_after = _retry_after(response) if response.status == 429 else None
        raise classify.failure(self.display_name, response, words, retry_after=retry_after)
