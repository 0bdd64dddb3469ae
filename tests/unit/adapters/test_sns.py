"""Amazon SNS kind: Publish into the customer's account as its role (the builder, the config, AWS's answers)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from herald import aws
from herald.adapters.base import DeliveryContext
from herald.adapters.sns import SUBJECT_LIMIT, SnsAdapter, SnsConfig, build_publish
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from tests.support.calls import AwsCalls
from tests.support.customer_account import ACCOUNT, EXTERNAL_ID, REGION, ROLE_ARN, CustomerAccount, channel_role
from tests.unit.adapters import support
from tests.unit.adapters.support import NOW, fake_aws_credentials

ADAPTER = SnsAdapter()
CTX = support.ctx("dlv_sns1")
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:herald-alerts"
HERALDS_ACCOUNT = "123456789012"


def config(**values: Any) -> SnsConfig:
    return SnsConfig.model_validate(channel_role(**{"topicArn": TOPIC, **values}))


def delivery_ctx(assume: Any = aws.assumed_client) -> DeliveryContext:
    return DeliveryContext(delivery_id="dlv_sns1", attempt=2, now=NOW, assume=assume, tenant_id="acme")


# --- the Publish parameters (pure) ------------------------------------------------------------------------------


def test_the_message_is_the_webhook_document_and_the_subject_the_headline():
    params = build_publish(support.notification(), config(), CTX)

    assert params["TopicArn"] == TOPIC
    assert params["Subject"] == "[CRITICAL] My API is down"
    message = json.loads(params["Message"])
    assert (message["id"], message["event"], message["timestamp"]) == (
        "dlv_sns1",
        "monitor.down",
        "2026-05-15T08:30:00.000Z",
    )
    assert message["notification"]["body"] == "Connection timeout after 10000ms"
    assert message["monitor"]["name"] == "My API"
    assert "MessageGroupId" not in params and "MessageDeduplicationId" not in params


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {},
            {
                "event": {"DataType": "String", "StringValue": "monitor.down"},
                "severity": {"DataType": "String", "StringValue": "critical"},
                "status": {"DataType": "String", "StringValue": "firing"},
                "dedupKey": {"DataType": "String", "StringValue": "mon_abc123"},
            },
        ),
        (
            {"dedup_key": None, "status": "resolved", "event": "monitor.recovery", "severity": "info"},
            {
                "event": {"DataType": "String", "StringValue": "monitor.recovery"},
                "severity": {"DataType": "String", "StringValue": "info"},
                "status": {"DataType": "String", "StringValue": "resolved"},
            },
        ),
    ],
)
def test_message_attributes_carry_what_a_filter_policy_matches(overrides: dict[str, Any], expected: dict[str, Any]):
    assert build_publish(support.notification(**overrides), config(), CTX)["MessageAttributes"] == expected


@pytest.mark.parametrize(
    ("title", "subject"),
    [
        ("Line one\r\nline two\tend", "[CRITICAL] Line one line two end"),
        ("bell\x07 and \x85next", "[CRITICAL] bell and next"),
        ("x" * 300, "[CRITICAL] " + "x" * (SUBJECT_LIMIT - 12) + "…"),
    ],
)
def test_the_subject_has_no_line_breaks_or_control_characters_and_fewer_than_100(title: str, subject: str):
    found = build_publish(support.notification(title=title), config(), CTX)["Subject"]

    assert found == subject and len(found) <= SUBJECT_LIMIT


def test_details_too_large_for_256_kb_are_left_out_and_said_so():
    huge = support.notification(details={"blob": "x" * 300_000})

    message = build_publish(huge, config(), CTX)["Message"]

    assert len(message.encode()) <= 262_144
    document = json.loads(message)
    assert (document["details"], document["detailsOmitted"]) == ({}, True)
    assert document["notification"]["title"] == "My API is down"


@pytest.mark.parametrize(
    ("values", "group"),
    [({}, "herald"), ({"MessageGroupId": "payments"}, "payments")],
)
def test_a_fifo_topic_gets_a_group_and_the_delivery_id_as_deduplication_id(values: dict[str, Any], group: str):
    fifo = config(topicArn=f"{TOPIC}.fifo", **values)

    params = build_publish(support.notification(), fifo, CTX)

    assert (params["MessageGroupId"], params["MessageDeduplicationId"]) == (group, "dlv_sns1")


# --- the config -------------------------------------------------------------------------------------------------


def test_the_services_own_spellings_are_accepted_and_the_external_id_is_secret():
    parsed = SnsConfig.model_validate({"TopicArn": TOPIC, "RoleArn": ROLE_ARN, "ExternalId": EXTERNAL_ID})

    assert parsed.redacted() == {"roleArn": ROLE_ARN, "externalId": "••••••••", "topicArn": TOPIC}
    assert parsed.reveal()["externalId"] == EXTERNAL_ID
    assert parsed.summary() == f"herald-alerts ({ACCOUNT}, {REGION})"
    assert EXTERNAL_ID not in repr(parsed.role("acme"))


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"topicArn": None}, "config.topicArn", "SNS topic ARN is required"),
        ({"roleArn": None}, "config.roleArn", "IAM role ARN is required"),
        ({"externalId": None}, "config.externalId", "External ID is required"),
        ({"topicArn": "herald-alerts"}, "config.topicArn", "must be an ARN"),
        ({"topicArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"}, "config.topicArn", "of service 'sns', not 'sqs'"),
        ({"topicArn": f"arn:aws-xx:sns:{REGION}:{ACCOUNT}:t"}, "config.topicArn", "unknown partition 'aws-xx'"),
        ({"topicArn": f"arn:aws:sns:mars-1:{ACCOUNT}:t"}, "config.topicArn", "must name a region"),
        ({"topicArn": f"arn:aws:sns:{REGION}:1234:t"}, "config.topicArn", "12-digit AWS account id"),
        ({"topicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:a b"}, "config.topicArn", "must end with a topic name"),
        ({"roleArn": f"arn:aws:iam:{REGION}:{ACCOUNT}:role/x"}, "config.roleArn", "must not name a region"),
        ({"roleArn": f"arn:aws:iam::{ACCOUNT}:user/x"}, "config.roleArn", "must end with role/<name>"),
        ({"externalId": "x"}, "config.externalId", "2-1224 letters"),
        ({"externalId": "has space"}, "config.externalId", "2-1224 letters"),
        ({"messageGroupId": "g"}, "config.messageGroupId", "only to a FIFO topic"),
        ({"topicArn": f"{TOPIC}.fifo", "messageGroupId": "é"}, "config.messageGroupId", "1-128 letters"),
    ],
)
def test_bad_configs_are_refused_naming_the_field(values: dict[str, Any], field: str, words: str):
    body = {key: value for key, value in {**channel_role(topicArn=TOPIC), **values}.items() if value is not None}

    found = support.errors_of(SnsConfig, body)

    assert words in found.get(field, ""), found


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"topicArn": f"arn:aws:sns:{REGION}:{HERALDS_ACCOUNT}:HeraldAlerts"}, "topicArn"),
        ({"roleArn": f"arn:aws:iam::{HERALDS_ACCOUNT}:role/herald-sender"}, "roleArn"),
    ],
)
def test_arns_in_heralds_own_account_are_refused_unless_read_back_from_the_table(values: dict[str, Any], field: str):
    body = channel_role(**{"topicArn": TOPIC, **values})

    with pytest.raises(ValueError, match="in Herald's own AWS account 123456789012") as caught:
        SnsConfig.model_validate(body, context={"account": HERALDS_ACCOUNT})
    assert [error["loc"] for error in caught.value.errors()] == [(field,)]  # type: ignore[attr-defined]
    assert SnsConfig.model_validate(body, context={"account": HERALDS_ACCOUNT, "stored": True})


# --- sending through the emulator -------------------------------------------------------------------------------


@pytest.fixture
def customer(monkeypatch: pytest.MonkeyPatch) -> Iterator[CustomerAccount]:
    fake_aws_credentials(monkeypatch)
    with mock_aws():
        aws.reset()
        yield CustomerAccount()
    aws.reset()


def test_given_a_topic_in_the_customers_account_when_sent_then_its_subscriber_gets_it_as_the_role(customer):
    topic, inbox = customer.topic("alerts")

    with AwsCalls([aws.client("sts")]) as sts:
        first = ADAPTER.send(support.notification(), config(topicArn=topic), delivery_ctx())
        again = ADAPTER.send(support.notification(title="Still down"), config(topicArn=topic), delivery_ctx())

    [one, two] = inbox.messages(want=2)
    assert [one["Body"]["notification"]["title"], two["Body"]["notification"]["title"]] == [
        "My API is down",
        "Still down",
    ]
    assert one["MessageAttributes"]["severity"]["StringValue"] == "critical"
    assert first.provider_message_id and first.provider_message_id != again.provider_message_id
    # One AssumeRole for both sends, naming Herald and the tenant, with the channel's external id.
    [(name, params)] = sts.params
    assert name == "sts.AssumeRole"
    assert (params["RoleArn"], params["ExternalId"], params["RoleSessionName"]) == (
        ROLE_ARN,
        EXTERNAL_ID,
        "herald-acme",
    )


def test_given_a_fifo_topic_when_sent_then_the_delivery_id_deduplicates_in_the_group(customer):
    topic, inbox = customer.topic("ordered", fifo=True)

    ADAPTER.send(support.notification(), config(topicArn=topic, messageGroupId="db"), delivery_ctx())

    [message] = inbox.messages()
    assert message["Attributes"]["MessageDeduplicationId"] == "dlv_sns1"
    assert message["Attributes"]["MessageGroupId"] == "db"


def test_credentials_about_to_expire_are_replaced_before_a_send(customer):
    role = config().role("acme")
    first = aws.assumed_client("sns", REGION, role)
    held = aws._ASSUMED[role]
    aws._ASSUMED[role] = type(held)(held.key_id, held.secret, held.token, NOW.timestamp())  # expired long ago

    with AwsCalls([aws.client("sts")]) as sts:
        second = aws.assumed_client("sns", REGION, role)

    assert sts.calls["sts.AssumeRole"] == 1 and second is not first


def test_a_role_sts_refuses_is_permanent_in_sts_words_without_the_external_id(customer):
    with Stubber(aws.client("sts")) as stub, pytest.raises(PermanentDeliveryError) as caught:
        stub.add_client_error(
            "assume_role",
            "AccessDenied",
            f"User: arn:aws:sts::123456789012:assumed-role/herald is not authorized to perform: "
            f"sts:AssumeRole on resource: {ROLE_ARN}",
            403,
        )
        ADAPTER.send(support.notification(), config(), delivery_ctx())

    assert caught.value.code == "provider_rejected"
    assert caught.value.message.startswith(f"AWS STS (assuming {ROLE_ARN}) returned 403: AccessDenied: User:")
    assert EXTERNAL_ID not in str(caught.value)


def test_no_such_topic_is_permanent_in_snss_words(customer):
    with pytest.raises(PermanentDeliveryError) as caught:
        ADAPTER.send(support.notification(), config(topicArn=f"{TOPIC}-gone"), delivery_ctx())

    assert caught.value.message.startswith("Amazon SNS returned 404: NotFound")


@pytest.mark.parametrize(
    ("code", "status", "error", "outcome"),
    [
        ("Throttling", 400, RetryableDeliveryError, "rate_limited"),
        ("InternalError", 500, RetryableDeliveryError, "provider_unavailable"),
        ("AuthorizationError", 403, PermanentDeliveryError, "provider_rejected"),
        ("KMSAccessDenied", 400, PermanentDeliveryError, "provider_rejected"),
    ],
)
def test_snss_errors_are_classified(code: str, status: int, error: type[Exception], outcome: str):
    client = boto3.client("sns", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
    asked: list[tuple[str, str, str]] = []

    def assume(service: str, region: str, role: aws.Role) -> Any:
        asked.append((service, region, role.arn))
        return client

    with Stubber(client) as stub, pytest.raises(error) as caught:
        stub.add_client_error("publish", code, f"{code} said no", status)
        ADAPTER.send(support.notification(), config(), delivery_ctx(assume))

    assert caught.value.code == outcome  # type: ignore[attr-defined]
    assert caught.value.message == f"Amazon SNS returned {status}: {code}: {code} said no"  # type: ignore[attr-defined]
    assert asked == [("sns", REGION, ROLE_ARN)]  # the topic's region, as the channel's role


def test_a_preview_shows_the_publish_it_would_make():
    [call] = ADAPTER.plan(support.notification(), config(), CTX)

    assert (call.action, call.params) == ("Publish", build_publish(support.notification(), config(), CTX))  # type: ignore[union-attr]
