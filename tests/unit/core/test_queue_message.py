"""The delivery queue's message: one delivery, exactly as older releases wrote and read it, or a bundle."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from herald.models.delivery import BUNDLE_SIZE, MAX_BUNDLE, Delivery, QueueMessage


def delivery(tenant_id: str, number: int) -> Delivery:
    return Delivery(
        id=f"dlv_{tenant_id}_{number}",
        tenant_id=tenant_id,
        channel_id=f"ch_{number}",
        kind="webhook",
        event="test",
        status="queued",
        notification={"title": "x"},
        created_at="2026-12-04T00:00:00Z",
        updated_at="2026-12-04T00:00:00Z",
    )


def test_a_fan_out_is_queued_in_bundles_of_one_tenant_each_and_a_lone_delivery_as_the_old_single_message():
    acme = [delivery("acme", n) for n in range(2 * BUNDLE_SIZE + 2)]
    other = [delivery("other", 0)]

    messages = QueueMessage.bundles([*acme[:3], *other, *acme[3:]])
    bodies = [json.loads(message.body()) for message in messages]

    assert [len(message.entries()) for message in messages] == [BUNDLE_SIZE, BUNDLE_SIZE, 2, 1]
    assert [entry.deliveryId for message in messages[:3] for entry in message.entries()] == [d.id for d in acme]
    assert bodies[0] == {
        "tenantId": "acme",
        "deliveries": [{"deliveryId": d.id, "channelId": d.channel_id} for d in acme[:BUNDLE_SIZE]],
    }
    assert bodies[3] == {"tenantId": "other", "deliveryId": "dlv_other_0", "channelId": "ch_0"}


def test_a_single_message_of_an_older_release_reads_as_one_delivery_and_a_bundle_splits_into_singles():
    old = QueueMessage.model_validate_json('{"tenantId": "acme", "deliveryId": "dlv_1"}')
    bundle = QueueMessage.bundles([delivery("acme", 1), delivery("acme", 2)])[0]

    assert [(e.deliveryId, e.channelId) for e in old.entries()] == [("dlv_1", None)]
    assert [json.loads(bundle.single(e).body()) for e in bundle.entries()] == [
        {"tenantId": "acme", "deliveryId": "dlv_acme_1", "channelId": "ch_1"},
        {"tenantId": "acme", "deliveryId": "dlv_acme_2", "channelId": "ch_2"},
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"tenantId": "acme"},
        {"tenantId": "acme", "deliveries": []},
        {"tenantId": "acme", "deliveryId": "dlv_1", "deliveries": [{"deliveryId": "dlv_2"}]},
        {"tenantId": "acme", "deliveries": [{"deliveryId": f"dlv_{n}"} for n in range(MAX_BUNDLE + 1)]},
    ],
    ids=["no delivery", "empty bundle", "both shapes", "too many"],
)
def test_a_message_names_one_delivery_or_a_bundle_never_both_or_neither(body):
    with pytest.raises(ValidationError):
        QueueMessage.model_validate_json(json.dumps(body))
