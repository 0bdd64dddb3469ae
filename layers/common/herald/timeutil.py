"""Time in one format: UTC, ISO 8601 with a trailing Z; and the one clock Herald's decisions read.

`utcnow` is that clock. In AWS it is the system's. The local stack and the tests can move it without
sleeping: `HERALD_CLOCK_FILE` names a file holding an ISO moment, read at every call (an empty or
missing file means the system clock).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from herald.settings import get_settings


def utcnow() -> datetime:
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


def iso(moment: datetime | None = None) -> str:
    moment = moment or utcnow()
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
