"""Moving Herald's clock in tests: `herald.timeutil.utcnow` answers the moment written to HERALD_CLOCK_FILE."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

CLOCK_VARIABLE = "HERALD_CLOCK_FILE"


class Clock:
    """The file a Herald process (in-process, or the local stack's functions) reads its time from."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self, moment: str | datetime) -> None:
        """Herald's `now` from here on: an ISO moment with its offset (`2026-03-29T00:59:00Z`)."""
        text = moment.isoformat() if isinstance(moment, datetime) else moment
        self.path.write_text(text, encoding="utf-8")
