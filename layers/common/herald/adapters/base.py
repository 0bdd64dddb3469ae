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

from herald.aws import Role
from herald.models.config import ChannelConfig
from herald.models.notification import Notification
from herald.transport.wire import HttpSender, OutboundRequest, Receipt


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
class AwsCall:
    """One AWS API call as an adapter makes it: the API (client name, display name), operation, parameters."""

    api: tuple[str, str]
    operation: str  # the boto3 method, e.g. "send_email"
    params: Mapping[str, Any] = field(repr=False)

    @property
    def action(self) -> str:
        """The API action as AWS names it: `send_email` → `SendEmail`."""
        return "".join(part.title() for part in self.operation.split("_"))


Wire = OutboundRequest | AwsCall
"""One thing a send puts on the wire: an HTTP request or an AWS API call."""


@dataclass(frozen=True)
class DeliveryContext(RenderContext):
    http: HttpSender | None = None
    aws: Callable[[str], Any] | None = None  # herald.aws.client, for SES / SNS / SMS-voice kinds
    # herald.aws.assumed_client (service, region, role): the customer's account, for sns / eventbridge
    assume: Callable[[str, str, Role], Any] | None = None
    tenant_id: str = ""  # whose channel this is: named in an assumed role's session


C = TypeVar("C", bound=ChannelConfig)


class Adapter(ABC, Generic[C]):  # noqa: UP046 - C is shared with HttpAdapter
    """A channel kind: its name, its config model and how it sends."""

    kind: ClassVar[str]
    display_name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    config_model: ClassVar[type[ChannelConfig]]

    @abstractmethod
    def plan(self, notification: Notification, config: C, ctx: RenderContext) -> list[Wire]:
        """What `send` puts on the wire, in order, from the same pure builders; sends nothing (a preview).

        Raises PermanentDeliveryError when the config lacks what the kind needs (as `send` would).
        """

    @abstractmethod
    def send(self, notification: Notification, config: C, ctx: DeliveryContext) -> Receipt:
        """Deliver once. Raises RetryableDeliveryError or PermanentDeliveryError; never retries or sleeps."""
