"""Time intervals: when a rule is muted, or active. The semantics of Alertmanager's `time_intervals`.

Source: the Alertmanager configuration reference, section `<time_interval>`
(https://prometheus.io/docs/alerting/latest/configuration/#time_interval, read 2026-12-03; the matching
follows alertmanager's timeinterval/timeinterval.go `ContainsTime`):

- An interval is a list of entries; it contains a moment when any entry does.
- An entry contains a moment when every field it names does; a field left out (or empty) matches always.
- Each field is a list of inclusive ranges `start:end` (or one value), except `times`, whose ranges are
  `startTime` inclusive to `endTime` exclusive, `HH:MM`, end after start, `24:00` allowed as an end.
- `weekdays`: `sunday` … `saturday`, e.g. `monday:friday` (no wrapping past Saturday).
- `daysOfMonth`: 1 … 31, or -31 … -1 counting from the month's end (-1 is its last day); a range that
  starts negative ends negative; in a shorter month a range is clamped to its days, and skipped when it
  starts after them.
- `months`: `january` … `december` or 1 … 12; `years`: e.g. `2026:2027`.
- `location`: an IANA time zone (default UTC); every field is read on the wall clock there, so a day's
  `times` follow its daylight-saving changes (zoneinfo does the conversion).
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from herald.models.fields import DisplayName

WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
MONTHS = tuple(name.lower() for name in calendar.month_name[1:])
MAX_RANGES = 50
_CLOCK = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00")


def _bounds(text: str) -> tuple[str, str]:
    start, sep, end = text.strip().lower().partition(":")
    return (start, end) if sep else (start, start)


def _ordered(text: str, start: int, end: int) -> str:
    if start > end:
        raise ValueError(f"'{text}': the range ends before it starts")
    return text.strip().lower()


def _weekday(name: str) -> int:
    if name not in WEEKDAYS:
        raise ValueError(f"'{name}' is not a weekday: use sunday … saturday")
    return WEEKDAYS.index(name)


def _weekdays(text: str) -> str:
    start, end = _bounds(text)
    if (start, end) == ("saturday", "sunday"):
        raise ValueError(f"'{text}': the week starts on Sunday, so write 'saturday' and 'sunday' apart")
    return _ordered(text, _weekday(start), _weekday(end))


def _month(name: str) -> int:
    if name in MONTHS:
        return MONTHS.index(name) + 1
    if name.isdigit() and 1 <= int(name) <= 12:
        return int(name)
    raise ValueError(f"'{name}' is not a month: use january … december or 1 … 12")


def _months(text: str) -> str:
    start, end = _bounds(text)
    return _ordered(text, _month(start), _month(end))


def _number(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a {what}") from None


def _days_of_month(text: str) -> str:
    low, high = _bounds(text)
    start, end = _number(low, "day of the month"), _number(high, "day of the month")
    for day in (start, end):
        if day == 0 or not -31 <= day <= 31:
            raise ValueError(f"{day} is not a day of the month: use 1 … 31 or -31 … -1")
    if start < 0 < end:
        raise ValueError(f"'{text}': a range that starts counting from the month's end must end so too")
    # As Alertmanager: judged on a 28-day month, so a range is never backwards in February either.
    return _ordered(text, start + 28 if start < 0 else start, end + 28 if end < 0 else end)


def _years(text: str) -> str:
    low, high = _bounds(text)
    start, end = _number(low, "year"), _number(high, "year")
    if not (1 <= start <= 9999 and 1 <= end <= 9999):
        raise ValueError(f"'{text}' is not a year range: use years 1 … 9999")
    return _ordered(text, start, end)


@cache
def known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _location(name: str) -> str:
    if name not in known_zones():
        raise ValueError(f"Unknown time zone '{name}': use an IANA name such as Europe/Berlin")
    return name


def _ranges(description: str, example: str) -> Any:
    return Field(None, max_length=MAX_RANGES, description=description, examples=[[example]])


_Text = Annotated[str, Field(min_length=1, max_length=32)]
WeekdayRange = Annotated[_Text, AfterValidator(_weekdays)]
DayOfMonthRange = Annotated[_Text, AfterValidator(_days_of_month)]
MonthRange = Annotated[_Text, AfterValidator(_months)]
YearRange = Annotated[_Text, AfterValidator(_years)]


def _clock_minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)


class TimeRange(_Model):
    start_time: str = Field(description="`HH:MM`, inclusive", examples=["09:00"])
    end_time: str = Field(description="`HH:MM` after startTime, exclusive; `24:00` for midnight", examples=["17:00"])

    @field_validator("start_time", "end_time")
    @classmethod
    def _clock(cls, value: str, info: ValidationInfo) -> str:
        if not _CLOCK.fullmatch(value) or (value == "24:00" and info.field_name == "start_time"):
            raise ValueError(f"'{value}' is not a time of day: use HH:MM, 00:00 … 23:59 (24:00 as an end)")
        start = info.data.get("start_time")
        if info.field_name == "end_time" and start is not None and _clock_minutes(value) <= _clock_minutes(start):
            raise ValueError(f"endTime {value} must be after startTime {start}")
        return value

    def contains(self, minute_of_day: int) -> bool:
        return _clock_minutes(self.start_time) <= minute_of_day < _clock_minutes(self.end_time)


class TimeIntervalEntry(_Model):
    """One entry: a moment is inside when every field given contains it."""

    times: list[TimeRange] | None = Field(None, max_length=MAX_RANGES)
    weekdays: list[WeekdayRange] | None = _ranges("Weekdays or ranges, e.g. `monday:friday`", "monday:friday")
    days_of_month: list[DayOfMonthRange] | None = _ranges("Days of the month (negative: from its end)", "-3:-1")
    months: list[MonthRange] | None = _ranges("Months (names or 1-12) or ranges", "january:march")
    years: list[YearRange] | None = _ranges("Years or ranges", "2026:2027")
    location: Annotated[str, Field(max_length=64), AfterValidator(_location)] = Field(
        "UTC", description="IANA time zone the other fields are read in", examples=["Europe/Berlin"]
    )

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.location))
        if self.times and not any(span.contains(local.hour * 60 + local.minute) for span in self.times):
            return False
        weekday = (local.weekday() + 1) % 7  # Python counts from Monday; Alertmanager from Sunday
        checks = (
            (self.weekdays, _weekday, weekday),
            (self.months, _month, local.month),
            (self.years, int, local.year),
        )
        for ranges, read, value in checks:
            if ranges and not any(read(low) <= value <= read(high) for low, high in map(_bounds, ranges)):
                return False
        return not self.days_of_month or any(_day_in(text, local) for text in self.days_of_month)


def _day_in(text: str, local: datetime) -> bool:
    """Alertmanager's days_of_month: negative days count from the end; clamped to the month's length."""
    days = calendar.monthrange(local.year, local.month)[1]
    start, end = (int(part) for part in _bounds(text))
    start = days + start + 1 if start < 0 else start
    end = days + end + 1 if end < 0 else end
    if start > days:
        return False
    return max(start, 1) <= local.day <= min(end, days)


class TimeIntervalWrite(_Model):
    """A named time interval: the body of POST and PUT /v1/time-intervals."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Business hours",
                    "timeIntervals": [
                        {
                            "weekdays": ["monday:friday"],
                            "times": [{"startTime": "09:00", "endTime": "17:00"}],
                            "location": "Europe/Berlin",
                        }
                    ],
                }
            ]
        }
    )

    name: DisplayName = Field(description="Name")
    time_intervals: list[TimeIntervalEntry] = Field(
        min_length=1, max_length=MAX_RANGES, description="Entries; the interval contains a moment any entry contains"
    )

    def contains(self, moment: datetime) -> bool:
        return any(entry.contains(moment) for entry in self.time_intervals)
