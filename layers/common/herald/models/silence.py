"""Silences as the API takes them: matchers on an event, and a time window (Alertmanager's model).

Matcher names (what of an event a matcher reads; an absent value reads as ""):
`type`, `severity`, `monitor.id`, `incident.id`, `component.id`, and `tags.<name>` for one of the event's
`tags`. The rules that need more than one field (regex safety, window order) live in herald.silences.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from pydantic.alias_generators import to_camel

# Tag names are Prometheus label names that may also hold `.` and `-` (`service`, `k8s.namespace`, `team-id`).
TAG_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$"
TagValue = Annotated[str, Field(max_length=256)]
MAX_TAGS = 32
MATCHER_FIELDS = ("type", "severity", "monitor.id", "incident.id", "component.id")
TAG_PREFIX = "tags."


def check_tag_names(tags: dict[str, str]) -> dict[str, str]:
    """`tags` unchanged; ValueError naming the first tag name that breaks TAG_NAME_PATTERN."""
    for name in tags:
        if not re.fullmatch(TAG_NAME_PATTERN, name):
            raise ValueError(
                f"Tag name '{name[:64]}' must start with a letter or _ and hold at most 64 letters, digits, _ . -"
            )
    return tags


class Matcher(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)

    name: str = Field(
        min_length=1,
        max_length=80,
        description="What of the event: type, severity, monitor.id, incident.id, component.id or tags.<name>",
    )
    value: str = Field(max_length=1024, description="The value, or with isRegex a regex the whole value must match")
    is_equal: StrictBool = Field(True, description="false: the matcher matches when the value does NOT match")
    is_regex: StrictBool = Field(False, description="value is a regex (at most 256 characters, linear-time subset)")


class SilenceWrite(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "matchers": [
                        {"name": "monitor.id", "value": "mon_abc123"},
                        {"name": "tags.env", "value": "staging|dev", "isRegex": True},
                    ],
                    "startsAt": "2026-05-15T08:00:00Z",
                    "endsAt": "2026-05-15T10:00:00Z",
                    "comment": "Database migration",
                }
            ]
        },
    )

    matchers: list[Matcher] = Field(max_length=20, description="Every matcher must match for the event to be silenced")
    starts_at: datetime | None = Field(None, description="When it starts (default: now)")
    ends_at: datetime = Field(description="When it ends: after startsAt, at most a year later")
    comment: str = Field("", max_length=1024)
