"""Identifiers: a prefix plus a time-ordered, random suffix, so newest-first is a key order."""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rem = divmod(number, 36)
        digits.append(_ALPHABET[rem])
    return "".join(reversed(digits))


def new_id(prefix: str) -> str:
    """`<prefix>_` + 10 chars of millisecond time + 12 random chars; sorts by creation time."""
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{_base36(millis, 10)}{_base36(secrets.randbits(62), 12)}"
