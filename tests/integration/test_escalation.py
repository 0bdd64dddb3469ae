"""Issue 19 points 3-5 at the handler level (moto): escalation steps, reminders, acknowledgement, and the
timer that drives them (the timer queue, moved by the test's clock; never a sleep)."""

from __future__ import annotations

import json

import pytest

from herald import aws as herald_aws
from local.faults import FaultInjector
from tests.integration.test_routing import MONITOR, channel

DOWN = {"type": "monitor.down", "monitor": MONITOR, "severity": "critical"}
UP = {"type": "monitor.recovery", "monitor": MONITOR}
KEY = MONITOR["id"]


def escalating_rule(api, key, **policy):
    reply = api.post("/v1/rules", key=key, body={"name": "on-call", "match": {}, **policy})
    assert reply.status == 201, reply.text
    return reply.json


def two_steps(api, key, **extra):
    first, second = channel(api, key), channel(api, key)
    steps = [{"after": "0m", "channelIds": [first]}, {"after": "15m", "channelIds": [second]}]
    escalating_rule(api, key, steps=steps, **extra)
    return first, second


def deliveries(api, key) -> list[dict]:
    reply = api.get("/v1/deliveries", key=key, query={"limit": "100"})
    assert reply.status == 200, reply.text
    return reply.json["data"]


def sent(api, key) -> list[tuple[str, int | None, int | None]]:
    """(channel, step, reminder) of every delivery, in a stable order."""
    return sorted(((d["channelId"], d.get("step"), d.get("reminder")) for d in deliveries(api, key)), key=str)


def fire(api, key, body=DOWN):
    reply = api.post("/v1/events", key=key, body=body)
    assert reply.status == 202, reply.text
    return reply.json


def open_alerts(api, key) -> list[dict]:
    reply = api.get("/v1/alerts", key=key, query={"state": "firing"})
    assert reply.status == 200, reply.text
    return reply.json["data"]


def test_a_later_step_waits_for_its_time_then_goes_to_its_channels(api, key, clock, timers):
    first, second = two_steps(api, key)
    fire(api, key)

    early = timers.run()
    clock.advance(14 * 60)
    still_early = timers.run()
    clock.advance(60)
    due = timers.run()

    assert early == still_early == []
    assert [(t["action"], t["number"], t["deliveries"]) for t in due] == [("step", 1, 1)]
    assert sent(api, key) == sorted([(first, 0, None), (second, 1, None)], key=str)
    (alert,) = open_alerts(api, key)
    assert (alert["dedupKey"], alert["step"], alert["reminders"], alert["acknowledged"]) == (KEY, 1, 0, False)


def test_acknowledged_the_later_step_does_nothing_and_says_so(api, key, clock, timers, log_lines):
    first, _ = two_steps(api, key)
    fire(api, key)

    ack = api.post(f"/v1/alerts/{KEY}/ack", key=key)
    clock.advance(15 * 60)
    outcomes = timers.run()

    assert ack.status == 200, ack.text
    assert (ack.json["acknowledged"], ack.json["ackedBy"]["keyName"]) == (True, "tests")
    assert [(t["action"], t["reason"]) for t in outcomes] == [("nothing", "acknowledged")]
    assert sent(api, key) == [(first, 0, None)]
    assert "Alert timer did nothing" in log_lines.getvalue()


def test_reminders_repeat_to_every_channel_told_until_the_alert_resolves(api, key, clock, timers):
    first, second = two_steps(api, key, repeatEvery="10m")
    fire(api, key)

    clock.advance(10 * 60)
    reminder = timers.run()
    clock.advance(5 * 60)
    step = timers.run()
    clock.advance(5 * 60)
    second_reminder = timers.run()
    fire(api, key, UP)
    clock.advance(10 * 60)
    after_recovery = timers.run()

    assert [(t["action"], t["number"]) for t in reminder + step + second_reminder] == [
        ("reminder", 1),
        ("step", 1),
        ("reminder", 2),
    ]
    assert [(t["action"], t["reason"]) for t in after_recovery] == [("nothing", "resolved")]
    told = [d for d in sent(api, key) if d[2] is not None]
    assert told == sorted([(first, None, 1), (first, None, 2), (second, None, 2)], key=str)
    assert open_alerts(api, key) == []


def test_a_timer_that_arrives_twice_fires_once(api, key, clock, timers, aws):
    _, second = two_steps(api, key)
    fire(api, key)
    sqs = aws.client("sqs")
    clock.advance(15 * 60)
    (message,) = sqs.receive_message(QueueUrl=timers.queue_url, MaxNumberOfMessages=10)["Messages"]
    sqs.send_message(QueueUrl=timers.queue_url, MessageBody=message["Body"])  # SQS delivers at least once
    sqs.change_message_visibility(
        QueueUrl=timers.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )

    outcomes = timers.run()

    assert sorted((t["action"], t["reason"]) for t in outcomes) == [("nothing", "already_done"), ("step", None)]
    assert [d for d in sent(api, key) if d[0] == second] == [(second, 1, None)]


def test_a_new_firing_after_recovery_is_a_new_alert_whose_old_timer_does_nothing(api, key, clock, timers):
    two_steps(api, key)
    fire(api, key)
    fire(api, key, UP)
    clock.advance(60)
    fire(api, key)

    clock.advance(14 * 60)
    outcomes = timers.run()
    (alert,) = open_alerts(api, key)

    assert [(t["action"], t["reason"]) for t in outcomes] == [("nothing", "restarted")]
    assert (alert["step"], alert["acknowledged"]) == (0, False)


def test_a_wait_longer_than_sqs_can_delay_hops_until_it_is_due(api, key, clock, timers):
    first, second = channel(api, key), channel(api, key)
    steps = [{"after": "0m", "channelIds": [first]}, {"after": "1h", "channelIds": [second]}]
    escalating_rule(api, key, steps=steps)
    fire(api, key)

    clock.advance(15 * 60)
    hop = timers.run()
    clock.advance(45 * 60)
    due = timers.run()

    assert [t["action"] for t in hop] == ["waiting"]
    assert [(t["action"], t["number"]) for t in due] == [("step", 1)]


def test_ack_of_an_unknown_or_resolved_alert_is_404(api, key):
    two_steps(api, key)
    fire(api, key)
    fire(api, key, UP)

    resolved = api.post(f"/v1/alerts/{KEY}/ack", key=key)
    unknown = api.post("/v1/alerts/nope/ack", key=key)
    too_long = api.post(f"/v1/alerts/{'k' * 1100}/ack", key=key)

    assert (resolved.status, resolved.json["code"]) == (404, "alert_not_found")
    assert (unknown.status, unknown.json["code"]) == (404, "alert_not_found")
    assert (too_long.status, too_long.json["code"]) == (404, "alert_not_found")


def test_a_rule_without_steps_or_reminders_sets_no_timer(api, key, clock, timers):
    plain = channel(api, key)
    escalating_rule(api, key, channelIds=[plain])
    fire(api, key)

    clock.advance(24 * 3600)

    assert timers.run() == []
    assert sent(api, key) == [(plain, None, None)]


@pytest.mark.parametrize(
    ("policy", "field", "message"),
    [
        ({"steps": [{"after": "5m", "channelIds": ["OWN"]}]}, "steps.0.after", "must be 0m"),
        (
            {"steps": [{"after": "0m", "channelIds": ["OWN"]}, {"after": "0m", "channelIds": ["OWN"]}]},
            "steps.1.after",
            "later than steps.0.after",
        ),
        ({"steps": [{"after": "15min", "channelIds": ["OWN"]}]}, "steps.0.after", "not a duration"),
        ({"steps": [{"after": "0m", "channelIds": []}]}, "steps.0.channelIds", "at least 1"),
        ({"channelIds": ["OWN"], "repeatEvery": "4m"}, "repeatEvery", "at least 5m"),
        (
            {"steps": [{"after": "0m", "channelIds": ["OWN"]}, {"after": "5m", "channelIds": ["ch_x"]}]},
            "steps.1.channelIds.0",
            "Unknown channel id 'ch_x'",
        ),
        ({}, "channelIds", "at least one channel"),
    ],
)
def test_bad_escalation_is_422_naming_the_field(api, key, policy, field, message):
    own = channel(api, key)
    body = json.loads(json.dumps({"name": "r", **policy}).replace('"OWN"', json.dumps(own)))

    reply = api.post("/v1/rules", key=key, body=body)

    assert reply.status == 422, reply.text
    assert any(d["field"] == field and message in d["message"] for d in reply.json["details"]), reply.json


def test_a_step_naming_another_tenants_channel_is_422(api, key):
    from herald.auth import service as auth

    other = str(auth.create_api_key("globex", "editor", "tests").key)
    theirs = channel(api, other)
    mine = channel(api, key)
    steps = [{"after": "0m", "channelIds": [mine]}, {"after": "15m", "channelIds": [theirs]}]

    reply = api.post("/v1/rules", key=key, body={"name": "r", "steps": steps})

    assert reply.status == 422, reply.text
    assert reply.json["details"] == [{"field": "steps.1.channelIds.0", "message": f"Unknown channel id '{theirs}'"}]


def test_a_second_ack_keeps_the_first_and_a_viewer_can_list_but_not_ack(api, key):
    from herald.auth import service as auth

    two_steps(api, key)
    fire(api, key)
    viewer = str(auth.create_api_key("acme", "viewer", "wallboard").key)

    first = api.post(f"/v1/alerts/{KEY}/ack", key=key)
    again = api.post(f"/v1/alerts/{KEY}/ack", key=key)
    refused = api.post(f"/v1/alerts/{KEY}/ack", key=viewer)
    listed = api.get("/v1/alerts", key=viewer)
    bad_state = api.get("/v1/alerts", key=viewer, query={"state": "open"})

    assert again.json == first.json and first.json["ackedAt"]
    assert refused.status == 403
    assert [a["dedupKey"] for a in listed.json["data"]] == [KEY]
    assert (bad_state.status, bad_state.json["code"]) == (400, "invalid_query")


def test_steps_removed_from_the_rule_stop_the_alert_at_its_next_timer(api, key, clock, timers):
    first, second = channel(api, key), channel(api, key)
    steps = [{"after": "0m", "channelIds": [first]}, {"after": "15m", "channelIds": [second]}]
    rule = escalating_rule(api, key, steps=steps, channelIds=[first])
    fire(api, key)

    patched = api.patch(f"/v1/rules/{rule['id']}", key=key, body={"steps": None})
    clock.advance(15 * 60)
    outcomes = timers.run()

    assert patched.status == 200 and "steps" not in patched.json
    assert [(t["action"], t["reason"]) for t in outcomes] == [("nothing", "rule_changed")]
    assert sent(api, key) == [(first, 0, None)]


def test_an_event_that_failed_to_queue_opens_its_alert_when_tried_again(api, key, clock, timers):
    _, second = two_steps(api, key)
    # SQS refuses the deliveries through all of Herald's tries: the key is recorded firing, the alert not.
    outage = FaultInjector({"sqs.SendMessageBatch": 1.0}, limit=5)
    outage.attach(herald_aws.client("sqs"))

    failed = api.post("/v1/events", key=key, body=DOWN)
    fire(api, key)
    clock.advance(15 * 60)
    outcomes = timers.run()

    assert failed.status == 500
    assert [(t["action"], t["number"]) for t in outcomes] == [("step", 1)]
    assert [d for d in sent(api, key) if d[0] == second] == [(second, 1, None)]
