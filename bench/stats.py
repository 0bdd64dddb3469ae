"""Timing helpers: interleaved repeats, medians, bounded in time and count."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: Sequence[float]) -> float:
    """Half the distance between the quartiles, relative to the median: a noise figure ('±x%')."""
    if len(values) < 4:
        return float("nan")
    q1, _, q3 = statistics.quantiles(values, n=4)
    middle = median(values)
    return (q3 - q1) / 2 / middle * 100 if middle else float("nan")


@dataclass(frozen=True)
class Sample:
    """Seconds per call, one value per repeat (each repeat timed `loops` calls together)."""

    per_call: list[float]
    loops: int

    @property
    def median(self) -> float:
        return median(self.per_call)

    @property
    def noise_pct(self) -> float:
        return spread(self.per_call)


def calibrate(fn: Callable[[], object], target_seconds: float, max_loops: int = 100_000) -> int:
    """Calls per timed batch so that one batch lasts about `target_seconds` (at least one call)."""
    loops = 1
    while loops < max_loops:
        started = time.perf_counter()
        for _ in range(loops):
            fn()
        elapsed = time.perf_counter() - started
        if elapsed >= target_seconds:
            break
        # Aim straight for the target, but never more than x10 per step (the first calls may be cold).
        loops = min(max_loops, loops * min(10, max(2, int(target_seconds / max(elapsed, 1e-9)) + 1)))
    return loops


def interleaved(
    cases: Mapping[str, Callable[[], object]],
    *,
    repeats: int,
    target_seconds: float = 0.005,
    max_seconds: float = 20.0,
    min_repeats: int = 3,
) -> dict[str, Sample]:
    """Time every case `repeats` times, round-robin (the order rotates), so noise hits all cases alike.

    Stops after `max_seconds` once every case has `min_repeats` values.
    """
    loops = {name: calibrate(fn, target_seconds) for name, fn in cases.items()}
    results: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    deadline = time.monotonic() + max_seconds
    for round_number in range(repeats):
        if round_number >= min_repeats and time.monotonic() > deadline:
            break
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            fn, count = cases[name], loops[name]
            started = time.perf_counter()
            for _ in range(count):
                fn()
            results[name].append((time.perf_counter() - started) / count)
    return {name: Sample(results[name], loops[name]) for name in names}
