"""Strategies for notifications whose every text is hostile: markup metacharacters, control characters,
emoji and ZWJ sequences, right-to-left and bidi marks, combining marks, astral characters — short, and
long enough to reach every service's limits (built by repetition, which Hypothesis generates cheaply).
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from herald.models.notification import EVENT_TYPES, Notification
from tests.property.configs import public_url

MARKUP = [*"<>&\"'*_`~[](){}#+-=|.!\\@:;/%$^", "<b>", "</a>", "&amp;", "&lt;", "<users/all>", "@everyone"]
TRICKY = [
    "\x00",
    "\x01",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\n",
    "\r\n",
    "\t",
    "\u2028",
    "\u00a0",
    "\u202e",
    "\u2066",
    "\u200f",
    "\u200b",
    "\ufeff",
    "שלום",
    "مرحبا",
    "🔴",
    "👍🏽",
    "👨‍👩‍👧",
    "🏳️‍🌈",
    "e\u0301",
    "𝔘",
    "ｆｕｌｌ",
    "\U0010fffd",
]
_char = st.one_of(
    st.sampled_from(MARKUP),
    st.sampled_from(TRICKY),
    st.characters(exclude_categories=("Cs",)),  # the Notification model refuses a lone surrogate (string_unicode)
)
_piece = st.lists(_char, max_size=24).map("".join)


def hostile_text(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """Short hostile text, or a hostile piece repeated up to (and past) `max_size`, then cut to it."""
    long = st.tuples(_piece.filter(bool), st.integers(1, max_size)).map(lambda pair: pair[0] * pair[1])
    return st.one_of(_piece, _piece, long).map(lambda text: text[:max_size]).filter(lambda t: len(t) >= min_size)


_fields = st.lists(st.fixed_dictionaries({"label": hostile_text(1, 256), "value": hostile_text(0, 2048)}), max_size=25)
_monitor = st.none() | st.fixed_dictionaries(
    {}, optional={"id": hostile_text(1, 256), "name": hostile_text(1, 256), "url": public_url, "type": st.just("HTTPS")}
)
_source_url = st.one_of(st.none(), public_url, hostile_text(0, 2048), public_url.map(lambda u: u + '"><script>'))

notifications = st.builds(
    Notification,
    event=st.sampled_from(EVENT_TYPES),
    title=hostile_text(1, 1024),
    body=hostile_text(0, 16384),
    severity=st.sampled_from(["info", "warning", "critical"]),
    status=st.sampled_from(["firing", "resolved"]),
    fields=_fields,
    source_url=_source_url,
    monitor=_monitor,
    dedup_key=st.none() | hostile_text(1, 255),
    occurred_at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    downtime_seconds=st.none() | st.integers(0, 10**9),
)
