"""Alert escalation as pure state: durations, which timer comes next, and when a timer is stale."""

from __future__ import annotations

import pytest

from herald.models.alert import Alert, Policy, TimerMessage, duration_seconds
from herald.routing.escalation import _stale

RULE = {
    "id": "rule_1",
    "channelIds": ["ch_rule"],
    "steps": [
        {"after": "0m", "channelIds": ["ch_a"]},
        {"after": "15m", "channelIds": ["ch_b"]},
        {"after": "1h", "channelIds": ["ch_c", "ch_a"]},
    ],
    "repeatEvery": "20m",
}
START = 1_000_000.0


@pytest.mark.parametrize(("text", "seconds"), [("0m", 0), ("15m", 900), ("1h", 3600), ("2d", 172800)])
def test_durations(text, seconds):
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["15", "15s", "-1m", "1.5h", "m", "31d", " 5m"])
def test_what_is_not_a_duration(text):
    with pytest.raises(ValueError, match=r"duration|30 days"):
        duration_seconds(text)


def test_a_rule_with_neither_steps_nor_reminders_has_no_policy():
    assert Policy.of({"id": "rule_2", "channelIds": ["ch_rule"]}) is None


@pytest.mark.parametrize(
    ("step", "reminders", "due"),
    [
        (0, 0, (START + 900, "step")),  # step 1 at 15m comes before reminder 1 at 20m
        (1, 0, (START + 1200, "reminder")),
        (1, 1, (START + 2400, "reminder")),
        (1, 2, (START + 3600, "step")),  # step 2 and reminder 3 both at 1h: the step first
        (2, 2, (START + 3600, "reminder")),
        (2, 5, (START + 7200, "reminder")),  # every step done: only reminders are left
    ],
)
def test_the_next_timer_is_the_earliest_of_the_next_step_and_the_next_reminder(step, reminders, due):
    policy = Policy.of(RULE)
    assert policy is not None
    assert policy.next_due(START, step, reminders) == due


def test_scaled_waits_shrink_every_step_and_reminder():
    policy = Policy.of(RULE, scale=0.01)
    assert policy is not None
    assert policy.next_due(START, 0, 0) == (START + 9, "step")


def test_nothing_is_left_without_reminders_after_the_last_step():
    policy = Policy.of({**RULE, "repeatEvery": None})
    assert policy is not None
    assert policy.next_due(START, 2, 0) is None


def test_a_reminder_goes_to_every_channel_told_so_far_once():
    policy = Policy.of(RULE)
    assert policy is not None
    assert (policy.told_by(0), policy.told_by(2)) == (["ch_rule", "ch_a"], ["ch_rule", "ch_a", "ch_b", "ch_c"])


def alert(**changes) -> Alert:
    base = {
        "dedup_key": "k",
        "state": "firing",
        "started_at": START,
        "rule_id": "rule_1",
        "step": 1,
        "reminders": 0,
        "acked_at": None,
        "acked_by": None,
        "notification": None,
        "event_id": None,
    }
    return Alert(**{**base, **changes})


TIMER = TimerMessage(tenantId="acme", dedupKey="k", startedAt=START, dueAt=START + 1200, step=1, reminders=0)


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (None, "resolved"),
        (alert(state="resolved"), "resolved"),
        (alert(started_at=START + 60), "restarted"),
        (alert(acked_at="2026-05-15T08:30:00.000Z"), "acknowledged"),
        (alert(reminders=1), "already_done"),
        (alert(step=2), "already_done"),
        (alert(), None),
    ],
)
def test_a_timer_does_nothing_for_an_alert_resolved_restarted_acknowledged_or_moved_on(state, reason):
    assert _stale(state, TIMER) == reason
