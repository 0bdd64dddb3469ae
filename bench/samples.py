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
_CUSTOMER_ROLE = {"roleArn": "arn:aws:iam::111122223333:role/herald-publisher", "externalId": "bench-external-id"}

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
    ("splunkoncall", "", {"apiKey": "bench-splunk-key", "routingKey": "database"}, ""),
    ("incidentio", "", {"alertSourceConfigId": "01GW2G3V0S59R238FAHPDS1R66", "token": "bench-incidentio"}, ""),
    ("grafanaoncall", "", {"webhookUrl": "https://oncall.example.com/integrations/v1/formatted_webhook/bench/"}, ""),
    (
        "zulip",
        "",
        {"serverUrl": "https://acme.zulipchat.com", "botEmail": "bot@acme.zulipchat.com", "apiKey": "k", "to": ["9"]},
        "",
    ),
    (
        "homeassistant",
        "",
        {"serverUrl": "https://home.example.com", "accessToken": "eyJ0", "service": "mobile_app_pixel_8"},
        "",
    ),
    (
        "signal",
        "",
        {"serverUrl": "https://signal.example.com", "number": "+14155550100", "recipients": ["+14155551234"]},
        "",
    ),
    ("sns", "", {**_CUSTOMER_ROLE, "topicArn": "arn:aws:sns:eu-west-1:111122223333:alerts"}, "build_publish"),
    (
        "eventbridge",
        "",
        {**_CUSTOMER_ROLE, "eventBusArn": "arn:aws:events:eu-west-1:111122223333:event-bus/ops"},
        "build_put_events",
    ),
    ("lark", "signed", {"webhookUrl": "https://open.feishu.cn/open-apis/bot/v2/hook/bench", "secret": "bench"}, ""),
    (
        "dingtalk",
        "signed",
        {"webhookUrl": "https://oapi.dingtalk.com/robot/send?access_token=bench-token", "secret": "SECbench"},
        "",
    ),
    ("wecom", "", {"webhookUrl": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=bench-key"}, ""),
    ("mattermost", "", {"webhookUrl": "https://chat.example.com/hooks/xxx-generatedkey-xxx"}, ""),
    ("rocketchat", "", {"webhookUrl": "https://chat.example.com/hooks/6SRjWvPNHw9ieYEbi/Yzm7hHxJGbs6Wtgr"}, ""),
    ("webex", "", {"botToken": "bench-webex-token", "personEmail": "oncall@example.com"}, ""),
    ("line", "", {"channelAccessToken": "bench-line-token", "to": "U8189cf6745fc0d808977bdb0b9f22995"}, ""),
    ("sendgrid", "", {"apiKey": "SG.bench", "addresses": ["oncall@example.com"], "fromEmail": "hq@example.com"}, ""),
]
