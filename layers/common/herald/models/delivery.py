"""Delivery boundary models: the queue message and the delivery record the log shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DeliveryStatus = Literal["queued", "retrying", "delivered", "failed", "suppressed", "unknown"]
STATUSES: tuple[str, ...] = ("queued", "retrying", "delivered", "failed", "suppressed", "unknown")
# `unknown`: an attempt was under way when its sender stopped (crash, time-out, a write that kept failing):
# it may or may not have reached the provider, so it is never sent again by itself; it can be redriven.
FINAL = frozenset({"delivered", "failed", "suppressed", "unknown"})
REDRIVABLE = frozenset({"failed", "unknown"})


BUNDLE_SIZE = 5  # deliveries per fan-out message: ten messages of a sender's batch carry up to fifty
MAX_BUNDLE = 100  # what a message may carry when read, whatever the size it was written with


class QueuedDelivery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    deliveryId: str  # noqa: N815 - wire name
    # Lets the sender read a batch's channels in one call; the record's own channel is what is sent to.
    channelId: str | None = None  # noqa: N815 - wire name


class QueueMessage(BaseModel):
    """The SQS message body: just enough to find the delivery records (which hold everything else).

    Either one delivery (`deliveryId`, `channelId`: every retry, DLQ copy and redrive, and every message of
    older releases) or a bundle of one tenant's new deliveries (`deliveries`), which a fan-out queues so
    that the ten messages of a sender's batch carry up to fifty deliveries. A bundle has no `deliveryId`,
    so a sender of an older release moves it to the DLQ as unreadable instead of sending only one of it.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    tenantId: str  # noqa: N815 - wire name
    deliveryId: str | None = None  # noqa: N815 - wire name
    channelId: str | None = None  # noqa: N815 - wire name
    deliveries: tuple[QueuedDelivery, ...] = Field(default=(), max_length=MAX_BUNDLE)

    @model_validator(mode="after")
    def _one_shape(self) -> QueueMessage:
        if (self.deliveryId is None) == (not self.deliveries):
            raise ValueError("a message names either one deliveryId or a non-empty list of deliveries")
        return self

    @classmethod
    def of(cls, delivery: Delivery) -> QueueMessage:
        return cls(tenantId=delivery.tenant_id, deliveryId=delivery.id, channelId=delivery.channel_id)

    @classmethod
    def bundles(cls, deliveries: list[Delivery], size: int = BUNDLE_SIZE) -> list[QueueMessage]:
        """The messages for new deliveries: each tenant's in bundles of `size`, in order; a bundle of one is
        written as a single message."""
        by_tenant: dict[str, list[Delivery]] = {}
        for delivery in deliveries:
            by_tenant.setdefault(delivery.tenant_id, []).append(delivery)
        messages: list[QueueMessage] = []
        for tenant_id, group in by_tenant.items():
            for start in range(0, len(group), size):
                chunk = group[start : start + size]
                if len(chunk) == 1:
                    messages.append(cls.of(chunk[0]))
                else:
                    entries = tuple(QueuedDelivery(deliveryId=d.id, channelId=d.channel_id) for d in chunk)
                    messages.append(cls(tenantId=tenant_id, deliveries=entries))
        return messages

    def entries(self) -> tuple[QueuedDelivery, ...]:
        """The deliveries this message names, in order."""
        if self.deliveryId is not None:
            return (QueuedDelivery(deliveryId=self.deliveryId, channelId=self.channelId),)
        return self.deliveries

    def single(self, entry: QueuedDelivery) -> QueueMessage:
        """The message of one delivery of this one, as a retry or a DLQ copy of it is queued."""
        return QueueMessage(tenantId=self.tenantId, deliveryId=entry.deliveryId, channelId=entry.channelId)

    def body(self) -> str:
        """The JSON queued: a single message exactly as older releases wrote and read it."""
        if self.deliveryId is not None:
            return self.model_dump_json(exclude={"deliveries"})
        return self.model_dump_json(include={"tenantId", "deliveries"})


@dataclass(frozen=True)
class Attempt:
    attempt: int
    time: str
    status: str  # delivered | retrying | failed | unknown | redriven
    http_status: int | None = None
    error: str | None = None
    latency_ms: int | None = None
    template_error: str | None = None  # the channel's template failed: this attempt sent Herald's own wording

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "attempt": self.attempt,
            "time": self.time,
            "status": self.status,
            "httpStatus": self.http_status,
            "error": self.error,
            "latencyMs": self.latency_ms,
        }
        if self.template_error is not None:
            wire["templateError"] = self.template_error
        return wire


@dataclass(frozen=True)
class Delivery:
    id: str
    tenant_id: str
    channel_id: str | None
    kind: str
    event: str
    status: str
    notification: dict[str, Any]
    created_at: str
    updated_at: str
    attempts: tuple[dict[str, Any], ...] = ()
    attempt_count: int = 0
    code: str | None = None
    error: str | None = None
    provider_message_id: str | None = None
    notification_id: str | None = None
    event_id: str | None = None
    not_before: float | None = None
    attempt_base: int = 0  # attempts made before the last redrive: the retry schedule starts again after it
    suppressed_by: str | None = (
        None  # what held a suppressed delivery back: a silence (silenced) or time interval (muted)
    )
    step: int | None = None  # the escalation step (index in the rule's steps) this delivery belongs to
    reminder: int | None = None  # the reminder's number (1, 2, ...) when this delivery is one
    shard: int | None = None  # its partition in each listing of the log; None: stored before log widths
    extra: dict[str, Any] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "channelId": self.channel_id,
            "kind": self.kind,
            "event": self.event,
            "status": self.status,
            "code": self.code,
            "error": self.error,
            "providerMessageId": self.provider_message_id,
            "attempts": list(self.attempts),
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }
        if self.suppressed_by:
            body["suppressedBy"] = self.suppressed_by
        if self.step is not None:
            body["step"] = self.step
        if self.reminder is not None:
            body["reminder"] = self.reminder
        if self.event_id:
            body["eventId"] = self.event_id
        else:
            body["notificationId"] = self.notification_id
        return body
