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
