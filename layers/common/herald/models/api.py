"""Request bodies of the sending routes, validated before any lookup (422 names each field)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from herald.models.fields import EmailAddress
from herald.models.notification import EVENT_TYPES
from herald.models.template import ChannelTemplate


class SendRequest(BaseModel):
    """POST /v1/notifications (the Kaireon seed's `providerIds` is accepted for `channelIds`)."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "channelIds": ["ch_00mx7t1m70iw60b8003wxu"],
                    "notification": {
                        "event": "monitor.down",
                        "title": "Checkout API is down",
                        "body": "Connection timeout after 10000ms",
                        "severity": "critical",
                        "sourceUrl": "https://status.example.com/m/42",
                        "fields": [{"label": "Region", "value": "eu-west"}],
                    },
                }
            ]
        },
    )

    channel_ids: list[str] = Field(alias="channelIds", min_length=1, max_length=20, description="channelIds")
    notification: dict[str, Any] = Field(description="notification")


class TestEmailRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"email": "oncall@example.com"}]})

    email: EmailAddress = Field(description="Email address")


EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]


class PreviewRequest(BaseModel):
    """POST /v1/channels/{id}/preview: what to render; every field optional (an empty body previews a sample)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"event": "monitor.recovery"},
                {"notification": {"event": "monitor.down", "title": "Checkout API is down", "severity": "critical"}},
            ]
        },
    )

    notification: dict[str, Any] | None = Field(
        None, description="The notification to render (the shape of POST /v1/notifications' `notification`)"
    )
    event: EventType | None = Field(
        None, description="Render Herald's sample of this event type (monitor.down when neither is given)"
    )
    template: ChannelTemplate | None = Field(
        None, description="A message template to render with (a channel's preview: instead of its own)"
    )


class ConfigPreviewRequest(PreviewRequest):
    """POST /v1/preview: a kind and a config that may leave its secrets out."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "telegram", "config": {"chatId": "-1001234567890"}, "event": "monitor.down"},
                {"kind": "slack", "config": {}, "notification": {"title": "Deploy finished"}},
            ]
        },
    )

    kind: str = Field(min_length=1, max_length=64, description="Kind")
    config: dict[str, Any] = Field(
        default_factory=dict, description="The kind's config; secret fields may be left out or sent as ••••••••"
    )
