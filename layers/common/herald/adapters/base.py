"""The one small interface every channel kind implements, and what it is given to render and send.

An adapter module owns its kind: the `Config` model (what a channel stores), the pure
`build_request` (what the service receives) and the reading of the service's answer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from herald.models.config import ChannelConfig
from herald.models.notification import Notification
from herald.transport.wire import HttpSender, Receipt


@dataclass(frozen=True)
class RenderContext:
    """Everything a pure payload builder may need besides the notification and the config."""

    delivery_id: str
    attempt: int
    now: datetime
    endpoints: Mapping[str, str] = field(default_factory=dict)
    sender_email: str = ""
    ses_configuration_set: str = ""

    def endpoint(self, name: str, default: str) -> str:
        """`HERALD_ENDPOINT_<NAME>` when set (its path kept), else the service's public base URL."""
        return self.endpoints.get(name, default).rstrip("/")


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
