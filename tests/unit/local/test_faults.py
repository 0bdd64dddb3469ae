"""local.faults: HERALD_LOCAL_FAULTS, the AWS failures the reliability tests inject."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local.faults import FaultInjector, parse


def test_a_spec_names_services_operations_and_a_seed():
    assert parse("dynamodb=0.2, sqs.SendMessageBatch=1,seed=7,limit=3") == (
        {"dynamodb": 0.2, "sqs.SendMessageBatch": 1.0},
        7,
        3,
    )
    assert parse("") == ({}, None, None)


@pytest.mark.parametrize("spec", ["dynamodb", "dynamodb=2", "dynamodb=-0.1", "seed=x"])
def test_a_bad_spec_is_refused(spec):
    with pytest.raises(ValueError):
        parse(spec)


@pytest.fixture
def sqs():
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        client.create_queue(QueueName="q")
        yield client


def test_the_operation_share_wins_over_the_service_share_and_the_limit_stops_it(sqs):
    injector = FaultInjector({"sqs": 0.0, "sqs.GetQueueUrl": 1.0}, limit=2)
    injector.attach(sqs)
    outcomes = []
    for _ in range(3):
        try:
            outcomes.append(sqs.get_queue_url(QueueName="q")["QueueUrl"].rsplit("/", 1)[-1])
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])
    sqs.list_queues()  # share 0 for the rest of sqs: never fails

    assert outcomes == ["ServiceUnavailable", "ServiceUnavailable", "q"]
    assert injector.injected == {"sqs.GetQueueUrl": 2}


def test_a_share_fails_about_that_share_of_calls_and_a_seed_repeats_it(sqs):
    def run(seed):
        injector = FaultInjector({"sqs": 0.3}, seed=seed)
        client = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        injector.attach(client)
        failed = []
        for _ in range(200):
            try:
                client.list_queues()
                failed.append(False)
            except ClientError:
                failed.append(True)
        return failed

    first, again = run(7), run(7)
    assert first == again
    assert 30 <= sum(first) <= 90
