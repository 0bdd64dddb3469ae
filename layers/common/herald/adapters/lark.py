"""Lark (Feishu) custom bot: a `post` rich-text message to the group's webhook, signed when the bot has a secret.

Source, read 2026-12-03: Lark/Feishu "Custom bot usage guide" (自定义机器人使用指南),
https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot (also open.larksuite.com, same path).
- POST https://open.feishu.cn/open-apis/bot/v2/hook/<hook id> (Lark outside China: open.larksuite.com), JSON
  `{"msg_type": "post", "content": {"post": {"zh_cn": {"title": ..., "content": [[{"tag": "text", ...}]]}}}}`.
- Signature verification (签名校验): `timestamp` (Unix seconds, within an hour of Lark's clock) and `sign` in the
  body; `sign` = Base64(HMAC-SHA256(key = timestamp + "\\n" + secret, message = empty)).
- Answer: `{"code": 0, "msg": "success", "data": {}}`; a failure is a non-zero `code` with its `msg`, e.g.
  19021 "sign match fail or timestamp is not within one hour from current time", 19024 "Key Words Not Found",
  9499 "Bad Request". A custom bot may send 100 messages a minute and 5 a second; over that `code` 11232
  "frequency limited". The request body must stay under 20 KB.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, AliasChoices, Field

from herald.adapters import chatbots, render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import Secret, WebhookUrl
from herald.models.notification import Notification
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

ROBOT_URL = chatbots.RobotUrl("Lark webhook URL", ("open.feishu.cn", "open.larksuite.com"), "/open-apis/bot/v2/hook/")
BODY_BYTES_LIMIT = 20 * 1024
# Room left for `timestamp` and `sign` (about 70 bytes) under the body limit.
MESSAGE_BYTES_LIMIT = BODY_BYTES_LIMIT - 512
TEXT_BUDGET = 8_000  # characters per free text to start from, halved until the message fits
TITLE_LIMIT = 200  # our choice: the post title is one line above the message
LOCALE = "zh_cn"  # the guide's own example; the one locale given is shown to every reader
LINK_TEXT = "Open"
# Throttling codes are retried a minute later: the limit is per minute.
CODES = chatbots.Codes("code", "msg", throttled=(11232,), throttle_wait=60.0)


class LarkConfig(ChannelConfig):
    """The custom bot's webhook URL and, when its signature verification is on, its secret."""

    webhook_url: Annotated[WebhookUrl, AfterValidator(ROBOT_URL.check)] = Field(
        validation_alias=AliasChoices(*chatbots.URL_SPELLINGS), description="Lark webhook URL"
    )
    secret: Secret | None = Field(None, description="Lark signing secret")

    host_fields: ClassVar[tuple[str, ...]] = ("webhook_url",)

    def summary(self) -> str:
        return chatbots.host(self.webhook_url)


def sign(secret: str, timestamp: int) -> str:
    """The guide's signature: the key is `timestamp\\nsecret`, the message is empty."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def _paragraphs(n: Notification, budget: int) -> list[list[dict[str, str]]]:
    lines = [line for line in render.description(n, budget).split("\n") if line.strip()]
    facts = [(name, value) for name, value in render.facts(n) if name != "Downtime"]  # the description says it
    lines += [f"{name}: {render.truncate(value or '—', budget)}" for name, value in facts]
    paragraphs = [[{"tag": "text", "text": line}] for line in lines]
    if url := render.link(n):
        paragraphs.append([{"tag": "a", "text": LINK_TEXT, "href": url}])
    return paragraphs


def post(n: Notification, budget: int = TEXT_BUDGET) -> dict[str, Any]:
    """The `post` message: text tags are plain text to Lark, so nothing is escaped."""
    title = render.truncate(render.headline(n), TITLE_LIMIT)
    return {"msg_type": "post", "content": {"post": {LOCALE: {"title": title, "content": _paragraphs(n, budget)}}}}


class LarkAdapter(HttpAdapter[LarkConfig]):
    kind = "lark"
    display_name = "Lark"
    aliases = ("feishu",)
    config_model = LarkConfig

    def build_request(self, notification: Notification, config: LarkConfig, ctx: RenderContext) -> OutboundRequest:
        """POST the webhook URL; with a secret, `timestamp` and `sign` lead the body."""
        message = render.fit_json(lambda budget: post(notification, budget), MESSAGE_BYTES_LIMIT, TEXT_BUDGET)
        if config.secret is not None:
            timestamp = int(ctx.now.timestamp())
            signature = sign(config.secret.get_secret_value(), timestamp)
            message = {"timestamp": str(timestamp), "sign": signature, **message}
        url = chatbots.send_url(config.webhook_url.get_secret_value(), self.kind, ctx)
        return OutboundRequest.json("POST", url, message)

    def interpret(self, response: HttpResponse) -> Receipt:
        """`code` 0 is success; 11232 (frequency limited) is retried; any other code fails with Lark's `msg`."""
        return CODES.interpret(self.display_name, response)
