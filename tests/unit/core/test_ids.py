"""Ids sort by creation time, and `time_floor` bounds them at a moment to the millisecond."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from herald.ids import new_id, time_floor


def test_ids_made_later_sort_later():
    made = []
    for _ in range(5):
        made.append(new_id("dlv"))
        time.sleep(0.002)
    assert made == sorted(made)
    assert len(set(made)) == 5


def test_the_floor_of_a_moment_splits_ids_made_before_it_from_those_made_at_or_after_it():
    before = new_id("dlv")
    time.sleep(0.002)
    moment = datetime.now(UTC)
    time.sleep(0.002)
    after = new_id("dlv")

    floor = time_floor("dlv", moment)
    assert before < floor < after
    assert not after.startswith(time_floor("dlv", moment - timedelta(milliseconds=1)))


def test_an_id_made_within_the_floors_millisecond_sorts_above_it():
    moment = datetime.now(UTC)
    made = new_id("dlv")
    floor = time_floor("dlv", moment)
    assert made > floor  # the floor is shorter than any id: never equal to one


@pytest.mark.parametrize("offset", [timedelta(hours=-5), timedelta(hours=5, minutes=30), timedelta(0)])
def test_the_same_instant_in_any_offset_has_the_same_floor(offset):
    moment = datetime(2026, 12, 4, 10, 0, 0, 123000, tzinfo=UTC)
    assert time_floor("dlv", moment.astimezone(timezone(offset))) == time_floor("dlv", moment)


def test_moments_outside_the_ids_range_clamp_to_its_ends():
    assert time_floor("dlv", datetime(1900, 1, 1, tzinfo=UTC)) == "dlv_0000000000"
    assert time_floor("dlv", datetime(1, 1, 1, tzinfo=UTC)) == "dlv_0000000000"
    assert time_floor("dlv", datetime(9999, 12, 31, tzinfo=UTC)) < "dlv_zzzzzzzzzz"
    assert time_floor("dlv", datetime(2026, 12, 4, tzinfo=UTC)) < time_floor("dlv", datetime(2026, 12, 5, tzinfo=UTC))
