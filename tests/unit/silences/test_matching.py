"""Silence matching: Alertmanager's `=`, `!=`, `=~`, `!~` on an event's values, and the silence's states."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from herald.models.event import MonitoringEvent
from herald.silences.matching import CompiledMatcher, SilenceState, event_labels, holds, known_name, state_at

EVENT = MonitoringEvent.model_validate(
    {
        "type": "monitor.down",
        "severity": "critical",
        "monitor": {"id": "mon_abc123", "name": "My API"},
        "tags": {"env": "staging", "team": "payments"},
    }
)
LABELS = event_labels(EVENT, "critical")


def matcher(name, value, is_equal=True, is_regex=False):
    return CompiledMatcher.of({"name": name, "value": value, "isEqual": is_equal, "isRegex": is_regex})


@pytest.mark.parametrize(
    ("one", "expected"),
    [
        (matcher("type", "monitor.down"), True),
        (matcher("type", "monitor.down", is_equal=False), False),
        (matcher("severity", "warning", is_equal=False), True),
        (matcher("monitor.id", "mon_.*", is_regex=True), True),
        (matcher("monitor.id", "mon_", is_regex=True), False),  # the whole value must match
        (matcher("tags.env", "staging|dev", is_regex=True), True),
        (matcher("tags.env", "prod.*", is_equal=False, is_regex=True), True),
        (matcher("tags.region", ""), True),  # an absent value reads as ""
        (matcher("tags.region", "eu", is_equal=False), True),
        (matcher("incident.id", ".+", is_regex=True), False),
    ],
)
def test_each_matcher_kind(one, expected):
    assert one.matches(LABELS) is expected


def test_every_matcher_must_match():
    both = [matcher("tags.env", "staging"), matcher("tags.team", "payments")]
    one_off = [matcher("tags.env", "staging"), matcher("tags.team", "search")]

    assert (holds(both, LABELS), holds(one_off, LABELS)) == (True, False)


def test_incident_and_component_ids_are_read_from_their_objects():
    event = MonitoringEvent.model_validate(
        {"type": "incident.created", "incident": {"id": "inc_9", "title": "x"}, "component": {"id": "cmp_1"}}
    )

    labels = event_labels(event, "warning")

    assert (labels["incident.id"], labels["component.id"], labels["monitor.id"]) == ("inc_9", "cmp_1", "")


@pytest.mark.parametrize(
    ("name", "known"),
    [("type", True), ("monitor.id", True), ("tags.k8s.namespace", True), ("tags.", False), ("monitor", False)],
)
def test_matcher_names(name, known):
    assert known_name(name) is known


def test_states_follow_the_window():
    starts, ends = datetime(2026, 5, 15, 8, tzinfo=UTC), datetime(2026, 5, 15, 10, tzinfo=UTC)

    states = [state_at(starts, ends, datetime(2026, 5, 15, hour, tzinfo=UTC)) for hour in (7, 8, 9, 10)]

    assert states == [SilenceState.pending, SilenceState.active, SilenceState.active, SilenceState.expired]
