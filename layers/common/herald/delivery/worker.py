"""The sender's batch loop: up to ten deliveries at once, partial failures reported to SQS."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import ValidationError

from herald.channels import service as channels
from herald.delivery import queue, service
from herald.delivery.service import Outcome
from herald.errors import Conflict, DeliveryNotFound
from herald.models.delivery import QueueMessage
from herald.observability import logger

FAULT_RETRY_SECONDS = 5


def _message(record: dict[str, Any]) -> QueueMessage | None:
    try:
        return QueueMessage.model_validate_json(record["body"])
    except (ValidationError, KeyError):
        return None


def _prefetch(messages: list[QueueMessage | None]) -> channels.Prefetched | None:
    """The batch's distinct channels in one read; None (each attempt reads its own) when that read fails."""
    try:
        return channels.prefetch((m.tenantId, m.channelId) for m in messages if m is not None and m.channelId)
    except Exception:
        logger.exception("Channels of the batch could not be read together")
        return None


def _dead_lettered_at(record: dict[str, Any]) -> int | None:
    """The attempt count a DLQ copy was made at, when SQS's DLQ redrive moved this message back; else None."""
    value = (record.get("messageAttributes") or {}).get(queue.ATTEMPT_COUNT_ATTRIBUTE) or {}
    raw = str(value.get("stringValue", ""))
    return int(raw) if raw.isdigit() else None


def _redrive_moved(message: QueueMessage, attempt_count: int) -> None:
    """A person moved this copy back from the DLQ (console "Start DLQ redrive"): redrive its delivery, this
    message being the new round's. A copy older than the delivery's last attempt, or of one that is not
    failed or unknown, redrives nothing: the attempt that follows treats it as the duplicate it is."""
    try:
        service.redrive(message.tenantId, message.deliveryId, attempt_count=attempt_count, enqueue=False)
    except (Conflict, DeliveryNotFound):
        return
    logger.info("Delivery redriven from the DLQ", extra={"deliveryId": message.deliveryId})


def process_batch(records: list[dict[str, Any]], remaining_ms: Callable[[], int] | None = None) -> dict[str, Any]:
    """Attempt every record concurrently (a slow receiver delays no other) and tell SQS which to keep.

    The batch's channels are read once, together, before the attempts.
    Retries: the message is hidden for the retry delay and reported as a batch item failure.
    Exhausted or unreadable: the message is moved to the DLQ and acknowledged.
    """
    failures: list[dict[str, str]] = []
    if not records:
        return {"batchItemFailures": failures}
    service.prepare()
    messages = [_message(record) for record in records]
    prefetched = _prefetch(messages)

    def handle(record: dict[str, Any], message: QueueMessage | None) -> Outcome | Exception | None:
        try:
            if message is None:
                return None
            moved_back = _dead_lettered_at(record)
            if moved_back is not None:
                _redrive_moved(message, moved_back)
            return service.attempt(message.tenantId, message.deliveryId, prefetched=prefetched)
        except Exception as exc:
            logger.exception("Delivery record could not be processed", extra={"messageId": record.get("messageId")})
            return exc

    with ThreadPoolExecutor(max_workers=min(10, len(records))) as pool:
        outcomes = list(pool.map(handle, records, messages))
    for record, outcome in zip(records, outcomes, strict=True):
        if not _settle(record, outcome):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def _settle(record: dict[str, Any], outcome: Outcome | Exception | None) -> bool:
    """Do what the outcome asks of the queue; True when the message may be deleted."""
    try:
        if outcome is None:
            logger.error("Unreadable delivery message", extra={"messageId": record.get("messageId")})
            queue.dead_letter(record.get("body", ""), "unreadable message")
            return True
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
