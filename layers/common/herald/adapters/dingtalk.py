"""DingTalk custom robot: a text message to the group's webhook, signed in the query when the robot has a secret.

Source, read 2026-12-03: DingTalk Open Platform "Custom robot access" (自定义机器人接入),
https://open.dingtalk.com/document/robots/custom-robot-access, and "Message types"
(https://open.dingtalk.com/document/development/robot-message-type).
- POST https://oapi.dingtalk.com/robot/send?access_token=<token>, UTF-8 JSON
  `{"msgtype": "text", "text": {"content": ...}}`.
- Signing (加签): `timestamp` (Unix milliseconds, within an hour of DingTalk's clock) and `sign` are added to
  the query; `sign` = urlEncode(Base64(HMAC-SHA256(key = secret, message = timestamp + "\\n" + secret))).
- Answer: `{"errcode": 0, "errmsg": "ok"}`; a failure is a non-zero `errcode` with its `errmsg`, e.g. 310000
  (sign not match, keyword not in the content, IP not allowed), 300001 (token is not exist).
- A robot may send 20 messages a minute; over that DingTalk throttles it for 10 minutes (errcode 410100
  "send too fast", 130101 "send too fast, exceed 20 times per minute").
The text is plain: what a monitor writes is shown as written. The robot's keyword setting, if used, must
match the alert's title or body.
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

ROBOT_URL = chatbots.RobotUrl("DingTalk webhook URL", ("oapi.dingtalk.com",), "/robot/send", "access_token")
# The custom-robot page names no text limit; the app robots' message API caps a message at 15,000 bytes
# (open.dingtalk.com "robot/groupMessages/send", msgParam). Stay well under it.
CONTENT_BYTES_LIMIT = 12_000
# Throttling codes are retried 10 minutes later: DingTalk throttles a robot that long.
CODES = chatbots.Codes("errcode", "errmsg", throttled=(410100, 130101), throttle_wait=600.0)


class DingTalkConfig(ChannelConfig):
    """The custom robot's webhook URL and, when its signing (加签) is on, its `SEC…` secret."""

    webhook_url: Annotated[WebhookUrl, AfterValidator(ROBOT_URL.check)] = Field(
        validation_alias=AliasChoices(*chatbots.URL_SPELLINGS), description="DingTalk webhook URL"
    )
    secret: Secret | None = Field(None, description="DingTalk signing secret")

    host_fields: ClassVar[tuple[str, ...]] = ("webhook_url",)

    def summary(self) -> str:
        return chatbots.host(self.webhook_url)


def sign(secret: str, timestamp_ms: int) -> str:
    """The documented signature, before URL encoding: the key is the secret, the message `timestamp\\nsecret`."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def text_message(n: Notification) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": render.truncate_bytes(render.plain_text(n), CONTENT_BYTES_LIMIT)}}


class DingTalkAdapter(HttpAdapter[DingTalkConfig]):
    kind = "dingtalk"
    display_name = "DingTalk"
    config_model = DingTalkConfig

    def build_request(self, notification: Notification, config: DingTalkConfig, ctx: RenderContext) -> OutboundRequest:
        """POST the webhook URL; with a secret, `timestamp` and `sign` are added to its query."""
        url = chatbots.send_url(config.webhook_url.get_secret_value(), self.kind, ctx)
        if config.secret is not None:
            timestamp = int(ctx.now.timestamp() * 1000)
            url = render.with_query_param(url, "timestamp", str(timestamp))
            url = render.with_query_param(url, "sign", sign(config.secret.get_secret_value(), timestamp))
        return OutboundRequest.json("POST", url, text_message(notification))

    def interpret(self, response: HttpResponse) -> Receipt:
        """`errcode` 0 is success; 410100 and 130101 (too fast) are retried after DingTalk's 10-minute throttle;
        any other code fails with DingTalk's `errmsg`."""
        return CODES.interpret(self.display_name, response)
