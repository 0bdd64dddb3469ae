"""The one small interface every channel kind implements, and the config base class.

An adapter module owns its kind: the `Config` model (what a channel stores), the pure
`build_request` (what the service receives) and the reading of the service's answer.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import AliasChoices, AliasGenerator, BaseModel, ConfigDict, SecretStr
from pydantic.alias_generators import to_camel

from herald.models.notification import Notification

SECRET_PLACEHOLDER = "••••••••"


def _validation_alias(name: str) -> AliasChoices:
    camel = to_camel(name)
    return AliasChoices(camel, name) if camel != name else AliasChoices(name)


class ChannelConfig(BaseModel):
    """Base of every kind's config: camelCase on the wire, snake_case accepted, unknown keys refused.

    Field `description`s double as the human name used in errors ("Slack webhook URL is required").
    """

    model_config = ConfigDict(
        alias_generator=AliasGenerator(validation_alias=_validation_alias, serialization_alias=to_camel),
        extra="forbid",
        str_strip_whitespace=True,
        frozen=True,
    )

    # Fields (Python names) that decide where messages go; changing one drops carried-over secrets.
    destination_fields: ClassVar[tuple[str, ...]] = ()

    def provider(self) -> str | None:
        """The tenant provider settings (`telegram`, `pushover`, `twilio`, `vonage`) this config draws on."""
        return None

    def missing_credentials(self) -> list[str]:
        """camelCase credential fields left out here, to be filled from the tenant's provider settings."""
        return []

    def summary(self) -> str:
        """A non-secret hint shown as `configSummary` (host, last 4 digits, chat id, topic, ...)."""
        return ""

    @classmethod
    def secret_fields(cls) -> list[str]:
        """camelCase names of the fields that are never returned."""
        return [to_camel(name) for name, info in cls.model_fields.items() if _is_secret(info.annotation)]

    def reveal(self) -> dict[str, Any]:
        """Every value in clear, camelCase: only for encryption at rest and for sending."""
        return _unwrap(self.model_dump(by_alias=True, exclude_none=True))

    def redacted(self) -> dict[str, Any]:
        """camelCase values with every secret replaced by the placeholder."""
        return _redact(self.model_dump(by_alias=True, exclude_none=True))


def _is_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    args = getattr(annotation, "__args__", ()) or ()
    return any(_is_secret(arg) for arg in args)


def _unwrap(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {key: _unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unwrap(item) for item in value]
    return value


def _redact(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return SECRET_PLACEHOLDER
    if isinstance(value, dict):
        return {key: _redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item) for item in value]
    return value


@dataclass(frozen=True)
class OutboundRequest:
    """One HTTP request as an adapter wants it sent. `url` may carry a secret: never log it."""

    method: str
    url: str = field(repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    body: bytes = field(default=b"", repr=False)

    @classmethod
    def json(cls, method: str, url: str, payload: Any, headers: Mapping[str, str] | None = None) -> OutboundRequest:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(method, url, {"Content-Type": "application/json", **(headers or {})}, body)

    def json_body(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_ms: int = 0

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == lower), None)

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass(frozen=True)
class Receipt:
    """What a successful send hands back: the provider's id for the message, when it gives one."""

    provider_message_id: str | None = None
    http_status: int | None = None


@dataclass(frozen=True)
class RenderContext:
    """Everything a pure payload builder may need besides the notification and the config."""

    delivery_id: str
    attempt: int
    now: datetime
    endpoints: Mapping[str, str] = field(default_factory=dict)
    sender_email: str = ""

    def endpoint(self, name: str, default: str) -> str:
        """`HERALD_ENDPOINT_<NAME>` when set (its path kept), else the service's public base URL."""
        return self.endpoints.get(name, default).rstrip("/")


class HttpSender(Protocol):
    """What `delivery/http.py` gives adapters: the only way they reach the network."""

    def send(self, request: OutboundRequest) -> HttpResponse: ...


@dataclass(frozen=True)
class DeliveryContext(RenderContext):
    http: HttpSender | None = None
    aws: Callable[[str], Any] | None = None  # herald.aws.client, for SES / SNS / SMS-voice kinds


C = TypeVar("C", bound=ChannelConfig)


class Adapter(ABC, Generic[C]):  # noqa: UP046 - C is shared with HttpAdapter
    """A channel kind: its name, its config model and how it sends."""

    kind: ClassVar[str]
    display_name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    config_model: ClassVar[type[ChannelConfig]]

    @abstractmethod
    def send(self, notification: Notification, config: C, ctx: DeliveryContext) -> Receipt:
        """Deliver once. Raises RetryableDeliveryError or PermanentDeliveryError; never retries or sleeps."""
