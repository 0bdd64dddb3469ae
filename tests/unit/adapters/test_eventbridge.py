"""Amazon EventBridge kind: PutEvents to the customer's bus as its role (the entry, the config, AWS's answers)."""

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
from herald.adapters.eventbridge import EventBridgeAdapter, EventBridgeConfig, build_entry, interpret
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from tests.support.customer_account import ACCOUNT, EXTERNAL_ID, REGION, ROLE_ARN, CustomerAccount, channel_role
from tests.unit.adapters import support
from tests.unit.adapters.support import NOW, fake_aws_credentials

ADAPTER = EventBridgeAdapter()
CTX = support.ctx("dlv_eb1")
BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/ops"
OK = {"ResponseMetadata": {"HTTPStatusCode": 200}}


def config(**values: Any) -> EventBridgeConfig:
    return EventBridgeConfig.model_validate(channel_role(**{"eventBusArn": BUS, **values}))


def delivery_ctx(assume: Any = aws.assumed_client) -> DeliveryContext:
    return DeliveryContext(delivery_id="dlv_eb1", attempt=1, now=NOW, assume=assume, tenant_id="acme")


# --- the entry (pure) -------------------------------------------------------------------------------------------


def test_the_entry_names_the_bus_herald_the_event_type_and_carries_the_webhook_document():
    n = support.notification()

    entry = build_entry(n, config(), CTX)

    assert {key: entry[key] for key in ("EventBusName", "Source", "DetailType", "Time")} == {
        "EventBusName": BUS,
        "Source": "herald",
        "DetailType": "monitor.down",
        "Time": "2026-05-15T08:30:00.000Z",
    }
    detail = json.loads(entry["Detail"])
    assert (detail["id"], detail["event"], detail["notification"]["severity"]) == (
        "dlv_eb1",
        "monitor.down",
        "critical",
    )


def test_a_channels_own_source_is_sent():
    assert build_entry(support.notification(), config(Source="com.acme.alerts"), CTX)["Source"] == "com.acme.alerts"


def test_a_detail_over_256_kb_leaves_out_details_then_shortens_the_body():
    huge = support.notification(body="ü" * 16_000, details={"blob": "x" * 300_000})

    entry = build_entry(huge, config(), CTX)

    assert len(entry["Detail"].encode()) + len(b"herald") + len(b"monitor.down") + 14 <= 262_144
    detail = json.loads(entry["Detail"])
    assert detail["detailsOmitted"] is True and detail["notification"]["body"] == "ü" * 16_000


# --- the answer -------------------------------------------------------------------------------------------------


def test_an_entry_with_an_event_id_is_delivered():
    receipt = interpret({**OK, "FailedEntryCount": 0, "Entries": [{"EventId": "11710aed-b79e"}]})

    assert (receipt.provider_message_id, receipt.http_status) == ("11710aed-b79e", 200)


@pytest.mark.parametrize(
    ("entry", "error", "code", "words"),
    [
        (
            {"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"},
            RetryableDeliveryError,
            "rate_limited",
            "ThrottlingException: Rate exceeded",
        ),
        ({"ErrorCode": "InternalFailure"}, RetryableDeliveryError, "provider_unavailable", "InternalFailure"),
        (
            {"ErrorCode": "AccessDeniedException", "ErrorMessage": "not authorized to put events"},
            PermanentDeliveryError,
            "provider_rejected",
            "AccessDeniedException: not authorized to put events",
        ),
        (
            {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
            PermanentDeliveryError,
            "provider_rejected",
            "MalformedDetail",
        ),
        ({}, PermanentDeliveryError, "provider_rejected", "no event id and no error code"),
    ],
)
def test_a_failed_entry_in_a_200_is_a_failure_in_eventbridges_words(
    entry: dict[str, str], error: type[Exception], code: str, words: str
):
    with pytest.raises(error) as caught:
        interpret({**OK, "FailedEntryCount": 1, "Entries": [entry]})

    assert caught.value.code == code  # type: ignore[attr-defined]
    assert caught.value.message.startswith("Amazon EventBridge refused the event: ")  # type: ignore[attr-defined]
    assert words in caught.value.message  # type: ignore[attr-defined]


# --- the config -------------------------------------------------------------------------------------------------


def test_the_services_own_spellings_are_accepted_and_the_external_id_is_secret():
    parsed = EventBridgeConfig.model_validate(
        {"EventBusName": BUS, "RoleArn": ROLE_ARN, "ExternalId": EXTERNAL_ID, "Source": "acme"}
    )

    assert parsed.redacted() == {"roleArn": ROLE_ARN, "externalId": "••••••••", "eventBusArn": BUS, "source": "acme"}
    assert parsed.summary() == f"ops ({ACCOUNT}, {REGION})"


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"eventBusArn": None}, "config.eventBusArn", "Event bus ARN is required"),
        ({"roleArn": None}, "config.roleArn", "IAM role ARN is required"),
        ({"externalId": None}, "config.externalId", "External ID is required"),
        ({"eventBusArn": "ops"}, "config.eventBusArn", "must be an ARN"),
        ({"eventBusArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/ops"}, "config.eventBusArn", "event-bus/<name>"),
        ({"eventBusArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:ops"}, "config.eventBusArn", "not 'sns'"),
        ({"eventBusArn": f"arn:aws:events:{REGION}:12345678901x:event-bus/ops"}, "config.eventBusArn", "12-digit"),
        ({"source": "aws.ec2"}, "config.source", "must not start with 'aws.'"),
        ({"source": "s" * 257}, "config.source", "at most 256"),
    ],
)
def test_bad_configs_are_refused_naming_the_field(values: dict[str, Any], field: str, words: str):
    body = {key: value for key, value in {**channel_role(eventBusArn=BUS), **values}.items() if value is not None}

    found = support.errors_of(EventBridgeConfig, body)

    assert words in found.get(field, ""), found


def test_a_bus_in_heralds_own_account_is_refused():
    body = channel_role(eventBusArn="arn:aws:events:us-east-1:123456789012:event-bus/default")

    with pytest.raises(ValueError, match="Event bus ARN is in Herald's own AWS account 123456789012"):
        EventBridgeConfig.model_validate(body, context={"account": "123456789012"})


# --- sending through the emulator -------------------------------------------------------------------------------


@pytest.fixture
def customer(monkeypatch: pytest.MonkeyPatch) -> Iterator[CustomerAccount]:
    fake_aws_credentials(monkeypatch)
    with mock_aws():
        aws.reset()
        yield CustomerAccount()
    aws.reset()


def test_given_a_bus_in_the_customers_account_when_sent_then_its_rule_delivers_the_event(customer):
    bus, inbox = customer.bus("ops")

    receipt = ADAPTER.send(support.notification(), config(eventBusArn=bus), delivery_ctx())

    [message] = inbox.messages()
    event = message["Body"]
    assert (event["id"], event["source"], event["detail-type"]) == (
        receipt.provider_message_id,
        "herald",
        "monitor.down",
    )
    assert event["region"] == REGION
    assert event["detail"]["notification"]["title"] == "My API is down"


def test_no_such_bus_is_permanent_in_eventbridges_words(customer):
    with pytest.raises(PermanentDeliveryError) as caught:
        ADAPTER.send(support.notification(), config(eventBusArn=f"{BUS}-gone"), delivery_ctx())

    assert (
        caught.value.message
        == "Amazon EventBridge returned 400: ResourceNotFoundException: Event bus ops-gone does not exist."
    )


def test_a_throttled_call_is_retried_later():
    client = boto3.client("events", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(client) as stub, pytest.raises(RetryableDeliveryError) as caught:
        stub.add_client_error("put_events", "ThrottlingException", "Rate exceeded", 400)
        ADAPTER.send(support.notification(), config(), delivery_ctx(lambda _service, _region, _role: client))

    assert caught.value.code == "rate_limited"
    assert caught.value.message == "Amazon EventBridge returned 400: ThrottlingException: Rate exceeded"
