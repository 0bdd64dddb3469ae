"""The event shapes Lambda hands a function for SQS, SNS and EventBridge, built from what the emulator returns.

Pure functions: they take ReceiveMessage output and return exactly what the Lambda service would send.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from local.constants import ACCOUNT_ID, REGION

# The system attributes the SQS event source mapping copies into a record, in Lambda's order.
_SQS_RECORD_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "AWSTraceHeader",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "DeadLetterQueueSourceArn",
)
_EVENTBRIDGE_KEYS = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")


def _binary(value: Any) -> str:
    return base64.b64encode(value).decode() if isinstance(value, bytes | bytearray) else str(value)


def _sqs_message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {}
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = _binary(value["BinaryValue"])
    attribute["stringListValues"] = list(value.get("StringListValues") or [])
    attribute["binaryListValues"] = [_binary(item) for item in value.get("BinaryListValues") or []]
    attribute["dataType"] = value["DataType"]
    return attribute


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str = REGION) -> dict[str, Any]:
    """One record of an SQS event, from one message of a ReceiveMessage response."""
    attributes = message.get("Attributes") or {}
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {name: attributes[name] for name in _SQS_RECORD_ATTRIBUTES if name in attributes},
        "messageAttributes": {
            name: _sqs_message_attribute(value) for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    record.update({"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region})
    return record


def deletable(records: Sequence[Mapping[str, Any]], ok: bool, result: Any, report_failures: bool) -> list[str]:
    """Message ids the event source mapping deletes after an invocation.

    A failed invocation deletes nothing (the batch comes back after the visibility timeout). With
    ReportBatchItemFailures, every message but the ones named in `batchItemFailures` is deleted; a
    response naming an empty or unknown id fails the whole batch, as in Lambda.
    """
    ids = [str(record["messageId"]) for record in records]
    if not ok:
        return []
    if not report_failures or not isinstance(result, dict):
        return ids
    failures = result.get("batchItemFailures")
    if not failures:
        return ids
    if not isinstance(failures, list):
        return []
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in ids:
            return []
        failed.add(str(identifier))
    return [message_id for message_id in ids if message_id not in failed]


def sns_event(envelope: Mapping[str, Any], subscription_arn: str) -> dict[str, Any]:
    """The Lambda SNS event for one notification, from the JSON envelope SNS delivers to a queue."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "Sns": {
                    "Type": envelope["Type"],
                    "MessageId": envelope["MessageId"],
                    "TopicArn": envelope["TopicArn"],
                    "Subject": envelope.get("Subject"),
                    "Message": envelope["Message"],
                    "Timestamp": envelope["Timestamp"],
                    "SignatureVersion": envelope["SignatureVersion"],
                    "Signature": envelope["Signature"],
                    "SigningCertUrl": envelope["SigningCertURL"],
                    "UnsubscribeUrl": envelope["UnsubscribeURL"],
                    "MessageAttributes": dict(envelope.get("MessageAttributes") or {}),
                },
            }
        ]
    }


def eventbridge_event(body: str | Mapping[str, Any], account: str = ACCOUNT_ID, region: str = REGION) -> dict[str, Any]:
    """The EventBridge event as a Lambda target receives it, from the event a queue target received.

    The emulator leaves out `account`; EventBridge always sends it.
    """
    event = dict(json.loads(body) if isinstance(body, str) else body)
    event.setdefault("account", account)
    event.setdefault("region", region)
    event.setdefault("resources", [])
    ordered = {key: event[key] for key in _EVENTBRIDGE_KEYS if key in event}
    ordered.update({key: value for key, value in event.items() if key not in ordered})
    return ordered


def async_failure(event: Any, error: Mapping[str, Any], function_arn: str, attempts: int) -> dict[str, Any]:
    """What Lambda sends an on-failure destination for an asynchronous invocation that failed every try."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"{function_arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": dict(error),
    }
