"""Every channel-create body in the customer documents Herald was specified from, verbatim.

Source: shared/reference/seeds/ — 000 Kamustatus (14 types), 001 PixoMonitor (8 UPPERCASE types,
snake_case keys), 003 Kaireon (slack, teams, webhook with secret and headers, ops_email).
"""

from __future__ import annotations

from typing import Any

KAMUSTATUS: list[dict[str, Any]] = [
    {"type": "email", "config": {"address": "oncall@example.com"}},
    {"type": "slack", "config": {"webhookUrl": "https://hooks.slack.com/services/T.../B.../xxx"}},
    {"type": "discord", "config": {"webhookUrl": "https://discord.com/api/webhooks/123/abc"}},
    {"type": "teams", "config": {"webhookUrl": "https://outlook.office.com/webhook/..."}},
    {"type": "pagerduty", "config": {"integrationKey": "your-pagerduty-integration-key"}},
    {"type": "opsgenie", "config": {"apiKey": "your-opsgenie-api-key", "region": "us"}},
    {
        "type": "webhook",
        "config": {
            "url": "https://example.com/webhook",
            "method": "POST",
            "headers": {"Authorization": "Bearer token"},
        },
    },
    {"type": "telegram", "config": {"botToken": "123456:ABC-DEF...", "chatId": "-1001234567890"}},
    {"type": "sms", "config": {"phoneNumber": "+1234567890"}},
    {"type": "phone", "config": {"phoneNumber": "+1234567890"}},
    {"type": "pushover", "config": {"userKey": "your-pushover-user-key", "appToken": "your-pushover-app-token"}},
    {"type": "ntfy", "config": {"topic": "your-topic", "serverUrl": "https://ntfy.sh"}},
    {
        "type": "googlechat",
        "config": {"webhookUrl": "https://chat.googleapis.com/v1/spaces/.../messages?key=...&token=..."},
    },
    {
        "type": "matrix",
        "config": {
            "homeserverUrl": "https://matrix.org",
            "roomId": "!abc123:matrix.org",
            "accessToken": "your-matrix-access-token",
        },
    },
]
KAMUSTATUS_API_EXAMPLE = {
    "name": "Slack Alerts",
    "type": "slack",
    "config": {"webhookUrl": "https://hooks.slack.com/services/T.../B.../xxx"},
}

PIXOMONITOR: list[dict[str, Any]] = [
    {"type": "EMAIL", "config": {"email": "alerts@example.com"}},
    {"type": "WEBHOOK", "config": {"url": "https://your-server.com/webhook/alerts"}},
    {
        "type": "SLACK",
        "config": {"webhookUrl": "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"},
    },
    {
        "type": "DISCORD",
        "config": {
            "webhook_url": "https://discord.com/api/webhooks/000000000000000000/"
            "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
        },
    },
    {"type": "TELEGRAM", "config": {"bot_token": "123456789:ABCdefGHIjklMNOpqrsTUVwxyz", "chat_id": "-1001234567890"}},
    {
        "type": "TEAMS",
        "config": {
            "webhook_url": "https://outlook.office.com/webhook/XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX@"
            "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX/IncomingWebhook/..."
        },
    },
    {"type": "SMS", "config": {"phone_number": "+14155551234"}},
    {"type": "VOICE", "config": {"phone_number": "+14155551234"}},
]
PIXOMONITOR_UPDATE = {"config": {"webhookUrl": "https://hooks.slack.com/services/T00/B00/NEW-HOOK"}}

KAIREON: list[dict[str, Any]] = [
    {"kind": "slack", "name": "#ops-alerts", "config": {"webhookUrl": "https://hooks.slack.com/services/T/B/XYZ"}},
    {"kind": "teams", "name": "Teams", "config": {"webhookUrl": "https://outlook.office.com/webhook/..."}},
    {
        "kind": "webhook",
        "name": "Ingest",
        "config": {
            "url": "https://alerts.example.com/ingest",
            "secret": "shared-hmac-secret",
            "headers": {"X-Token": "abc"},
        },
    },
    {
        "kind": "ops_email",
        "name": "Ops",
        "enabled": True,
        "config": {
            "fromEmail": "ops-alerts@example.com",
            "toEmails": ["ops@example.com", "oncall@example.com"],
            "replyTo": "support@example.com",
        },
    },
]

ALL_BODIES: list[dict[str, Any]] = [*KAMUSTATUS, KAMUSTATUS_API_EXAMPLE, *PIXOMONITOR, *KAIREON]

# The kind each body must become.
EXPECTED_KIND = {"phone": "voice", "ops_email": "email"}

# The webhook bodies the seed products documented, verbatim: what their customers' receivers parse, and what
# Herald's payload presets (herald/adapters/presets.py) must reproduce.
KAMUSTATUS_WEBHOOK_PAYLOAD: dict[str, Any] = {
    "event": "monitor_down",
    "monitor": {"id": "mon_abc123", "name": "My API", "url": "https://api.example.com"},
    "timestamp": "2025-05-15T08:30:00Z",
    "details": {"statusCode": 503, "responseTime": 5000, "region": "eu-west"},
}
PIXOMONITOR_WEBHOOK_PAYLOAD: dict[str, Any] = {
    "monitor": {
        "id": "monitor-uuid",
        "name": "Production API",
        "url": "https://api.example.com/health",
        "type": "HTTPS",
    },
    "status": "DOWN",
    "error": "Connection timeout after 10000ms",
    "checkedAt": "2024-01-15T10:30:00Z",
}
STATUSMATE_WEBHOOK_ENVELOPE: dict[str, Any] = {
    "text": "🔥 The programmer forgot the semicolon.",
    "meta": {
        "title": "Incident caption",
        "uuid": "cd5879b7-104e-4c20-ae84-39e4e26a6eb7",
        "created_at": "2023-05-19T18:43:00+03:00",
        "type": "incident_created",
        "delivery_attempt": 0,
        "status_page": "0935e96c-34b6-46e8-82cb-def6d3d74d9c",
        "payload": {},
    },
}
STATUSMATE_WEBHOOK_MAINTENANCE: dict[str, Any] = {
    "text": "Maintenance name",
    "meta": {
        "title": "Maintenance name",
        "uuid": "cd5879b7-104e-4c20-ae84-39e4e26a6eb7",
        "text": "Message",
        "end_at": "2023-05-19T18:43:00+03:00",
        "start_at": "2023-05-19T17:43:00+03:00",
        "type": "maintenance_created",
        "affected_components": [
            {
                "impact": "under_maintenance",
                "component_details": {
                    "name": "Component name",
                    "impact": "under_maintenance",
                    "component_uuid": "0935e96c-34b6-46e8-82cb-def6d3d74d9c",
                },
            }
        ],
    },
}
STATUSMATE_WEBHOOK_INCIDENT: dict[str, Any] = {
    "text": "Incident title",
    "meta": {
        "uuid": "bd25a449-b655-49e3-ac46-a9d6ffd50691",
        "title": "Incident title",
        "end_at": None,
        "type": "incident_created",
        "start_at": "2023-05-19T17:05:00+03:00",
        "affected_components": [
            {
                "impact": "degraded_performance",
                "component_details": {
                    "name": "Component",
                    "impact": "degraded_performance",
                    "component_uuid": "88337a51-852b-48f3-ac8d-840e5f5326a0",
                },
            }
        ],
    },
}
STATUSMATE_WEBHOOK_COMPONENT: dict[str, Any] = {
    "text": "Component Name",
    "meta": {
        "title": "Component Name",
        "uuid": "5f844cb4-32f8-43eb-aa3d-99c925d8fffe",
        "type": "component_impact_updated",
        "impact": "under_maintenance",
    },
}
