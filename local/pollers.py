"""Event sources: threads that feed queues to handlers the way the Lambda service does.

- SQS event source mapping: SQS_POLLERS pollers (at most one per container), each batching up to BatchSize
  within MaximumBatchingWindowInSeconds; deletes what succeeded, leaves the rest for the visibility
  timeout (and the queue's redrive policy).
- SNS and EventBridge push to Lambda asynchronously; locally each pushes to an internal queue, and
  each message is one invocation, tried as often as the function's EventInvokeConfig says (Lambda's
  default: three times) and then sent to its on-failure destination in Lambda's record format, or
  dropped (with a warning) when it has none.

Every receive waits at most a second, so a stop request is seen within about that.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from local import records
from local.containers import FunctionPool, PoolClosed
from local.deployment import RuleSource, SnsSource, SqsSource

log = logging.getLogger("local.pollers")
_WAIT_SECONDS = 1
_SQS_MAX_MESSAGES = 10
# Lambda's SQS event source mapping starts with five concurrent pollers, each handing its own batch to its
# own invocation: a batch with a slow delivery holds up no other batch (locally, up to the pool's size).
SQS_POLLERS = 5
# Lambda retries a failed asynchronous invocation after about 1 and 2 minutes; locally after 1 s and 2 s.
_ERROR_PAUSE_SECONDS = 0.5


class _Poller(threading.Thread, ABC):
    def __init__(self, name: str, sqs: Any, queue_url: str, pool: FunctionPool, stop: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self.sqs, self.queue_url, self.pool, self.stop_event = sqs, queue_url, pool, stop

    def _receive(self, count: int, wait: int) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=wait,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.poll_once()
            except PoolClosed:
                return
            except (BotoCoreError, ClientError) as exc:
                if self.stop_event.is_set():
                    return
                log.warning("%s: the emulator did not answer (%s); trying again", self.name, exc)
                self.stop_event.wait(_ERROR_PAUSE_SECONDS)

    @abstractmethod
    def poll_once(self) -> None:
        """Receive once and hand what arrived to the function."""


class SqsPoller(_Poller):
    """The SQS event source mapping of one function event."""

    def __init__(
        self, source: SqsSource, sqs: Any, pool: FunctionPool, stop: threading.Event, *, number: int = 0
    ) -> None:
        super().__init__(f"sqs:{source.function}.{source.event}#{number}", sqs, source.queue_url, pool, stop)
        self.source = source

    def _batch(self) -> list[dict[str, Any]]:
        """Up to BatchSize messages: the first receive long-polls, then the batching window fills the batch."""
        wanted = self.source.batch_size
        batch = self._receive(min(_SQS_MAX_MESSAGES, wanted), _WAIT_SECONDS)
        if not batch:
            return batch
        window_ends = time.monotonic() + self.source.batching_window_seconds
        while len(batch) < wanted and not self.stop_event.is_set():
            remaining = window_ends - time.monotonic()
            if remaining <= 0:
                break
            more = self._receive(min(_SQS_MAX_MESSAGES, wanted - len(batch)), 0)
            batch.extend(more)
            if not more:
                self.stop_event.wait(min(0.1, remaining))
        return batch

    def poll_once(self) -> None:
        messages = self._batch()
        if not messages:
            return
        batch = [records.sqs_record(message, self.source.queue_arn) for message in messages]
        outcome = self.pool.invoke({"Records": batch})
        if not outcome.ok:
            log.warning(
                "%s: the handler failed (%s); the batch returns after the visibility timeout",
                self.name,
                (outcome.error or {}).get("errorType"),
            )
        keep = set(records.deletable(batch, outcome.ok, outcome.result, self.source.report_batch_item_failures))
        handles = [record["receiptHandle"] for record in batch if record["messageId"] in keep]
        for start in range(0, len(handles), _SQS_MAX_MESSAGES):
            chunk = handles[start : start + _SQS_MAX_MESSAGES]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(index), "ReceiptHandle": handle} for index, handle in enumerate(chunk)],
            )


class PushPoller(_Poller):
    """An asynchronous push (SNS, EventBridge) to a function, one invocation per message."""

    def __init__(
        self,
        name: str,
        queue_url: str,
        to_event: Callable[[str], Any],
        *,
        sqs: Any,
        pool: FunctionPool,
        stop: threading.Event,
    ) -> None:
        super().__init__(name, sqs, queue_url, pool, stop)
        self.to_event = to_event

    def poll_once(self) -> None:
        spec = self.pool.spec
        for message in self._receive(_SQS_MAX_MESSAGES, _WAIT_SECONDS):
            if self.stop_event.is_set():
                return
            event = self.to_event(message["Body"])
            outcome = self.pool.invoke(event)
            attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            if outcome.ok or attempt >= spec.async_attempts:
                if not outcome.ok:
                    self._failed(event, outcome.error or {}, attempt)
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            else:
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=attempt
                )

    def _failed(self, event: Any, error: dict[str, Any], attempts: int) -> None:
        destination = self.pool.spec.on_failure_queue_url
        if destination is None:
            log.warning(
                "%s: dropped an event after %d failed attempts (no on-failure destination)", self.name, attempts
            )
            return
        record = records.async_failure(event, error, self.pool.spec.arn, attempts)
        self.sqs.send_message(QueueUrl=destination, MessageBody=json.dumps(record))
        log.warning("%s: an event failed %d attempts; sent to the on-failure destination", self.name, attempts)


def sns_poller(source: SnsSource, sqs: Any, pool: FunctionPool, stop: threading.Event) -> PushPoller:
    return PushPoller(
        f"sns:{source.function}.{source.event}",
        source.queue_url,
        lambda body: records.sns_event(json.loads(body), source.subscription_arn),
        sqs=sqs,
        pool=pool,
        stop=stop,
    )


def rule_poller(source: RuleSource, sqs: Any, pool: FunctionPool, stop: threading.Event) -> PushPoller:
    return PushPoller(
        f"events:{source.function}.{source.event}",
        source.queue_url,
        records.eventbridge_event,
        sqs=sqs,
        pool=pool,
        stop=stop,
    )
