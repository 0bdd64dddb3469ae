"""Issue 19 points 4-6 end to end: the local stack's timer queue fires an escalation step for an alert
nobody acknowledged, and not for one that was acknowledged (the stack runs alert timers 100x faster,
HERALD_TIMER_SCALE; nothing here sleeps)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import TIMER_SCALE, Receiver, Stack
from tests.e2e.helpers import Herald
from tests.e2e.test_alerts_in import monitor

pytestmark = pytest.mark.e2e
STEP_MINUTES = 10  # 6 s in the e2e stack


def alert(herald: Herald, watched: dict[str, str]) -> None:
    reply = herald.call("POST", "/v1/events", {"type": "monitor.down", "monitor": watched, "severity": "critical"})
    assert reply.status_code == 202, reply.text


def acknowledged_timer(stack: Stack, dedup_key: str) -> dict:
    def matches(entry: dict) -> bool:
        outcomes = (entry.get("result") or {}).get("timers", [])
        return any(t["dedupKey"] == dedup_key and t["reason"] == "acknowledged" for t in outcomes)

    return stack.events.wait_for("TimerFunction", matches, timeout=STEP_MINUTES * 60 * TIMER_SCALE + 30)


def test_an_alert_nobody_acknowledges_escalates_and_an_acknowledged_one_does_not(
    herald: Herald, stack: Stack, receiver: Receiver
):
    first, second = herald.webhook(f"{receiver.url}/first"), herald.webhook(f"{receiver.url}/second")
    ignored, handled = monitor("Ignored API"), monitor("Handled API")
    steps = [{"after": "0m", "channelIds": [first]}, {"after": f"{STEP_MINUTES}m", "channelIds": [second]}]
    match = {"monitorIds": [ignored["id"], handled["id"]]}
    rule = herald.call("POST", "/v1/rules", {"name": "on-call", "match": match, "steps": steps})
    assert rule.status_code == 201, rule.text

    alert(herald, ignored)
    alert(herald, handled)
    ack = herald.call("POST", f"/v1/alerts/{handled['id']}/ack")
    acknowledged_timer(stack, handled["id"])
    received = receiver.wait_for(3, timeout=STEP_MINUTES * 60 * TIMER_SCALE + 30)
    alerts = herald.call("GET", "/v1/alerts", state="firing").json()["data"]

    assert ack.status_code == 200, ack.text
    by_path = sorted((r.path, r.json()["notification"]["title"].split(" is down")[0]) for r in received)
    assert by_path == [("/first", "Handled API"), ("/first", "Ignored API"), ("/second", "Ignored API")]
    assert len(receiver.requests) == 3  # both timers have run: nothing else is on its way
    ours = {a["dedupKey"]: (a["step"], a["acknowledged"]) for a in alerts if a["ruleId"] == rule.json()["id"]}
    assert ours == {ignored["id"]: (1, False), handled["id"]: (0, True)}
