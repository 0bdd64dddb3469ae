"""Realistic inputs: notifications (typical and worst-case long) and one valid config per kind variant."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

LOG_LINE = (
    "2026-11-23T08:41:07.512Z ERROR upstream api-7f9c (10.2.14.7:8443) → 503 Service Unavailable after 30 012 ms; "
    "retry 3/3 — circuit «payments» open, queue depth 18 233 ✗\n"
)


def notification_wire(*, long: bool) -> dict[str, Any]:
    """The API form of a monitor.down alert. `long`: a 16 KiB body and 25 fields, the model's maxima."""
    fields = [
        {"label": "Region", "value": "eu-west-1"},
        {"label": "Response time", "value": "30 012 ms"},
        {"label": "Status code", "value": "503"},
        {"label": "Checked from", "value": "Frankfurt, Virginia, Singapore"},
    ]
    if long:
        fields += [{"label": f"Probe {i:02d} «édge»", "value": "timeout after 30 s; " * 40} for i in range(21)]
    body = "The API stopped answering health checks from three regions."
    if long:
        body = (LOG_LINE * (16384 // len(LOG_LINE) + 1))[:16384]
    return {
        "event": "monitor.down",
        "title": "api.example.com is DOWN — checkout unavailable",
        "body": body,
        "severity": "critical",
        "status": "firing",
        "fields": fields,
        "sourceUrl": "https://status.example.com/monitors/8842?tab=incidents&from=2026-11-23T08:40:00Z",
        "monitor": {"id": "mon_8842", "name": "Checkout API", "url": "https://api.example.com/health", "type": "http"},
        "dedupKey": "mon_8842:down",
        "occurredAt": datetime(2026, 11, 23, 8, 41, 7, tzinfo=UTC).isoformat(),
        "details": {"probe": {"region": "eu-west-1", "attempts": 3}, "tags": ["payments", "tier-1"]},
    }


_TWILIO = {"accountSid": "AC" + "0123456789abcdef" * 2, "authToken": "bench-twilio-token", "fromNumber": "+14155550100"}
_VONAGE = {"apiKey": "a1b2c3d4", "apiSecret": "bench-vonage-secret", "from": "Herald"}
_PHONE = "+14155551234"

# (kind, variant label, config, builder method name on the adapter)
VARIANTS: list[tuple[str, str, dict[str, Any], str]] = [
    ("email", "SES", {"addresses": ["oncall@example.com", "sre@example.com"]}, "build_email"),
    ("slack", "", {"webhookUrl": "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"}, ""),
    (
        "discord",
        "",
        {"webhookUrl": "https://discord.com/api/webhooks/123456789012345678/abcDEF", "username": "Herald"},
        "",
    ),
    (
        "teams",
        "",
        {"webhookUrl": "https://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x"},
        "",
    ),
    ("googlechat", "", {"webhookUrl": "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t"}, ""),
    ("telegram", "", {"botToken": "123456:ABCdefGhIJKlmNoPQRsTUVwxyZ", "chatId": "-1001234567890"}, ""),
    ("pagerduty", "", {"integrationKey": "0123456789abcdef0123456789abcdef", "region": "eu"}, ""),
    ("opsgenie", "", {"apiKey": "bench-opsgenie-key", "tags": ["prod", "payments"]}, ""),
    (
        "webhook",
        "signed",
        {"url": "https://hooks.example.com/ingest", "secret": "whsec_c2VjcmV0LWtleS1mb3ItYmVuY2g="},
        "",
    ),
    ("sms", "SNS", {"phoneNumber": _PHONE}, "build_publish"),
    ("sms", "Twilio", {"phoneNumber": _PHONE, "provider": "twilio", **_TWILIO}, ""),
    ("sms", "Vonage", {"phoneNumber": _PHONE, "provider": "vonage", **_VONAGE}, ""),
    ("voice", "AWS", {"phoneNumber": _PHONE, "originationIdentity": "+14155550100"}, "build_voice_message"),
    ("voice", "Twilio", {"phoneNumber": _PHONE, "provider": "twilio", **_TWILIO}, ""),
    ("whatsapp", "Twilio", {"phoneNumber": _PHONE, **_TWILIO}, ""),
    ("pushover", "", {"userKey": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG", "appToken": "azGDORePK8gMaC0QOYAMyEEuzJnyUi"}, ""),
    ("pushbullet", "", {"accessToken": "o.bench-pushbullet-token"}, ""),
    (
        "onesignal",
        "",
        {"appId": "202d4f61-1ca9-42df-9d36-bb17d8123abc", "apiKey": "bench-key", "segments": ["Total Subscriptions"]},
        "",
    ),
    (
        "pusherbeams",
        "",
        {"instanceId": "8f9a6e22-2483-49aa-8552-125f1a4c5781", "secretKey": "bench-secret", "interests": ["oncall"]},
        "",
    ),
    ("ntfy", "", {"topic": "herald-alerts", "accessToken": "tk_bench"}, ""),
    ("gotify", "", {"serverUrl": "https://gotify.example.com", "appToken": "AbCdEf123456"}, ""),
    ("matrix", "", {"homeserverUrl": "https://matrix.org", "roomId": "!abc123:matrix.org", "accessToken": "syt_x"}, ""),
    ("line", "", {"channelAccessToken": "bench-line-token", "to": "U8189cf6745fc0d808977bdb0b9f22995"}, ""),
    ("sendgrid", "", {"apiKey": "SG.bench", "addresses": ["oncall@example.com"], "fromEmail": "hq@example.com"}, ""),
]
