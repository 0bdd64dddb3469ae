"""Microsoft Teams: Workflows webhooks get an Adaptive Card envelope, legacy connectors a MessageCard.

PROVIDERS.md §3b (Workflows, current) and §3a (Office 365 connectors, retired but still accepted).
"""

from __future__ import annotations

import re
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

# §3a/§3b "Limits": Teams refuses messages over ~28 KB (413); leave room for the envelope.
MESSAGE_BYTES_LIMIT = 27_000
# Per-text character budget to start from (a notification body's maximum), halved until the
# whole message fits the byte limit.
TEXT_BUDGET = 16_384
ADAPTIVE_CARD_VERSION = "1.4"  # §3b "Card version": rendered by desktop and current mobile clients
ADAPTIVE_CARD_TYPE = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"

# §3b "Colour/severity": no colour bar; a Container style carries the severity.
CONTAINER_STYLE = {"critical": "attention", "warning": "warning", "info": "accent"}
RESOLVED_STYLE = "good"

# §3a "Rate limit": connectors report throttling inside a 200/4xx body ("... returned HTTP error 429").
_THROTTLED = re.compile(r"\b429\b")


def is_legacy_connector(url: str) -> bool:
    """Office 365 connector URLs (API.md §8): `*.webhook.office.com` and `outlook.office.com`."""
    host = (urlsplit(url).hostname or "").lower()
    return host in ("webhook.office.com", "outlook.office.com") or host.endswith(".webhook.office.com")


class TeamsConfig(ChannelConfig):
    webhook_url: WebhookUrl = Field(description="Microsoft Teams webhook URL")

    host_fields: ClassVar[tuple[str, ...]] = ("webhook_url",)

    def summary(self) -> str:
        return urlsplit(self.webhook_url.get_secret_value()).hostname or ""


def _paragraphs(text: str) -> str:
    # Teams' Markdown joins single line breaks; a blank line keeps each line on its own.
    return text.replace("\n", "\n\n")


def _facts(n: Notification, budget: int) -> list[tuple[str, str]]:
    return [(render.truncate(name, budget), render.truncate(value or "—", budget)) for name, value in render.facts(n)]


def adaptive_card_message(n: Notification, budget: int = TEXT_BUDGET) -> dict[str, Any]:
    """The Workflows "message" envelope with one Adaptive Card (§3b "Body")."""
    style = RESOLVED_STYLE if n.resolved else CONTAINER_STYLE[n.severity]
    title = {"type": "TextBlock", "text": render.headline(n), "weight": "Bolder", "size": "Large", "wrap": True}
    body: list[dict[str, Any]] = [{"type": "Container", "style": style, "items": [title]}]
    if description := _paragraphs(render.description(n, budget)):
        body.append({"type": "TextBlock", "text": description, "wrap": True})
    facts = [{"title": name, "value": value} for name, value in _facts(n, budget)]
    body.append({"type": "FactSet", "facts": facts})
    card: dict[str, Any] = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": ADAPTIVE_CARD_VERSION,
        "msteams": {"width": "Full"},
        "body": body,
    }
    if url := render.link(n):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open", "url": url}]
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD_TYPE, "contentUrl": None, "content": card}],
    }


def message_card(n: Notification, budget: int = TEXT_BUDGET) -> dict[str, Any]:
    """A legacy connector MessageCard (§3a): hex `themeColor` without '#', facts, an OpenUri action."""
    headline = render.headline(n)
    section: dict[str, Any] = {
        "activityTitle": render.truncate(n.monitor.name, budget) if n.monitor and n.monitor.name else n.event,
        "facts": [{"name": name, "value": value} for name, value in _facts(n, budget)],
        "markdown": True,
    }
    card: dict[str, Any] = {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": headline,
        "themeColor": render.color_hex(n),
        "title": headline,
        "sections": [section],
    }
    if description := _paragraphs(render.description(n, budget)):
        card["text"] = description
    if url := render.link(n):
        card["potentialAction"] = [{"@type": "OpenUri", "name": "Open", "targets": [{"os": "default", "uri": url}]}]
    return card


def _error_words(response: HttpResponse) -> str | None:
    # Workflows (Logic Apps) errors: {"error": {"code": "TriggerInputSchemaMismatch", "message": "..."}}.
    data = response.json()
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None
    words = [str(error[key]) for key in ("code", "message") if error.get(key)]
    return ": ".join(words) or None


class TeamsAdapter(HttpAdapter[TeamsConfig]):
    kind = "teams"
    display_name = "Microsoft Teams"
    config_model = TeamsConfig

    def build_request(self, notification: Notification, config: TeamsConfig, ctx: RenderContext) -> OutboundRequest:
        """POST the webhook URL verbatim: a MessageCard to a legacy connector, else an Adaptive Card envelope."""
        url = config.webhook_url.get_secret_value()
        build = message_card if is_legacy_connector(url) else adaptive_card_message
        payload = render.fit_json(lambda budget: build(notification, budget), MESSAGE_BYTES_LIMIT, TEXT_BUDGET)
        return OutboundRequest.json("POST", url, payload)

    def interpret(self, response: HttpResponse) -> Receipt:
        """Success: Workflows 202 (200 tolerated), connectors 200 (body `1`).

        Raises RetryableDeliveryError for 429, 5xx and a connector's throttling reported inside a 200 or
        4xx body; PermanentDeliveryError for other answers, with the service's own words.
        """
        throttled = (response.status == 200 or 400 <= response.status < 500) and _THROTTLED.search(response.text)
        if throttled:
            raise classify.failure(self.display_name, response, retryable=True)
        if response.status in (200, 202):
            return Receipt(http_status=response.status)
        raise classify.failure(self.display_name, response, _error_words(response))
