"""Identifiers: a prefix plus a time-ordered, random suffix, so newest-first is a key order."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_TIME_WIDTH = 10
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _base36(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rem = divmod(number, 36)
        digits.append(_ALPHABET[rem])
    return "".join(reversed(digits))


def new_id(prefix: str) -> str:
    """`<prefix>_` + 10 chars of millisecond time + 12 random chars; sorts by creation time."""
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{_base36(millis, _TIME_WIDTH)}{_base36(secrets.randbits(62), 12)}"


def time_floor(prefix: str, moment: datetime) -> str:
    """The string every id of `prefix` made at `moment` or later sorts at or above, and every earlier one below.

    It is the id's time part alone (to the millisecond), shorter than any id, so no id equals it: it
    serves as an inclusive lower bound and as an exclusive upper one. `moment` must carry its offset.
    """
    millis = (moment - _EPOCH) // timedelta(milliseconds=1)
    return f"{prefix}_{_base36(min(max(millis, 0), 36**_TIME_WIDTH - 1), _TIME_WIDTH)}"
