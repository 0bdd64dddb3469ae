"""Strict models of the webhook bodies the seed products and Alertmanager documented, as their consumers read them.

A receiver built for one of them reads every documented member with its type; these models refuse a body
that lacks one, gives one of another type (strict: no "503" for 503), writes a time that is not RFC 3339,
or adds a member the product never sent. They check Herald's payload presets (herald/adapters/presets.py)
in the golden-file unit test and in the e2e receivers.

Sources: seeds 000 (Kamustatus "Webhook payload"), 001 (PixoMonitor "Webhook Payload"), 004 (StatusMate
"Webhooks"), and Alertmanager's notify/webhook/webhook.go `Message` with template/template.go `Data` and
`Alert` (github.com/prometheus/alertmanager, read 2026-12-03).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

# RFC 3339 date-time: full date, 'T', time with optional fraction, and 'Z' or a numeric offset.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _rfc3339(value: str) -> str:
    if not _RFC3339.fullmatch(value):
        raise ValueError(f"not an RFC 3339 time: {value!r}")
    datetime.fromisoformat(value.replace("Z", "+00:00"))  # a real date and time, not only the right shape
    return value


Rfc3339 = Annotated[str, AfterValidator(_rfc3339)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


# --- Kamustatus (seed 000) ----------------------------------------------------------------------------------


class KamustatusMonitor(_Strict):
    id: str
    name: str
    url: str


class KamustatusPayload(_Strict):
    event: Annotated[str, Field(pattern=r"^[a-z]+(_[a-z]+)*$")]  # monitor_down style
    monitor: KamustatusMonitor
    timestamp: Rfc3339
    details: dict[str, Any]


# --- PixoMonitor (seed 001) ---------------------------------------------------------------------------------


class PixoMonitorMonitor(_Strict):
    id: str
    name: str
    url: str
    type: str


class PixoMonitorPayload(_Strict):
    monitor: PixoMonitorMonitor
    status: Literal["DOWN", "UP"]
    error: str | None
    checkedAt: Rfc3339  # noqa: N815 - PixoMonitor's own name


# --- StatusMate (seed 004) ----------------------------------------------------------------------------------

StatusMateType = Literal[
    "maintenance_created",
    "maintenance_started",
    "maintenance_finished",
    "incident_created",
    "incident_finished",
    "component_impact_updated",
]


class StatusMateComponentDetails(_Strict):
    name: str
    impact: str
    component_uuid: str | None


class StatusMateAffected(_Strict):
    impact: str
    component_details: StatusMateComponentDetails


class StatusMateMeta(_Strict):
    title: str
    uuid: Annotated[str, Field(pattern=_UUID)]
    created_at: Rfc3339
    type: StatusMateType
    delivery_attempt: Annotated[int, Field(ge=0)]
    status_page: str | None
    payload: dict[str, Any]
    # Present by type: maintenance_* and incident_* have the window and the components, maintenance_* its
    # message, component_impact_updated its impact.
    start_at: Rfc3339 | None = None
    end_at: Rfc3339 | None = None
    affected_components: list[StatusMateAffected] | None = None
    text: str | None = None
    impact: str | None = None

    @model_validator(mode="after")
    def _members_of_the_type(self) -> Self:
        given = self.model_fields_set
        if self.type == "component_impact_updated":
            required, refused = {"impact"}, {"start_at", "end_at", "affected_components", "text"}
        else:
            required = {"start_at", "end_at", "affected_components"} | (
                {"text"} if self.type.startswith("maintenance_") else set()
            )
            refused = {"impact"}
        if missing := required - given:
            raise ValueError(f"{self.type} lacks {sorted(missing)}")
        if extra := refused & given:
            raise ValueError(f"{self.type} has {sorted(extra)}")
        if self.type == "incident_created" and self.start_at is None:
            raise ValueError("an open incident has a start_at")
        return self


class StatusMatePayload(_Strict):
    text: str
    meta: StatusMateMeta


# --- Alertmanager webhook message, version 4 ----------------------------------------------------------------


class AlertmanagerAlert(_Strict):
    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str]
    startsAt: Rfc3339  # noqa: N815 - Alertmanager's own names
    endsAt: Rfc3339  # noqa: N815
    generatorURL: str  # noqa: N815
    fingerprint: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]

    @model_validator(mode="after")
    def _ends(self) -> Self:
        # Go writes a zero time.Time for a firing alert's end; a resolved alert has really ended.
        firing_end = self.endsAt == "0001-01-01T00:00:00Z"
        if (self.status == "firing") != firing_end:
            raise ValueError(f"a {self.status} alert cannot end at {self.endsAt}")
        if "alertname" not in self.labels:
            raise ValueError("an alert without an alertname label")
        return self


class AlertmanagerMessage(_Strict):
    version: Literal["4"]
    groupKey: str  # noqa: N815
    truncatedAlerts: Annotated[int, Field(ge=0)]  # noqa: N815
    status: Literal["firing", "resolved"]
    receiver: str
    groupLabels: dict[str, str]  # noqa: N815
    commonLabels: dict[str, str]  # noqa: N815
    commonAnnotations: dict[str, str]  # noqa: N815
    externalURL: str  # noqa: N815
    alerts: Annotated[list[AlertmanagerAlert], Field(min_length=1)]


CONSUMERS: dict[str, type[BaseModel]] = {
    "kamustatus": KamustatusPayload,
    "pixomonitor": PixoMonitorPayload,
    "statusmate": StatusMatePayload,
    "alertmanager": AlertmanagerMessage,
}
