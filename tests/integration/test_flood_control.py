"""Issue 14 point 1 at the handler level (moto): flood control never hides a new alert.

A firing is held back from a channel only when that channel was already sent a firing for the same
dedupKey within 5 minutes at the same or a higher severity; an escalation always goes out; an event
that failed or reached nobody holds nothing back.
"""

from __future__ import annotations

from herald import aws
from local.faults import FaultInjector
from tests.integration.test_routing import MONITOR, channel, rule


def down(severity: str, minute: int, **extra):
    return {
        "type": "monitor.down",
        "monitor": MONITOR,
        "severity": severity,
        "occurredAt": f"2026-05-15T08:{minute:02d}:00Z",
        **extra,
    }


def statuses(reply) -> dict[str, str]:
    assert reply.status == 202, reply.text
    return {d["channelId"]: d["status"] for d in reply.json["deliveries"]}


def test_an_escalation_from_warning_to_critical_goes_out(api, key):
    target = channel(api, key)
    rule(api, key, [target])

    warning = statuses(api.post("/v1/events", key=key, body=down("warning", 30)))
    critical = statuses(api.post("/v1/events", key=key, body=down("critical", 31)))

    assert (warning, critical) == ({target: "queued"}, {target: "queued"})


def test_a_repeat_at_the_same_or_a_lower_severity_is_held_back(api, key):
    target = channel(api, key)
    rule(api, key, [target])

    first = statuses(api.post("/v1/events", key=key, body=down("critical", 30)))
    same = statuses(api.post("/v1/events", key=key, body=down("critical", 31)))
    lower = statuses(api.post("/v1/events", key=key, body=down("warning", 32)))

    assert (first, same, lower) == ({target: "queued"}, {target: "suppressed"}, {target: "suppressed"})


def test_a_warning_that_reached_nobody_does_not_hold_back_the_critical(api, key):
    pager = channel(api, key)
    rule(api, key, [pager], match={"severities": ["critical"]})

    warning = api.post("/v1/events", key=key, body=down("warning", 30))
    critical = statuses(api.post("/v1/events", key=key, body=down("critical", 31)))

    assert warning.status == 202 and warning.json["deliveries"] == []
    assert critical == {pager: "queued"}


def test_flood_control_is_per_channel(api, key):
    first = channel(api, key)
    rule(api, key, [first])
    statuses(api.post("/v1/events", key=key, body=down("critical", 30)))
    second = channel(api, key)
    rule(api, key, [second])

    repeat = statuses(api.post("/v1/events", key=key, body=down("critical", 31)))

    assert repeat == {first: "suppressed", second: "queued"}


def test_an_event_that_failed_holds_nothing_back(api, key):
    target = channel(api, key)
    rule(api, key, [target])
    # SQS refuses SendMessageBatch through all of Herald's tries, as it does when it is unavailable: the
    # event fails after its firing state was recorded, exactly where a crash between the two would leave it.
    outage = FaultInjector({"sqs.SendMessageBatch": 1.0}, limit=5)
    outage.attach(aws.client("sqs"))

    failed = api.post("/v1/events", key=key, body=down("critical", 30))
    retried = statuses(api.post("/v1/events", key=key, body=down("critical", 30)))

    assert outage.injected == {"sqs.SendMessageBatch": 5}
    assert failed.status == 500
    assert retried == {target: "queued"}


def test_a_recovery_clears_what_is_held_back(api, key):
    target = channel(api, key)
    rule(api, key, [target])
    statuses(api.post("/v1/events", key=key, body=down("critical", 30)))
    recovery = {"type": "monitor.recovery", "monitor": MONITOR, "occurredAt": "2026-05-15T08:32:00Z"}
    assert statuses(api.post("/v1/events", key=key, body=recovery)) == {target: "queued"}

    again = statuses(api.post("/v1/events", key=key, body=down("critical", 33)))

    assert again == {target: "queued"}
