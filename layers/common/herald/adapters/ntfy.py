"""ntfy: the JSON publish form, POSTed to the server root (PROVIDERS.md §12)."""

from __future__ import annotations

import base64
import re
from typing import Any, ClassVar, Self

from pydantic import Field, field_validator, model_validator

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import Secret, ServerUrl
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

DEFAULT_SERVER = "https://ntfy.sh"
# PROVIDERS.md §12 Limits: longer messages are turned into attachments, so cut them first.
MESSAGE_LIMIT_BYTES = 4096
# ntfy documents no title limit; Apprise caps it at 200 (§12), which keeps notifications readable.
TITLE_LIMIT = 200
# §12 Rate limit: the bucket refills one request per 5 s and a 429 carries no Retry-After.
MIN_RATE_LIMIT_WAIT = 5.0

_TOPIC = re.compile(r"[-_A-Za-z0-9]{1,64}")
# Priorities are 1 (min) .. 5 (max); a recovery is announced at the default level, never louder.
SEVERITY_PRIORITY = {"critical": 5, "warning": 4, "info": 3}
RESOLVED_PRIORITY = 3
SEVERITY_TAG = {"critical": "rotating_light", "warning": "warning", "info": "information_source"}
RESOLVED_TAG = "white_check_mark"


class NtfyConfig(ChannelConfig):
    """A topic on ntfy.sh or a self-hosted server; optional token or user/password auth."""

    topic: str = Field(description="ntfy topic")
    server_url: ServerUrl = Field(DEFAULT_SERVER, description="ntfy server URL")
    access_token: Secret | None = Field(None, description="ntfy access token")
    username: str | None = Field(None, min_length=1, max_length=256, description="ntfy username")
    password: Secret | None = Field(None, description="ntfy password")
    priority: int | None = Field(None, ge=1, le=5, description="ntfy priority")

    host_fields: ClassVar[tuple[str, ...]] = ("server_url",)
    recipient_fields: ClassVar[tuple[str, ...]] = ("topic",)

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        """Raises ValueError unless the topic is 1-64 letters, digits, '-' or '_' (§12)."""
        if not _TOPIC.fullmatch(value):
            raise ValueError("ntfy topic must be 1-64 letters, digits, '-' or '_'")
        return value

    @field_validator("username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        """Raises ValueError for a ':' (HTTP Basic cannot carry one in the user name)."""
        if value is not None and ":" in value:
            raise ValueError("ntfy username cannot contain ':'")
        return value

    @model_validator(mode="after")
    def _one_auth(self) -> Self:
        """Raises ValueError for token plus password, or for only one half of username + password."""
        if self.access_token is not None and (self.username is not None or self.password is not None):
            raise ValueError("Use either an ntfy access token or a username and password, not both")
        if (self.username is None) != (self.password is None):
            raise ValueError("ntfy username and password go together: give both or neither")
        return self

    def summary(self) -> str:
        return self.topic


def _authorization(config: NtfyConfig) -> dict[str, str]:
    if config.access_token is not None:
        return {"Authorization": f"Bearer {config.access_token.get_secret_value()}"}
    if config.username is not None and config.password is not None:
        pair = f"{config.username}:{config.password.get_secret_value()}".encode()
        return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}
    return {}


def _priority(n: Notification, configured: int | None) -> int:
    if n.resolved:
        return min(configured or RESOLVED_PRIORITY, RESOLVED_PRIORITY)
    return configured or SEVERITY_PRIORITY[n.severity]


def payload(n: Notification, config: NtfyConfig) -> dict[str, Any]:
    """The JSON publish body: title, plain message, priority, emoji tag, click and a view button."""
    message = render.plain_body(n, with_link=False) or n.title
    body: dict[str, Any] = {
        "topic": config.topic,
        "title": render.truncate(render.plain_headline(n), TITLE_LIMIT),
        "message": render.truncate_bytes(message, MESSAGE_LIMIT_BYTES),
        "priority": _priority(n, config.priority),
        # The tag renders as the emoji in front of the title (🚨 / ⚠️ / ℹ️ / ✅).
        "tags": [RESOLVED_TAG if n.resolved else SEVERITY_TAG[n.severity]],
    }
    if link := render.link(n):
        body["click"] = link
        body["actions"] = [{"action": "view", "label": "Open", "url": link}]
    return body


def _error_words(response: HttpResponse) -> str | None:
    data = response.json()
    if isinstance(data, dict) and data.get("error"):
        code = data.get("code")
        return f"{data['error']} (code {code})" if code else str(data["error"])
    return None


class NtfyAdapter(HttpAdapter[NtfyConfig]):
    kind = "ntfy"
    display_name = "ntfy"
    config_model = NtfyConfig

    def build_request(self, notification: Notification, config: NtfyConfig, ctx: RenderContext) -> OutboundRequest:
        # The JSON form must go to the server root, not to the topic URL (§12); a path prefix is kept.
        url = config.server_url.rstrip("/") + "/"
        return OutboundRequest.json("POST", url, payload(notification, config), _authorization(config))

    def interpret(self, response: HttpResponse) -> Receipt:
        """Receipt with ntfy's message id for a 200. Raises the classified error with ntfy's own words;
        a 429 waits at least 5 s because ntfy sends no Retry-After."""
        if response.status == 200:
            data = response.json()
            message_id = data.get("id") if isinstance(data, dict) else None
            return Receipt(provider_message_id=str(message_id) if message_id else None, http_status=200)
        retry_after = None
        if response.status == 429:
            retry_after = max(MIN_RATE_LIMIT_WAIT, classify.retry_after_seconds(response) or 0.0)
        raise classify.failure(self.display_name, response, _error_words(response), retry_after=retry_after)
