"""A clock tests move by hand: herald.timeutil reads it instead of the system clock (never sleep)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from herald import timeutil


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@contextmanager
def moved_clock(start: datetime | None = None) -> Iterator[Clock]:
    """Herald's clock, stopped at `start` (default: now, to the second) until the block ends."""
    clock = Clock(start or datetime.now(UTC).replace(microsecond=0))
    timeutil.set_clock(clock)
    try:
        yield clock
    finally:
        timeutil.set_clock(None)
