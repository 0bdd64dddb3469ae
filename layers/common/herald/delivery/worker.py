"""The sender's batch loop: every delivery of up to ten messages at once, partial failures reported to SQS."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import ValidationError

from herald.channels import service as channels
from herald.delivery import queue, service
from herald.delivery.service import Outcome
from herald.errors import Conflict, DeliveryNotFound
from herald.models.delivery import QueuedDelivery, QueueMessage
from herald.observability import logger

FAULT_RETRY_SECONDS = 5
MAX_AT_ONCE = 50  # ten messages of up to five deliveries: every delivery of a batch starts at once


def _message(record: dict[str, Any]) -> QueueMessage | None:
    try:
        return QueueMessage.model_validate_json(record["body"])
    except (ValidationError, KeyError):
        return None


def _prefetch(messages: list[QueueMessage | None]) -> channels.Prefetched | None:
    """The batch's distinct channels in one read; None (each attempt reads its own) when that read fails."""
    try:
        return channels.prefetch(
            (m.tenantId, e.channelId) for m in messages if m is not None for e in m.entries() if e.channelId
        )
    except Exception:
        logger.exception("Channels of the batch could not be read together")
        return None


def _dead_lettered_at(record: dict[str, Any]) -> int | None:
    """The attempt count a DLQ copy was made at, when SQS's DLQ redrive moved this message back; else None."""
    value = (record.get("messageAttributes") or {}).get(queue.ATTEMPT_COUNT_ATTRIBUTE) or {}
    raw = str(value.get("stringValue", ""))
    return int(raw) if raw.isdigit() else None


def _redrive_moved(tenant_id: str, delivery_id: str, attempt_count: int) -> None:
    """A person moved this copy back from the DLQ (console "Start DLQ redrive"): redrive its delivery, this
    message being the new round's. A copy older than the delivery's last attempt, or of one that is not
    failed or unknown, redrives nothing: the attempt that follows treats it as the duplicate it is."""
    try:
        service.redrive(tenant_id, delivery_id, attempt_count=attempt_count, enqueue=False)
    except (Conflict, DeliveryNotFound):
        return
    logger.info("Delivery redriven from the DLQ", extra={"deliveryId": delivery_id})


type Result = Outcome | Exception


def process_batch(records: list[dict[str, Any]], remaining_ms: Callable[[], int] | None = None) -> dict[str, Any]:
    """Attempt every delivery of every record at once (a slow receiver delays no other) and tell SQS which
    messages to keep.

    The batch's channels are read once, together, before the attempts.
    A single delivery's message: a retry hides it for the retry delay and reports it as a batch item failure;
    an exhausted or unreadable one is moved to the DLQ and acknowledged.
    A bundle: each delivery that is not done goes on alone (_settle_bundle).
    """
    failures: list[dict[str, str]] = []
    if not records:
        return {"batchItemFailures": failures}
    service.prepare()
    messages = [_message(record) for record in records]
    prefetched = _prefetch(messages)
    work = [(index, message, entry) for index, message in enumerate(messages) if message for entry in message.entries()]

    def handle(index: int, message: QueueMessage, entry: QueuedDelivery) -> Result:
        try:
            moved_back = _dead_lettered_at(records[index])
            if moved_back is not None:
                _redrive_moved(message.tenantId, entry.deliveryId, moved_back)
            return service.attempt(message.tenantId, entry.deliveryId, prefetched=prefetched)
        except Exception as exc:
            logger.exception(
                "Delivery record could not be processed",
                extra={"messageId": records[index].get("messageId"), "deliveryId": entry.deliveryId},
            )
            return exc

    outcomes: list[list[Result]] = [[] for _ in records]  # each record's, in the order of its entries
    if work:
        with ThreadPoolExecutor(max_workers=min(MAX_AT_ONCE, len(work))) as pool:
            for (index, _, _), result in zip(work, pool.map(lambda item: handle(*item), work), strict=True):
                outcomes[index].append(result)
        service.log_outcomes(result for results in outcomes for result in results if isinstance(result, Outcome))
    for record, message, results in zip(records, messages, outcomes, strict=True):
        if message is None:
            settled = _settle_unreadable(record)
        elif message.deliveryId is not None:
            settled = _settle(record, results[0])
        else:
            settled = _settle_bundle(message, results)
        if not settled:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def _settle_unreadable(record: dict[str, Any]) -> bool:
    try:
        logger.error("Unreadable delivery message", extra={"messageId": record.get("messageId")})
        queue.dead_letter(record.get("body", ""), "unreadable message")
        return True
    except Exception:
        logger.exception("Could not settle delivery message", extra={"messageId": record.get("messageId")})
        return False


def _settle(record: dict[str, Any], outcome: Result) -> bool:
    """Do what the outcome asks of the queue; True when the message may be deleted."""
    try:
        if isinstance(outcome, Exception):
            # A fault (DynamoDB or KMS unavailable, ...): back in seconds, not after the visibility timeout.
            # An attempt it cut short is found by its unreleased lease and never sent twice (repository).
            queue.delay(record["receiptHandle"], FAULT_RETRY_SECONDS)
            return False
        if outcome.action == "retry":
            queue.delay(record["receiptHandle"], outcome.delay)
            return False
        if outcome.action == "dead":
            queue.dead_letter(record["body"], outcome.code or "dead", outcome.attempt_count)
        return True
    except Exception:
        logger.exception("Could not settle delivery message", extra={"messageId": record.get("messageId")})
        return False


def _settle_bundle(message: QueueMessage, outcomes: list[Result]) -> bool:
    """Each delivery of a bundle that is not done goes on in a message of its own: a retry queued with its
    delay (an early arrival is held off by the delivery's `notBefore` and hidden again), a failure's copy to
    the DLQ. True, deleting the bundle, once all of them are queued. Else the bundle comes back whole: its
    finished deliveries then answer as duplicates do, and no delivery is sent twice (claims)."""
    later: list[tuple[QueueMessage, int]] = []
    try:
        for entry, outcome in zip(message.entries(), outcomes, strict=True):
            if isinstance(outcome, Exception):
                later.append((message.single(entry), FAULT_RETRY_SECONDS))
            elif outcome.action == "retry":
                later.append((message.single(entry), outcome.delay))
            elif outcome.action == "dead":
                queue.dead_letter(message.single(entry).body(), outcome.code or "dead", outcome.attempt_count)
        queue.enqueue_after(later)
        return True
    except Exception:
        logger.exception("Could not settle a bundle of deliveries", extra={"tenantId": message.tenantId})
        return False
