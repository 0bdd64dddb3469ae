"""Issue 19 point 1: time interval matching (Alertmanager's time_intervals), across daylight-saving changes.

Every moment is written in UTC; the comment beside it says what the wall clock of the interval's zone
reads then. The transitions are those of 2026 (Europe/Berlin: 29 March and 25 October at 01:00 UTC;
America/New_York: 8 March at 07:00 UTC and 1 November at 06:00 UTC; Australia/Lord_Howe, a 30-minute
shift: 5 April at 02:00 local, 4 April 15:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from herald.models.interval import TimeIntervalEntry, TimeIntervalWrite


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def hours(start: str, end: str, location: str, **fields) -> TimeIntervalEntry:
    return TimeIntervalEntry.model_validate(
        {"times": [{"startTime": start, "endTime": end}], "location": location, **fields}
    )


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        ("2026-03-29 00:59:59", True),  # 01:59:59 CET, the last second before the jump
        ("2026-03-29 01:00:00", False),  # 03:00 CEST: 02:00-03:00 never happens that night
    ],
)
def test_berlin_spring_forward_skips_the_hour(moment, inside):
    assert hours("01:00", "02:00", "Europe/Berlin").contains(at(moment)) is inside
    assert hours("02:00", "03:00", "Europe/Berlin").contains(at(moment)) is False
    assert hours("03:00", "04:00", "Europe/Berlin").contains(at(moment)) is not inside


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        ("2026-10-24 23:59:59", False),  # 01:59:59 CEST
        ("2026-10-25 00:00:00", True),  # 02:00 CEST, the first time
        ("2026-10-25 00:59:59", True),  # 02:59:59 CEST
        ("2026-10-25 01:00:00", True),  # 02:00 CET, the second time
        ("2026-10-25 01:59:59", True),  # 02:59:59 CET
        ("2026-10-25 02:00:00", False),  # 03:00 CET
    ],
)
def test_berlin_fall_back_is_inside_both_times_the_hour_happens(moment, inside):
    assert hours("02:00", "03:00", "Europe/Berlin").contains(at(moment)) is inside


def test_office_hours_follow_the_wall_clock_across_the_change():
    office = hours("09:00", "17:00", "Europe/Berlin")

    # 07:30 UTC is 08:30 CET the day before the change, 09:30 CEST the day of it.
    assert office.contains(at("2026-03-28 07:30:00")) is False
    assert office.contains(at("2026-03-29 07:30:00")) is True
    # 15:30 UTC is 16:30 CET (inside), then 17:30 CEST (outside).
    assert office.contains(at("2026-03-28 15:30:00")) is True
    assert office.contains(at("2026-03-29 15:30:00")) is False


@pytest.mark.parametrize(
    ("moment", "early", "late"),
    [
        ("2026-03-08 06:59:00", True, False),  # 01:59 EST
        ("2026-03-08 07:00:00", False, True),  # 03:00 EDT
    ],
)
def test_new_york_spring_forward(moment, early, late):
    assert hours("01:00", "02:00", "America/New_York").contains(at(moment)) is early
    assert hours("03:00", "04:00", "America/New_York").contains(at(moment)) is late


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        ("2026-11-01 04:59:00", False),  # 00:59 EDT
        ("2026-11-01 05:30:00", True),  # 01:30 EDT
        ("2026-11-01 06:30:00", True),  # 01:30 EST, the second time
        ("2026-11-01 07:00:00", False),  # 02:00 EST
    ],
)
def test_new_york_fall_back(moment, inside):
    assert hours("01:00", "02:00", "America/New_York").contains(at(moment)) is inside


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        ("2026-04-04 14:29:00", False),  # 01:29 +11
        ("2026-04-04 14:45:00", True),  # 01:45 +11
        ("2026-04-04 15:15:00", True),  # 01:45 +10:30, the second time
        ("2026-04-04 15:30:00", False),  # 02:00 +10:30
    ],
)
def test_lord_howe_half_hour_fall_back(moment, inside):
    # Lord Howe Island's clocks go back 30 minutes at 02:00: 01:30-02:00 happens twice.
    assert hours("01:30", "02:00", "Australia/Lord_Howe").contains(at(moment)) is inside


def test_weekdays_are_read_in_the_intervals_zone():
    saturday = TimeIntervalEntry.model_validate({"weekdays": ["saturday"], "location": "Europe/Berlin"})

    assert saturday.contains(at("2026-12-04 22:59:59")) is False  # Friday 23:59:59 in Berlin
    assert saturday.contains(at("2026-12-04 23:00:00")) is True  # Saturday 00:00 in Berlin, Friday in UTC
    assert saturday.contains(at("2026-12-05 22:59:59")) is True
    assert saturday.contains(at("2026-12-05 23:00:00")) is False  # Sunday in Berlin


def test_times_start_inclusive_end_exclusive_and_24_00_is_midnight():
    evening = hours("22:00", "24:00", "UTC")

    assert evening.contains(at("2026-12-03 21:59:59")) is False
    assert evening.contains(at("2026-12-03 22:00:00")) is True
    assert evening.contains(at("2026-12-03 23:59:59")) is True
    assert evening.contains(at("2026-12-04 00:00:00")) is False


@pytest.mark.parametrize(
    ("days", "moment", "inside"),
    [
        ("-1", "2028-02-29 12:00:00", True),  # a leap year: the last day is the 29th
        ("-1", "2028-02-28 12:00:00", False),
        ("-1", "2027-02-28 12:00:00", True),
        ("-3:-1", "2028-02-26 12:00:00", False),
        ("-3:-1", "2028-02-27 12:00:00", True),
        ("-3:-1", "2027-02-26 12:00:00", True),  # 26, 27, 28 in a common year
        ("29:31", "2027-02-28 12:00:00", False),  # starts after February ends: skipped
        ("29:31", "2028-02-29 12:00:00", True),  # clamped to the 29th
        ("1:31", "2027-02-28 12:00:00", True),
        ("-31:-1", "2028-02-01 12:00:00", True),  # clamped to the 1st
        ("-31:-30", "2028-02-01 12:00:00", False),  # wholly before February's first day: nothing
        ("15", "2028-02-15 00:00:00", True),
        ("15", "2028-02-16 00:00:00", False),
    ],
)
def test_days_of_month_count_back_from_the_months_end(days, moment, inside):
    entry = TimeIntervalEntry.model_validate({"daysOfMonth": [days]})

    assert entry.contains(at(moment)) is inside


def test_days_of_month_are_read_in_the_intervals_zone():
    # 2028-02-29 23:30 UTC is already 1 March in Berlin.
    last = TimeIntervalEntry.model_validate({"daysOfMonth": ["-1"], "location": "Europe/Berlin"})

    assert last.contains(at("2028-02-29 22:59:00")) is True
    assert last.contains(at("2028-02-29 23:30:00")) is False


@pytest.mark.parametrize(
    ("fields", "moment", "inside"),
    [
        ({"months": ["january:march"]}, "2026-03-31 12:00:00", True),
        ({"months": ["january:march"]}, "2026-04-01 12:00:00", False),
        ({"months": ["10:12"]}, "2026-12-03 12:00:00", True),
        ({"months": ["December"]}, "2026-12-03 12:00:00", True),
        ({"years": ["2026:2027"]}, "2027-12-31 23:59:00", True),
        ({"years": ["2026:2027"]}, "2028-01-01 00:00:00", False),
        ({"weekdays": ["monday:friday"]}, "2026-12-06 12:00:00", False),  # a Sunday
        ({"weekdays": ["monday:friday"]}, "2026-12-07 12:00:00", True),
        ({}, "2026-12-07 12:00:00", True),  # an entry naming nothing contains every moment
    ],
)
def test_months_years_and_weekdays(fields, moment, inside):
    assert TimeIntervalEntry.model_validate(fields).contains(at(moment)) is inside


def test_an_entry_needs_every_field_and_an_interval_any_entry():
    interval = TimeIntervalWrite.model_validate(
        {
            "name": "Weekday nights or weekends",
            "timeIntervals": [
                {"weekdays": ["monday:friday"], "times": [{"startTime": "00:00", "endTime": "07:00"}]},
                {"weekdays": ["saturday", "sunday"]},
            ],
        }
    )

    assert interval.contains(at("2026-12-07 06:59:00")) is True  # Monday night
    assert interval.contains(at("2026-12-07 07:00:00")) is False  # Monday morning
    assert interval.contains(at("2026-12-05 12:00:00")) is True  # Saturday noon
