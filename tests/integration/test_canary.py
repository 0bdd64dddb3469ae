"""Issue 15 point 3: a canary in every secret field of every kind, driven through every way a send can go.

Every secret (channel configs and provider settings) holds a distinctive canary. The channels are
tested and sent to (queued, through the sender) while a real receiver on 127.0.0.1 answers as a provider
would: a success, an error that quotes the whole request back (4xx and 5xx), a reset, a hang-up, an
answer slower than the deadline; and a stored config that no longer validates. Then every log line, every
API answer, the delivery log, the dead-letter queue and the raw table are searched: no canary may be
there. The receiver's own record of the requests is searched the same way and must hold every one,
which proves the canaries were really sent and that the search finds what it looks for.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from herald.auth import service as auth
from herald.settings import get_settings
from herald.transport import http
from tests.support.api import ApiClient
from tests.support.samples import FIXED_HOST_KINDS
from tests.support.tables import reseal_channel_config, scan_all
from tests.support.zoo import Arrival, Behaviour, ZooReceiver

MARK = "CANARY"
TOKEN = secrets.token_hex(6)
ACCOUNT_SID = "AC" + "0" * 32
DEADLINE = 0.5  # seconds per attempt: the trickling receiver (1 s) outlasts it
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
}
AWS_LABELS = ("email", "sms-aws")  # sent through SES and SNS (moto), not the receiver
ACCEPTED = {"pagerduty": 202, "opsgenie": 202, "twilio": 201}  # first path segment → success status


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
    return ACCEPTED.get(service, 200), b"ok" if service == "slack" else json.dumps(OK_BODY).encode()


@pytest.fixture
def receiver(aws, monkeypatch) -> Iterator[ZooReceiver]:
    with ZooReceiver(Behaviour.KEEPALIVE, ok_answer=ok_answer) as running:
        monkeypatch.setenv("HERALD_EGRESS_ALLOW", "127.0.0.1")
        monkeypatch.setenv("HERALD_DELIVERY_DEADLINE_SECONDS", str(DEADLINE))
        monkeypatch.setenv("HERALD_RETRY_SCHEDULE", "600")  # a retried delivery stays put for the test
        for kind in FIXED_HOST_KINDS:
            monkeypatch.setenv(f"HERALD_ENDPOINT_{kind.upper()}", running.url(f"/{kind}"))
        running.echo_first = MARK
        get_settings.cache_clear()
        http.get_session.cache_clear()
        yield running
        http.get_session.cache_clear()


class Tenant:
    """The canary channels of tenant `acme`, and the ways to send to them."""

    def __init__(self, aws, receiver: ZooReceiver, deliver) -> None:
        self.aws, self.api, self.deliver = aws, ApiClient(), deliver
        self.editor = auth.create_api_key("acme", "editor", "canary").key
        admin = auth.create_api_key("acme", "admin", "canary-admin").key
        assert self.api.put("/v1/settings/providers/twilio", key=admin, body=TWILIO_SETTINGS).status == 200
        self.configs = channel_configs(receiver.url(""))
        self.ids: dict[str, str] = {}
        for label, (kind, config) in self.configs.items():
            created = self.api.post(
                "/v1/channels", key=self.editor, body={"name": label, "kind": kind, "config": config}
            )
            assert created.status == 201, (label, created.text)
            self.ids[label] = created.json["id"]

    def test_each(self) -> dict[str, int]:
        """POST /test to every channel that goes to the receiver: label → status."""
        return {
            label: self.api.post(f"/v1/channels/{channel_id}/test", key=self.editor).status
            for label, channel_id in self.ids.items()
            if label not in AWS_LABELS
        }

    def queue_each(self) -> None:
        """One notification to every channel, queued, then the sender run over the queue."""
        ids = list(self.ids.values())
        for start in range(0, len(ids), 20):
            body = {"channelIds": ids[start : start + 20], "notification": {"title": "Canary", "body": "x"}}
            assert self.api.post("/v1/notifications", key=self.editor, body=body).status == 202
        self.deliver()  # retried deliveries stay hidden for the schedule's 600 s

    def delivery_log(self) -> list[dict[str, Any]]:
        """GET /v1/deliveries, every page; and GET /v1/deliveries/{id} for one of each channel and status."""
        deliveries: list[dict[str, Any]] = []
        token = None
        for _ in range(50):
            query = {"limit": "100", **({"nextToken": token} if token else {})}
            page = self.api.get("/v1/deliveries", key=self.editor, query=query).json
            deliveries += page["data"]
            if not (token := page["nextToken"]):
                break
        one_of_each = {(d["channelId"], d["status"]): d["id"] for d in deliveries}
        for delivery_id in one_of_each.values():
            assert self.api.get(f"/v1/deliveries/{delivery_id}", key=self.editor).status == 200
        return deliveries

    def dead_letters(self) -> list[dict[str, Any]]:
        sqs, dead = self.aws.client("sqs"), []
        for _ in range(50):
            got = sqs.receive_message(QueueUrl=self.aws.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=60)
            if not got.get("Messages"):
                break
            dead += got["Messages"]
        return dead


def test_no_canary_leaves_the_receiver(aws, receiver, deliver, log_lines):
    tenant = Tenant(aws, receiver, deliver)
    configs = tenant.configs
    kinds = {
        entry["kind"]: entry["secretFields"] for entry in tenant.api.get("/v1/kinds", key=tenant.editor).json["data"]
    }
    # Every kind is here, and every secret field of each holds a canary in at least one of its channels.
    assert {kind for kind, _ in configs.values()} == set(kinds)
    for kind, fields in kinds.items():
        filled = {field for k, config in configs.values() if k == kind for field in config if field in fields}
        assert filled == set(fields), kind
    canaries = [c for _, config in configs.values() for c in secret_values(config)] + [TWILIO_SETTINGS["authToken"]]

    tested = {"ok": tenant.test_each()}
    tenant.queue_each()
    for status in (400, 500):
        receiver.behaviour, receiver.echo_status = Behaviour.ECHO, status
        tested[f"echo {status}"] = tenant.test_each()
        tenant.queue_each()
    for behaviour in (Behaviour.RESET, Behaviour.HANGUP, Behaviour.TRICKLE):  # trickle: past the deadline
        receiver.behaviour = behaviour
        tenant.queue_each()
    # A stored config a later release refuses: the canaries are still in it, with one in a key it does not know.
    stale = {**configs["webhook"][1], "legacyToken": canary("legacy")}
    reseal_channel_config("acme", tenant.ids["webhook"], stale)
    receiver.behaviour, receiver.echo_status = Behaviour.ECHO, 400
    tested["stale"] = tenant.test_each()
    tenant.queue_each()
    deliveries = tenant.delivery_log()
    dead = tenant.dead_letters()

    assert set(tested["ok"].values()) == {200}, tested["ok"]
    assert set(tested["echo 400"].values()) | set(tested["echo 500"].values()) == {502}
    assert tested["stale"]["webhook"] == 409
    assert {"delivered", "failed", "retrying"} <= {d["status"] for d in deliveries}
    assert {"timeout", "invalid_channel", "provider_rejected"} <= {d.get("code") for d in deliveries}
    assert dead, "permanent failures leave their messages in the DLQ"
    sent = json.dumps([[a.path, a.headers, a.body.decode("utf-8", "replace")] for a in receiver.arrivals])
    signing_key = canary("webhooksecret")  # only its HMAC travels
    assert ({*canaries, MARK} - set(found_in(sent, canaries))) == {signing_key}  # every other one was sent
    canaries.append(canary("legacy"))  # never sent: only a stored config a later release refuses holds it
    outputs = {
        "logs": log_lines.getvalue(),
        "api": json.dumps([[r.status, r.headers, r.text] for r in tenant.api.replies]),
        "dlq": json.dumps(dead),
        "table": repr(scan_all()),
    }
    assert {name: found_in(text, canaries) for name, text in outputs.items()} == {name: [] for name in outputs}
