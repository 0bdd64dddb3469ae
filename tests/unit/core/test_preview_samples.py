"""The samples a preview renders when given no notification: one per event type, each telling its own story."""

from __future__ import annotations

import pytest

from herald.models.notification import EVENT_TYPES, RECOVERY_EVENTS
from herald.preview import samples


@pytest.mark.parametrize("event", EVENT_TYPES)
def test_every_event_type_has_a_sample_of_its_own_type(event):
    sample = samples.sample(event)

    assert sample.event == event
    assert sample.title and sample.body
    assert sample.resolved == (event in RECOVERY_EVENTS)


def test_a_sample_is_the_same_every_time_so_two_previews_compare():
    assert samples.sample("monitor.down") == samples.sample("monitor.down")


def test_no_two_event_types_share_a_title():
    titles = [samples.sample(event).title for event in EVENT_TYPES]

    assert len(set(titles)) == len(titles)
