"""Time in one format: UTC, ISO 8601 with a trailing Z; and the one clock Herald's decisions read.

`utcnow()` (and `now()`, the same moment in seconds since the epoch) is that clock: code that decides by
the time (flood control, silences, time intervals, alert steps and reminders) reads it. In AWS it is the
system's. Tests move it without sleeping: in one process with `set_clock`; across the local stack's
processes with `HERALD_CLOCK_FILE`, a file holding an ISO moment read at every call (an empty or missing
file means the system clock).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from herald.settings import get_settings


def _system_clock() -> datetime:
    """The system's time, or the moment HERALD_CLOCK_FILE holds (the local stack and its tests)."""
    return _moved_clock() or datetime.now(UTC)


def _moved_clock() -> datetime | None:
    path = get_settings().clock_file
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return parse_iso(text) if text else None


_clock: Callable[[], datetime] = _system_clock


def utcnow() -> datetime:
    return _clock()


def now() -> float:
    """Seconds since the epoch, from the same clock."""
    return _clock().timestamp()


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); None puts the system clock back."""
    global _clock
    _clock = clock or _system_clock


def iso(moment: datetime | None = None) -> str:
    moment = (moment or utcnow()).astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def iso_at(seconds: float) -> str:
    """`iso` of a moment given in seconds since the epoch."""
    return iso(datetime.fromtimestamp(seconds, UTC))


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
