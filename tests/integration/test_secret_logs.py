"""Issue 15 fix 1 at the handler level: a stored config that fails validation on read leaks nothing.

A validator tightened in a later release makes a stored config invalid; pydantic's message would quote
the input (`input_value='<the secret>'`). /test, the delivery log and the sender's logs (Powertools
writes them to stdout) must not contain any of the config's values.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from herald.crypto import context_for, get_crypto
from herald.db import table, tenant_pk
from herald.observability import logger
from local.records import sqs_record
from tests.support.api import LambdaContext, load_handler

CANARY = "CANARY-7d1f0c-secret"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Everything Herald's logger writes during the test (its handler's stream, swapped)."""
    buffer = io.StringIO()
    previous = logger.registered_handler.setStream(buffer)
    try:
        yield buffer
    finally:
        logger.registered_handler.setStream(previous)


def test_a_stored_config_that_no_longer_validates_leaks_nothing(api, key, aws, log_lines):
    created = api.post(
        "/v1/channels",
        key=key,
        body={"kind": "webhook", "config": {"url": f"https://hooks.example.com/{CANARY}", "secret": f"s-{CANARY}"}},
    )
    channel_id = created.json["id"]
    # As if a later release refused what this one stored: an extra key, holding a secret.
    stale = {"url": f"https://hooks.example.com/{CANARY}", "secret": f"s-{CANARY}", "legacyToken": f"t-{CANARY}"}
    sealed = get_crypto().seal_json(stale, context_for("acme", channel_id))
    table().update_item(
        Key={"pk": tenant_pk("acme"), "sk": f"CH#{channel_id}"},
        UpdateExpression="SET #config = :sealed",
        ExpressionAttributeNames={"#config": "config"},
        ExpressionAttributeValues={":sealed": sealed},
    )
    log_lines.truncate(0)

    tested = api.post(f"/v1/channels/{channel_id}/test", key=key)
    sent = api.post("/v1/notifications", key=key, body={"channelIds": [channel_id], "notification": {"title": "x"}})
    sqs = aws.client("sqs")
    messages = sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10).get("Messages", [])
    sender = load_handler("sender")
    sender.handler(
        {"Records": [sqs_record(m, aws.deployment.sqs_sources[0].queue_arn) for m in messages]}, LambdaContext()
    )
    record = api.get(f"/v1/deliveries/{sent.json['deliveries'][0]['deliveryId']}", key=key)
    logs = log_lines.getvalue()

    assert created.status == 201 and messages
    everything = json.dumps([tested.text, record.text, logs])
    assert "extra_forbidden" in logs  # the stored config really failed validation, and it was logged
    assert CANARY not in everything
