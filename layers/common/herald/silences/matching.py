"""Does a silence hold an event? Alertmanager's semantics, on Herald's event.

A silence holds an event while it is active (startsAt ≤ now < endsAt) and every one of its matchers
matches. A matcher reads one value of the event (an absent one reads as ""), compares it for equality
or, with isRegex, full-matches it against the regex (`^(?:value)$`), and with isEqual false inverts the
result: Alertmanager's `=`, `!=`, `=~` and `!~`
(https://prometheus.io/docs/alerting/latest/alertmanager/#silences, and its api/v2 `matcher` model).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from herald.models.event import MonitoringEvent
from herald.models.silence import MATCHER_FIELDS, TAG_NAME_PATTERN, TAG_PREFIX
from herald.silences.pattern import SafePattern


class SilenceState(StrEnum):
    pending = "pending"
    active = "active"
    expired = "expired"


def state_at(starts_at: datetime, ends_at: datetime, now: datetime) -> SilenceState:
    if now < starts_at:
        return SilenceState.pending
    return SilenceState.active if now < ends_at else SilenceState.expired


def known_name(name: str) -> bool:
    if name.startswith(TAG_PREFIX):
        return re.fullmatch(TAG_NAME_PATTERN, name[len(TAG_PREFIX) :]) is not None
    return name in MATCHER_FIELDS


@dataclass(frozen=True)
class CompiledMatcher:
    name: str
    value: str
    is_equal: bool = True
    pattern: SafePattern | None = None  # set when the matcher is a regex

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> CompiledMatcher:
        """From the stored (or validated) shape. Raises UnsafePattern for a regex that cannot be used."""
        value = str(raw["value"])
        pattern = SafePattern(value) if raw.get("isRegex") else None
        return cls(str(raw["name"]), value, bool(raw.get("isEqual", True)), pattern)

    def matches(self, labels: Mapping[str, str]) -> bool:
        found = labels.get(self.name, "")
        same = self.pattern.fullmatch(found) if self.pattern is not None else found == self.value
        return same == self.is_equal


def holds(matchers: Sequence[CompiledMatcher], labels: Mapping[str, str]) -> bool:
    return all(matcher.matches(labels) for matcher in matchers)


def event_labels(event: MonitoringEvent, severity: str) -> dict[str, str]:
    """What matchers read of an event, by matcher name."""

    def subject_id(subject: Mapping[str, Any] | None) -> str:
        return str(subject.get("id") or "") if subject else ""

    labels = {
        "type": event.type,
        "severity": severity,
        "monitor.id": (event.monitor.id if event.monitor else None) or "",
        "incident.id": subject_id(event.incident),
        "component.id": subject_id(event.component),
    }
    labels.update({f"{TAG_PREFIX}{name}": value for name, value in event.tags.items()})
    return labels
