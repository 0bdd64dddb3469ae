"""Webex bot message: Markdown with a plain-text fallback, to a room or a person (PROVIDERS.md §21b).

Request format, read 2026-12-03 from PROVIDERS.md §21 (apprise/webexteams.py; rate limits per
developer.webex.com/docs/api/basics/rate-limiting): `POST https://webexapis.com/v1/messages`,
`Authorization: Bearer {bot access token}`, `Content-Type: application/json`, body exactly one destination
(`roomId`, `toPersonId` or `toPersonEmail`) and `text` and/or `markdown`, each at most 7,439 bytes.
Success is 200 with the message JSON (`id`, `roomId`, …); errors 400, 401 (invalid token), 404, 415,
429 with `Retry-After` (seconds), 503 (overloaded, retry); error bodies carry `message`, `errors` and a
`trackingId`. No resolve: a recovery is a new message.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import AliasChoices, Field, model_validator

from herald.adapters import markdown, render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import EmailAddress, Secret
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

PUBLIC_HOST = "https://webexapis.com"
MESSAGES_PATH = "/v1/messages"
# §21b: `text` and `markdown` are each at most 7,439 bytes.
MESSAGE_BYTES_LIMIT = 7439
# Per-text character budget to start from (a notification body's maximum), halved until the Markdown fits.
TEXT_BUDGET = 16_384
LINK_TEXT = "Open in monitoring"


class WebexConfig(ChannelConfig):
    """A bot's access token and where it posts: a room (the bot must be in it) or one person by e-mail."""

    bot_token: Secret = Field(
        validation_alias=AliasChoices("botToken", "bot_token", "accessToken", "access_token"),
        description="Webex bot token",
    )
    room_id: str | None = Field(None, min_length=1, max_length=256, description="Webex room ID")
    # Webex's own field is `toPersonEmail`; `personEmail` is how its webhooks and memberships name it.
    person_email: EmailAddress | None = Field(
        None,
        validation_alias=AliasChoices("personEmail", "person_email", "toPersonEmail", "to_person_email"),
        description="Webex person e-mail",
    )

    recipient_fields: ClassVar[tuple[str, ...]] = ("room_id", "person_email")

    @model_validator(mode="after")
    def _one_destination(self) -> Self:
        """Raises ValueError unless exactly one of roomId and personEmail is set (§21b: one destination)."""
        if (self.room_id is None) == (self.person_email is None):
            raise ValueError("Set either roomId or personEmail (exactly one Webex destination)")
        return self

    def summary(self) -> str:
        return self.person_email or self.room_id or ""


def build_markdown(n: Notification, budget: int = TEXT_BUDGET) -> str:
    """Bold headline, body, recovery line, facts as a list and the link, each free text within `budget`."""
    own = render.verbatim(n, markdown.escape)
    prefix = markdown.escape(render.headline_prefix(n))  # Herald's own: always escaped
    blocks = [f"**{prefix}{render.fit_escaped(n.title, max(budget - len(prefix), 1), own)}**"]
    if text := render.description(n, budget, own):
        blocks.append(text)
    rows = [
        f"- **{render.fit_escaped(name, budget, esc)}:** {render.fit_escaped(value or '—', budget, esc)}"
        for name, value, esc in render.escaped_facts(n, markdown.escape)
    ]
    if rows:
        blocks.append("\n".join(rows))
    if url := render.link(n):
        blocks.append(markdown.link(LINK_TEXT, url))
    return "\n\n".join(blocks)


def payload(n: Notification, config: WebexConfig) -> dict[str, Any]:
    destination = {"roomId": config.room_id} if config.room_id else {"toPersonEmail": config.person_email}
    text = render.fit_json(
        lambda budget: build_markdown(n, budget), MESSAGE_BYTES_LIMIT, TEXT_BUDGET, size=lambda md: len(md.encode())
    )
    # `text` is what clients without Markdown (and notifications) show.
    return {**destination, "markdown": text, "text": render.truncate_bytes(render.plain_text(n), MESSAGE_BYTES_LIMIT)}


def _error_words(data: Any) -> str | None:
    if not isinstance(data, dict) or not data.get("message"):
        return None
    tracking = data.get("trackingId")
    return f"{data['message']} (trackingId {tracking})" if tracking else str(data["message"])


class WebexAdapter(HttpAdapter[WebexConfig]):
    kind = "webex"
    display_name = "Webex"
    config_model = WebexConfig

    def build_request(self, notification: Notification, config: WebexConfig, ctx: RenderContext) -> OutboundRequest:
        """POST /v1/messages on webexapis.com (or HERALD_ENDPOINT_WEBEX) with the bot's Bearer token (§21b)."""
        url = ctx.endpoint(self.kind, PUBLIC_HOST) + MESSAGES_PATH
        headers = {"Authorization": f"Bearer {config.bot_token.get_secret_value()}"}
        return OutboundRequest.json("POST", url, payload(notification, config), headers)

    def interpret(self, response: HttpResponse) -> Receipt:
        """Success is 200 with the new message's `id`, recorded as the provider's id.

        Raises RetryableDeliveryError for 429 (delay from Retry-After) and 5xx (503 overloaded);
        PermanentDeliveryError otherwise, with Webex's `message` and `trackingId`.
        """
        data = response.json()
        if response.status == 200 and isinstance(data, dict) and data.get("id"):
            return Receipt(provider_message_id=str(data["id"]), http_status=200)
        raise classify.failure(self.display_name, response, _error_words(data))
