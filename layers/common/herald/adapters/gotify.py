"""Gotify: a Markdown message to a self-hosted server with an application token (PROVIDERS.md §13)."""

from __future__ import annotations

import re
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from pydantic import Field

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import Secret, ServerUrl
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

# §13 documents no length limits; Gotify keeps what it is given. Priorities (Android client): 0 silent,
# 1-3 icon only, 4-7 icon and sound, 8-10 pop-up. A recovery is never louder than "icon only".
SEVERITY_PRIORITY = {"critical": 8, "warning": 5, "info": 3}
RESOLVED_PRIORITY = 3

# CommonMark backslash-escapes these, so monitor text shows as written instead of turning into markup
# (`&` too: "&lt;" would show as "<").
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")
# What only starts a block at the beginning of a line: a list item or setext underline (`-`, `=`) and an
# ordered list (`1.`); and the indentation that makes a code block, where escapes would show as written.
_LINE_BREAK = re.compile(r"\r\n?")
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
_LINE_MARKER = re.compile(r"^([-=])", re.MULTILINE)
_ORDERED_MARKER = re.compile(r"^([0-9]{1,9})\.", re.MULTILINE)
# Inside a `(<...>)` link destination CommonMark ends at `>` and refuses `<` and line breaks: those (and
# spaces, controls, backslashes, non-ASCII) are percent-encoded, which names the same resource.
_DESTINATION_SAFE = "".join(chr(code) for code in range(0x21, 0x7F) if chr(code) not in "<>\\")


class GotifyConfig(ChannelConfig):
    """A Gotify server and the token of the application that posts."""

    server_url: ServerUrl = Field(description="Gotify server URL")
    app_token: Secret = Field(description="Gotify app token")
    priority: int | None = Field(None, ge=0, le=10, description="Gotify priority")

    host_fields: ClassVar[tuple[str, ...]] = ("server_url",)

    def summary(self) -> str:
        return urlsplit(self.server_url).hostname or ""


def escape_markdown(text: str) -> str:
    """`text` shown as written: every character Markdown would read as markup is backslash-escaped."""
    text = _INDENT.sub("", _LINE_BREAK.sub("\n", text))
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _ORDERED_MARKER.sub(r"\1\\.", _LINE_MARKER.sub(r"\\\1", text))


def _priority(n: Notification, configured: int | None) -> int:
    if n.resolved:
        return min(RESOLVED_PRIORITY if configured is None else configured, RESOLVED_PRIORITY)
    return SEVERITY_PRIORITY[n.severity] if configured is None else configured


def markdown(n: Notification) -> str:
    """Body, downtime, facts as a list and the link, as Markdown paragraphs."""
    blocks: list[str] = []
    if n.body:
        blocks.append(escape_markdown(n.body))
    if recovered := render.recovery_line(n):
        blocks.append(f"**{recovered}**")
    rows = [(name, value) for name, value in render.facts(n) if name not in ("Downtime", "Severity")]
    if rows:
        blocks.append("\n".join(f"- **{escape_markdown(name)}:** {escape_markdown(value)}" for name, value in rows))
    if link := render.link(n):
        blocks.append(f"[Open in monitoring](<{quote(link, safe=_DESTINATION_SAFE)}>)")
    return "\n\n".join(blocks) or escape_markdown(n.title)


def payload(n: Notification, config: GotifyConfig) -> dict[str, Any]:
    extras: dict[str, Any] = {"client::display": {"contentType": "text/markdown"}}
    if link := render.link(n):
        extras["client::notification"] = {"click": {"url": link}}
    return {
        "title": render.headline(n),
        "message": markdown(n),
        "priority": _priority(n, config.priority),
        "extras": extras,
    }


def _error_words(response: HttpResponse) -> str | None:
    data = response.json()
    if isinstance(data, dict):
        words = [str(data[key]) for key in ("error", "errorDescription") if data.get(key)]
        return ": ".join(words) or None
    return None


class GotifyAdapter(HttpAdapter[GotifyConfig]):
    kind = "gotify"
    display_name = "Gotify"
    config_model = GotifyConfig

    def build_request(self, notification: Notification, config: GotifyConfig, ctx: RenderContext) -> OutboundRequest:
        # The header keeps the token out of URLs and access logs (§13 prefers it over ?token=).
        url = config.server_url.rstrip("/") + "/message"
        headers = {"X-Gotify-Key": config.app_token.get_secret_value()}
        return OutboundRequest.json("POST", url, payload(notification, config), headers)

    def interpret(self, response: HttpResponse) -> Receipt:
        """Receipt with Gotify's message id for a 200; raises the classified error with its errorDescription."""
        if response.status == 200:
            data = response.json()
            message_id = data.get("id") if isinstance(data, dict) else None
            return Receipt(provider_message_id=str(message_id) if message_id is not None else None, http_status=200)
        raise classify.failure(self.display_name, response, _error_words(response))
