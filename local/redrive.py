"""`make redrive [STACK=s]`: every delivery whose message is in the dead-letter queue gets another round.

Each message of the DLQ names a delivery that ended `failed` or `unknown` (or, moved there by SQS after
`maxReceiveCount` receives, a bundle of deliveries or one not finished; an unfinished one is simply queued
again, alone). A failed or unknown delivery is redriven by the same code as
`POST /v1/deliveries/{id}/redrive` (herald.delivery.service.redrive): back to `queued` with the whole
retry schedule again, a `redriven` entry in its log, and a new message on the delivery queue;
then the DLQ message is deleted. A copy made before the delivery's last attempt (it was redriven or sent
since, and a later failure left its own copy) is deleted without redriving anything. A delivery is
redriven once per run: another copy of it seen after that is left for the next run, as is a message
that names no delivery (reported).

Without STACK it works on the running local stack; with it, on a deployed stack with your AWS credentials
(DynamoDB UpdateItem and GetItem on the table, SQS ReceiveMessage and DeleteMessage on the DLQ,
SendMessage on the delivery queue).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from local.api_key import (
    ApiKeyError,
    emulator_environment,
    environment_from_outputs,
    local_outputs,
    stack_outputs,
    use_environment,
)
from local.constants import LocalConfig
from local.queue_drain import messages_once


@dataclass
class Tally:
    redriven: int = 0
    requeued: int = 0  # deliveries not yet finished, whose message SQS moved here (maxReceiveCount): queued again
    stale: int = 0  # copies deleted: their delivery had moved on
    later: int = 0  # copies of a delivery already redriven in this run, left for the next run
    unreadable: int = 0  # messages that name no delivery, left for a person to read


def environment(stack: str | None) -> tuple[dict[str, str], str]:
    """Herald's settings for the stack's table and delivery queue, and the DLQ's URL. Raises ApiKeyError."""
    if stack:
        outputs, where, aws = stack_outputs(stack), f"Stack {stack}", {}
    else:
        config = LocalConfig.from_env()
        outputs, where, aws = local_outputs(config), "the local stack", emulator_environment(config)
    missing = {"DeliveryQueueUrl", "DeadLetterQueueUrl"} - set(outputs)
    if missing:
        raise ApiKeyError(f"{where} has no output {', '.join(sorted(missing))}; is it a Herald stack of this version?")
    settings = {
        **environment_from_outputs(outputs, where),
        "HERALD_QUEUE_URL": outputs["DeliveryQueueUrl"],
        "HERALD_DLQ_URL": outputs["DeadLetterQueueUrl"],
        **aws,
    }
    return settings, outputs["DeadLetterQueueUrl"]


def redrive_dlq(dlq_url: str) -> Tally:
    """Redrive the delivery of every message in the DLQ (bounded: queue_drain.MAX_ROUNDS receives)."""
    from herald import aws
    from herald.delivery import queue, repository, service
    from herald.errors import Conflict, DeliveryNotFound
    from herald.models.delivery import FINAL, QueueMessage

    sqs = aws.client("sqs")
    tally, redriven = Tally(), set[str]()
    for message in messages_once(sqs, dlq_url):
        try:
            named = QueueMessage.model_validate_json(message["Body"])
        except ValidationError:
            print(f"left {message['MessageId']}: it names no delivery", file=sys.stderr)
            tally.unreadable += 1
            continue
        # Herald's own copies name one delivery; a bundle lands here only if SQS moved it (maxReceiveCount).
        entries = [entry for entry in named.entries() if entry.deliveryId not in redriven]
        if not entries:
            tally.later += 1  # a later failure's copy, or a duplicate: the next run decides
            continue
        for entry in entries:
            try:
                service.redrive(named.tenantId, entry.deliveryId, attempt_count=_attempt_count(message))
            except Conflict:
                # Not failed or unknown. Still queued or retrying: SQS moved its message after maxReceiveCount
                # receives (a bundle that a poison delivery kept crashing, say); alone, it goes back.
                delivery = repository.get(named.tenantId, entry.deliveryId, consistent=True)
                if delivery is not None and delivery.status not in FINAL:
                    queue.enqueue([named.single(entry)])
                    tally.requeued += 1
                else:
                    tally.stale += 1
            except DeliveryNotFound:
                tally.stale += 1
            else:
                redriven.add(entry.deliveryId)
                tally.redriven += 1
        sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
    return tally


def _attempt_count(message: dict[str, Any]) -> int | None:
    """The delivery's attempt count when this copy was made (queue.dead_letter); None for an older copy."""
    from herald.delivery.queue import ATTEMPT_COUNT_ATTRIBUTE

    raw = str((message.get("MessageAttributes") or {}).get(ATTEMPT_COUNT_ATTRIBUTE, {}).get("StringValue", ""))
    return int(raw) if raw.isdigit() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make redrive", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stack", help="a deployed CloudFormation stack; without it, the running local stack")
    args = parser.parse_args(argv)
    try:
        settings, dlq_url = environment(args.stack)
        use_environment(settings)
        # Whatever a redrive prints (its log line and, should anything write the metrics by kind, their EMF
        # document) is for Lambda's log in AWS; on this terminal it would only bury the answer.
        with contextlib.redirect_stdout(io.StringIO()):
            tally = redrive_dlq(dlq_url)
    except ApiKeyError as exc:
        print(f"make redrive: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError, OSError) as exc:
        print(f"make redrive: {exc}", file=sys.stderr)
        return 1
    print(
        f"Redrove {tally.redriven} deliveries; "
        + (f"queued again {tally.requeued} unfinished ones SQS had moved here; " if tally.requeued else "")
        + f"deleted {tally.stale} copies whose delivery had moved on; "
        f"left {tally.later + tally.unreadable} messages in {dlq_url}"
        + (f" ({tally.unreadable} name no delivery)." if tally.unreadable else ".")
    )
    return 0 if tally.unreadable == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
