"""A customer's own AWS account in the emulator (moto): the topic or event bus an sns / eventbridge channel
names, and an SQS queue subscribed to it, so a test reads what the customer's subscribers would receive.

moto hands whoever assumes a role in account A credentials that act in account A, as AWS does once the
role's trust policy lets them in; the test itself assumes the customer's role to set things up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

ACCOUNT = "111122223333"
REGION = "eu-west-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/herald-publisher"
EXTERNAL_ID = "acme-7Hq2-external"
_CONFIG = Config(retries={"max_attempts": 2}, connect_timeout=3, read_timeout=10)


@dataclass(frozen=True)
class Inbox:
    """An SQS queue in the customer's account that receives what the topic or bus passes on."""

    sqs: Any
    url: str
    arn: str

    def waiting(self) -> int:
        """How many messages the queue holds, without receiving them."""
        found = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessages"])
        return int(found["Attributes"]["ApproximateNumberOfMessages"])

    def messages(self, want: int = 1, tries: int = 20) -> list[dict[str, Any]]:
        """Up to `want` messages (body parsed), long-polling at most `tries` times 1 s; bounded."""
        found: list[dict[str, Any]] = []
        for _ in range(tries):
            got = self.sqs.receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=1,
                MessageAttributeNames=["All"],
                AttributeNames=["All"],
            )
            found += [{**m, "Body": json.loads(m["Body"])} for m in got.get("Messages", [])]
            if len(found) >= want:
                break
        return found


class CustomerAccount:
    """Clients acting in the customer's account, and the resources a channel points at."""

    def __init__(self, endpoint_url: str | None = None) -> None:
        self.endpoint_url = endpoint_url
        credentials = self._client("sts", "us-east-1", {}).assume_role(
            RoleArn=ROLE_ARN, RoleSessionName="customer-setup", ExternalId=EXTERNAL_ID
        )["Credentials"]
        self._as_customer = {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }

    def _client(self, service: str, region: str, credentials: dict[str, str]) -> Any:
        keys = credentials or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        return boto3.client(service, region_name=region, endpoint_url=self.endpoint_url, config=_CONFIG, **keys)

    def client(self, service: str) -> Any:
        return self._client(service, REGION, self._as_customer)

    def inbox(self, name: str, *, fifo: bool = False) -> Inbox:
        sqs = self.client("sqs")
        attributes = {"FifoQueue": "true"} if fifo else {}
        url = sqs.create_queue(QueueName=f"{name}.fifo" if fifo else name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return Inbox(sqs, url, arn)

    def topic(self, name: str, *, fifo: bool = False) -> tuple[str, Inbox]:
        """A topic and a queue subscribed to it with raw delivery (the body is the published message)."""
        sns = self.client("sns")
        attributes = {"FifoTopic": "true"} if fifo else {}
        arn = sns.create_topic(Name=f"{name}.fifo" if fifo else name, Attributes=attributes)["TopicArn"]
        inbox = self.inbox(name, fifo=fifo)
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=inbox.arn, Attributes={"RawMessageDelivery": "true"})
        return arn, inbox

    def bus(self, name: str, source: str = "herald") -> tuple[str, Inbox]:
        """An event bus and a rule sending every event from `source` to a queue (the body is the event)."""
        events = self.client("events")
        arn = events.create_event_bus(Name=name)["EventBusArn"]
        inbox = self.inbox(name)
        events.put_rule(Name=f"{name}-all", EventBusName=name, EventPattern=json.dumps({"source": [source]}))
        events.put_targets(Rule=f"{name}-all", EventBusName=name, Targets=[{"Id": "inbox", "Arn": inbox.arn}])
        return arn, inbox


def channel_role(**config: Any) -> dict[str, Any]:
    """`config` with the customer's role and external id, as a channel of either kind names them."""
    return {"roleArn": ROLE_ARN, "externalId": EXTERNAL_ID, **config}
