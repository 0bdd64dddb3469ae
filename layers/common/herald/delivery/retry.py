"""When to try again: the configured schedule with jitter, or the provider's own hint."""

from __future__ import annotations

import math
import random

from herald.delivery.queue import MAX_VISIBILITY_SECONDS

JITTER = 0.2


def next_delay(
    attempt: int, schedule: tuple[int, ...], retry_after: float | None, rng: random.Random | None = None
) -> int:
    """Seconds before attempt `attempt + 1`. A provider's hint replaces the schedule (never shortened).

    Jitter only lengthens a delay (up to +20%), so a schedule is a floor, like Retry-After.
    """
    if retry_after is not None and math.isfinite(retry_after):
        return min(MAX_VISIBILITY_SECONDS, max(0, math.ceil(retry_after)))
    base = schedule[min(attempt, len(schedule)) - 1]
    spread = (rng or random).uniform(0, JITTER)
    return min(MAX_VISIBILITY_SECONDS, math.ceil(base * (1 + spread)))


def exhausted(attempt: int, schedule: tuple[int, ...]) -> bool:
    """True when `attempt` was the last one allowed (attempts = entries + 1)."""
    return attempt >= len(schedule) + 1
