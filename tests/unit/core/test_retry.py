import random

import pytest

from herald.delivery.retry import exhausted, next_delay

SCHEDULE = (10, 30, 120, 600, 1800)


@pytest.mark.parametrize(("attempt", "base"), [(1, 10), (2, 30), (3, 120), (4, 600), (5, 1800)])
def test_schedule_delay_is_a_floor_with_at_most_twenty_percent_jitter(attempt, base):
    rng = random.Random(7)
    delays = {next_delay(attempt, SCHEDULE, None, rng) for _ in range(200)}
    assert min(delays) >= base
    assert max(delays) <= base * 1.2 + 1
    assert len(delays) > 1 or base < 5  # jitter really varies


@pytest.mark.parametrize(("hint", "expected"), [(2, 2), (2.1, 3), (0, 0), (10**9, 12 * 3600)])
def test_provider_hint_replaces_schedule_and_is_capped_at_sqs_maximum(hint, expected):
    assert next_delay(1, SCHEDULE, hint) == expected


def test_attempts_are_entries_plus_one():
    assert not exhausted(5, SCHEDULE)
    assert exhausted(6, SCHEDULE)
    assert exhausted(2, (1,))
    assert not exhausted(1, (1,))
