"""Amazon SNS `Publish` to a topic in the customer's own AWS account, as a role the customer lets Herald assume.

Source: Amazon SNS API Reference, Publish (docs.aws.amazon.com/sns/latest/api/API_Publish.html) and
"Amazon SNS message attributes" / "Message filtering" / "FIFO topics" in the SNS Developer Guide
(docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html, .../fifo-message-dedup.html), read
2026-12-03:

    sns.publish(TopicArn=..., Message=..., Subject=..., MessageAttributes={name: {DataType, StringValue}},
                MessageGroupId=..., MessageDeduplicationId=...)  ->  {"MessageId": ..., "SequenceNumber": ...}

- Message: UTF-8, at most 256 KB (262,144 bytes) together with its message attributes.
- Subject (shown by e-mail subscriptions): no line breaks or control characters, fewer than 100 characters.
- MessageAttributes: up to 10; names of letters, digits, `_ - .`, not starting `AWS.` or `Amazon.`.
  Subscribers filter on them (a filter policy such as `{"severity": ["critical"]}`).
- FIFO topics (names ending `.fifo`) need a MessageGroupId and, without content-based deduplication, a
  MessageDeduplicationId (1-128 letters, digits and punctuation); a repeat within 5 minutes is dropped.
  Herald sends the delivery id, so a retried delivery is never published twice.
- Errors: `Throttling` (retry), `AuthorizationError` (the role may not publish), `NotFound` (no such
  topic), `InvalidParameter` (a value SNS refuses), `KMSAccessDenied` (an encrypted topic's key).

The message is the notification JSON of API.md §6 (what a webhook receives), so queue and Lambda
subscribers read the same document; the subject is the plain headline.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, ClassVar

from pydantic import AliasChoices, Field, ValidationInfo, field_validator

from herald.adapters import aws_messaging, render
from herald.adapters.base import Adapter, AwsCall, DeliveryContext, RenderContext, Wire
from herald.adapters.cross_account import CrossAccountConfig, document, parse_arn, target_arn
from herald.models.notification import Notification
from herald.transport.wire import Receipt

MESSAGE_LIMIT = 262_144  # bytes, message and attributes together
SUBJECT_LIMIT = 99  # "fewer than 100 characters"
FIFO_SUFFIX = ".fifo"
DEFAULT_GROUP = "herald"
_TOPIC_NAME = re.compile(r"(?=.{1,256}$)[A-Za-z0-9_-]+(\.fifo)?")
_FIFO_ID = re.compile(r"[\x21-\x7e]{1,128}")  # letters, digits and punctuation
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


class SnsConfig(CrossAccountConfig):
    topic_arn: str = Field(
        validation_alias=AliasChoices("topicArn", "topic_arn", "TopicArn", "arn"),
        description="SNS topic ARN",
    )
    message_group_id: str | None = Field(
        None,
        validation_alias=AliasChoices("messageGroupId", "message_group_id", "MessageGroupId"),
        description="FIFO message group ID",
    )

    # The topic and the role decide who receives the external id's power.
    host_fields: ClassVar[tuple[str, ...]] = ("topic_arn", "role_arn")

    @field_validator("topic_arn")
    @classmethod
    def _topic(cls, value: str, info: ValidationInfo) -> str:
        arn = target_arn(value, "sns", "SNS topic ARN", info)
        if not _TOPIC_NAME.fullmatch(arn.resource):
            raise ValueError(
                "SNS topic ARN must end with a topic name: 1-256 letters, digits, - or _ (FIFO: ending .fifo)"
            )
        return value

    @field_validator("message_group_id")
    @classmethod
    def _group(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not _FIFO_ID.fullmatch(value):
            raise ValueError("FIFO message group ID must be 1-128 letters, digits or punctuation")
        topic = info.data.get("topic_arn")
        if value is not None and isinstance(topic, str) and not topic.endswith(FIFO_SUFFIX):
            raise ValueError("FIFO message group ID applies only to a FIFO topic (a name ending .fifo)")
        return value

    @property
    def fifo(self) -> bool:
        return self.topic_arn.endswith(FIFO_SUFFIX)

    @property
    def region(self) -> str:
        return parse_arn(self.topic_arn, "sns", "SNS topic ARN").region

    def summary(self) -> str:
        arn = parse_arn(self.topic_arn, "sns", "SNS topic ARN")
        return f"{arn.resource} ({arn.account}, {arn.region})"


def subject(n: Notification) -> str:
    """The plain headline on one line, without control characters, fewer than 100 characters."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", render.plain_headline(n)))
    return render.truncate(" ".join(text.split()), SUBJECT_LIMIT) or "Herald notification"


def attributes(n: Notification) -> dict[str, dict[str, str]]:
    """Message attributes subscribers can filter on: event, severity, status and the dedup key."""
    values = {"event": n.event, "severity": n.severity, "status": n.status, "dedupKey": n.dedup_key}
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items() if value}


def _attributes_size(found: dict[str, dict[str, str]]) -> int:
    return sum(len(f"{name}{a['DataType']}{a['StringValue']}".encode()) for name, a in found.items())


def build_publish(n: Notification, config: SnsConfig, ctx: RenderContext) -> dict[str, Any]:
    """Keyword arguments of `sns.publish`. Pure."""
    found = attributes(n)
    params: dict[str, Any] = {
        "TopicArn": config.topic_arn,
        "Subject": subject(n),
        "Message": document(n, ctx, MESSAGE_LIMIT - _attributes_size(found)),
        "MessageAttributes": found,
    }
    if config.fifo:
        params["MessageGroupId"] = config.message_group_id or DEFAULT_GROUP
        params["MessageDeduplicationId"] = ctx.delivery_id
    return params


class SnsAdapter(Adapter[SnsConfig]):
    kind: ClassVar[str] = "sns"
    display_name: ClassVar[str] = "Amazon SNS"
    aliases: ClassVar[tuple[str, ...]] = ("amazon_sns", "aws_sns")
    config_model: ClassVar[type[SnsConfig]] = SnsConfig

    def build_publish(self, notification: Notification, config: SnsConfig, ctx: RenderContext) -> dict[str, Any]:
        return build_publish(notification, config, ctx)

    def plan(self, notification: Notification, config: SnsConfig, ctx: RenderContext) -> list[Wire]:
        return [AwsCall(aws_messaging.SNS, "publish", build_publish(notification, config, ctx))]

    def send(self, notification: Notification, config: SnsConfig, ctx: DeliveryContext) -> Receipt:
        """One Publish as the channel's role, in the topic's region; SNS's MessageId is the receipt's id.

        Raises RetryableDeliveryError (Throttling, 5xx, AWS unreachable) or PermanentDeliveryError
        (the role cannot be assumed, AuthorizationError, NotFound, ...) with AWS's own words.
        """
        params = build_publish(notification, config, ctx)
        role = config.role(ctx.tenant_id)
        answer = aws_messaging.answer(ctx, aws_messaging.SNS, "publish", params, role=role, region=config.region)
        return aws_messaging.receipt(answer)
