"""Moving Herald's clock in tests (herald.timeutil.utcnow), never sleeping.

- In one process: `moved_clock()` replaces the clock (`timeutil.set_clock`) until the block ends.
- Across processes (the local stack's functions, or handlers run in-process that read the environment):
  `FileClock` writes the moment to the file HERALD_CLOCK_FILE names, which every `utcnow()` reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from herald import timeutil

CLOCK_VARIABLE = "HERALD_CLOCK_FILE"


class FileClock:
    """The file a Herald process (in-process, or the local stack's functions) reads its time from."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self, moment: str | datetime) -> None:
        """Herald's `now` from here on: an ISO moment with its offset (`2026-03-29T00:59:00Z`)."""
        text = moment.isoformat() if isinstance(moment, datetime) else moment
        self.path.write_text(text, encoding="utf-8")


class Clock:
    """An in-process clock stopped at a moment, moved by `advance`."""

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
