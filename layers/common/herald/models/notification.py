"""The notification every adapter renders: one shape for ad-hoc sends, events and tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator
from pydantic.alias_generators import to_camel

from herald.timeutil import utcnow

Severity = Literal["info", "warning", "critical"]
Status = Literal["firing", "resolved"]

EVENT_TYPES: tuple[str, ...] = (
    "monitor.down",
    "monitor.recovery",
    "monitor.degraded",
    "ssl.expiring",
    "heartbeat.missed",
    "agent.stale",
    "incident.created",
    "incident.finished",
    "maintenance.created",
    "maintenance.started",
    "maintenance.finished",
    "component.impact_updated",
    "test",
    "custom",
)
RECOVERY_EVENTS = frozenset({"monitor.recovery", "incident.finished", "maintenance.finished"})

_UNDERSCORED = {event.replace(".", "_"): event for event in EVENT_TYPES}


def normalize_event_type(value: str) -> str:
    """`monitor_down`, `MONITOR.DOWN` → `monitor.down`; raises ValueError for an unknown type."""
    key = value.strip().lower()
    if key in EVENT_TYPES:
        return key
    if key in _UNDERSCORED:
        return _UNDERSCORED[key]
    raise ValueError(f"Unknown event type '{value}'")


class _CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class NotificationField(_CamelModel):
    label: str = Field(min_length=1, max_length=256)
    value: str = Field(max_length=2048)

    @field_validator("value", mode="before")
    @classmethod
    def _stringify(cls, value: Any) -> Any:
        return value if isinstance(value, str) else str(value)


class Monitor(_CamelModel):
    id: str | None = Field(None, max_length=256)
    name: str | None = Field(None, max_length=256)
    url: str | None = Field(None, max_length=2048)
    type: str | None = Field(None, max_length=64)


class Notification(_CamelModel):
    """What to tell a channel. Only `title` is required; the rest have sensible defaults."""

    event: str = "custom"
    title: str = Field(min_length=1, max_length=1024)
    body: str = Field("", max_length=16384)
    severity: Severity = "info"
    status: Status = "firing"
    fields: list[NotificationField] = Field(default_factory=list, max_length=25)
    source_url: str | None = Field(None, max_length=2048)
    monitor: Monitor | None = None
    dedup_key: str | None = Field(None, max_length=255)
    occurred_at: datetime = Field(default_factory=utcnow)
    downtime_seconds: int | None = Field(None, ge=0)
    details: dict[str, Any] = Field(default_factory=dict)
    # What an incident, maintenance or component event was about (title, id, startAt, endAt, impact,
    # affectedComponents), as the event carried it: bodies that speak of these (the StatusMate preset) need it.
    incident: dict[str, Any] | None = None
    maintenance: dict[str, Any] | None = None
    component: dict[str, Any] | None = None
    # Set only by herald.templates: never read from a request or stored.
    _markup: bool = PrivateAttr(False)
    _custom_body: bytes | None = PrivateAttr(None)

    @field_validator("event", mode="before")
    @classmethod
    def _event(cls, value: Any) -> Any:
        return normalize_event_type(value) if isinstance(value, str) else value

    @property
    def resolved(self) -> bool:
        return self.status == "resolved"

    @property
    def markup(self) -> bool:
        """True when title, body and field texts are already in the kind's markup (a channel template wrote
        them and escaped its variables): adapters show them as they are, never escaping them again."""
        return self._markup

    def as_markup(self, **update: Any) -> Notification:
        """A copy with `update` applied whose texts are the kind's markup (see `markup`)."""
        copy = self.model_copy(update=update)
        copy._markup = True
        return copy

    @property
    def custom_body(self) -> bytes | None:
        """The body a webhook with `payloadFormat: custom` sends, rendered from its bodyTemplate (herald.templates);
        None when it was not rendered (no such template, or it failed: the webhook then sends Herald's body)."""
        return self._custom_body

    def with_custom_body(self, body: bytes) -> Notification:
        copy = self.model_copy()
        copy._markup, copy._custom_body = self._markup, body
        return copy

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
