"""Google Chat incoming webhook: a cardsV2 card with a plain-text fallback, threaded by dedup key (PROVIDERS.md §4)."""

from __future__ import annotations

from html import escape
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import WebhookUrl
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

# §4 "Limits": the whole message (text + cards) is at most 32,000 bytes.
MESSAGE_BYTES_LIMIT = 32_000
# Per-text character budget to start from (a notification body's maximum), halved until the
# message fits the byte limit.
TEXT_BUDGET = 16_384
# Our choice: the `text` fallback is a notification preview, not a second copy of the card.
FALLBACK_LIMIT = 500
# §4 "Resolve": reply in the dedup key's thread, or start it when there is none yet.
REPLY_OPTION = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
CARD_ID = "herald-alert"


class GoogleChatConfig(ChannelConfig):
    webhook_url: WebhookUrl = Field(description="Google Chat webhook URL")

    host_fields: ClassVar[tuple[str, ...]] = ("webhook_url",)

    def summary(self) -> str:
        return urlsplit(self.webhook_url.get_secret_value()).hostname or ""


def _html(text: str) -> str:
    """Text for the card's HTML subset (§4 "Text formatting"): escaped, line breaks kept."""
    return escape(text, quote=False).replace("\n", "<br>")


def _status_line(n: Notification) -> str:
    words = render.recovery_line(n) or n.severity.upper()
    return f'<font color="#{render.color_hex(n)}"><b>{_html(words)}</b></font>'


def _fallback(n: Notification) -> str:
    """The plain `text`, where Chat reads `<users/all>` as a mention of everyone and `<url|label>` as a link.

    Chat documents no escape for them, so user text keeps its words with look-alike angle quotes.
    """
    first_line = n.body.strip().splitlines()[0] if n.body.strip() else ""
    text = f"{render.headline(n)} — {first_line}" if first_line else render.headline(n)
    return render.truncate(text.translate(_NO_ANGLE_BRACKETS), FALLBACK_LIMIT)


_NO_ANGLE_BRACKETS = str.maketrans({"<": "‹", ">": "›"})


def build_message(n: Notification, budget: int = TEXT_BUDGET) -> dict[str, Any]:
    """The message body: `text` fallback, one cardsV2 card and, with a dedup key, its thread."""
    paragraph = _status_line(n)
    if n.body:
        paragraph += "<br>" + _html(render.truncate(n.body, budget))
    widgets: list[dict[str, Any]] = [{"textParagraph": {"text": paragraph}}]
    widgets.extend(
        {
            "decoratedText": {
                "topLabel": render.truncate(name, budget),
                "text": _html(render.truncate(value or "—", budget)),
            }
        }
        for name, value in render.facts(n)
    )
    if url := render.link(n):
        widgets.append({"buttonList": {"buttons": [{"text": "Open", "onClick": {"openLink": {"url": url}}}]}})
    header = {"title": render.truncate(render.headline(n), budget), "subtitle": _subtitle(n, budget)}
    message: dict[str, Any] = {
        "text": _fallback(n),
        "cardsV2": [{"cardId": CARD_ID, "card": {"header": header, "sections": [{"widgets": widgets}]}}],
    }
    if n.dedup_key:
        message["thread"] = {"threadKey": n.dedup_key}
    return message


def _subtitle(n: Notification, budget: int) -> str:
    return render.truncate(n.monitor.name, budget) if n.monitor and n.monitor.name else n.event


def _error_words(response: HttpResponse) -> str | None:
    # Google API errors: {"error": {"code": 429, "message": "...", "status": "RESOURCE_EXHAUSTED"}}.
    data = response.json()
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None
    words = [str(error[key]) for key in ("status", "message") if error.get(key)]
    return ": ".join(words) or None


class GoogleChatAdapter(HttpAdapter[GoogleChatConfig]):
    kind = "googlechat"
    display_name = "Google Chat"
    aliases = ("google_chat",)
    config_model = GoogleChatConfig

    def build_request(
        self, notification: Notification, config: GoogleChatConfig, ctx: RenderContext
    ) -> OutboundRequest:
        """POST the webhook URL; with a dedup key, `messageReplyOption` joins its query (§4)."""
        url = config.webhook_url.get_secret_value()
        if notification.dedup_key:
            url = render.with_query_param(url, "messageReplyOption", REPLY_OPTION)
        payload = render.fit_json(lambda budget: build_message(notification, budget), MESSAGE_BYTES_LIMIT, TEXT_BUDGET)
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        return OutboundRequest.json("POST", url, payload, headers)

    def interpret(self, response: HttpResponse) -> Receipt:
        """Success is 200 with the created message, whose id is recorded (204 tolerated, §4).

        Raises RetryableDeliveryError for 429 (RESOURCE_EXHAUSTED) and 5xx; PermanentDeliveryError
        otherwise, with Google's status and message.
        """
        if response.status in (200, 204):
            data = response.json()
            name = data.get("name") if isinstance(data, dict) else None
            # `name` is "spaces/{space}/messages/{id}"; the space id is part of the secret URL, so only the id.
            _, found, message_id = str(name or "").rpartition("/messages/")
            return Receipt(provider_message_id=(found and message_id) or None, http_status=response.status)
        raise classify.failure(self.display_name, response, _error_words(response))
