"""WeCom (WeChat Work) group robot: a markdown message to the group's webhook, whose `key` is the credential.

Source, read 2026-12-03: WeCom developer docs "Group robot configuration" (群机器人配置说明),
https://developer.work.weixin.qq.com/document/path/91770 (also work.weixin.qq.com/api/doc/90000/90136/91770).
- POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<key>, UTF-8 JSON
  `{"msgtype": "markdown", "markdown": {"content": ...}}`; `content` at most 4096 bytes.
- The markdown subset: headings, **bold**, [links](url), `code`, > quotes and
  `<font color="info|comment|warning">` (green, grey, orange-red). No signing: the key is the credential.
- Answer: `{"errcode": 0, "errmsg": "ok"}`; a failure is a non-zero `errcode` with its `errmsg` (93000 invalid
  webhook url, 45009 api freq out of limit, ...). A robot may send 20 messages a minute.
User text is escaped with a backslash before the subset's markup characters (`escape`).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar
from urllib.parse import quote

from pydantic import AfterValidator, AliasChoices, Field

from herald.adapters import chatbots, discord, render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import WebhookUrl
from herald.models.notification import Notification
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

ROBOT_URL = chatbots.RobotUrl("WeCom webhook URL", ("qyapi.weixin.qq.com",), "/cgi-bin/webhook/send", "key")
CONTENT_BYTES_LIMIT = 4096
TEXT_BUDGET = 2048  # characters per free text to start from, halved until the content fits
# Throttling codes are retried a minute later: the limit is per minute.
CODES = chatbots.Codes("errcode", "errmsg", throttled=(45009,), throttle_wait=60.0)
COLOR = {"critical": "warning", "warning": "warning", "info": "comment"}
RESOLVED_COLOR = "info"
LINK_TEXT = "Open"
_URL_SAFE = ":/?#[]@!$&'*+,;=%~"  # everything a URL may hold as it is, but ( ) and space

# The same rule as Discord's Markdown: a backslash before * _ ~ ` | > # [ ] < (and \ itself); bare links kept.
escape = discord.escape_markdown


class WeComConfig(ChannelConfig):
    """The group robot's webhook URL (its `key` is the credential)."""

    webhook_url: Annotated[WebhookUrl, AfterValidator(ROBOT_URL.check)] = Field(
        validation_alias=AliasChoices(*chatbots.URL_SPELLINGS), description="WeCom webhook URL"
    )

    host_fields: ClassVar[tuple[str, ...]] = ("webhook_url",)

    def summary(self) -> str:
        return chatbots.host(self.webhook_url)


def _headline(n: Notification) -> str:
    # Herald's own prefix ("🔴 [CRITICAL] ") is always escaped; the title only unless a template wrote it.
    return _one_line(escape(render.headline_prefix(n)) + render.verbatim(n, escape)(n.title))


def _one_line(text: str) -> str:
    # A line break would end the headline's bold or a fact's quote, leaving the rest outside it.
    return " ".join(text.splitlines())


def _link(url: str) -> str:
    # Parentheses and spaces would end the link's target early: percent-encoded, the address is the same.
    return f"[{LINK_TEXT}]({quote(url, safe=_URL_SAFE)})"


def content(n: Notification, budget: int = TEXT_BUDGET) -> str:
    """Bold headline, the body, the facts as grey quotes (severity in its colour) and the link."""
    lines = [f"**{_headline(n)}**"]
    if description := render.description(n, budget, render.verbatim(n, escape)):
        lines.append(description)
    color = RESOLVED_COLOR if n.resolved else COLOR[n.severity]
    for name, value, own in render.escaped_facts(n, escape):
        shade = color if name == "Severity" else "comment"
        shown = _one_line(render.fit_escaped(value or "—", budget, own))
        lines.append(f'> {_one_line(own(name))}: <font color="{shade}">{shown}</font>')
    if url := render.link(n):
        lines.append(_link(url))
    return "\n".join(lines)


def markdown_message(n: Notification) -> dict[str, Any]:
    def size(text: str) -> int:
        return len(text.encode())

    text = render.fit_json(lambda budget: content(n, budget), CONTENT_BYTES_LIMIT, TEXT_BUDGET, size=size)
    return {"msgtype": "markdown", "markdown": {"content": _whole_lines(text, CONTENT_BYTES_LIMIT)}}


def _whole_lines(text: str, limit: int) -> str:
    """`text` if it fits `limit` bytes, else its first whole lines and an ellipsis: a cut never splits markup
    (many facts can outgrow the limit even when each is cut short)."""
    if len(text.encode()) <= limit:
        return text
    kept: list[str] = []
    used = len(render.ELLIPSIS.encode())
    for line in text.split("\n"):
        cost = len(line.encode()) + 1
        if used + cost > limit:
            break
        kept.append(line)
        used += cost
    return "\n".join([*kept, render.ELLIPSIS])


class WeComAdapter(HttpAdapter[WeComConfig]):
    kind = "wecom"
    display_name = "WeCom"
    aliases = ("wechatwork", "wework")
    config_model = WeComConfig

    def build_request(self, notification: Notification, config: WeComConfig, ctx: RenderContext) -> OutboundRequest:
        """POST the webhook URL (key in its query) with one markdown message."""
        url = chatbots.send_url(config.webhook_url.get_secret_value(), self.kind, ctx)
        return OutboundRequest.json("POST", url, markdown_message(notification))

    def interpret(self, response: HttpResponse) -> Receipt:
        """`errcode` 0 is success; 45009 (frequency limit) is retried a minute later; any other code fails with
        WeCom's `errmsg`."""
        return CODES.interpret(self.display_name, response)
