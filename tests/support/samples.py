"""A valid config for every kind, with distinctive secrets a test can search for anywhere."""

from __future__ import annotations

from typing import Any

SECRET_MARK = "zq7SECRET"


def secret(name: str) -> str:
    """A distinctive secret value: finding it in a log, response or table item is a leak."""
    return f"{SECRET_MARK}-{name}-x9"


# kind → (config, the required camelCase fields, the field configSummary shows)
SAMPLES: dict[str, dict[str, Any]] = {
    "email": {"addresses": ["oncall@example.com"], "fromEmail": "alerts@example.com"},
    "slack": {"webhookUrl": f"https://hooks.slack.com/services/T000/B000/{secret('slack')}"},
    "discord": {"webhookUrl": f"https://discord.com/api/webhooks/123/{secret('discord')}", "username": "Herald"},
    "teams": {
        "webhookUrl": f"https://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig={secret('teams')}"
    },
    "googlechat": {"webhookUrl": f"https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token={secret('gchat')}"},
    "telegram": {"botToken": f"123456:{secret('telegram')}", "chatId": "-1001234567890"},
    "pagerduty": {"integrationKey": secret("pagerduty"), "region": "eu"},
    "opsgenie": {"apiKey": secret("opsgenie"), "region": "us", "tags": ["prod"]},
    "webhook": {
        "url": f"https://hooks.example.com/ingest/{secret('webhook-url')}",
        "method": "POST",
        "headers": {"X-Token": secret("webhook-header")},
        "secret": secret("webhook-signing"),
    },
    "sms": {"phoneNumber": "+14155551234"},
    "voice": {"phoneNumber": "+14155551234"},
    "whatsapp": {
        "phoneNumber": "+14155551234",
        "provider": "twilio",
        "accountSid": "AC" + "0" * 32,
        "authToken": secret("twilio"),
        "fromNumber": "+14155550000",
    },
    "pushover": {"userKey": secret("pushover-user"), "appToken": secret("pushover-app")},
    "pushbullet": {"accessToken": secret("pushbullet")},
    "onesignal": {
        "appId": "202d4f61-1ca9-42df-9d36-bb17d8123abc",
        "apiKey": secret("onesignal"),
        "segments": ["Total Subscriptions"],
    },
    "pusherbeams": {
        "instanceId": "8f9a6e22-2483-49aa-8552-125f1a4c5781",
        "secretKey": secret("beams"),
        "interests": ["oncall"],
    },
    "ntfy": {"topic": "herald-alerts", "serverUrl": "https://ntfy.sh", "accessToken": secret("ntfy")},
    "gotify": {"serverUrl": "https://gotify.example.com", "appToken": secret("gotify")},
    "matrix": {"homeserverUrl": "https://matrix.org", "roomId": "!abc123:matrix.org", "accessToken": secret("matrix")},
    "line": {"channelAccessToken": secret("line"), "to": "U8189cf6745fc0d808977bdb0b9f22995"},
    "sendgrid": {"apiKey": secret("sendgrid"), "addresses": ["oncall@example.com"], "fromEmail": "alerts@example.com"},
}

# The first required field of each kind and the message its absence must produce (API.md / seeds).
REQUIRED: dict[str, tuple[str, str]] = {
    "email": ("addresses", "Email address is required"),
    "slack": ("webhookUrl", "Slack webhook URL is required"),
    "discord": ("webhookUrl", "Discord webhook URL is required"),
    "teams": ("webhookUrl", "Microsoft Teams webhook URL is required"),
    "googlechat": ("webhookUrl", "is required"),
    "telegram": ("chatId", "Telegram chat ID is required"),
    "pagerduty": ("integrationKey", "is required"),
    "opsgenie": ("apiKey", "is required"),
    "webhook": ("url", "Webhook URL is required"),
    "sms": ("phoneNumber", "Phone number is required"),
    "voice": ("phoneNumber", "Phone number is required"),
    "whatsapp": ("phoneNumber", "Phone number is required"),
    "pushover": ("userKey", "is required"),
    "pushbullet": ("accessToken", "is required"),
    "onesignal": ("appId", "is required"),
    "pusherbeams": ("instanceId", "is required"),
    "ntfy": ("topic", "is required"),
    "gotify": ("serverUrl", "is required"),
    "matrix": ("roomId", "is required"),
    "line": ("to", "LINE user, group or room ID is required"),
    "sendgrid": ("apiKey", "SendGrid API key is required"),
}

KINDS = tuple(SAMPLES)

# Kinds whose API host is not in the channel config, so HERALD_ENDPOINT_<KIND> can replace it.
FIXED_HOST_KINDS = (
    "telegram", "pagerduty", "opsgenie", "pushover", "pushbullet", "onesignal", "pusherbeams", "twilio", "vonage",
    "line", "sendgrid",
)  # fmt: skip
