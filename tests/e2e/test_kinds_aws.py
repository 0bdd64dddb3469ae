"""Issue 20's proof for the cross-account kinds through the local stack: sns and eventbridge.

The customer's account is an account of the stack's AWS emulator (111122223333) other than Herald's own
(123456789012). The test, as the customer, creates a topic with an SQS queue subscribed to it and an event
bus with a rule targeting a queue; Herald's channels name the customer's role and external id, and the
sender assumes that role to publish. The queues show what the customer's subscribers would receive.

What the emulator cannot show: it does not enforce a role's trust policy (external id) or throttle SNS or
EventBridge; STS refusals and throttling are covered by tests/unit/adapters/test_sns.py and test_eventbridge.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.helpers import TEST_TITLE, Herald, create_channel
from tests.support.customer_account import EXTERNAL_ID, REGION, ROLE_ARN, CustomerAccount, Inbox, channel_role

pytestmark = pytest.mark.e2e

MASK = "••••••••"


@pytest.fixture(scope="module")
def customer(stack: Stack) -> CustomerAccount:
    return CustomerAccount(stack.aws_endpoint)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def sns_target(customer: CustomerAccount) -> tuple[str, dict[str, Any], Inbox]:
    topic, inbox = customer.topic(unique("alerts"))
    return topic, {"topicArn": topic}, inbox


def eventbridge_target(customer: CustomerAccount) -> tuple[str, dict[str, Any], Inbox]:
    bus, inbox = customer.bus(unique("ops"))
    return bus, {"EventBusName": bus}, inbox  # the service's own spelling


def sns_document(message: dict[str, Any]) -> dict[str, Any]:
    """Raw delivery: the queue's body is Herald's message, the message attributes beside it."""
    assert message["MessageAttributes"]["severity"]["StringValue"] == message["Body"]["notification"]["severity"]
    assert message["MessageAttributes"]["event"]["StringValue"] == message["Body"]["event"]
    return dict(message["Body"])


def eventbridge_document(message: dict[str, Any]) -> dict[str, Any]:
    """The rule's target gets the whole event: source herald, detail-type the event type, detail the document."""
    event = message["Body"]
    assert (event["source"], event["region"]) == ("herald", REGION)
    assert event["detail-type"] == event["detail"]["event"]
    return dict(event["detail"])


KINDS: list[Any] = [
    pytest.param("sns", sns_target, sns_document, id="sns"),
    pytest.param("eventbridge", eventbridge_target, eventbridge_document, id="eventbridge"),
]


@pytest.mark.parametrize(("kind", "target", "document"), KINDS)
def test_given_a_channel_in_the_customers_account_when_tested_and_sent_then_its_queue_gets_both(
    herald: Herald,
    customer: CustomerAccount,
    kind: str,
    target: Callable[[CustomerAccount], tuple[str, dict[str, Any], Inbox]],
    document: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    arn, config, inbox = target(customer)
    channel = create_channel(herald, kind, channel_role(**config))

    shown = herald.call("GET", f"/v1/channels/{channel}").json()
    tested = herald.call("POST", f"/v1/channels/{channel}/test")
    queued = herald.send([channel], title="Checkout API is down")
    [delivery] = queued["deliveries"]
    settled = herald.settled(delivery["deliveryId"])

    assert shown["config"]["externalId"] == MASK and shown["config"]["roleArn"] == ROLE_ARN
    assert shown["configSummary"].endswith(f"({arn.split(':')[4]}, {REGION})")
    assert EXTERNAL_ID not in json.dumps(shown)
    assert tested.status_code == 200, tested.text
    assert settled["status"] == "delivered", settled
    received = [document(message) for message in inbox.messages(want=2)]
    assert [(d["notification"]["title"], d["notification"]["severity"]) for d in received] == [
        (TEST_TITLE, "info"),
        ("Checkout API is down", "critical"),
    ]
    assert received[1]["id"] == delivery["deliveryId"]


@pytest.mark.parametrize(
    ("kind", "config", "error"),
    [
        pytest.param(
            "sns",
            {"topicArn": f"arn:aws:sns:{REGION}:111122223333:no-such-topic"},
            "Amazon SNS returned 404: NotFound: Endpoint does not exist",
            id="sns",
        ),
        pytest.param(
            "eventbridge",
            {"eventBusArn": f"arn:aws:events:{REGION}:111122223333:event-bus/no-such-bus"},
            "Amazon EventBridge returned 400: ResourceNotFoundException: Event bus no-such-bus does not exist.",
            id="eventbridge",
        ),
    ],
)
def test_given_a_target_that_does_not_exist_when_tested_then_502_in_aws_words_and_failed_for_good(
    herald: Herald, kind: str, config: dict[str, Any], error: str
) -> None:
    channel = create_channel(herald, kind, channel_role(**config))

    reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 502, reply.text
    assert (reply.json()["success"], reply.json()["error"]) == (False, error)
    record = herald.delivery(reply.json()["deliveryId"])
    assert (record["status"], record["code"]) == ("failed", "provider_rejected")
    assert EXTERNAL_ID not in reply.text + json.dumps(record)


@pytest.mark.parametrize(
    ("kind", "config", "field", "words"),
    [
        pytest.param(
            "sns",
            {"topicArn": "arn:aws:sns:us-east-1:123456789012:herald-local-AlertsTopic"},
            "config.topicArn",
            "SNS topic ARN is in Herald's own AWS account 123456789012",
            id="heralds-own-topic",
        ),
        pytest.param(
            "eventbridge",
            {"eventBusArn": f"arn:aws:events:{REGION}:111122223333:event-bus/ops", "roleArn": None},
            "config.roleArn",
            "IAM role ARN is required",
            id="no-role",
        ),
        pytest.param(
            "sns",
            {"topicArn": f"arn:aws:sns:{REGION}:111122223333:alerts", "externalId": None},
            "config.externalId",
            "External ID is required",
            id="no-external-id",
        ),
    ],
)
def test_given_a_config_without_a_role_or_at_heralds_own_account_when_created_then_422_naming_the_field(
    herald: Herald, kind: str, config: dict[str, Any], field: str, words: str
) -> None:
    body = {key: value for key, value in channel_role(**config).items() if value is not None}

    reply = herald.call("POST", "/v1/channels", {"kind": kind, "config": body})

    assert reply.status_code == 422, reply.text
    assert reply.json()["code"] == "validation_failed"
    assert [(d["field"], words in d["message"]) for d in reply.json()["details"]] == [(field, True)]
