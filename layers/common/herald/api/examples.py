"""Examples for the OpenAPI document: what the API answers, copied from real answers of the local stack.

The answers' view models in herald.api.contract carry them (`json_schema_extra`); the request models carry
their own next to their fields. tests/unit/api/test_openapi_document.py validates every example against the
schema it documents, so an example cannot drift from the shape it illustrates.
"""

from __future__ import annotations

from typing import Any

REDACTED = "••••••••"
CHANNEL_ID = "ch_00mx7t1m70iw60b8003wxu"
DELIVERY_ID = "dlv_00mx7t1mbg7fpiibx8sdt5"
NOTIFICATION_ID = "ntf_00mx7t1mbgkrwcg9dzk8do"
RULE_ID = "rule_00mx7t1mttk0t27bxf3dq8"
KEY_ID = "key_00mx7t1muvqdnqu143e5iu"
TIME_INTERVAL_ID = "ti_00mx7t1mttk0t27bxf3dq9"
SILENCE_ID = "sil_00mx7t1n2c9q1xk0v3h7ra"
CREATED = "2026-05-15T08:30:00.716Z"

CHANNEL: dict[str, Any] = {
    "id": CHANNEL_ID,
    "name": "#ops-alerts",
    "kind": "slack",
    "enabled": True,
    "events": ["monitor.down", "monitor.recovery"],
    "config": {"webhookUrl": REDACTED},
    "configSummary": "hooks.slack.com",
    "template": {"title": "{{ monitor.name | default('A monitor') }} is {{ event.status }}"},
    "createdAt": CREATED,
    "updatedAt": CREATED,
}

KIND: dict[str, Any] = {
    "kind": "telegram",
    "displayName": "Telegram",
    "aliases": [],
    "configSchema": {
        "type": "object",
        "title": "TelegramConfig",
        "additionalProperties": False,
        "required": ["botToken", "chatId"],
        "properties": {
            "botToken": {"type": "string", "writeOnly": True, "format": "password"},
            "chatId": {"type": "string", "description": "Chat ID"},
        },
    },
    "secretFields": ["botToken"],
    "template": {
        "supported": True,
        "parts": ["title", "body", "fields"],
        "markup": "Telegram HTML",
        "variables": {"event": "type, severity, status, occurredAt, dedupKey: {{ event.type }} → monitor.down"},
        "filters": ["datetime", "duration", "truncate", "upper", "lower", "default"],
    },
}

RULE: dict[str, Any] = {
    "id": RULE_ID,
    "name": "Critical to on-call",
    "enabled": True,
    "match": {"events": ["monitor.down"], "severities": ["critical"], "monitorIds": []},
    "channelIds": [CHANNEL_ID],
    "muteTimeIntervals": [TIME_INTERVAL_ID],
    "activeTimeIntervals": [],
    "createdAt": CREATED,
    "updatedAt": CREATED,
}

TIME_INTERVAL: dict[str, Any] = {
    "id": TIME_INTERVAL_ID,
    "name": "Nights and weekends",
    "timeIntervals": [
        {"weekdays": ["saturday", "sunday"], "location": "Europe/Berlin"},
        {
            "times": [{"startTime": "00:00", "endTime": "07:00"}, {"startTime": "22:00", "endTime": "24:00"}],
            "location": "Europe/Berlin",
        },
    ],
    "createdAt": CREATED,
    "updatedAt": CREATED,
}

SILENCE: dict[str, Any] = {
    "id": SILENCE_ID,
    "matchers": [
        {"name": "monitor.id", "value": "mon_abc123", "isEqual": True, "isRegex": False},
        {"name": "tags.env", "value": "staging|dev", "isEqual": True, "isRegex": True},
    ],
    "startsAt": "2026-05-15T08:00:00.000Z",
    "endsAt": "2026-05-15T10:00:00.000Z",
    "comment": "Database migration",
    "createdBy": "deploy bot",
    "state": "active",
    "createdAt": CREATED,
    "updatedAt": CREATED,
}

ALERT: dict[str, Any] = {
    "dedupKey": "mon_abc123",
    "state": "firing",
    "startedAt": CREATED,
    "ruleId": RULE_ID,
    "step": 1,
    "reminders": 2,
    "acknowledged": True,
    "ackedAt": "2026-05-15T08:52:10.004Z",
    "ackedBy": {"keyId": KEY_ID, "keyName": "on-call console"},
    "title": "Checkout API is down",
    "severity": "critical",
}

DELIVERY: dict[str, Any] = {
    "id": DELIVERY_ID,
    "channelId": CHANNEL_ID,
    "kind": "slack",
    "event": "monitor.down",
    "status": "delivered",
    "code": None,
    "error": None,
    "providerMessageId": None,
    "attempts": [
        {
            "attempt": 1,
            "time": "2026-05-15T08:30:01.102Z",
            "status": "retrying",
            "httpStatus": 503,
            "error": "Slack returned 503: service_unavailable",
            "latencyMs": 412,
        },
        {
            "attempt": 2,
            "time": "2026-05-15T08:30:31.380Z",
            "status": "delivered",
            "httpStatus": 200,
            "error": None,
            "latencyMs": 188,
        },
    ],
    "createdAt": CREATED,
    "updatedAt": "2026-05-15T08:30:31.380Z",
    "notificationId": NOTIFICATION_ID,
}

KEY: dict[str, Any] = {
    "id": KEY_ID,
    "name": "status page",
    "role": "editor",
    "prefix": "hrld_fpdgbj3",
    "createdAt": CREATED,
    "lastUsedAt": "2026-05-15T09:12:44.090Z",
}
NEW_KEY: dict[str, Any] = {**KEY, "lastUsedAt": None, "key": "hrld_fpdgbj3nygCJPDB7ExeZrL8WkUuxVO0guj_Kes6rgkA"}

TWILIO: dict[str, Any] = {
    "accountSid": "AC5f0e1d2c3b4a59687766554433221100",
    "authToken": "9f3c2a7b1e8d4c6f0a5b3e2d1c7f8a9b",
    "fromNumber": "+14155550100",
}
PROVIDER: dict[str, Any] = {
    "provider": "twilio",
    "config": {"accountSid": "AC5f0e1d2c3b4a59687766554433221100", "authToken": REDACTED, "fromNumber": "+14155550100"},
    "updatedAt": CREATED,
}

QUEUED: dict[str, Any] = {
    "id": NOTIFICATION_ID,
    "deliveries": [{"channelId": CHANNEL_ID, "kind": "slack", "deliveryId": DELIVERY_ID, "status": "queued"}],
}
EVENT_QUEUED: dict[str, Any] = {"id": "evt_00mx7t1ms90jrcxzrvcbwr", "deliveries": QUEUED["deliveries"]}

TESTED: dict[str, Any] = {
    "success": True,
    "detail": "Test message sent to Slack",
    "deliveryId": DELIVERY_ID,
    "providerMessageId": None,
}
EMAILED: dict[str, Any] = {
    "success": True,
    "detail": "Test email sent to oncall@example.com",
    "deliveryId": "dlv_00mx7t1mw8d5oo3xyauodh",
    "providerMessageId": "0100018f7a1c2b3d-5e6f7a8b-1c2d-4e5f-8a9b-0c1d2e3f4a5b-000000",
}
REFUSED: dict[str, Any] = {
    "success": False,
    "error": "Slack returned 404: no_service",
    "code": "provider_rejected",
    "deliveryId": DELIVERY_ID,
}
SENT: dict[str, Any] = {
    "id": NOTIFICATION_ID,
    "deliveries": [
        {
            "channelId": CHANNEL_ID,
            "kind": "slack",
            "deliveryId": DELIVERY_ID,
            "status": "delivered",
            "success": True,
            "error": None,
            "providerMessageId": None,
        }
    ],
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Herald API", "version": "0.1.0"},
    "servers": [{"url": "/dev"}],
    "paths": {"/v1/health": {"get": {"summary": "Liveness check (no key needed)"}}},
}

# One error answer per status, as Herald (or API Gateway, in Herald's shape) gives it.
ERRORS: dict[int, dict[str, Any]] = {
    400: {"error": "limit: Input should be less than or equal to 100", "code": "invalid_query"},
    401: {
        "error": "Missing or unknown API key: send it as x-api-key or Authorization: Bearer.",
        "code": "unauthorized",
    },
    403: {"error": "This needs the editor role; the key has viewer.", "code": "forbidden"},
    404: {"error": f"Channel {CHANNEL_ID} not found.", "code": "channel_not_found"},
    409: {
        "error": f"Only a failed or unknown delivery can be redriven; {DELIVERY_ID} is delivered.",
        "code": "not_redrivable",
    },
    413: {"error": "The request body is larger than 64 KiB.", "code": "payload_too_large"},
    415: {"error": "Send the body as JSON with Content-Type: application/json.", "code": "unsupported_media_type"},
    422: {
        "error": "Phone number must be in E.164 format",
        "code": "validation_failed",
        "details": [{"field": "config.phoneNumber", "message": "Phone number must be in E.164 format"}],
    },
    429: {
        "error": "Too many requests for this tenant; slow down and retry after Retry-After seconds.",
        "code": "throttled",
    },
    500: {"error": "Herald could not answer this request; try again.", "code": "internal_error"},
}

# ---- request bodies: a channel's create and replace bodies are built per kind (herald.api.document)

NEW_CHANNELS: dict[str, dict[str, Any]] = {
    "slack": {
        "name": "#ops-alerts",
        "kind": "slack",
        "events": ["monitor.down", "monitor.recovery"],
        "config": {"webhookUrl": "https://hooks.slack.com/services/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"},
    },
    "sms": {"name": "On-call phone", "kind": "sms", "config": {"phoneNumber": "+14155551234"}},
    "webhook": {
        "name": "Incident bridge",
        "kind": "webhook",
        "config": {
            "url": "https://hooks.example.com/herald",
            "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        },
    },
}
WHOLE_CHANNEL: dict[str, Any] = {
    "name": "#ops-alerts",
    "enabled": False,
    "events": None,
    "config": {"webhookUrl": "https://hooks.slack.com/services/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"},
}

_SAMPLE_DOWN: dict[str, Any] = {
    "event": "monitor.down",
    "title": "Checkout API is down",
    "body": "Connection timeout after 10000 ms",
    "severity": "critical",
    "status": "firing",
    "fields": [{"label": "Region", "value": "eu-west"}, {"label": "Status code", "value": "timeout"}],
    "sourceUrl": "https://status.example.com/m/42",
    "monitor": {"id": "mon_42", "name": "Checkout API", "url": "https://api.example.com/health", "type": "HTTPS"},
    "dedupKey": "mon_42",
    "occurredAt": "2026-04-17T10:00:00Z",
    "details": {},
}
PREVIEWED: dict[str, Any] = {
    "channelId": CHANNEL_ID,
    "kind": "telegram",
    "notification": _SAMPLE_DOWN,
    "requests": [
        {
            "type": "http",
            "method": "POST",
            "url": f"https://api.telegram.org/bot{REDACTED}/sendMessage",
            "headers": {"Content-Type": "application/json"},
            "body": {
                "chat_id": -1001234567890,
                "text": "🔴 <b>[CRITICAL] Checkout API is down</b>\nConnection timeout after 10000 ms\n"
                "<b>Region:</b> eu-west\n<b>Status code:</b> timeout\n<b>Monitor:</b> Checkout API\n"
                '<b>URL:</b> https://api.example.com/health\n<a href="https://status.example.com/m/42">'
                "Open in monitoring</a>",
                "parse_mode": "HTML",
                "link_preview_options": {"is_disabled": True},
                "disable_notification": False,
            },
        }
    ],
}
PREVIEWED_AWS: dict[str, Any] = {
    "kind": "sms",
    "notification": {
        **_SAMPLE_DOWN,
        "event": "monitor.recovery",
        "title": "Checkout API is up",
        "body": "Answering 200 again",
        "status": "resolved",
        "fields": [],
        "downtimeSeconds": 3720,
    },
    "requests": [
        {
            "type": "aws",
            "service": "Amazon SNS",
            "client": "sns",
            "action": "Publish",
            "parameters": {
                "PhoneNumber": "+14155551234",
                "Message": "RESOLVED: Checkout API is up\nDown for 1h 2m.\nAnswering 200 again\n"
                "https://status.example.com/m/42",
                "MessageAttributes": {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
            },
        }
    ],
}
