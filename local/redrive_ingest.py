"""`make redrive-ingest [STACK=s]`: feed the monitoring events that failed every try back in.

The ingest failure queue holds three shapes, one per way in: Lambda's on-failure record (its
`requestPayload` is the SNS or EventBridge event the function failed on), the SNS subscription's
redrive (an SNS envelope) and the EventBridge target's dead letter (the event itself). Each event goes
back the way it came: republished to its SNS topic, or put on its event bus again. Intake is idempotent
by event `id`, so an event that did get through before is not ingested twice. A message is deleted only
once everything in it was sent back; one of an unknown shape is left in the queue and reported.

Without STACK it works on the running local stack; with it, on a deployed stack with your AWS credentials.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from local.api_key import ApiKeyError
from local.aws import Aws
from local.constants import LocalConfig, state_file
from local.emulator import answers
from local.queue_drain import messages_once


@dataclass(frozen=True)
class Republish:
    """One event to send back: to an SNS topic (`topic`) or an event bus (`entry`)."""

    topic: str | None = None
    message: str | None = None
    entry: dict[str, Any] | None = None


def events_in(body: str) -> list[Republish]:
    """What a failure-queue message holds, in the order it arrived. Raises ValueError for an unknown shape."""
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")  # noqa: TRY004 - one error type for every unknown shape
    if "requestPayload" in data:  # Lambda's on-failure destination
        return list(_from_invocation(data["requestPayload"]))
    if data.get("Type") == "Notification" and "TopicArn" in data:  # SNS subscription redrive
        return [Republish(topic=str(data["TopicArn"]), message=str(data["Message"]))]
    if "detail-type" in data:  # EventBridge target dead letter
        return [_from_eventbridge(data)]
    raise ValueError("neither a Lambda failure record, an SNS message nor an EventBridge event")


def _from_invocation(payload: Any) -> Iterator[Republish]:
    if isinstance(payload, dict) and isinstance(payload.get("Records"), list):
        for record in payload["Records"]:
            sns = record.get("Sns") or {}
            yield Republish(topic=str(sns["TopicArn"]), message=str(sns["Message"]))
    elif isinstance(payload, dict) and "detail-type" in payload:
        yield _from_eventbridge(payload)
    else:
        raise ValueError("the failed invocation was neither SNS nor EventBridge")


def _from_eventbridge(event: dict[str, Any]) -> Republish:
    return Republish(
        entry={
            "Source": str(event["source"]),
            "DetailType": str(event["detail-type"]),
            "Detail": json.dumps(event.get("detail") or {}),
            "EventBusName": "default",
        }
    )


def redrive(aws: Aws, queue_url: str) -> tuple[int, int]:
    """Send back what the queue holds. Returns (events sent back, messages left for a person to read)."""
    sqs, sns, events = aws.client("sqs"), aws.client("sns"), aws.client("events")
    sent, left = 0, 0
    for message in messages_once(sqs, queue_url):
        try:
            found = events_in(message["Body"])
        except (ValueError, KeyError, TypeError) as exc:
            print(f"left {message['MessageId']}: {exc}", file=sys.stderr)
            left += 1
            continue
        for event in found:
            if event.topic is not None:
                sns.publish(TopicArn=event.topic, Message=event.message)
            else:
                events.put_events(Entries=[event.entry])
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        sent += len(found)
    return sent, left


def _queue_url(stack: str | None) -> tuple[Aws, str]:
    if stack:
        import boto3

        described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        aws = Aws(None)
    else:
        config = LocalConfig.from_env()
        if not answers(config.aws_endpoint):
            raise ApiKeyError(f"No local stack answers on {config.aws_endpoint}: start it with `make dev`.")
        outputs = json.loads(state_file(config.aws_port).read_text(encoding="utf-8"))["outputs"]
        aws = Aws(config.aws_endpoint)
    if "IngestFailureQueueUrl" not in outputs:
        raise ApiKeyError("The stack has no IngestFailureQueueUrl output; is it a Herald stack of this version?")
    return aws, outputs["IngestFailureQueueUrl"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make redrive-ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", help="a deployed CloudFormation stack; without it, the running local stack")
    args = parser.parse_args(argv)
    try:
        aws, url = _queue_url(args.stack)
        sent, left = redrive(aws, url)
    except ApiKeyError as exc:
        print(f"make redrive-ingest: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError, OSError) as exc:
        print(f"make redrive-ingest: {exc}", file=sys.stderr)
        return 1
    print(f"Sent back {sent} events; {left} messages of an unknown shape left in {url}.")
    return 0 if left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
