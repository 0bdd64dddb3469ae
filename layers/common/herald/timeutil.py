"""Time in one format: UTC, ISO 8601 with a trailing Z; and the one clock everything reads.

`now()` is the only source of the current time for logic that waits (flood control, alert steps and
reminders): tests move it with `use_clock`, never by sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]
_clock: Clock = time.time


def now() -> float:
    """Seconds since the epoch, from the injectable clock."""
    return _clock()


def use_clock(clock: Clock | None) -> None:
    """Read time from `clock` from now on (tests); None goes back to the system clock."""
    global _clock
    _clock = clock or time.time


def utcnow() -> datetime:
    return datetime.fromtimestamp(now(), UTC)


def iso(moment: datetime | None = None) -> str:
    moment = moment or utcnow()
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_at(seconds: float) -> str:
    """`iso` of a moment given in seconds since the epoch."""
    return iso(datetime.fromtimestamp(seconds, UTC))


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
