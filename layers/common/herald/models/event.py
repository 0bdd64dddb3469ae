"""Monitoring events as they arrive (API body, SNS Message, EventBridge detail), and rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator
from pydantic.alias_generators import to_camel

from herald.models.alert import MAX_STEPS, EscalationStep, RepeatEvery
from herald.models.fields import DisplayName
from herald.models.notification import Monitor, Severity, normalize_event_type
from herald.models.silence import MAX_TAGS, TagValue, check_tag_names
from herald.timeutil import utcnow


class MonitoringEvent(BaseModel):
    """One event from a monitoring system. StatusMate-style `{"text", "meta": {...}}` bodies are accepted."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "id": "uptime-incident-991",
                    "type": "monitor.down",
                    "occurredAt": "2026-05-15T08:30:00Z",
                    "severity": "critical",
                    "monitor": {"id": "mon_abc123", "name": "Checkout API", "url": "https://api.example.com"},
                    "details": {"statusCode": 503, "responseTime": 5000, "region": "eu-west"},
                    "tags": {"env": "production", "team": "payments"},
                }
            ]
        },
    )

    tenant_id: str | None = Field(None, max_length=128)
    # The sender's own id for the event: a repeat with the same id within 24 h is ingested once.
    id: str | None = Field(None, min_length=1, max_length=255)
    type: str = Field(description="type")
    occurred_at: datetime = Field(default_factory=utcnow)
    severity: Severity | None = None
    monitor: Monitor | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    channel_ids: list[str] | None = Field(None, max_length=1000)
    dedup_key: str | None = Field(None, max_length=255)
    downtime_seconds: int | None = Field(None, ge=0)
    title: str | None = Field(None, max_length=1024)
    body: str | None = Field(None, max_length=16384)
    source_url: str | None = Field(None, max_length=2048)
    incident: dict[str, Any] | None = None
    maintenance: dict[str, Any] | None = None
    component: dict[str, Any] | None = None
    # Free labels for silences to match on (`tags.<name>` matchers): names as in Prometheus (plus `.`, `-`).
    tags: dict[str, TagValue] = Field(default_factory=dict, max_length=MAX_TAGS)

    @model_validator(mode="before")
    @classmethod
    def _statusmate(cls, data: Any) -> Any:
        """`{"text": ..., "meta": {"type": "incident_created", "uuid": ..., ...}}` → a Herald event."""
        if not isinstance(data, dict) or not isinstance(data.get("meta"), dict) or "type" in data:
            return data
        meta = data["meta"]
        kind = str(meta.get("type", ""))
        out: dict[str, Any] = {k: v for k, v in data.items() if k not in ("meta", "text")}
        out["type"] = kind
        subject = {
            "title": meta.get("title") or data.get("text"),
            "id": meta.get("uuid"),
            "text": meta.get("text"),
            "startAt": meta.get("start_at"),
            "endAt": meta.get("end_at"),
            "impact": meta.get("impact"),
            "affectedComponents": meta.get("affected_components") or [],
            "statusPage": meta.get("status_page"),
        }
        subject = {k: v for k, v in subject.items() if v is not None}
        group = kind.split("_", maxsplit=1)[0] if "_" in kind else kind.split(".", maxsplit=1)[0]
        if group in ("incident", "maintenance", "component"):
            out[group] = subject
        if meta.get("created_at"):
            out.setdefault("occurredAt", meta["created_at"])
        return out

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        return check_tag_names(value)

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> Any:
        return normalize_event_type(value) if isinstance(value, str) else value


class RuleMatch(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)

    events: list[str] = Field(default_factory=list)
    severities: list[Severity] = Field(default_factory=list)
    monitor_ids: list[str] = Field(default_factory=list, max_length=500)

    @field_validator("events", mode="before")
    @classmethod
    def _events(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [normalize_event_type(item) if isinstance(item, str) else item for item in value]
        return value

    def fits(self, event: str, severity: str, monitor_id: str | None) -> bool:
        return (
            (not self.events or event in self.events)
            and (not self.severities or severity in self.severities)
            and (not self.monitor_ids or monitor_id in self.monitor_ids)
        )


class RuleWrite(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "Critical to on-call",
                    "match": {"events": ["monitor.down"], "severities": ["critical"]},
                    "channelIds": ["ch_00mx7t1m70iw60b8003wxu"],
                }
            ]
        },
    )

    name: DisplayName | None = None
    enabled: StrictBool | None = None
    match: RuleMatch | None = None
    channel_ids: list[str] | None = Field(None, max_length=100)
    mute_time_intervals: list[str] | None = Field(
        None, max_length=20, description="Time interval ids: inside any of them the rule routes nothing"
    )
    active_time_intervals: list[str] | None = Field(
        None, max_length=20, description="Time interval ids: outside all of them the rule routes nothing"
    )
    # Escalation (models/alert.py): who is told when, while the alert fires unacknowledged.
    steps: list[EscalationStep] | None = Field(None, max_length=MAX_STEPS)
    repeat_every: RepeatEvery | None = Field(None, description="Re-notify every (at least 5m) until ack or recovery")
