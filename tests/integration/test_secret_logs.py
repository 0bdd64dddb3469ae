"""Issue 15 fixes 1 and 3 at the handler level: a stored config that fails validation on read.

A validator tightened in a later release makes a stored config invalid. Fix 1: pydantic's message would
quote the input (`input_value='<the secret>'`), so no config model may, and nothing of the config may
reach /test, the delivery log or the logs. Fix 3: that one channel must not break the tenant's list;
it shows `configError`, /test is 409 naming the problem, the sender fails it once, PUT repairs it.
"""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from herald.adapters import registry
from local.records import sqs_record
from tests.support.api import LambdaContext, load_handler
from tests.support.tables import reseal_channel_config

CANARY = "CANARY-7d1f0c-secret"


@pytest.mark.parametrize("kind", sorted(registry.ADAPTERS))
def test_no_config_model_quotes_its_input_in_a_validation_error(kind):
    model = registry.get(kind).config_model
    with pytest.raises(ValidationError) as caught:
        model.model_validate({"legacyToken": CANARY, "url": 12345, "webhookUrl": [CANARY]})
    assert CANARY not in str(caught.value)
    assert "legacyToken" in str(caught.value)


def break_stored_config(channel_id: str) -> None:
    """As if a later release refused what this one stored: an extra key, holding a secret."""
    stale = {"url": f"https://hooks.example.com/{CANARY}", "secret": f"s-{CANARY}", "legacyToken": f"t-{CANARY}"}
    reseal_channel_config("acme", channel_id, stale)


def webhook(api, key) -> str:
    config = {"url": f"https://hooks.example.com/{CANARY}", "secret": f"s-{CANARY}"}
    created = api.post("/v1/channels", key=key, body={"kind": "webhook", "config": config})
    assert created.status == 201, created.text
    return str(created.json["id"])


def test_a_stored_config_that_no_longer_validates_leaks_nothing(api, key, aws, log_lines):
    channel_id = webhook(api, key)
    break_stored_config(channel_id)
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

    assert messages
    everything = json.dumps([tested.text, record.text, logs])
    assert "legacyToken" in tested.text  # the stored config really failed validation
    assert record.json["code"] == "invalid_channel" and "legacyToken" in record.json["error"]
    assert CANARY not in everything


def test_one_unreadable_config_does_not_break_the_list_and_is_named_everywhere(api, key, aws):
    broken, fine = webhook(api, key), webhook(api, key)
    break_stored_config(broken)

    listed = api.get("/v1/channels", key=key)
    one = api.get(f"/v1/channels/{broken}", key=key)
    tested = api.post(f"/v1/channels/{broken}/test", key=key)
    patched = api.patch(f"/v1/channels/{broken}", key=key, body={"name": "renamed"})

    assert listed.status == 200
    by_id = {c["id"]: c for c in listed.json["data"]}
    assert by_id[fine]["config"]["url"] == "••••••••" and "configError" not in by_id[fine]
    assert by_id[broken]["config"] is None
    assert "Unknown field 'legacyToken'" in by_id[broken]["configError"]
    assert one.status == 200 and one.json["configError"] == by_id[broken]["configError"]
    assert (tested.status, tested.json["code"]) == (409, "config_unreadable")
    assert (patched.status, patched.json["code"]) == (409, "config_unreadable")
    assert CANARY not in json.dumps([listed.json, one.json, tested.json, patched.json])


def test_a_put_with_the_whole_config_repairs_an_unreadable_channel(api, key, aws):
    broken = webhook(api, key)
    break_stored_config(broken)
    placeholder = api.put(
        f"/v1/channels/{broken}",
        key=key,
        body={"config": {"url": "https://hooks.example.com/new", "secret": "••••••••"}},
    )

    repaired = api.put(
        f"/v1/channels/{broken}", key=key, body={"config": {"url": "https://hooks.example.com/new", "secret": "s-new"}}
    )
    tested_view = api.get(f"/v1/channels/{broken}", key=key)

    assert placeholder.status == 422  # nothing unreadable can be carried over
    assert repaired.status == 200, repaired.text
    assert "configError" not in tested_view.json and tested_view.json["configSummary"] == "hooks.example.com"
