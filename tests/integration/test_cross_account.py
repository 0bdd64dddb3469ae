"""sns and eventbridge through the API and sender functions against moto: a queued send reaches the customer's
account as the channel's role (one AssumeRole per role, named for the tenant), and Herald's own account is refused."""

from __future__ import annotations

import pytest

from herald import aws as herald_aws
from tests.support.calls import AwsCalls
from tests.support.customer_account import EXTERNAL_ID, ROLE_ARN, CustomerAccount, channel_role


@pytest.fixture
def customer(aws) -> CustomerAccount:
    return CustomerAccount()


def test_given_sns_and_eventbridge_channels_when_sends_are_queued_then_the_sender_publishes_as_the_role(
    api, key, deliver, customer
):
    topic, topic_inbox = customer.topic("alerts")
    bus, bus_inbox = customer.bus("ops")
    channels = [
        api.post("/v1/channels", key=key, body={"kind": kind, "config": channel_role(**config)}).json["id"]
        for kind, config in (("sns", {"topicArn": topic}), ("eventbridge", {"eventBusArn": bus}))
    ]
    for title in ("DB down", "DB still down"):
        body = {"channelIds": channels, "notification": {"title": title, "severity": "critical"}}
        assert api.post("/v1/notifications", key=key, body=body).status == 202

    with AwsCalls([herald_aws.client("sts")]) as sts:
        deliver()

    titles = [m["Body"]["notification"]["title"] for m in topic_inbox.messages(want=2)]
    events = [m["Body"]["detail"]["notification"]["title"] for m in bus_inbox.messages(want=2)]
    assert sorted(titles) == sorted(events) == ["DB down", "DB still down"]
    # Four sends, one role: assumed once, for tenant acme, with the channel's external id.
    assert [(p["RoleArn"], p["ExternalId"], p["RoleSessionName"]) for _, p in sts.params] == [
        (ROLE_ARN, EXTERNAL_ID, "herald-acme")
    ]


@pytest.mark.parametrize(
    ("kind", "config", "field"),
    [
        ("sns", {"topicArn": "arn:aws:sns:us-east-1:123456789012:herald-AlertsTopic"}, "config.topicArn"),
        (
            "eventbridge",
            {"eventBusArn": "arn:aws:events:us-east-1:123456789012:event-bus/default"},
            "config.eventBusArn",
        ),
        (
            "sns",
            {"topicArn": "arn:aws:sns:eu-west-1:111122223333:a", "roleArn": "arn:aws:iam::123456789012:role/x"},
            "config.roleArn",
        ),
    ],
)
def test_given_an_arn_in_heralds_own_account_when_a_channel_is_created_then_422_naming_it(
    api, key, kind, config, field
):
    reply = api.post("/v1/channels", key=key, body={"kind": kind, "config": channel_role(**config)})

    assert reply.status == 422, reply.text
    [detail] = reply.json["details"]
    assert detail["field"] == field
    assert "in Herald's own AWS account 123456789012" in detail["message"]
