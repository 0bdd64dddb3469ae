"""Issue 19 point 2 end to end: a silence keeps events from a real receiver until it is expired with DELETE."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import Receiver
from tests.e2e.helpers import Herald

pytestmark = pytest.mark.e2e


def post_event(herald: Herald, channel_id: str, title: str, tags: dict[str, str]) -> dict[str, Any]:
    body = {"type": "custom", "title": title, "severity": "warning", "channelIds": [channel_id], "tags": tags}
    reply = herald.call("POST", "/v1/events", body)
    assert reply.status_code == 202, reply.text
    [delivery] = reply.json()["deliveries"]
    return delivery


def test_a_silenced_event_reaches_nobody_and_events_flow_again_after_delete(herald: Herald, receiver: Receiver):
    run = uuid.uuid4().hex  # the stack's tenant is shared: this silence holds only this test's events
    hook = herald.webhook(f"{receiver.url}/hook")
    ends = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    body = {"matchers": [{"name": "tags.run", "value": run}], "endsAt": ends, "comment": "e2e"}
    created = herald.call("POST", "/v1/silences", body)
    assert created.status_code == 201, created.text
    silence_id = created.json()["id"]

    held = post_event(herald, hook, "while silenced", {"run": run})
    passed = post_event(herald, hook, "not silenced", {"run": "another"})
    [first] = receiver.wait_for(1)
    expired = herald.call("DELETE", f"/v1/silences/{silence_id}")
    after = post_event(herald, hook, "after delete", {"run": run})
    received = receiver.wait_for(2)

    assert [r.json()["notification"]["title"] for r in received] == ["not silenced", "after delete"]
    assert first.json()["notification"]["title"] == "not silenced"
    logged = herald.delivery(held["deliveryId"])
    assert (logged["status"], logged["code"], logged["suppressedBy"]) == ("suppressed", "silenced", silence_id)
    assert expired.status_code == 204
    assert herald.call("GET", f"/v1/silences/{silence_id}").json()["state"] == "expired"
    assert [herald.settled(d["deliveryId"])["status"] for d in (passed, after)] == ["delivered", "delivered"]
    assert len(receiver.requests) == 2  # every delivery settled: the silenced event never reached it
