"""The alert timer queue: a message delayed until its alert's next step or reminder is due.

SQS delays a message at most 15 minutes; a message that arrives early is hidden again for what is
left (a visibility change, up to 12 hours), so any wait is a chain of such hops (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from herald import aws
from herald.models.alert import TimerMessage
from herald.settings import get_settings

MAX_DELAY_SECONDS = 900
MAX_VISIBILITY_SECONDS = 12 * 3600


def schedule(message: TimerMessage, wait_seconds: float) -> None:
    """Queue `message` to arrive in `wait_seconds` (or at the first hop's end, if longer than 15 min)."""
    delay = max(0, min(MAX_DELAY_SECONDS, int(wait_seconds + 0.999)))
    aws.with_retries(
        lambda: aws.client("sqs").send_message(
            QueueUrl=get_settings().timer_queue_url, MessageBody=message.model_dump_json(), DelaySeconds=delay
        )
    )


def hide(receipt_handle: str, wait_seconds: float) -> None:
    """Hide a message that arrived early for what is left of its wait (the next hop, at most 12 h)."""
    seconds = max(1, min(MAX_VISIBILITY_SECONDS, int(wait_seconds + 0.999)))
    aws.with_retries(
        lambda: aws.client("sqs").change_message_visibility(
            QueueUrl=get_settings().timer_queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
    )
