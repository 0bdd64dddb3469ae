"""Outbound webhook: Herald's own JSON body, signed the Standard Webhooks way (API.md §6, PROVIDERS.md §24)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Annotated, Any, ClassVar, Literal, get_args
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, SecretStr, field_validator, model_validator

from herald import __version__
from herald.adapters import presets
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import Secret, WebhookUrl
from herald.models.notification import Notification
from herald.timeutil import iso
from herald.transport.wire import OutboundRequest

# Standard Webhooks (PROVIDERS.md §24): secrets serialised as `whsec_<base64>` are base64-decoded for the key.
WHSEC_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
MAX_HEADERS = 20
MAX_HEADER_NAME = 256

# RFC 9110 token characters: anything else in a header name is refused rather than sent mangled.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Hop-by-hop and framing headers belong to the connection, not to the message; the signature headers
# are Herald's own. A configured value for any of them would break the request or forge a signature.
_RESERVED_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "x-herald-signature",
        "x-herald-signature-256",
    }
)

Method = Literal["POST", "PUT", "PATCH"]
# `herald` is API.md §6; the others are the bodies of the products Herald replaces (presets.py).
PayloadFormat = Literal["herald", "kamustatus", "pixomonitor", "statusmate", "alertmanager", "custom"]
BODY_TEMPLATE_LIMIT = 16 * 1024  # characters, as a channel's own template
PAYLOAD_FORMATS: tuple[str, ...] = get_args(PayloadFormat)


def _method(value: Any) -> Any:
    if isinstance(value, str) and value.strip().upper() in ("POST", "PUT", "PATCH"):
        return value.strip().upper()
    raise ValueError("Webhook method must be POST, PUT or PATCH")


def _payload_format(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in PAYLOAD_FORMATS:
        return value.strip().lower()
    raise ValueError(f"Webhook payload format must be one of {', '.join(PAYLOAD_FORMATS)}")


class WebhookConfig(ChannelConfig):
    """Where and how to POST Herald's JSON body; `secret` turns signing on."""

    url: WebhookUrl = Field(description="Webhook URL")
    method: Annotated[Method, BeforeValidator(_method)] = Field("POST", description="Webhook method")
    headers: dict[str, Secret] | None = Field(None, description="Webhook headers")
    secret: Secret | None = Field(None, description="Webhook signing secret")
    # Absent means `herald`: channels made before presets keep their stored config and their body unchanged.
    payload_format: Annotated[PayloadFormat, BeforeValidator(_payload_format)] | None = Field(
        None, description="Webhook payload format", json_schema_extra={"examples": ["alertmanager"]}
    )
    # `custom`: the body is this Jinja2 template, each {{ value }} inserted as a JSON value (herald.templates).
    body_template: str | None = Field(
        None,
        max_length=BODY_TEMPLATE_LIMIT,
        description="Custom JSON body template",
        json_schema_extra={"examples": ['{"text": {{ event.type }}, "monitor": {{ monitor.name }}}']},
    )

    host_fields: ClassVar[tuple[str, ...]] = ("url",)

    def json_body_template(self) -> str | None:
        return self.body_template if self.payload_format == "custom" else None

    @model_validator(mode="after")
    def _custom_has_its_template(self) -> WebhookConfig:
        """Raises ValueError unless payloadFormat custom and bodyTemplate come together."""
        if self.payload_format == "custom" and not self.body_template:
            raise ValueError("payloadFormat custom needs bodyTemplate, the JSON body to send")
        if self.body_template is not None and self.payload_format != "custom":
            raise ValueError("bodyTemplate is used only with payloadFormat custom")
        return self

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, SecretStr] | None) -> dict[str, SecretStr] | None:
        """Raises ValueError naming the header (never its value) when a name or value cannot be sent."""
        if value is None:
            return None
        if len(value) > MAX_HEADERS:
            raise ValueError(f"At most {MAX_HEADERS} webhook headers are allowed")
        seen: set[str] = set()
        for name, secret in value.items():
            if len(name) > MAX_HEADER_NAME or not _TOKEN.fullmatch(name):
                raise ValueError(f"Header name '{name[:64]}' is not a valid HTTP header name")
            lower = name.lower()
            if lower in _RESERVED_HEADERS:
                raise ValueError(f"Header '{name}' cannot be configured: it is set by the connection or by Herald")
            if lower in seen:
                raise ValueError(f"Header '{name}' is given twice")
            seen.add(lower)
            if any(char in secret.get_secret_value() for char in "\r\n\0"):
                # The value is a secret: say what is wrong with it, not what it is.
                raise ValueError(f"Header '{name}' has a line break or NUL in its value")
        return value

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        """Raises ValueError when a `whsec_` secret is not base64 (the secret itself is never echoed)."""
        if value is not None:
            try:
                signing_key(value.get_secret_value())
            except ValueError:
                raise ValueError(
                    "Webhook signing secret starting with whsec_ must be base64 after the prefix"
                ) from None
        return value

    def summary(self) -> str:
        return urlsplit(self.url.get_secret_value()).hostname or ""


def signing_key(secret: str) -> bytes:
    """Key bytes of a signing secret: base64 after `whsec_` (padding optional), else its UTF-8 bytes.

    Raises ValueError when a `whsec_` secret does not decode to at least one byte.
    """
    if not secret.startswith(WHSEC_PREFIX):
        return secret.encode()
    encoded = secret.removeprefix(WHSEC_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64") from exc
    if not key:
        raise ValueError("empty key")
    return key


def signature_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Standard Webhooks headers and Herald's two signatures, all with the same key and one timestamp.

    `X-Herald-Signature` signs the raw body only (kept for existing receivers; it can be replayed).
    `X-Herald-Signature-256` signs `<t>.<raw body>` with t = `webhook-timestamp`, so a receiver that checks
    t against its clock refuses replays (API.md section 6).
    """
    key = signing_key(secret)
    signed = f"{message_id}.{timestamp}.".encode() + body
    standard = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    plain = hmac.new(key, body, hashlib.sha256).hexdigest()
    timed = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"{SIGNATURE_VERSION},{standard}",
        "X-Herald-Signature": f"sha256={plain}",
        "X-Herald-Signature-256": f"t={timestamp},v1={timed}",
    }


def payload(notification: Notification, ctx: RenderContext) -> dict[str, Any]:
    """The JSON body of API.md §6; `id` is the delivery id, so it stays the same on every retry."""
    n = notification
    return {
        "id": ctx.delivery_id,
        "event": n.event,
        "timestamp": iso(n.occurred_at),
        "attempt": ctx.attempt,
        "notification": {
            "title": n.title,
            "body": n.body,
            "severity": n.severity,
            "status": n.status,
            "fields": [{"label": field.label, "value": field.value} for field in n.fields],
            "sourceUrl": n.source_url,
            **({"downtimeSeconds": n.downtime_seconds} if n.downtime_seconds is not None else {}),
        },
        "monitor": n.monitor.model_dump(mode="json", by_alias=True, exclude_none=True) if n.monitor else None,
        "details": n.details,
    }


class WebhookAdapter(HttpAdapter[WebhookConfig]):
    """Any 2xx is success; 408, 429 and 5xx are retried honouring Retry-After (the shared classifier)."""

    kind = "webhook"
    display_name = "Webhook"
    config_model = WebhookConfig

    def build_request(self, notification: Notification, config: WebhookConfig, ctx: RenderContext) -> OutboundRequest:
        if config.payload_format == "custom" and notification.custom_body is not None:
            body = notification.custom_body
        else:  # a custom body that failed to render falls back to Herald's own (the attempt says why)
            preset = presets.PRESETS.get(config.payload_format or "herald")
            document = preset(notification, ctx, config) if preset else payload(notification, ctx)
            body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "User-Agent": f"Herald/{__version__}"}
        for name, value in (config.headers or {}).items():
            # A configured header replaces Herald's default of the same name, whatever its case.
            headers = {key: item for key, item in headers.items() if key.lower() != name.lower()}
            headers[name] = value.get_secret_value()
        if config.secret is not None:
            # The signatures cover the exact bytes sent. One reading of this attempt's time serves as both
            # webhook-timestamp and the t= of X-Herald-Signature-256, so the two always agree.
            timestamp = int(ctx.now.timestamp())
            headers.update(signature_headers(config.secret.get_secret_value(), ctx.delivery_id, timestamp, body))
        return OutboundRequest(config.method, config.url.get_secret_value(), headers, body)
