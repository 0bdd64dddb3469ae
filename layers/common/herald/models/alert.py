"""Alerts: a firing dedupKey of a tenant, and the escalation policy a rule gives it (steps, reminders).

A rule's `steps` say who is told and when (`after` the alert started); `repeatEvery` re-notifies the
channels told so far while the alert keeps firing unacknowledged. Both stop at acknowledgement or
recovery. Durations are written `0m`, `15m`, `1h`, `1d`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from herald.timeutil import iso_at

_DURATION = re.compile(r"^([0-9]{1,5})([mhd])$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}
MAX_WAIT_SECONDS = 30 * 86400  # an alert that fires for a month has stopped being news
MIN_REPEAT_SECONDS = 300
MAX_STEPS = 10


def duration_seconds(text: str) -> int:
    """`15m` → 900. Raises ValueError for anything else than a whole number of minutes, hours or days."""
    found = _DURATION.match(text)
    if found is None:
        raise ValueError(f"'{text}' is not a duration like 0m, 15m, 1h or 1d")
    seconds = int(found.group(1)) * _UNIT_SECONDS[found.group(2)]
    if seconds > MAX_WAIT_SECONDS:
        raise ValueError(f"'{text}' is longer than 30 days")
    return seconds


def _duration(text: str) -> str:
    duration_seconds(text)
    return text


def _repeat(text: str) -> str:
    if duration_seconds(text) < MIN_REPEAT_SECONDS:
        raise ValueError("repeatEvery must be at least 5m")
    return text


Duration = Annotated[str, Field(max_length=8, examples=["15m"]), AfterValidator(_duration)]
RepeatEvery = Annotated[str, Field(max_length=8, examples=["30m"]), AfterValidator(_repeat)]


class EscalationStep(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)

    after: Duration = Field(description="How long after the alert started this step fires: 0m, 15m, 1h, 1d")
    channel_ids: list[str] = Field(min_length=1, max_length=100)


@dataclass(frozen=True)
class Policy:
    """A rule's escalation, as routing uses it: waits in seconds (already scaled), channels per step."""

    rule_id: str
    channel_ids: tuple[str, ...]  # the rule's own channels: told at once, like step 0's
    steps: tuple[tuple[float, tuple[str, ...]], ...]  # (wait, channels), waits strictly increasing
    repeat_every: float | None

    @classmethod
    def of(cls, rule: dict[str, Any], scale: float = 1.0) -> Policy | None:
        """The policy of a stored rule; None when it has neither steps nor repeatEvery."""
        steps = tuple(
            (duration_seconds(str(step["after"])) * scale, tuple(step.get("channelIds", [])))
            for step in rule.get("steps") or []
        )
        repeat = rule.get("repeatEvery")
        if not steps and not repeat:
            return None
        return cls(
            rule_id=str(rule["id"]),
            channel_ids=tuple(rule.get("channelIds", [])),
            steps=steps,
            repeat_every=duration_seconds(str(repeat)) * scale if repeat else None,
        )

    def told_by(self, step: int) -> list[str]:
        """Every channel told once steps 0..`step` have fired (what a reminder goes to)."""
        chosen = list(self.channel_ids)
        for _, channels in self.steps[: step + 1]:
            chosen.extend(channels)
        return list(dict.fromkeys(chosen))

    def next_due(self, started_at: float, step: int, reminders: int) -> tuple[float, str] | None:
        """When the next timer is due and for what (`step` or `reminder`); None when nothing is left."""
        due: list[tuple[float, str]] = []
        if step + 1 < len(self.steps):
            due.append((started_at + self.steps[step + 1][0], "step"))
        if self.repeat_every:
            due.append((started_at + self.repeat_every * (reminders + 1), "reminder"))
        # At the same moment the step goes first: the reminder that follows reaches its channels too.
        return min(due, key=lambda entry: (entry[0], entry[1] != "step")) if due else None


@dataclass(frozen=True)
class Alert:
    """The stored state of one dedupKey (lifecycle's `INC#` item) as alerts show it."""

    dedup_key: str
    state: str
    started_at: float | None
    rule_id: str | None
    step: int
    reminders: int
    acked_at: str | None
    acked_by: dict[str, str] | None
    notification: dict[str, Any] | None
    event_id: str | None

    @property
    def acknowledged(self) -> bool:
        return self.acked_at is not None

    def to_wire(self) -> dict[str, Any]:
        return {
            "dedupKey": self.dedup_key,
            "state": self.state,
            "startedAt": iso_at(self.started_at) if self.started_at is not None else None,
            "ruleId": self.rule_id,
            "step": self.step if self.rule_id else None,
            "reminders": self.reminders,
            "acknowledged": self.acknowledged,
            "ackedAt": self.acked_at,
            "ackedBy": self.acked_by,
            "title": (self.notification or {}).get("title"),
            "severity": (self.notification or {}).get("severity"),
        }


class TimerMessage(BaseModel):
    """The timer queue's message: which alert, which start of it (a later alert on the key is another),
    and when it is due. Everything else is read from the alert when it arrives."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    tenantId: str  # noqa: N815 - wire name
    dedupKey: str  # noqa: N815 - wire name
    startedAt: float  # noqa: N815 - wire name
    dueAt: float  # noqa: N815 - wire name
    # The alert's counters when this timer was set: a copy that arrives after they moved on is stale.
    step: int = 0
    reminders: int = 0
