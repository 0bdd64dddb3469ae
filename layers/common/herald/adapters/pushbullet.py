"""Pushbullet: create a `link` push (a `note` when there is nothing to link to) (PROVIDERS.md §9)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, Field, model_validator

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import Secret
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

PUBLIC_API = "https://api.pushbullet.com"
PUSHES_PATH = "/v2/pushes"
# §9 documents no length limits; these keep a push readable on a phone and far from any request cap.
TITLE_LIMIT = 250
BODY_LIMIT = 4096

_IDEN = re.compile(r"[A-Za-z0-9]{1,64}")
_CHANNEL_TAG = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _iden(value: str) -> str:
    if not _IDEN.fullmatch(value):
        raise ValueError("Pushbullet device iden must be the device's iden (letters and digits)")
    return value


def _channel_tag(value: str) -> str:
    if not _CHANNEL_TAG.fullmatch(value):
        raise ValueError("Pushbullet channel tag must be letters, digits, _ or -")
    return value


class PushbulletConfig(ChannelConfig):
    """An access token and, optionally, one device or one channel to push to (else all the user's devices)."""

    access_token: Secret = Field(description="Pushbullet access token")
    device_iden: Annotated[str, AfterValidator(_iden)] | None = Field(None, description="Pushbullet device iden")
    channel_tag: Annotated[str, AfterValidator(_channel_tag)] | None = Field(None, description="Pushbullet channel tag")

    recipient_fields: ClassVar[tuple[str, ...]] = ("device_iden", "channel_tag")

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        """Raises ValueError when both targets are set (§9: one of them, or none for every device)."""
        if self.device_iden and self.channel_tag:
            raise ValueError("Set deviceIden or channelTag, not both")
        return self

    def summary(self) -> str:
        if self.channel_tag:
            return f"channel {self.channel_tag}"
        return f"device {self.device_iden}" if self.device_iden else "all devices"


def payload(n: Notification, config: PushbulletConfig, ctx: RenderContext) -> dict[str, Any]:
    # The body says how long a recovered monitor was down ("Down for 3m."); the link travels as `url`.
    text = render.plain_body(n, with_link=False)
    body: dict[str, Any] = {
        "type": "note",
        "title": render.truncate(render.headline(n), TITLE_LIMIT),
        "body": render.truncate(text, BODY_LIMIT),
        # §9 `guid`: the client's id for the push; the delivery id is the same on every retry.
        "guid": ctx.delivery_id,
    }
    if url := render.link(n):
        body |= {"type": "link", "url": url}
    if config.device_iden:
        body["device_iden"] = config.device_iden
    if config.channel_tag:
        body["channel_tag"] = config.channel_tag
    return body


def _error_words(data: Any) -> str | None:
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None
    words = [str(error[key]) for key in ("type", "message") if error.get(key)]
    return ": ".join(words) or None


class PushbulletAdapter(HttpAdapter[PushbulletConfig]):
    kind = "pushbullet"
    display_name = "Pushbullet"
    config_model = PushbulletConfig

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock  # reads X-Ratelimit-Reset (a unix time) as a delay

    def build_request(
        self, notification: Notification, config: PushbulletConfig, ctx: RenderContext
    ) -> OutboundRequest:
        """POST /v2/pushes with JSON and the `Access-Token` header (§9)."""
        url = ctx.endpoint(self.kind, PUBLIC_API) + PUSHES_PATH
        headers = {"Access-Token": config.access_token.get_secret_value()}
        return OutboundRequest.json("POST", url, payload(notification, config, ctx), headers)

    def interpret(self, response: HttpResponse) -> Receipt:
        """200 is success (the push's `iden` is recorded).

        Raises RetryableDeliveryError for 429 (delay until X-Ratelimit-Reset) and 5xx, and
        PermanentDeliveryError otherwise, with Pushbullet's error type and message.
        """
        data = response.json()
        if response.status == 200:
            iden = data.get("iden") if isinstance(data, dict) else None
            return Receipt(provider_message_id=str(iden) if iden else None, http_status=200)
        raise classify.failure(self.display_name, response, _error_words(data), retry_after=self._reset_delay(response))

    def _reset_delay(self, response: HttpResponse) -> float | None:
        if response.status != 429:
            return None
        value = response.header("X-Ratelimit-Reset")
        if not value or not value.strip().isdigit():
            return None
        return max(0.0, float(value) - self._clock())
