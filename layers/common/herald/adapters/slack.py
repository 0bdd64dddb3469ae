"""Slack incoming webhook: Block Kit in a coloured attachment, with a `text` fallback (PROVIDERS.md §1)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import WebhookUrl
from herald.models.notification import Notification
from herald.timeutil import iso
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

# Block Kit limits, PROVIDERS.md §1 ("Limits"); a block over its limit fails the whole message (400 invalid_blocks).
HEADER_LIMIT = 150
SECTION_TEXT_LIMIT = 3000
FIELDS_PER_SECTION = 10
FIELD_TEXT_LIMIT = 2000
BUTTON_URL_LIMIT = 3000
# §1: all blocks together fail with `msg_blocks_too_long` around 13k characters; stay below it.
BLOCKS_TEXT_BUDGET = 12_000
# Our choice: the `text` fallback is a push-notification preview (Slack itself cuts `text` at 40,000, §1).
FALLBACK_LIMIT = 500

_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


class SlackConfig(ChannelConfig):
    webhook_url: WebhookUrl = Field(description="Slack webhook URL")

    host_fields: ClassVar[tuple[str, ...]] = ("webhook_url",)

    def summary(self) -> str:
        return urlsplit(self.webhook_url.get_secret_value()).hostname or ""


def escape(text: str) -> str:
    """mrkdwn escaping: only `&`, `<` and `>` are control characters (§1)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, limit: int, escaping: Callable[[str], str] = escape) -> str:
    """Escaped text of at most `limit` characters; a cut never leaves half an `&amp;` behind."""
    escaped = escaping(text)
    if len(escaped) <= limit:
        return escaped
    return _PARTIAL_ENTITY.sub("", escaped[: max(0, limit - 1)]) + render.ELLIPSIS


def _fallback(n: Notification) -> str:
    # The headline is plain text (a template's title too: Slack shows it in a plain_text header); the body's
    # first line is escaped unless a template wrote it in mrkdwn.
    first_line = n.body.strip().splitlines()[0] if n.body.strip() else ""
    text = escape(render.headline(n))
    if first_line:
        text += f" — {render.verbatim(n, escape)(first_line)}"
    return mrkdwn(text, FALLBACK_LIMIT, str)


def _section_text(n: Notification, limit: int) -> str:
    # The recovery line is never cut: only the body gives way to the limit.
    own = render.verbatim(n, escape)
    tail = render.recovery_line(n)
    if not tail:
        return mrkdwn(n.body, limit, own)
    if not n.body:
        return tail
    return f"{mrkdwn(n.body, limit - len(tail) - 1, own)}\n{tail}"


def _blocks(n: Notification) -> list[dict[str, Any]]:
    header = render.truncate(render.headline(n), HEADER_LIMIT)
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}}]
    budget = BLOCKS_TEXT_BUDGET - len(header)

    if text := _section_text(n, min(SECTION_TEXT_LIMIT, budget // 2)):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        budget -= len(text)

    context = mrkdwn(f"Severity: {n.severity} · {n.event} · {iso(n.occurred_at)}", SECTION_TEXT_LIMIT)
    budget -= len(context)
    facts = [(name, value, esc) for name, value, esc in render.escaped_facts(n, escape) if name != "Severity"]
    if facts:
        # Share what is left of the message budget evenly, never above Slack's per-field limit.
        per_field = max(16, min(FIELD_TEXT_LIMIT, budget // len(facts)))
        fields = [
            {"type": "mrkdwn", "text": mrkdwn(f"*{name}*\n{value or '—'}", per_field, esc)}
            for name, value, esc in facts
        ]
        blocks.extend(
            {"type": "section", "fields": fields[start : start + FIELDS_PER_SECTION]}
            for start in range(0, len(fields), FIELDS_PER_SECTION)
        )

    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    url = render.link(n)
    if url and len(url) <= BUTTON_URL_LIMIT:
        button = {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": url}
        blocks.append({"type": "actions", "elements": [button]})
    return blocks


class SlackAdapter(HttpAdapter[SlackConfig]):
    kind = "slack"
    display_name = "Slack"
    config_model = SlackConfig

    def build_request(self, notification: Notification, config: SlackConfig, ctx: RenderContext) -> OutboundRequest:
        """POST the webhook URL: `text` fallback plus the blocks inside a coloured attachment (§1)."""
        payload = {
            "text": _fallback(notification),
            "attachments": [{"color": f"#{render.color_hex(notification)}", "blocks": _blocks(notification)}],
        }
        return OutboundRequest.json("POST", config.webhook_url.get_secret_value(), payload)

    def interpret(self, response: HttpResponse) -> Receipt:
        """Success is 200 with the body `ok` (§1).

        Raises RetryableDeliveryError (429 with Retry-After, 5xx) or PermanentDeliveryError, whose
        message carries Slack's own error word ("Slack returned 404: no_service").
        """
        if response.status == 200 and response.text.strip() == "ok":
            return Receipt(http_status=response.status)
        raise classify.failure(self.display_name, response)
