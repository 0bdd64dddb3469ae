"""Reading a queue once through, for the redrive commands: each message at most once, bounded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

BATCH = 10
MAX_ROUNDS = 1000  # 10,000 messages per run at the most; run it again for more
HIDE_SECONDS = 60  # how long a received message stays hidden while it is handled


def messages_once(sqs: Any, queue_url: str) -> Iterator[dict[str, Any]]:
    """Every message the queue holds (with its attributes), each once, until a receive brings nothing new.

    A message the caller does not delete comes back after HIDE_SECONDS; it is not yielded again.
    """
    seen: set[str] = set()
    for _ in range(MAX_ROUNDS):
        got = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=BATCH,
            WaitTimeSeconds=1,
            VisibilityTimeout=HIDE_SECONDS,
            MessageAttributeNames=["All"],
        )
        fresh = [m for m in got.get("Messages", []) if m["MessageId"] not in seen]
        if not fresh:
            return
        for message in fresh:
            seen.add(message["MessageId"])
            yield message
