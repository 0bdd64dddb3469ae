"""local.throttle: API Gateway's token bucket, per usage key and per stage."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local.deployment import Throttle
from local.serverless import _stage_throttle
from local.template import TemplateError
from local.throttle import Buckets, TokenBucket


class Clock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _taken(bucket: TokenBucket, now: float, tries: int) -> int:
    return sum(bucket.take(now) for _ in range(tries))


def test_a_full_bucket_lets_a_burst_through_then_refuses() -> None:
    bucket = TokenBucket(Throttle(rate=1, burst=3), now=0.0)
    assert [bucket.take(0.0) for _ in range(5)] == [True, True, True, False, False]


def test_tokens_come_back_at_the_rate() -> None:
    bucket = TokenBucket(Throttle(rate=4, burst=10), now=0.0)
    assert _taken(bucket, 0.0, 20) == 10
    assert _taken(bucket, 0.5, 20) == 2  # half a second at 4/s
    assert _taken(bucket, 0.6, 20) == 0  # 0.4 of a token is not a request


def test_an_idle_bucket_holds_no_more_than_its_burst() -> None:
    bucket = TokenBucket(Throttle(rate=50, burst=4), now=0.0)
    assert _taken(bucket, 0.0, 4) == 4
    assert _taken(bucket, 3600.0, 100) == 4


def test_a_clock_going_back_adds_nothing() -> None:
    bucket = TokenBucket(Throttle(rate=10, burst=2), now=5.0)
    assert _taken(bucket, 5.0, 2) == 2
    assert _taken(bucket, 1.0, 5) == 0
    assert _taken(bucket, 5.05, 5) == 0  # time before the last take is not counted twice
    assert _taken(bucket, 5.25, 5) == 2


@given(
    rate=st.floats(min_value=0.5, max_value=100),
    burst=st.integers(min_value=1, max_value=50),
    gaps=st.lists(st.floats(min_value=0, max_value=2), min_size=1, max_size=200),
)
def test_no_window_lets_more_through_than_burst_plus_rate_times_its_length(
    rate: float, burst: int, gaps: list[float]
) -> None:
    bucket = TokenBucket(Throttle(rate=rate, burst=burst), now=0.0)
    now, allowed = 0.0, 0
    for gap in gaps:
        now += gap
        allowed += bucket.take(now)
    assert allowed <= burst + rate * now + 1e-9
    # ... and a caller who waits long enough between calls is never refused.
    patient = TokenBucket(Throttle(rate=rate, burst=burst), now=0.0)
    assert all(patient.take(step * 1.001 / rate) for step in range(1, 50))


def test_buckets_are_separate_by_name() -> None:
    clock = Clock()
    buckets = Buckets(clock)
    throttle = Throttle(rate=1, burst=2)
    assert [buckets.allow("key:a", throttle) for _ in range(3)] == [True, True, False]
    assert [buckets.allow("key:b", throttle) for _ in range(2)] == [True, True]
    clock.now += 1.0
    assert buckets.allow("key:a", throttle) and not buckets.allow("key:a", throttle)


def test_a_changed_throttle_starts_a_fresh_bucket() -> None:
    clock = Clock()
    buckets = Buckets(clock)
    assert [buckets.allow("key:a", Throttle(rate=1, burst=1)) for _ in range(2)] == [True, False]
    # make tenant-plan gave the tenant more: its new plan applies at once, from a full bucket.
    assert [buckets.allow("key:a", Throttle(rate=1, burst=3)) for _ in range(4)] == [True, True, True, False]


def test_the_stage_wide_throttle_comes_from_method_settings() -> None:
    everything = {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": "100", "ThrottlingBurstLimit": 200}
    assert _stage_throttle("Api", {"MethodSettings": [{"LoggingLevel": "INFO"}, everything]}) == Throttle(100, 200)
    assert _stage_throttle("Api", {"MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*"}]}) is None
    assert _stage_throttle("Api", {}) is None
    one_route = {"ResourcePath": "/v1/health", "HttpMethod": "GET", "ThrottlingRateLimit": 1}
    with pytest.raises(TemplateError, match="only a stage-wide"):
        _stage_throttle("Api", {"MethodSettings": [one_route]})
