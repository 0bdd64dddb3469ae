"""LINE Messaging API: one text message pushed to a user, group or multi-person chat with a channel access token.

SOURCES (read 2026-12-03):
- https://developers.line.biz/en/reference/messaging-api/#send-push-message (via the official SDK's generated
  model, https://line.github.io/line-bot-sdk-nodejs/apidocs/@line/namespaces/messagingApi/type-aliases/PushMessageRequest.html):
  `POST https://api.line.me/v2/bot/message/push`, `Authorization: Bearer {channel access token}`, JSON
  `{"to", "messages": [1-5 message objects], "notificationDisabled"}`; 200 answers `{"sentMessages": [{"id"}]}`.
- https://developers.line.biz/en/reference/messaging-api/#text-message (SDK `TextMessage`): `{"type": "text",
  "text"}`, at most 5,000 characters, counted in UTF-16 code units
  (https://developers.line.biz/en/docs/messaging-api/text-character-count/). No markup: the text shows as written.
- https://developers.line.biz/en/docs/messaging-api/getting-user-ids/: a user ID is `U[0-9a-f]{32}`; group and
  multi-person chat IDs are the same shape starting `C` and `R`.
- https://developers.line.biz/en/reference/messaging-api/#error-responses (SDK `ErrorResponse`): `{"message",
  "details": [{"message", "property"}]}`; 429 is the rate limit or the month's message quota.
- https://developers.line.biz/en/docs/messaging-api/retrying-api-request/: `X-Line-Retry-Key` (a UUID) makes a
  retried push run once; a retry of an accepted request answers 409 with `X-Line-Accepted-Request-Id`.

LINE Notify (notify-api.line.me) was retired on 2025-03-31: this kind speaks only the Messaging API. A push
has nothing to close, so a resolved notification is a new message headed RESOLVED with the downtime.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, AliasChoices, Field

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import Secret
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

PUBLIC_API = "https://api.line.me"
PUSH_PATH = "/v2/bot/message/push"
TEXT_LIMIT = 5000  # UTF-16 code units of one text message
# A retry key is a UUID; Herald's is derived from the delivery id, so every attempt of one delivery sends
# the same key and LINE runs the push once however often the queue retries it.
RETRY_KEY_NAMESPACE = uuid.UUID("6f1c7d2e-55a4-4c55-9a0e-4c494e455055")

_TARGET = re.compile(r"[UCR][0-9a-f]{32}")
# LINE says "You have reached your monthly limit." when the plan's messages for the month are used up: a 429
# that no retry within the hour can cure.
_MONTHLY_QUOTA = re.compile(r"monthly limit", re.IGNORECASE)


def _target(value: str) -> str:
    if not _TARGET.fullmatch(value):
        raise ValueError(
            "LINE recipient must be a user ID (U + 32 hex digits), group ID (C…) or multi-person chat ID (R…)"
        )
    return value


Target = Annotated[str, AfterValidator(_target)]


class LineConfig(ChannelConfig):
    """A Messaging API channel's access token and the user, group or multi-person chat its bot pushes to."""

    channel_access_token: Secret = Field(
        validation_alias=AliasChoices("channelAccessToken", "channel_access_token", "accessToken", "access_token"),
        description="LINE channel access token",
    )
    to: Target = Field(
        validation_alias=AliasChoices("to", "userId", "user_id", "groupId", "group_id", "roomId", "room_id"),
        description="LINE user, group or room ID",
    )
    notification_disabled: bool = Field(
        False,
        validation_alias=AliasChoices("notificationDisabled", "notification_disabled", "silent"),
        description="Send without a push notification",
    )

    recipient_fields: ClassVar[tuple[str, ...]] = ("to",)

    def summary(self) -> str:
        return self.to


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit_utf16(text: str, limit: int) -> str:
    """At most `limit` UTF-16 code units (LINE's count), never splitting a character; a cut ends with `…`."""
    if _utf16(text) <= limit:
        return text
    kept: list[str] = []
    used = _utf16(render.ELLIPSIS)
    for char in text:
        cost = _utf16(char)
        if used + cost > limit:
            break
        kept.append(char)
        used += cost
    return "".join(kept) + render.ELLIPSIS


def message_text(n: Notification) -> str:
    """Headline, body, recovery, facts and link as plain lines, cut to LINE's 5,000 with the link kept whole."""
    link = render.link(n)
    text = render.plain_text(n, with_link=False)
    if not link:
        return fit_utf16(text, TEXT_LIMIT)
    return f"{fit_utf16(text, TEXT_LIMIT - _utf16(link) - 1)}\n{link}"


def payload(n: Notification, config: LineConfig) -> dict[str, Any]:
    return {
        "to": config.to,
        "messages": [{"type": "text", "text": message_text(n)}],
        "notificationDisabled": config.notification_disabled,
    }


def retry_key(ctx: RenderContext) -> str:
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, ctx.delivery_id))


def _detail(item: Any) -> str | None:
    if not isinstance(item, dict) or not item.get("message"):
        return None
    return f"{item['property']}: {item['message']}" if item.get("property") else str(item["message"])


def _error_words(data: Any) -> str | None:
    if not isinstance(data, dict) or not data.get("message"):
        return None
    details = data.get("details")
    listed = [words for item in details if (words := _detail(item))] if isinstance(details, list) else []
    return f"{data['message']} ({'; '.join(listed)})" if listed else str(data["message"])


class LineAdapter(HttpAdapter[LineConfig]):
    kind = "line"
    display_name = "LINE"
    config_model = LineConfig

    def build_request(self, notification: Notification, config: LineConfig, ctx: RenderContext) -> OutboundRequest:
        """POST /v2/bot/message/push with the bearer token and this delivery's retry key."""
        url = ctx.endpoint(self.kind, PUBLIC_API) + PUSH_PATH
        headers = {
            "Authorization": f"Bearer {config.channel_access_token.get_secret_value()}",
            "X-Line-Retry-Key": retry_key(ctx),
        }
        return OutboundRequest.json("POST", url, payload(notification, config), headers)

    def interpret(self, response: HttpResponse) -> Receipt:
        """200 is success (the sent message's id is recorded); 409 is an earlier attempt LINE already accepted.

        Raises RetryableDeliveryError for 429 (Retry-After when sent) and 5xx; PermanentDeliveryError
        otherwise and for a used-up monthly quota, with LINE's `message` and `details`.
        """
        data = response.json()
        if response.status == 200:
            sent = data.get("sentMessages") if isinstance(data, dict) else None
            first = sent[0] if isinstance(sent, list) and sent and isinstance(sent[0], dict) else {}
            return Receipt(provider_message_id=str(first["id"]) if first.get("id") else None, http_status=200)
        if response.status == 409 and (accepted := response.header("X-Line-Accepted-Request-Id")):
            return Receipt(provider_message_id=accepted, http_status=409)
        words = _error_words(data)
        quota_spent = response.status == 429 and bool(words and _MONTHLY_QUOTA.search(words))
        raise classify.failure(self.display_name, response, words, retryable=False if quota_spent else None)
