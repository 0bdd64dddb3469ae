"""Delivery use cases: create deliveries, queue them, and make one attempt (from the queue or inline).

An attempt: claim the delivery (lease), load and decrypt its channel, render and send through the
kind's adapter, record the attempt, and say what the queue should do next.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError

from herald import aws
from herald.adapters import registry
from herald.adapters.base import DeliveryContext, RenderContext
from herald.channels import service as channels
from herald.delivery import queue, repository, retry
from herald.delivery.repository import AttemptAbandoned, ClaimRefused
from herald.errors import (
    ChannelNotFound,
    ConfigUnreadable,
    Conflict,
    DeliveryError,
    DeliveryNotFound,
    ValidationFailed,
)
from herald.ids import new_id
from herald.models.channel import Channel
from herald.models.config import ChannelConfig
from herald.models.delivery import FINAL, REDRIVABLE, Attempt, Delivery, QueueMessage
from herald.models.notification import Notification
from herald.observability import by_kind, logger
from herald.secrets import scrub
from herald.settings import Settings, get_settings
from herald.timeutil import iso, utcnow
from herald.transport import http
from herald.transport.wire import Receipt

LEASE_MARGIN_SECONDS = 15.0


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
    attempt_count: int | None = None  # the delivery's attempts when this outcome was decided
    kind: str | None = None  # the delivery's, when its record was read


def new_delivery(
    tenant_id: str,
    channel_id: str | None,
    kind: str,
    notification: Notification,
    *,
    notification_id: str | None = None,
    event_id: str | None = None,
    step: int | None = None,
    reminder: int | None = None,
) -> Delivery:
    now, delivery_id = iso(), new_id("dlv")
    return Delivery(
        id=delivery_id,
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
        step=step,
        reminder=reminder,
        shard=repository.new_shard(tenant_id, delivery_id),
    )


def store_and_enqueue(deliveries: list[Delivery], delay_seconds: int = 0) -> int:
    """Record the deliveries, then queue them in bundles (QueueMessage.bundles). Returns the number of
    SendMessageBatch calls."""
    if not deliveries:
        return 0
    repository.put_many(deliveries)
    try:
        return queue.enqueue(QueueMessage.bundles(deliveries), delay_seconds=delay_seconds)
    except queue.EnqueueFailed as exc:
        by_id = {d.id: d for d in deliveries}
        for delivery_id in exc.failed_ids:
            repository.mark_final(by_id[delivery_id], "failed", "enqueue_failed", "The delivery could not be queued.")
        raise


def render_context(settings: Settings, delivery_id: str, attempt: int) -> RenderContext:
    """What an adapter renders with; a preview gets the very same endpoints and sender as a send."""
    return RenderContext(
        delivery_id=delivery_id,
        attempt=attempt,
        now=utcnow(),
        endpoints=settings.endpoints,
        sender_email=settings.sender_email,
        ses_configuration_set=settings.ses_configuration_set,
    )


def _context(settings: Settings, delivery: Delivery, attempt: int) -> DeliveryContext:
    rendering = render_context(settings, delivery.id, attempt)
    return DeliveryContext(
        **vars(rendering),
        http=http.get_session(),
        aws=aws.client,
        assume=aws.assumed_client,
        tenant_id=delivery.tenant_id,
    )


def _metric(name: str, kind: str, value: float = 1, unit: MetricUnit = MetricUnit.Count) -> None:
    by_kind.add_metric(name=name, kind=kind, value=value, unit=unit)


def prepare() -> None:
    """Create the shared clients before threads fan out: ten threads racing on empty caches would each
    build their own (bench: 16-20 clients and a 4.9x slower first batch instead of 2)."""
    from herald import crypto, db

    db.table()
    aws.client("sqs")
    crypto.get_crypto().kms  # noqa: B018 - creates the KMS client
    http.get_session()


def attempt(
    tenant_id: str,
    delivery_id: str,
    *,
    allow_retry: bool = True,
    config: ChannelConfig | None = None,
    prefetched: channels.Prefetched | None = None,
    claimed: tuple[Delivery, str] | None = None,
) -> Outcome:
    """Make one attempt at a delivery and record it. Never raises for a delivery failure.

    `config` sends with a config that is not stored (the channel-less test e-mail); `prefetched` holds
    channels read together for a whole batch (channels.prefetch); `claimed` is a delivery written already
    claimed, with its lease (put_claimed), which this attempt sends without claiming it again.
    """
    settings = get_settings()
    if claimed is not None:
        delivery, lease = claimed
    else:
        lease = secrets.token_hex(8)
        taken = _claim(tenant_id, delivery_id, lease, settings)
        if isinstance(taken, Outcome):
            return taken
        delivery = taken

    number = delivery.attempt_count
    notification = Notification.model_validate(delivery.notification)
    started = time.monotonic()
    record = _Recorder(delivery, lease, number, started)
    if config is None and delivery.channel_id is None:
        return record("failed", code="invalid_channel", error="This delivery has no channel.")
    try:
        if config is None:
            channel = channels.load_for_delivery(tenant_id, str(delivery.channel_id), prefetched)
            config = channel.config
            notification = _templated(notification, channel, record)
        adapter = registry.get(delivery.kind)
        receipt: Receipt = adapter.send(notification, config, _context(settings, delivery, number))
    except ChannelNotFound:
        return record("failed", code="channel_deleted", error="The channel was deleted before this delivery was sent.")
    except (ValidationFailed, ConfigUnreadable) as exc:
        return record("failed", code="invalid_channel", error=exc.message)
    except DeliveryError as exc:
        # Providers quote requests back in their errors; nothing of the channel's secrets is kept.
        return record.failure(
            settings,
            retryable=exc.retryable and allow_retry,
            code=exc.code,
            error=scrub(exc.message, config.secret_values() if config else ()),
            http_status=exc.http_status,
            retry_after=exc.retry_after,
        )
    except Exception as exc:
        logger.exception("Delivery attempt crashed", extra={"deliveryId": delivery.id, "errorType": type(exc).__name__})
        error = f"Herald failed while sending ({type(exc).__name__})."
        return record.failure(settings, retryable=allow_retry, code="internal_error", error=error)
    return record("delivered", http_status=receipt.http_status, provider_message_id=receipt.provider_message_id)


def _claim(tenant_id: str, delivery_id: str, lease: str, settings: Settings) -> Delivery | Outcome:
    """The delivery, claimed by `lease`; or the outcome for its message when it must not be sent now."""
    try:
        return repository.claim(tenant_id, delivery_id, lease, _lease_seconds(settings))
    except ClaimRefused as refused:
        if refused.delivery is None:
            return Outcome("dead", delivery_id, error="No such delivery record.", code="unknown_delivery")
        if refused.delivery.status in FINAL:
            return _final_outcome(refused.delivery)
        return Outcome("retry", delivery_id, delay=int(refused.wait_seconds) + 1, status=refused.delivery.status)
    except AttemptAbandoned as abandoned:
        # Never sent again by itself: the provider may already have it. Its message goes to the DLQ.
        _metric("DeliveryUnknown", abandoned.delivery.kind)
        logger.warning("Delivery outcome unknown", extra={"deliveryId": delivery_id, "kind": abandoned.delivery.kind})
        return _final_outcome(abandoned.delivery)


def _lease_seconds(settings: Settings) -> float:
    return settings.delivery_deadline_seconds + LEASE_MARGIN_SECONDS


def put_claimed(deliveries: list[Delivery]) -> list[tuple[Delivery, str]]:
    """Write new deliveries claimed for a first attempt made now, each with its lease (for `attempt_claimed`)."""
    leases = [secrets.token_hex(8) for _ in deliveries]
    stored = repository.put_many(deliveries, leases=leases, lease_seconds=_lease_seconds(get_settings()))
    return list(zip(stored, leases, strict=True))


UNRECORDED = (
    "The attempt was made, but its outcome could not be recorded, so the provider may or may not have it. "
    "Herald will not send it again by itself; the delivery ends unknown."
)


def attempt_claimed(
    claimed: tuple[Delivery, str],
    *,
    allow_retry: bool,
    config: ChannelConfig | None = None,
    prefetched: channels.Prefetched | None = None,
) -> Outcome:
    """`attempt` for a delivery this request wrote claimed (put_claimed), answering even when the outcome
    write fails for good after the send.

    Raising would answer the caller 5xx, and a 5xx invites a retry (no idempotency record is kept for it)
    that sends again. Instead its message is queued to arrive once the lease lapses: the sender then finds
    the lease unreleased and ends the delivery `unknown`, as for a sender that stopped mid-attempt.
    Raises only if that message cannot be queued either.
    """
    delivery = claimed[0]
    try:
        return attempt(
            delivery.tenant_id,
            delivery.id,
            allow_retry=allow_retry,
            config=config,
            prefetched=prefetched,
            claimed=claimed,
        )
    except Exception:
        logger.exception("Inline attempt not recorded", extra={"deliveryId": delivery.id, "kind": delivery.kind})
        queue.enqueue_after([(QueueMessage.of(delivery), int(_lease_seconds(get_settings())) + 1)])
        return Outcome("ack", delivery.id, status="unknown", code="outcome_unknown", error=UNRECORDED)


def _templated(notification: Notification, channel: Channel, record: _Recorder) -> Notification:
    """The notification in the channel's templates. A template that fails never costs the alert: it goes out in
    Herald's own wording, and the attempt keeps the template's error (counted as `TemplateErrors`)."""
    if channel.template is None and channel.config.json_body_template() is None:
        return notification
    from herald import templates  # Jinja2 loads only for a channel that has a template

    try:
        return templates.apply(
            notification,
            template=channel.template,
            config=channel.config,
            kind=channel.kind,
            channel_name=channel.name,
            tenant_id=channel.tenant_id,
        )
    except templates.TemplateError as exc:
        record.template_error = exc.message
        _metric("TemplateErrors", channel.kind)
        logger.warning(
            "Template failed; sent in Herald's own wording",
            extra={"deliveryId": record.delivery.id, "kind": channel.kind, "templateError": exc.message},
        )
        return notification


def _final_outcome(delivery: Delivery) -> Outcome:
    """What a final record asks of its message: failed and unknown ones keep a copy in the DLQ."""
    return Outcome(
        "dead" if delivery.status in REDRIVABLE else "ack",
        delivery.id,
        success=delivery.status == "delivered",
        status=delivery.status,
        error=delivery.error,
        code=delivery.code,
        provider_message_id=delivery.provider_message_id,
        attempt_count=delivery.attempt_count,
        kind=delivery.kind,
    )


class _Recorder:
    """Writes the outcome of one claimed attempt and turns it into what the queue should do."""

    def __init__(self, delivery: Delivery, lease: str, number: int, started: float) -> None:
        self.delivery, self.lease, self.number, self.started = delivery, lease, number, started
        self.template_error: str | None = None

    def failure(
        self,
        settings: Settings,
        *,
        retryable: bool,
        code: str,
        error: str,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> Outcome:
        # Counted from the last redrive, which gives a delivery the whole schedule again.
        number = self.number - self.delivery.attempt_base
        if retryable and not retry.exhausted(number, settings.retry_schedule):
            delay = retry.next_delay(number, settings.retry_schedule, retry_after)
            return self("retrying", code=code, error=error, http_status=http_status, delay=delay)
        final_code = "attempts_exhausted" if retryable else code
        return self("failed", code=final_code, error=error, http_status=http_status)

    def __call__(
        self,
        status: str,
        *,
        code: str | None = None,
        error: str | None = None,
        http_status: int | None = None,
        provider_message_id: str | None = None,
        delay: int = 0,
    ) -> Outcome:
        delivery = self.delivery
        latency_ms = int((time.monotonic() - self.started) * 1000)
        entry = Attempt(
            attempt=self.number,
            time=iso(),
            status=status,
            http_status=http_status,
            error=error,
            latency_ms=latency_ms,
            template_error=self.template_error,
        )
        not_before = time.time() + delay if status == "retrying" else None
        try:
            aws.with_retries(
                lambda: repository.record_attempt(
                    delivery,
                    self.lease,
                    entry,
                    status=status,
                    code=code,
                    provider_message_id=provider_message_id,
                    not_before=not_before,
                )
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                # Still failing: the message goes back, and its next claim finds this lease unreleased and
                # ends the delivery `unknown` rather than sending it again.
                raise
            # The delivery was redriven or taken over meanwhile; its new owner records what happens next.
            logger.warning("Attempt outcome not recorded: lease lost", extra={"deliveryId": delivery.id})
            return Outcome(
                "ack",
                delivery.id,
                success=status == "delivered",
                status=status,
                error=error,
                code=code,
                kind=delivery.kind,
            )
        metric = {"delivered": "DeliverySucceeded", "retrying": "DeliveryRetried"}.get(status, "DeliveryFailed")
        failure = {"delivered": 0, "failed": 1}.get(status)
        _metric(metric, delivery.kind)
        _metric("DeliveryLatency", delivery.kind, latency_ms, MetricUnit.Milliseconds)
        if failure is not None:
            # 0 or 1 per finished delivery: its average by kind is the kind's failure rate (one query, one alarm).
            _metric("DeliveryFailure", delivery.kind, failure)
        action: Literal["ack", "retry", "dead"] = "ack"
        if status == "retrying":
            action = "retry"
        elif status == "failed":
            action = "dead"  # every failed delivery keeps its message in the DLQ, for redrive
        return Outcome(
            action,
            delivery.id,
            delay=delay if action == "retry" else 0,
            success=status == "delivered",
            status=status,
            error=error,
            code=code,
            provider_message_id=provider_message_id,
            http_status=http_status,
            attempt_count=self.number,
            kind=delivery.kind,
        )


def redrive(tenant_id: str, delivery_id: str, *, attempt_count: int | None = None, enqueue: bool = True) -> Delivery:
    """Give a failed or unknown delivery another round: back to `queued` with a fresh retry schedule and a
    `redriven` entry in its log, then (`enqueue`) a new message on the delivery queue.

    The one way every redrive goes: `POST /v1/deliveries/{id}/redrive`, `make redrive` (the DLQ's messages)
    and a DLQ message moved back by SQS's own redrive (the sender, with `enqueue=False`: that message is
    the round's). `attempt_count`: only if no attempt was made since the delivery had that many.
    Raises DeliveryNotFound, or Conflict when the delivery is not (or no longer) redrivable.
    """
    try:
        delivery = repository.redrive(tenant_id, delivery_id, attempt_count)
    except ClaimRefused as refused:
        if refused.delivery is None:
            raise DeliveryNotFound(delivery_id) from None
        raise Conflict(
            f"Only a failed or unknown delivery can be redriven; {delivery_id} is {refused.delivery.status}.",
            code="not_redrivable",
        ) from None
    if enqueue:
        queue.enqueue([QueueMessage.of(delivery)])
    _metric("DeliveryRedriven", delivery.kind)
    return delivery


def attempt_inline(
    deliveries: list[Delivery], *, allow_retry: bool, prefetched: channels.Prefetched | None = None
) -> list[Outcome]:
    """Attempt each delivery now, concurrently. A retryable failure is queued for the retries to come.

    `prefetched`: the channels the caller has just read, which the attempts send with instead of reading
    them again.
    """
    if not deliveries:
        return []
    claims = put_claimed(deliveries)

    def attempt_one(claimed: tuple[Delivery, str]) -> Outcome:
        return attempt_claimed(claimed, allow_retry=allow_retry, prefetched=prefetched)

    if len(claims) == 1:  # /test: a thread of its own would only cost its start
        outcomes = [attempt_one(claims[0])]
    else:
        prepare()
        with ThreadPoolExecutor(max_workers=min(10, len(claims))) as pool:
            outcomes = list(pool.map(attempt_one, claims))
    log_outcomes(outcomes)
    queue.enqueue_after(
        (QueueMessage.of(d), o.delay) for d, o in zip(deliveries, outcomes, strict=True) if o.action == "retry"
    )
    return outcomes


def log_outcomes(outcomes: Iterable[Outcome]) -> None:
    """One log line for what a batch (or a request) did with its deliveries: a line per attempt cost each
    delivery about 70 µs of the sender's CPU (bench 8) and a copy of the Lambda context. Every attempt is
    also in its delivery's record (`GET /v1/deliveries/{id}`)."""
    done = [_logged(outcome) for outcome in outcomes]
    if done:
        logger.info("Deliveries processed", extra={"deliveries": done})


def _logged(outcome: Outcome) -> dict[str, Any]:
    entry = {
        "deliveryId": outcome.delivery_id,
        "kind": outcome.kind,
        "attempt": outcome.attempt_count,
        "status": outcome.status,
        "code": outcome.code,
        "httpStatus": outcome.http_status,
    }
    return {name: value for name, value in entry.items() if value is not None}


def describe(outcome: Outcome) -> dict[str, Any]:
    return {"success": outcome.success, "error": outcome.error, "providerMessageId": outcome.provider_message_id}
