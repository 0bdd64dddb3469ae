"""local.records: the SQS, SNS and EventBridge events Lambda hands a function, and the batch deletion rule."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from moto import mock_aws

from local.constants import ACCOUNT_ID, REGION
from local.records import deletable, eventbridge_event, sns_event, sqs_record

QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:herald-local-DeliveryQueue"

# ---- SQS


def _message(**overrides) -> dict:
    message = {
        "MessageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
        "ReceiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
        "MD5OfBody": "098f6bcd4621d373cade4e832627b4f6",
        "Body": "test",
        "Attributes": {
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1545082649185",
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1545082649183",
            "VisibilityTimeout": "30",  # not a message system attribute Lambda copies
        },
    }
    return message | overrides


def test_sqs_record_plain_message_has_lambdas_exact_shape() -> None:
    record = sqs_record(_message(), QUEUE_ARN)
    assert record == {
        "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
        "body": "test",
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1545082649183",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1545082649185",
        },
        "messageAttributes": {},
        "md5OfBody": "098f6bcd4621d373cade4e832627b4f6",
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": REGION,
    }
    # Lambda's key order, as the documentation samples show it.
    assert list(record) == [
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    ]
    assert list(record["attributes"]) == [
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    ]


def test_sqs_record_message_attributes() -> None:
    message = _message(
        MD5OfMessageAttributes="abc",
        MessageAttributes={
            "kind": {"StringValue": "slack", "DataType": "String"},
            "count": {"StringValue": "3", "DataType": "Number"},
            "blob": {"BinaryValue": b"\x00\x01", "DataType": "Binary"},
        },
    )
    record = sqs_record(message, QUEUE_ARN, region="eu-west-1")
    assert record["messageAttributes"] == {
        "kind": {"stringValue": "slack", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "count": {"stringValue": "3", "stringListValues": [], "binaryListValues": [], "dataType": "Number"},
        "blob": {
            "binaryValue": base64.b64encode(b"\x00\x01").decode(),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Binary",
        },
    }
    assert record["md5OfMessageAttributes"] == "abc"
    assert record["awsRegion"] == "eu-west-1"
    json.dumps(record)  # what the handler receives is JSON


def test_sqs_record_fifo_attributes() -> None:
    attributes = _message()["Attributes"] | {
        "SequenceNumber": "18849",
        "MessageGroupId": "g",
        "MessageDeduplicationId": "d",
    }
    record = sqs_record(_message(Attributes=attributes), QUEUE_ARN + ".fifo")
    assert record["attributes"]["MessageGroupId"] == "g"
    assert record["attributes"]["SequenceNumber"] == "18849"
    assert record["attributes"]["MessageDeduplicationId"] == "d"
    assert "VisibilityTimeout" not in record["attributes"]


def test_sqs_record_trace_header_and_dead_letter_source_are_copied() -> None:
    extra = {"AWSTraceHeader": "Root=1-5f5e3c5d-6d3b5b7e1f0a2c3d4e5f6a7b", "DeadLetterQueueSourceArn": QUEUE_ARN}
    record = sqs_record(_message(Attributes=_message()["Attributes"] | extra), QUEUE_ARN)
    assert record["attributes"]["AWSTraceHeader"] == extra["AWSTraceHeader"]
    assert record["attributes"]["DeadLetterQueueSourceArn"] == QUEUE_ARN


def test_sqs_record_from_a_real_receive_message() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.send_message(
            QueueUrl=url,
            MessageBody='{"alert": 1}',
            MessageAttributes={
                "kind": {"StringValue": "slack", "DataType": "String"},
                "raw": {"BinaryValue": b"\xff", "DataType": "Binary"},
            },
        )
        (message,) = sqs.receive_message(
            QueueUrl=url,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )["Messages"]
    record = sqs_record(message, arn)
    assert set(record) == {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "md5OfMessageAttributes",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert record["body"] == '{"alert": 1}'
    assert record["eventSourceARN"] == arn
    assert {"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(
        record["attributes"]
    )
    assert all(isinstance(value, str) for value in record["attributes"].values())
    assert record["messageAttributes"]["kind"]["stringValue"] == "slack"
    assert record["messageAttributes"]["raw"]["binaryValue"] == base64.b64encode(b"\xff").decode()
    json.dumps(record)


# ---- batch deletion: every message not named in batchItemFailures


def _records(*ids: str) -> list[dict]:
    return [{"messageId": message_id} for message_id in ids]


BATCH = _records("a", "b", "c")


def test_failed_invocation_deletes_nothing() -> None:
    assert deletable(BATCH, False, None, True) == []
    assert deletable(BATCH, False, {"batchItemFailures": []}, False) == []


def test_success_without_reporting_deletes_everything() -> None:
    assert deletable(BATCH, True, {"batchItemFailures": [{"itemIdentifier": "a"}]}, False) == ["a", "b", "c"]


@pytest.mark.parametrize(
    "result",
    [None, "ok", {}, {"batchItemFailures": []}, {"batchItemFailures": None}, {"other": 1}],
)
def test_no_reported_failures_deletes_everything(result) -> None:
    assert deletable(BATCH, True, result, True) == ["a", "b", "c"]


def test_every_message_not_named_is_deleted() -> None:
    result = {"batchItemFailures": [{"itemIdentifier": "b"}]}
    assert deletable(BATCH, True, result, True) == ["a", "c"]
    everything = {"batchItemFailures": [{"itemIdentifier": i} for i in ("a", "b", "c")]}
    assert deletable(BATCH, True, everything, True) == []
    repeated = {"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "a"}]}
    assert deletable(BATCH, True, repeated, True) == ["b", "c"]


@pytest.mark.parametrize(
    "failures",
    [
        [{"itemIdentifier": "zzz"}],
        [{"itemIdentifier": "a"}, {"itemIdentifier": "unknown"}],
        [{"itemIdentifier": ""}],
        [{"itemIdentifier": None}],
        [{"id": "a"}],
        ["a"],
        {"itemIdentifier": "a"},
        "a",
    ],
)
def test_malformed_failure_report_fails_the_whole_batch(failures) -> None:
    assert deletable(BATCH, True, {"batchItemFailures": failures}, True) == []


# ---- SNS

ENVELOPE = {
    "Type": "Notification",
    "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
    "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:alerts",
    "Subject": "Status",
    "Message": '{"status": "down"}',
    "Timestamp": "2026-01-01T00:00:00.000Z",
    "SignatureVersion": "1",
    "Signature": "EXAMPLE",
    "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem",
    "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
    "MessageAttributes": {"severity": {"Type": "String", "Value": "high"}},
}
SUBSCRIPTION = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:alerts:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55"


def test_sns_event_has_lambdas_exact_shape() -> None:
    assert sns_event(ENVELOPE, SUBSCRIPTION) == {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": SUBSCRIPTION,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                    "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:alerts",
                    "Subject": "Status",
                    "Message": '{"status": "down"}',
                    "Timestamp": "2026-01-01T00:00:00.000Z",
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem",
                    "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                    "MessageAttributes": {"severity": {"Type": "String", "Value": "high"}},
                },
            }
        ]
    }


def test_sns_event_without_subject_or_attributes() -> None:
    envelope = {key: value for key, value in ENVELOPE.items() if key not in ("Subject", "MessageAttributes")}
    sns = sns_event(envelope, SUBSCRIPTION)["Records"][0]["Sns"]
    assert sns["Subject"] is None
    assert sns["MessageAttributes"] == {}


# ---- EventBridge


def test_eventbridge_event_fills_account_region_and_resources_in_order() -> None:
    body = json.dumps(
        {
            "detail": {"status": "down"},
            "source": "herald.monitor",
            "detail-type": "Monitor Down",
            "id": "7bf73129-1428-4cd3-a780-95db273d1602",
            "version": "0",
            "time": "2026-01-01T00:00:00Z",
        }
    )
    event = eventbridge_event(body)
    assert event == {
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "Monitor Down",
        "source": "herald.monitor",
        "account": ACCOUNT_ID,
        "time": "2026-01-01T00:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {"status": "down"},
    }
    assert list(event) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]


def test_eventbridge_event_keeps_what_it_was_given() -> None:
    given = {"account": "999999999999", "region": "eu-west-1", "resources": ["arn:x"], "extra": 1, "detail": {}}
    event = eventbridge_event(given)
    assert event["account"] == "999999999999"
    assert event["region"] == "eu-west-1"
    assert event["resources"] == ["arn:x"]
    assert list(event)[-1] == "extra"
    assert given == {"account": "999999999999", "region": "eu-west-1", "resources": ["arn:x"], "extra": 1, "detail": {}}
