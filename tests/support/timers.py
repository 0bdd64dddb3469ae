"""A clock integration tests move: Herald's (timeutil.set_clock) and moto's SQS timers together.

SQS holds a delayed or hidden message back by its own clock, which a test cannot move; moving Herald's
clock alone would leave the timer queue's messages waiting in real time. `Clock.advance` moves both:
every message's delay and visibility end come `seconds` nearer, as if that much time had passed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.sqs.models import sqs_backends

from herald import timeutil
from herald.timeutil import parse_iso
from local.constants import REGION
from local.records import sqs_record
from tests.support.api import LambdaContext, load_handler

START = 1_778_834_000.0  # 2026-05-15T08:33:20Z


class Clock:
    def __init__(self, start: float = START) -> None:
        self.at = start
        timeutil.set_clock(lambda: datetime.fromtimestamp(self.at, UTC))

    def advance(self, seconds: float) -> None:
        self.at += seconds
        millis = int(seconds * 1000)
        for queue in sqs_backends[DEFAULT_ACCOUNT_ID][REGION].queues.values():
            for message in queue._messages:  # moto's store: the one way to move its clock
                message.delayed_until -= millis
                message.visible_at -= millis

    def set(self, moment: str | datetime) -> None:
        """Herald's `now` from here on (an ISO moment with its offset); moto's SQS timers move as far."""
        at = parse_iso(moment) if isinstance(moment, str) else moment
        self.advance(at.timestamp() - self.at)

    def stop(self) -> None:
        timeutil.set_clock(None)


class Timers:
    """Runs the timer function over the timer queue until a receive finds nothing due."""

    def __init__(self, sqs: Any, queue_url: str, queue_arn: str) -> None:
        self.sqs, self.queue_url, self.queue_arn = sqs, queue_url, queue_arn
        self.function = load_handler("timer")

    def run(self) -> list[dict[str, Any]]:
        """Every timer outcome of the runs (what the function answered), in order."""
        outcomes: list[dict[str, Any]] = []
        for _ in range(50):
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return outcomes
            records = [sqs_record(message, self.queue_arn) for message in messages]
            answer = self.function.handler({"Records": records}, LambdaContext())
            kept = {failure["itemIdentifier"] for failure in answer["batchItemFailures"]}
            for message in messages:
                if message["MessageId"] not in kept:
                    self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            outcomes.extend(answer["timers"])
        raise AssertionError("the timer queue did not empty")
