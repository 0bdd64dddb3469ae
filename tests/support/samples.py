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
    "splunkoncall": {"apiKey": secret("splunkoncall"), "routingKey": "database"},
    "incidentio": {"alertSourceConfigId": "01GW2G3V0S59R238FAHPDS1R66", "token": secret("incidentio")},
    "grafanaoncall": {
        "webhookUrl": f"https://oncall-prod-us-central-0.grafana.net/oncall/integrations/v1/formatted_webhook/{secret('grafanaoncall')}/"
    },
    "zulip": {
        "serverUrl": "https://acme.zulipchat.com",
        "botEmail": "herald-bot@acme.zulipchat.com",
        "apiKey": secret("zulip"),
        "stream": "alerts",
    },
    "homeassistant": {
        "serverUrl": "https://home.example.com",
        "accessToken": secret("homeassistant"),
        "service": "mobile_app_pixel_8",
    },
    "signal": {
        "serverUrl": "https://signal-api.example.com",
        "number": "+14155550100",
        "recipients": ["+14155551234"],
    },
    "sns": {
        "topicArn": "arn:aws:sns:eu-west-1:111122223333:herald-alerts",
        "roleArn": "arn:aws:iam::111122223333:role/herald-publisher",
        "externalId": secret("sns"),
    },
    "eventbridge": {
        "eventBusArn": "arn:aws:events:eu-west-1:111122223333:event-bus/ops",
        "roleArn": "arn:aws:iam::111122223333:role/herald-publisher",
        "externalId": secret("eventbridge"),
    },
    "lark": {"webhookUrl": f"https://open.feishu.cn/open-apis/bot/v2/hook/{secret('lark')}", "secret": secret("larks")},
    "dingtalk": {
        "webhookUrl": f"https://oapi.dingtalk.com/robot/send?access_token={secret('dingtalk')}",
        "secret": secret("dingtalk-sign"),
    },
    "wecom": {"webhookUrl": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={secret('wecom')}"},
    "mattermost": {"webhookUrl": f"https://chat.example.com/hooks/{secret('mattermost')}", "channel": "ops-alerts"},
    "rocketchat": {"webhookUrl": f"https://rocket.example.com/hooks/6SRjWvPNHw9ieYEbi/{secret('rocketchat')}"},
    "webex": {"botToken": secret("webex"), "roomId": "Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQ"},
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
    "splunkoncall": ("apiKey", "Splunk On-Call REST API key is required"),
    "incidentio": ("token", "incident.io alert source token is required"),
    "grafanaoncall": ("webhookUrl", "Grafana OnCall webhook URL is required"),
    "zulip": ("serverUrl", "is required"),
    "homeassistant": ("serverUrl", "is required"),
    "signal": ("serverUrl", "is required"),
    "sns": ("topicArn", "SNS topic ARN is required"),
    "eventbridge": ("eventBusArn", "Event bus ARN is required"),
    "lark": ("webhookUrl", "Lark webhook URL is required"),
    "dingtalk": ("webhookUrl", "DingTalk webhook URL is required"),
    "wecom": ("webhookUrl", "WeCom webhook URL is required"),
    "mattermost": ("webhookUrl", "Mattermost webhook URL is required"),
    "rocketchat": ("webhookUrl", "Rocket.Chat webhook URL is required"),
    "webex": ("botToken", "Webex bot token is required"),
    "line": ("to", "LINE user, group or room ID is required"),
    "sendgrid": ("apiKey", "SendGrid API key is required"),
}

KINDS = tuple(SAMPLES)

# Kinds whose API host is not in the channel config, so HERALD_ENDPOINT_<KIND> can replace it.
FIXED_HOST_KINDS = (
    "telegram", "pagerduty", "opsgenie", "pushover", "pushbullet", "onesignal", "pusherbeams", "twilio", "vonage",
    "splunkoncall",
    "incidentio",
    "lark",
    "dingtalk",
    "wecom",
    "webex",
    "line", "sendgrid",
)  # fmt: skip
