"""Amazon EventBridge `PutEvents` to an event bus in the customer's own AWS account, as a role it lets Herald assume.

Source: Amazon EventBridge API Reference, PutEvents
(docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html), and the User Guide's "Sending
events with PutEvents" and "Calculating PutEvents event entry size"
(docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html), read 2026-12-03:

    events.put_events(Entries=[{"EventBusName": <bus ARN>, "Source": ..., "DetailType": ..., "Detail": <JSON
                       object>, "Time": ...}])  ->  {"FailedEntryCount": n, "Entries": [{"EventId"} | {"ErrorCode",
                       "ErrorMessage"}]}

- An entry is at most 256 KB: Source, DetailType and Detail in UTF-8 bytes, 14 bytes for Time.
- DetailType: at most 128 characters (Herald sends the event type, e.g. `alert.firing`); Source: at most
  256, and `aws.` is reserved for AWS's own events (Herald sends `herald` unless the channel names one).
- A 200 answer can still fail the entry: `FailedEntryCount` and the entry's `ErrorCode`/`ErrorMessage`.
  `ThrottlingException` and `InternalFailure` are worth a retry; `AccessDeniedException`,
  `MalformedDetail`, `InvalidArgument`, `NotAuthorizedForSourceException` ... are not.
- A bus that does not exist is a `ResourceNotFoundException` for the whole call.

The detail is the notification JSON of API.md §6 (what a webhook receives); rules match on `source`,
`detail-type` and `detail.notification.severity`.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import AliasChoices, Field, ValidationInfo, field_validator

from herald.adapters import aws_messaging, render
from herald.adapters.base import Adapter, AwsCall, DeliveryContext, RenderContext, Wire
from herald.adapters.cross_account import CrossAccountConfig, document, parse_arn, target_arn
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from herald.timeutil import iso
from herald.transport import classify
from herald.transport.wire import Receipt

ENTRY_LIMIT = 262_144  # bytes per entry
TIME_BYTES = 14  # what Time counts towards the entry size
DETAIL_TYPE_LIMIT = 128
SOURCE_LIMIT = 256
DEFAULT_SOURCE = "herald"
# Entry error codes worth another attempt: AWS's throttle and its own failure.
THROTTLED = frozenset({"ThrottlingException"})
TRANSIENT = frozenset({"InternalFailure", "InternalException", "ServiceUnavailable"})
_BUS_NAME = re.compile(r"event-bus/[/.\-_A-Za-z0-9]{1,256}")


class EventBridgeConfig(CrossAccountConfig):
    event_bus_arn: str = Field(
        validation_alias=AliasChoices("eventBusArn", "event_bus_arn", "EventBusArn", "EventBusName", "busArn"),
        description="Event bus ARN",
    )
    source: str = Field(
        DEFAULT_SOURCE,
        validation_alias=AliasChoices("source", "Source"),
        min_length=1,
        max_length=SOURCE_LIMIT,
        description="Event source",
    )

    host_fields: ClassVar[tuple[str, ...]] = ("event_bus_arn", "role_arn")

    @field_validator("event_bus_arn")
    @classmethod
    def _bus(cls, value: str, info: ValidationInfo) -> str:
        arn = target_arn(value, "events", "Event bus ARN", info)
        if not _BUS_NAME.fullmatch(arn.resource):
            raise ValueError("Event bus ARN must end with event-bus/<name> (letters, digits, / . - _)")
        return value

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        if value.lower().startswith("aws."):
            raise ValueError("Event source must not start with 'aws.' (reserved for AWS's own events)")
        return value

    @property
    def region(self) -> str:
        return parse_arn(self.event_bus_arn, "events", "Event bus ARN").region

    def summary(self) -> str:
        arn = parse_arn(self.event_bus_arn, "events", "Event bus ARN")
        return f"{arn.resource.removeprefix('event-bus/')} ({arn.account}, {arn.region})"


def build_entry(n: Notification, config: EventBridgeConfig, ctx: RenderContext) -> dict[str, Any]:
    """One PutEvents entry: the event type as DetailType, the notification JSON as Detail. Pure."""
    detail_type = render.truncate(n.event, DETAIL_TYPE_LIMIT)
    fixed = len(config.source.encode()) + len(detail_type.encode()) + TIME_BYTES
    return {
        "EventBusName": config.event_bus_arn,
        "Source": config.source,
        "DetailType": detail_type,
        "Detail": document(n, ctx, ENTRY_LIMIT - fixed),
        "Time": iso(n.occurred_at),  # botocore reads ISO 8601; a string keeps the preview plain JSON
    }


def build_put_events(n: Notification, config: EventBridgeConfig, ctx: RenderContext) -> dict[str, Any]:
    """Keyword arguments of `events.put_events`: one entry. Pure."""
    return {"Entries": [build_entry(n, config, ctx)]}


def interpret(answer: dict[str, Any]) -> Receipt:
    """The event id of a 200 whose entry succeeded; a failed entry raises in EventBridge's words."""
    [entry] = answer.get("Entries") or [{}]
    if not answer.get("FailedEntryCount") and entry.get("EventId"):
        return aws_messaging.receipt(answer, str(entry["EventId"]))
    code = str(entry.get("ErrorCode") or "")
    words = classify.short(": ".join(part for part in (code, str(entry.get("ErrorMessage") or "")) if part))
    message = f"{aws_messaging.EVENTBRIDGE[1]} refused the event: {words or 'no event id and no error code'}"
    if code in THROTTLED:
        raise RetryableDeliveryError(message, code="rate_limited", http_status=200)
    if code in TRANSIENT:
        raise RetryableDeliveryError(message, code="provider_unavailable", http_status=200)
    raise PermanentDeliveryError(message, code="provider_rejected", http_status=200)


class EventBridgeAdapter(Adapter[EventBridgeConfig]):
    kind: ClassVar[str] = "eventbridge"
    display_name: ClassVar[str] = "Amazon EventBridge"
    aliases: ClassVar[tuple[str, ...]] = ("amazon_eventbridge", "aws_eventbridge")
    config_model: ClassVar[type[EventBridgeConfig]] = EventBridgeConfig

    def build_put_events(
        self, notification: Notification, config: EventBridgeConfig, ctx: RenderContext
    ) -> dict[str, Any]:
        return build_put_events(notification, config, ctx)

    def plan(self, notification: Notification, config: EventBridgeConfig, ctx: RenderContext) -> list[Wire]:
        return [AwsCall(aws_messaging.EVENTBRIDGE, "put_events", build_put_events(notification, config, ctx))]

    def send(self, notification: Notification, config: EventBridgeConfig, ctx: DeliveryContext) -> Receipt:
        """One PutEvents as the channel's role, in the bus's region; the event id is the receipt's id.

        Raises RetryableDeliveryError (ThrottlingException, InternalFailure, 5xx, AWS unreachable) or
        PermanentDeliveryError (the role cannot be assumed, AccessDenied, no such bus, a refused entry).
        """
        params = build_put_events(notification, config, ctx)
        role = config.role(ctx.tenant_id)
        region = config.region
        return interpret(
            aws_messaging.answer(ctx, aws_messaging.EVENTBRIDGE, "put_events", params, role=role, region=region)
        )
