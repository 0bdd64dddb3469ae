"""API Gateway's throttling, emulated: a token bucket per usage plan key and one for the stage.

A usage key's limits are those of the usage plan it belongs to on this API stage, read from the
emulator's API Gateway (where the template's plan and `make api-key` / `make tenant-plan` put them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.deployment import Throttle

Clock = Callable[[], float]
# How long a key's plan is remembered: `make tenant-plan` takes effect within this (API Gateway: seconds too).
PLAN_CACHE_SECONDS = 1.0


class TokenBucket:
    """`burst` tokens at most, refilled at `rate` per second from full; each request takes one. Not thread-safe."""

    def __init__(self, throttle: Throttle, now: float) -> None:
        self.throttle = throttle
        self._tokens = float(throttle.burst)
        self._at = now

    def take(self, now: float) -> bool:
        """True when a token was left (the request may pass), else False (429)."""
        elapsed = max(0.0, now - self._at)
        self._tokens = min(float(self.throttle.burst), self._tokens + elapsed * self.throttle.rate)
        self._at = max(now, self._at)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class Buckets:
    """Token buckets by name, each started afresh when its throttle changes. Thread-safe."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def allow(self, name: str, throttle: Throttle) -> bool:
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(name)
            if bucket is None or bucket.throttle != throttle:
                bucket = self._buckets[name] = TokenBucket(throttle, now)
            return bucket.take(now)


@dataclass(frozen=True)
class KeyPlan:
    """A usage key's plan on this stage: the key's id and the plan's throttle (None: not throttled)."""

    key_id: str
    throttle: Throttle | None


class UsagePlans:
    """Which usage plan of one API stage a key value belongs to, read from the emulator's API Gateway.

    Answers are remembered for PLAN_CACHE_SECONDS. `client` is a boto3 apigateway client.
    """

    def __init__(self, client: Any, api_id: str, stage: str, clock: Clock = time.monotonic) -> None:
        self._client = client
        self._stage = {"apiId": api_id, "stage": stage}
        self._clock = clock
        self._cache: dict[str, tuple[float, KeyPlan | None]] = {}
        self._lock = threading.Lock()

    def plan_of(self, key_value: str) -> KeyPlan | None:
        """The key's plan, or None for an unknown or disabled key, or one in no plan of this stage."""
        now = self._clock()
        with self._lock:
            hit = self._cache.get(key_value)
        if hit and hit[0] > now:
            return hit[1]
        found = self._look_up(key_value)
        with self._lock:
            self._cache[key_value] = (now + PLAN_CACHE_SECONDS, found)
        return found

    def _look_up(self, key_value: str) -> KeyPlan | None:
        key = next(
            (
                item
                for page in self._client.get_paginator("get_api_keys").paginate(includeValues=True)
                for item in page.get("items", [])
                if item.get("value") == key_value and item.get("enabled")
            ),
            None,
        )
        if key is None:
            return None
        for plan in self._client.get_usage_plans(keyId=key["id"]).get("items", []):
            stages = [{"apiId": s.get("apiId"), "stage": s.get("stage")} for s in plan.get("apiStages", [])]
            if self._stage in stages:
                limits = plan.get("throttle") or {}
                throttle = (
                    Throttle(rate=float(limits["rateLimit"]), burst=int(limits["burstLimit"]))
                    if "rateLimit" in limits and "burstLimit" in limits
                    else None
                )
                return KeyPlan(key_id=str(key["id"]), throttle=throttle)
        return None
