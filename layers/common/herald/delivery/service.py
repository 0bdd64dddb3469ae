"""Delivery use cases: create deliveries, queue them, and make one attempt (from the queue or inline).

An attempt: claim the delivery (lease), load and decrypt its channel, render and send through the
kind's adapter, record the attempt, and say what the queue should do next.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from herald import aws
from herald.adapters import registry
from herald.adapters.base import ChannelConfig, DeliveryContext, Receipt
from herald.channels import service as channels
from herald.delivery import http, queue, repository, retry
from herald.delivery.repository import ClaimRefused
from herald.errors import ChannelNotFound, DeliveryError, ValidationFailed
from herald.ids import new_id
from herald.models.delivery import FINAL, Attempt, Delivery, QueueMessage
from herald.models.notification import Notification
from herald.observability import NAMESPACE, logger
from herald.settings import Settings, get_settings
from herald.timeutil import iso, utcnow

LEASE_MARGIN_SECONDS = 15.0
SQS_MAX_DELAY = 900


@dataclass(frozen=True)
class Outcome:
    """What the queue should do with the message after an attempt."""

    action: Literal["ack", "retry", "dead"]
    delivery_id: str
    delay: int = 0
    success: bool = False
    status: str = ""
    error: str | None = None
    code: str | None = None
    provider_message_id: str | None = None
    http_status: int | None = None


def new_delivery(
    tenant_id: str,
    channel_id: str | None,
    kind: str,
    notification: Notification,
    *,
    notification_id: str | None = None,
    event_id: str | None = None,
) -> Delivery:
    now = iso()
    return Delivery(
        id=new_id("dlv"),
        tenant_id=tenant_id,
        channel_id=channel_id,
        kind=kind,
        event=notification.event,
        status="queued",
        notification=notification.to_wire(),
        created_at=now,
        updated_at=now,
        notification_id=notification_id,
        event_id=event_id,
    )


def store_and_enqueue(deliveries: list[Delivery], delay_seconds: int = 0) -> int:
    """Record the deliveries, then queue one message each. Returns the number of SendMessageBatch calls."""
    if not deliveries:
        return 0
    repository.put_many(deliveries)
    messages = [QueueMessage(tenantId=d.tenant_id, deliveryId=d.id) for d in deliveries]
    try:
        return queue.enqueue(messages, delay_seconds=delay_seconds)
    except queue.EnqueueFailed as exc:
        for delivery_id in exc.failed_ids:
            tenant = next(d.tenant_id for d in deliveries if d.id == delivery_id)
            repository.mark_final(tenant, delivery_id, "failed", "enqueue_failed", "The delivery could not be queued.")
        raise


def _context(settings: Settings, delivery_id: str, attempt: int) -> DeliveryContext:
    return DeliveryContext(
        delivery_id=delivery_id,
        attempt=attempt,
        now=utcnow(),
        endpoints=settings.endpoints,
        sender_email=settings.sender_email,
        http=http.get_session(),
        aws=aws.client,
    )


def _metric(name: str, kind: str) -> None:
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=NAMESPACE) as metric:
        metric.add_dimension(name="kind", value=kind)


def attempt(
    tenant_id: str,
    delivery_id: str,
    *,
    allow_retry: bool = True,
    config: ChannelConfig | None = None,
) -> Outcome:
    """Make one attempt at a delivery and record it. Never raises for a delivery failure.

    `config` sends with a config that is not stored (the channel-less test e-mail).
    """
    settings = get_settings()
    lease = secrets.token_hex(8)
    try:
        delivery = repository.claim(tenant_id, delivery_id, lease, settings.delivery_deadline_seconds + LEASE_MARGIN_SECONDS)
    except ClaimRefused as refused:
        if refused.delivery is None:
            return Outcome("dead", delivery_id, error="No such delivery record.", code="unknown_delivery")
        if refused.delivery.status in FINAL:
            return _final_outcome(refused.delivery)
        return Outcome("retry", delivery_id, delay=int(refused.wait_seconds) + 1, status=refused.delivery.status)

    number = delivery.attempt_count
    notification = Notification.model_validate(delivery.notification)
    started = time.monotonic()
    try:
        if config is None:
            if delivery.channel_id is None:
                raise ValidationFailed([], "This delivery has no channel.")
            config = channels.load_for_delivery(tenant_id, delivery.channel_id).config
        adapter = registry.get(delivery.kind)
        receipt: Receipt = adapter.send(notification, config, _context(settings, delivery.id, number))
    except ChannelNotFound:
        return _record(delivery, lease, number, started, "failed", "channel_deleted",
                       "The channel was deleted before this delivery was sent.", None, None)
    except ValidationFailed as exc:
        return _record(delivery, lease, number, started, "failed", "invalid_channel", exc.message, None, None)
    except DeliveryError as exc:
        return _failed(delivery, lease, number, started, settings, exc.retryable and allow_retry, exc.code,
                       exc.message, exc.http_status, exc.retry_after)
    except Exception as exc:  # noqa: BLE001 - a bug or an AWS outage must not lose the delivery
        logger.exception("Delivery attempt crashed", extra={"deliveryId": delivery.id, "errorType": type(exc).__name__})
        return _failed(delivery, lease, number, started, settings, allow_retry, "internal_error",
                       f"Herald failed while sending ({type(exc).__name__}).", None, None)
    return _record(delivery, lease, number, started, "delivered", None, None, receipt.http_status,
                   receipt.provider_message_id)


def _failed(
    delivery: Delivery,
    lease: str,
    number: int,
    started: float,
    settings: Settings,
    retryable: bool,
    code: str,
    error: str,
    http_status: int | None,
    retry_after: float | None,
) -> Outcome:
    if retryable and not retry.exhausted(number, settings.retry_schedule):
        delay = retry.next_delay(number, settings.retry_schedule, retry_after)
        return _record(delivery, lease, number, started, "retrying", code, error, http_status, None, delay)
    final_code = "attempts_exhausted" if retryable else code
    return _record(delivery, lease, number, started, "failed", final_code, error, http_status, None)


def _final_outcome(delivery: Delivery) -> Outcome:
    return Outcome(
        "ack", delivery.id, success=delivery.status == "delivered", status=delivery.status,
        error=delivery.error, code=delivery.code, provider_message_id=delivery.provider_message_id,
    )


def _record(
    delivery: Delivery,
    lease: str,
    number: int,
    started: float,
    status: str,
    code: str | None,
    error: str | None,
    http_status: int | None,
    provider_message_id: str | None,
    delay: int = 0,
) -> Outcome:
    entry = Attempt(
        attempt=number,
        time=iso(),
        status=status,
        http_status=http_status,
        error=error,
        latency_ms=int((time.monotonic() - started) * 1000),
    )
    not_before = time.time() + delay if status == "retrying" else None
    repository.record_attempt(
        delivery.tenant_id, delivery.id, lease, entry,
        status=status, code=code, provider_message_id=provider_message_id, not_before=not_before,
    )
    _metric({"delivered": "DeliverySucceeded", "retrying": "DeliveryRetried"}.get(status, "DeliveryFailed"), delivery.kind)
    logger.info("Delivery attempt", extra={"deliveryId": delivery.id, "kind": delivery.kind, "attempt": number,
                                           "status": status, "code": code, "httpStatus": http_status})
    if status == "retrying":
        return Outcome("retry", delivery.id, delay=delay, status=status, error=error, code=code, http_status=http_status)
    if status == "failed" and code == "attempts_exhausted":
        return Outcome("dead", delivery.id, status=status, error=error, code=code, http_status=http_status)
    return Outcome("ack", delivery.id, success=status == "delivered", status=status, error=error, code=code,
                   provider_message_id=provider_message_id, http_status=http_status)


def attempt_inline(deliveries: list[Delivery], *, allow_retry: bool) -> list[Outcome]:
    """Attempt each delivery now, concurrently. A retryable failure is queued for the retries to come."""
    if not deliveries:
        return []
    repository.put_many(deliveries)
    with ThreadPoolExecutor(max_workers=min(10, len(deliveries))) as pool:
        outcomes = list(pool.map(lambda d: attempt(d.tenant_id, d.id, allow_retry=allow_retry), deliveries))
    later = [QueueMessage(tenantId=d.tenant_id, deliveryId=d.id) for d, o in zip(deliveries, outcomes, strict=True)
             if o.action == "retry"]
    for message, outcome in zip(later, [o for o in outcomes if o.action == "retry"], strict=True):
        queue.enqueue([message], delay_seconds=min(outcome.delay, SQS_MAX_DELAY))
    return outcomes


def describe(outcome: Outcome) -> dict[str, Any]:
    return {"success": outcome.success, "error": outcome.error, "providerMessageId": outcome.provider_message_id}
