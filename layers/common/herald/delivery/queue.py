"""The delivery queue: enqueue in batches (failed entries retried, never dropped), delay, dead-letter."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from herald import aws
from herald.models.delivery import QueueMessage
from herald.settings import get_settings

SQS_BATCH = 10
MAX_DELAY_SECONDS = 900  # SQS DelaySeconds
MAX_VISIBILITY_SECONDS = 12 * 3600
_BATCH_TRIES = 5


class EnqueueFailed(Exception):
    """Some messages could not be queued after retries; the caller must not report them queued."""

    def __init__(self, failed_ids: list[str]) -> None:
        super().__init__(f"{len(failed_ids)} deliveries could not be queued")
        self.failed_ids = failed_ids


def enqueue(messages: list[QueueMessage], delay_seconds: int = 0) -> int:
    """Send every message with SendMessageBatch (10 per call). Returns the number of calls made.

    Entries SQS reports as failed, and whole calls that fail, are sent again (bounded, with backoff);
    raises EnqueueFailed naming every delivery of the messages that could not be queued.
    """
    sqs = aws.client("sqs")
    url = get_settings().queue_url
    calls = 0
    unsent: list[str] = []
    for start in range(0, len(messages), SQS_BATCH):
        pending = dict(enumerate(messages[start : start + SQS_BATCH]))  # the entry Id is the index
        for attempt in range(_BATCH_TRIES):
            calls += 1
            try:
                response = sqs.send_message_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(index), "MessageBody": msg.body(), "DelaySeconds": delay_seconds}
                        for index, msg in pending.items()
                    ],
                )
            except (BotoCoreError, ClientError):
                failed = set(pending)  # nothing of this call was queued: all of it again
            else:
                failed = {int(entry["Id"]) for entry in response.get("Failed", [])}
            pending = {index: msg for index, msg in pending.items() if index in failed}
            if not pending:
                break
            time.sleep(min(0.05 * 2**attempt, 1.0))
        unsent += [entry.deliveryId for msg in pending.values() for entry in msg.entries()]
    if unsent:
        raise EnqueueFailed(unsent)
    return calls


def enqueue_after(pending: Iterable[tuple[QueueMessage, int]]) -> None:
    """Queue each message after its delay in seconds, one `enqueue` per distinct delay. SQS delays a message
    at most MAX_DELAY_SECONDS: one due later arrives early, and its delivery's claim hides it for the rest."""
    by_delay: dict[int, list[QueueMessage]] = {}
    for message, seconds in pending:
        by_delay.setdefault(min(seconds, MAX_DELAY_SECONDS), []).append(message)
    for seconds, messages in by_delay.items():
        enqueue(messages, delay_seconds=seconds)


def delay(receipt_handle: str, seconds: int) -> None:
    """Hide a received message for `seconds` (up to 12 h): the queue is the retry timer."""
    aws.with_retries(
        lambda: aws.client("sqs").change_message_visibility(
            QueueUrl=get_settings().queue_url,
            ReceiptHandle=receipt_handle,
            VisibilityTimeout=max(0, min(int(seconds), MAX_VISIBILITY_SECONDS)),
        )
    )


# The delivery's attempt count when its message was dead-lettered: a copy moved back by SQS's DLQ redrive
# carries it, and redrives the delivery only if nothing was attempted since (service.redrive).
ATTEMPT_COUNT_ATTRIBUTE = "attemptCount"


def dead_letter(body: str, reason: str, attempt_count: int | None = None) -> None:
    """Move a message to the DLQ ourselves (attempts are counted by Herald, not by SQS receives)."""
    attributes: dict[str, Any] = {"reason": {"DataType": "String", "StringValue": reason[:256]}}
    if attempt_count is not None:
        attributes[ATTEMPT_COUNT_ATTRIBUTE] = {"DataType": "Number", "StringValue": str(attempt_count)}
    aws.with_retries(
        lambda: aws.client("sqs").send_message(
            QueueUrl=get_settings().dlq_url, MessageBody=body, MessageAttributes=attributes
        )
    )
