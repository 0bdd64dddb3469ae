"""Issue 19 point 1 end to end: a rule muted by a time interval sends nothing; outside it, the event arrives.

The local stack's clock is moved (HERALD_CLOCK_FILE, the `clock` fixture), never waited for.
"""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import Receiver
from tests.e2e.helpers import Herald

pytestmark = pytest.mark.e2e

# Quiet hours in New York: 22:00-24:00 and 00:00-07:00 local time.
NIGHTS = {
    "name": "Nights in New York",
    "timeIntervals": [
        {
            "times": [{"startTime": "00:00", "endTime": "07:00"}, {"startTime": "22:00", "endTime": "24:00"}],
            "location": "America/New_York",
        }
    ],
}
NIGHT = "2026-12-08T04:00:00Z"  # 23:00 EST on 7 December
MORNING = "2026-12-08T14:00:00Z"  # 09:00 EST


def down(monitor_id: str) -> dict:
    return {"type": "monitor.down", "monitor": {"id": monitor_id, "name": "Checkout", "url": "https://x.example.com"}}


def test_a_receiver_gets_nothing_while_muted_and_the_event_when_not(herald: Herald, receiver: Receiver, clock):
    hook = herald.webhook(f"{receiver.url}/quiet")
    nights = herald.call("POST", "/v1/time-intervals", NIGHTS).json()["id"]
    at_night, in_the_morning = f"mon_{uuid.uuid4().hex[:10]}", f"mon_{uuid.uuid4().hex[:10]}"
    rule = {"name": "quiet", "channelIds": [hook], "muteTimeIntervals": [nights]}
    made = herald.call("POST", "/v1/rules", {**rule, "match": {"monitorIds": [at_night, in_the_morning]}})
    assert made.status_code == 201, made.text

    clock.set(NIGHT)
    muted = herald.call("POST", "/v1/events", down(at_night)).json()["deliveries"]
    clock.set(MORNING)
    sent = herald.call("POST", "/v1/events", down(in_the_morning)).json()["deliveries"]
    [arrived] = receiver.wait_for(1)

    [record] = [herald.delivery(entry["deliveryId"]) for entry in muted if entry["channelId"] == hook]
    assert (record["status"], record["code"], record["suppressedBy"]) == ("suppressed", "muted", nights)
    # Rules of other tests in this session's tenant may route the same events to their own channels.
    [morning] = [entry for entry in sent if entry["channelId"] == hook]
    assert morning["status"] == "queued"
    assert herald.settled(morning["deliveryId"])["status"] == "delivered"
    # The muted event was never queued: the one request the receiver got is the morning's.
    assert [r.json()["monitor"]["id"] for r in receiver.requests] == [in_the_morning]
    assert arrived.path == "/quiet"
