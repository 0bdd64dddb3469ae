"""Channel boundary models: the write bodies the API accepts and the domain channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from herald.models.config import ChannelConfig
from herald.models.fields import DisplayName
from herald.models.notification import normalize_event_type
from herald.models.template import ChannelTemplate


def _events(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("events must be a list of event types")
    return sorted({normalize_event_type(item) for item in value})


class ChannelWrite(BaseModel):
    """The envelope of POST / PUT / PATCH bodies; `config` is validated by the kind's own model."""

    # A PATCH's examples: POST and PUT document one shape per kind (herald.api.document).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"enabled": False}, {"name": "#ops-alerts-eu", "events": ["monitor.down"]}]},
    )

    name: DisplayName | None = None
    kind: str | None = None
    type: str | None = None
    enabled: StrictBool | None = None
    events: list[str] | None = None
    config: dict[str, Any] | None = None
    template: ChannelTemplate | None = Field(
        None, description='How this channel words messages (docs/API.md "Templates"); null for Herald\'s own'
    )

    _normalise_events = field_validator("events", mode="before")(_events)


@dataclass(frozen=True)
class Channel:
    id: str
    tenant_id: str
    name: str
    kind: str
    enabled: bool
    events: tuple[str, ...] | None
    config: ChannelConfig
    summary: str
    created_at: str
    updated_at: str
    version: int = 1
    template: ChannelTemplate | None = None

    def accepts(self, event: str) -> bool:
        return self.enabled and (self.events is None or event in self.events)
