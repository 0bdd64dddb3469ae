"""Request bodies of the sending routes, validated before any lookup (422 names each field)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from herald.models.fields import EmailAddress


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
