"""Canaries: a distinctive secret in every secret field of every kind, with channels of every kind pointed
at one receiver on 127.0.0.1 (fixed-host kinds through HERALD_ENDPOINT_<KIND> = `{base}/<kind>`), and a
success answer as each provider words it. Shared by the leak hunt (test_canary) and the preview tests."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from tests.support.zoo import Arrival

MARK = "CANARY"
TOKEN = secrets.token_hex(6)
ACCOUNT_SID = "AC" + "0" * 32
# A success as every provider here words it: Telegram's ok/result, Twilio's sid, Vonage's messages, ...
OK_BODY = {
    "ok": True,
    "result": {"message_id": 1},
    "id": "n-1",
    "sid": "SM1",
    "status": 1,
    "request": "r-1",
    "messages": [{"status": "0", "message-id": "m-1"}],
    "event_id": "$e-1",
    "publishId": "p-1",
    "iden": "i-1",
    "dedup_key": "d-1",
    "requestId": "q-1",
    "timestamp": "1733217600123",
    "code": 0,
    "errcode": 0,
    "errmsg": "ok",
    "success": True,
}
AWS_LABELS = ("email", "sms-aws", "sns", "eventbridge")  # sent through SES, SNS, EventBridge (moto), not the receiver
# The customer account the cross-account kinds name (moto hands out its credentials to whoever assumes a role).
CUSTOMER_ACCOUNT = "111122223333"
CUSTOMER_ROLE = f"arn:aws:iam::{CUSTOMER_ACCOUNT}:role/herald-publisher"
ACCEPTED = {"pagerduty": 202, "opsgenie": 202, "twilio": 201}  # first path segment → success status
# Services whose success is a status and body of their own (first path segment → answer).
OWN_ANSWERS: dict[str, tuple[int, dict[str, Any]]] = {
    "splunkoncall": (200, {"result": "success", "entity_id": "e-1"}),
    "incidentio": (202, {"status": "success", "deduplication_key": "d-1"}),
    "zulip": (200, {"result": "success", "msg": "", "id": 42}),
}


def canary(label: str) -> str:
    """A secret nobody else would write: finding it (or its base64) anywhere but the receiver is a leak."""
    return f"{MARK}{label}{TOKEN}"


def forms(secret: str) -> set[str]:
    """The secret as it may travel: itself, and inside base64 (Basic auth) at each of the 3 alignments."""
    found = {secret}
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + secret.encode()).decode()
        found.add(encoded[4 if shift else 0 : -4])
    return found


def found_in(text: str, canaries: list[str]) -> list[str]:
    return [c for c in canaries if any(form in text for form in forms(c))] + ([MARK] if MARK in text else [])


def channel_configs(base: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """label → (kind, config): every kind, every secret field a canary; URL kinds pointed at `base`."""
    twilio = {"accountSid": ACCOUNT_SID, "fromNumber": "+14155550000", "phoneNumber": "+14155551234"}
    return {
        "email": ("email", {"addresses": ["oncall@example.com"]}),
        "slack": ("slack", {"webhookUrl": f"{base}/slack/services/T000/B000/{canary('slackwebhookUrl')}"}),
        "discord": ("discord", {"webhookUrl": f"{base}/discord/api/webhooks/123/{canary('discordwebhookUrl')}"}),
        "teams": (
            "teams",
            {"webhookUrl": f"{base}/teams/workflows/a/triggers/manual/paths/invoke?sig={canary('teamswebhookUrl')}"},
        ),
        "googlechat": (
            "googlechat",
            {"webhookUrl": f"{base}/googlechat/v1/spaces/A/messages?key=k&token={canary('googlechatwebhookUrl')}"},
        ),
        "telegram": ("telegram", {"botToken": f"123456:{canary('telegrambotToken')}", "chatId": "-100123"}),
        "pagerduty": ("pagerduty", {"integrationKey": canary("pagerdutyintegrationKey")}),
        "opsgenie": ("opsgenie", {"apiKey": canary("opsgenieapiKey")}),
        "webhook": (
            "webhook",
            {
                "url": f"{base}/webhook/{canary('webhookurl')}",
                "headers": {"X-Token": canary("webhookheaders")},
                "secret": canary("webhooksecret"),
            },
        ),
        "sms-aws": ("sms", {"phoneNumber": "+14155551234"}),
        "sms-twilio": ("sms", {**twilio, "provider": "twilio", "authToken": canary("smsauthToken")}),
        "sms-vonage": (
            "sms",
            {
                "phoneNumber": "+14155551234",
                "provider": "vonage",
                "apiKey": "k1",
                "apiSecret": canary("smsapiSecret"),
                "from": "Herald",
            },
        ),
        "sms-settings": ("sms", {"phoneNumber": "+14155551234", "provider": "twilio"}),  # the stored settings'
        "voice": ("voice", {**twilio, "provider": "twilio", "authToken": canary("voiceauthToken")}),
        "whatsapp": ("whatsapp", {**twilio, "provider": "twilio", "authToken": canary("whatsappauthToken")}),
        "pushover": ("pushover", {"userKey": canary("pushoveruserKey"), "appToken": canary("pushoverappToken")}),
        "pushbullet": ("pushbullet", {"accessToken": canary("pushbulletaccessToken")}),
        "onesignal": (
            "onesignal",
            {"appId": "202d4f61-1ca9-42df-9d36-bb17d8123abc", "apiKey": canary("onesignalapiKey"), "segments": ["A"]},
        ),
        "pusherbeams": (
            "pusherbeams",
            {"instanceId": "beams1", "secretKey": canary("pusherbeamssecretKey"), "interests": ["oncall"]},
        ),
        "ntfy-token": ("ntfy", {"topic": "t", "serverUrl": f"{base}/ntfy", "accessToken": canary("ntfyaccessToken")}),
        "ntfy-basic": (
            "ntfy",
            {"topic": "t", "serverUrl": f"{base}/ntfy", "username": "herald", "password": canary("ntfypassword")},
        ),
        "gotify": ("gotify", {"serverUrl": f"{base}/gotify", "appToken": canary("gotifyappToken")}),
        "matrix": (
            "matrix",
            {"homeserverUrl": f"{base}/matrix", "roomId": "!r:example.org", "accessToken": canary("matrixaccessToken")},
        ),
        "splunkoncall": ("splunkoncall", {"apiKey": canary("splunkoncallapiKey"), "routingKey": "database"}),
        "incidentio": ("incidentio", {"alertSourceConfigId": "01GW2G3V", "token": canary("incidentiotoken")}),
        "grafanaoncall": (
            "grafanaoncall",
            {"webhookUrl": f"{base}/grafanaoncall/integrations/v1/webhook/{canary('grafanaoncallwebhookUrl')}/"},
        ),
        "zulip": (
            "zulip",
            {
                "serverUrl": f"{base}/zulip",
                "botEmail": "herald-bot@example.com",
                "apiKey": canary("zulipapiKey"),
                "stream": "alerts",
            },
        ),
        "homeassistant": (
            "homeassistant",
            {"serverUrl": f"{base}/homeassistant", "accessToken": canary("homeassistantaccessToken"), "service": "ops"},
        ),
        "signal": (
            "signal",
            {
                "serverUrl": f"{base}/signal",
                "number": "+14155550100",
                "recipients": ["+14155551234"],
                "username": "herald",
                "password": canary("signalpassword"),
            },
        ),
        "sns": (
            "sns",
            {
                "topicArn": f"arn:aws:sns:us-east-1:{CUSTOMER_ACCOUNT}:herald-canary",
                "roleArn": CUSTOMER_ROLE,
                "externalId": canary("snsexternalId"),
            },
        ),
        "eventbridge": (
            "eventbridge",
            {
                "eventBusArn": f"arn:aws:events:us-east-1:{CUSTOMER_ACCOUNT}:event-bus/herald-canary",
                "roleArn": CUSTOMER_ROLE,
                "externalId": canary("eventbridgeexternalId"),
            },
        ),
        "lark": (
            "lark",
            {
                "webhookUrl": f"https://open.feishu.cn/open-apis/bot/v2/hook/{canary('larkwebhookUrl')}",
                "secret": canary("larksecret"),
            },
        ),
        "dingtalk": (
            "dingtalk",
            {
                "webhookUrl": f"https://oapi.dingtalk.com/robot/send?access_token={canary('dingtalkwebhookUrl')}",
                "secret": canary("dingtalksecret"),
            },
        ),
        "wecom": (
            "wecom",
            {"webhookUrl": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={canary('wecomwebhookUrl')}"},
        ),
        "mattermost": ("mattermost", {"webhookUrl": f"{base}/mattermost/hooks/{canary('mattermostwebhookUrl')}"}),
        "rocketchat": ("rocketchat", {"webhookUrl": f"{base}/rocketchat/hooks/a1/{canary('rocketchatwebhookUrl')}"}),
        "webex": ("webex", {"botToken": canary("webexbotToken"), "roomId": "Y2lzY29zcGFyazovL3VzL1JPT00vYQ"}),
        "line": ("line", {"channelAccessToken": canary("linechannelAccessToken"), "to": "U" + "0" * 32}),
        "sendgrid": (
            "sendgrid",
            {"apiKey": canary("sendgridapiKey"), "addresses": ["oncall@example.com"], "fromEmail": "hq@example.com"},
        ),
    }


TWILIO_SETTINGS = {"accountSid": ACCOUNT_SID, "authToken": canary("settingsauthToken"), "fromNumber": "+14155550000"}


def secret_values(config: Any) -> list[str]:
    """The canaries in a config (webhook headers are a map of secrets)."""
    if isinstance(config, dict):
        return [found for value in config.values() for found in secret_values(value)]
    if isinstance(config, list):
        return [found for value in config for found in secret_values(value)]
    return [config[config.index(MARK) :].split("&")[0]] if isinstance(config, str) and MARK in config else []


def ok_answer(arrival: Arrival) -> tuple[int, bytes]:
    service = arrival.path.split("/")[1]
    if service in OWN_ANSWERS:
        status, body = OWN_ANSWERS[service]
        return status, json.dumps(body).encode()
    return ACCEPTED.get(service, 200), b"ok" if service in ("slack", "mattermost") else json.dumps(OK_BODY).encode()
