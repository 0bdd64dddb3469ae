"""Issue 18 point 4: previews show the exact request a channel would send, secrets masked, and send nothing.

Every kind's channel points at one real receiver on 127.0.0.1 (or, for SES, SNS and End User Messaging,
at moto). For each, the preview of a notification is compared with what a real send of the same
notification put on the wire: the request the receiver got, or the parameters botocore was asked for.
Then previews of every kind are made while the receiver and the AWS clients count: nothing arrives,
nothing is called, nothing is logged as a delivery.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from herald.auth import service as auth
from herald.models.config import SECRET_PLACEHOLDER
from herald.settings import get_settings
from herald.transport import http
from tests.support.api import ApiClient
from tests.support.calls import AwsCalls, customer_clients, messaging_clients
from tests.support.canaries import AWS_LABELS, MARK, TWILIO_SETTINGS, channel_configs, ok_answer, secret_values
from tests.support.samples import FIXED_HOST_KINDS, KINDS, SAMPLES, SECRET_MARK
from tests.support.zoo import Arrival, Behaviour, ZooReceiver

NOTIFICATION = {
    "event": "monitor.down",
    "title": "Checkout API is down",
    "body": "Connection timeout after 10000 ms <b>&</b>",
    "severity": "critical",
    "sourceUrl": "https://status.example.com/m/42",
    "fields": [{"label": "Region", "value": "eu-west"}],
    "monitor": {"id": "mon_42", "name": "Checkout API", "url": "https://api.example.com", "type": "HTTPS"},
    "dedupKey": "mon_42",
    "occurredAt": "2026-04-17T10:00:00Z",
}
# The canary channels, and a voice call through AWS (the canaries' voice channel calls through Twilio).
AWS_VOICE = ("voice", {"phoneNumber": "+14155551234", "originationIdentity": "+14155550000"})
# Per-delivery identifiers: a preview renders with its own delivery id, a send with the delivery's.
PER_DELIVERY = {"webhook": ("id",), "pushbullet": ("guid",), "onesignal": ("idempotency_key",)}
# The moment of signing and the signature over it: the preview's and the send's differ by the time between.
SIGNED_AT = {"lark": ("timestamp", "sign")}
_SIGNED_QUERY = {"dingtalk": re.compile(r"&timestamp=[0-9]+&sign=[^&]+$")}
STAND_IN_MARK = "hEr4ld"  # herald.preview.service's stand-in secrets all carry it


@pytest.fixture
def receiver(aws, monkeypatch) -> Iterator[ZooReceiver]:
    with ZooReceiver(Behaviour.KEEPALIVE, ok_answer=ok_answer) as running:
        monkeypatch.setenv("HERALD_EGRESS_ALLOW", "127.0.0.1")
        monkeypatch.setenv("HERALD_RETRY_SCHEDULE", "600")  # a retried delivery stays put for the test
        for kind in FIXED_HOST_KINDS:
            monkeypatch.setenv(f"HERALD_ENDPOINT_{kind.upper()}", running.url(f"/{kind}"))
        get_settings.cache_clear()
        http.get_session.cache_clear()
        yield running
        http.get_session.cache_clear()


class Tenant:
    """Tenant acme with one channel per canary label (provider settings stored for `sms-settings`)."""

    def __init__(self, receiver: ZooReceiver) -> None:
        self.api = ApiClient()
        self.editor = auth.create_api_key("acme", "editor", "preview").key
        admin = auth.create_api_key("acme", "admin", "preview-admin").key
        assert self.api.put("/v1/settings/providers/twilio", key=admin, body=TWILIO_SETTINGS).status == 200
        self.configs = {**channel_configs(receiver.url("")), "voice-aws": AWS_VOICE}
        self.ids = {label: self.create(kind, config) for label, (kind, config) in self.configs.items()}

    def create(self, kind: str, config: dict[str, Any]) -> str:
        created = self.api.post("/v1/channels", key=self.editor, body={"kind": kind, "config": config})
        assert created.status == 201, created.text
        return str(created.json["id"])

    def preview(self, label: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = self.api.post(f"/v1/channels/{self.ids[label]}/preview", key=self.editor, body=body)
        assert reply.status == 200, reply.text
        return dict(reply.json)

    def send(self, label: str) -> None:
        """Send NOTIFICATION now. What the provider answers does not matter here (moto has no voice calls)."""
        body = {"channelIds": [self.ids[label]], "notification": NOTIFICATION}
        reply = self.api.post("/v1/notifications", key=self.editor, body=body, query={"wait": "true"})
        assert reply.status in (200, 502), reply.text


@pytest.fixture
def tenant(receiver) -> Tenant:
    return Tenant(receiver)


def wildcard(shown: str) -> re.Pattern[str]:
    """What a masked text stands for: each •••••••• is some secret, everything else is as it was sent."""
    return re.compile(".+".join(re.escape(piece) for piece in shown.split(SECRET_PLACEHOLDER)), re.DOTALL)


def assert_shows(shown: Any, sent: Any, where: str = "body") -> None:
    """`shown` (a preview's, masked) is `sent` with some secrets masked, and nothing else changed."""
    if isinstance(shown, dict) and isinstance(sent, dict):
        assert sorted(shown) == sorted(sent), where
        for key in shown:
            assert_shows(shown[key], sent[key], f"{where}.{key}")
    elif isinstance(shown, list) and isinstance(sent, list):
        assert len(shown) == len(sent), where
        for index, (one, other) in enumerate(zip(shown, sent, strict=True)):
            assert_shows(one, other, f"{where}[{index}]")
    elif isinstance(shown, str) and isinstance(sent, str):
        assert wildcard(shown).fullmatch(sent), f"{where}: preview {shown!r}, sent {sent!r}"
    else:
        assert shown == sent, where


def without_delivery_id(parameters: dict[str, Any]) -> dict[str, Any]:
    """SNS's Message and EventBridge's Detail are the webhook document, whose `id` is the delivery's."""
    found = dict(parameters)
    if "Message" in found and "TopicArn" in found:
        found["Message"] = {**json.loads(found["Message"]), "id": None}
    if "Entries" in found:
        found["Entries"] = [
            {**entry, "Detail": {**json.loads(entry["Detail"]), "id": None}} for entry in found["Entries"]
        ]
    return found


def sent_body(arrival: Arrival) -> Any:
    if "json" in arrival.headers.get("content-type", ""):
        return arrival.json()
    return arrival.body.decode()


LABELS = [*channel_configs("http://x").keys(), "voice-aws"]


@pytest.mark.parametrize("label", LABELS)
def test_given_a_channel_when_previewed_and_then_sent_then_the_preview_is_what_went_on_the_wire(
    tenant, receiver, label
):
    kind, config = tenant.configs[label]
    preview = tenant.preview(label, {"notification": NOTIFICATION})
    canaries = [*secret_values(config), *secret_values(TWILIO_SETTINGS)]
    assert not [c for c in canaries if c in json.dumps(preview, ensure_ascii=False)]
    assert MARK not in json.dumps(preview), "a secret (or part of one) is shown"

    with AwsCalls([*messaging_clients(), *customer_clients(kind, config, "acme")]) as calls:
        tenant.send(label)

    requests = preview["requests"]
    assert requests, "a monitor.down is sent by every kind"
    if label in (*AWS_LABELS, "voice-aws"):
        assert receiver.arrivals == []
        assert [(r["client"], r["action"]) for r in requests] == [tuple(name.split(".")) for name, _ in calls.params]
        for shown, (_name, parameters) in zip(requests, calls.params, strict=True):
            assert_shows(without_delivery_id(shown["parameters"]), without_delivery_id(parameters), "parameters")
        return
    assert len(receiver.arrivals) == len(requests)
    for shown, arrival in zip(requests, receiver.arrivals, strict=True):
        url = urlsplit(shown["url"])
        assert (shown["method"], url.netloc) == (arrival.method, f"127.0.0.1:{receiver.port}")
        path = f"{url.path}?{url.query}" if url.query else url.path
        if kind == "matrix":  # the transaction id ending the path is the delivery's
            path, arrival_path = path.rsplit("/", 1)[0], arrival.path.rsplit("/", 1)[0]
        else:
            arrival_path = arrival.path
        if signed := _SIGNED_QUERY.get(kind):
            assert signed.search(path) and signed.search(arrival_path), (path, arrival_path)
            path, arrival_path = signed.sub("", path), signed.sub("", arrival_path)
        assert_shows(path, arrival_path, "url")
        shown_body, body = shown["body"], sent_body(arrival)
        for key in (*PER_DELIVERY.get(kind, ()), *SIGNED_AT.get(kind, ())):
            assert shown_body.pop(key) and body.pop(key)
        assert_shows(shown_body, body)


def test_given_no_notification_when_previewed_then_the_events_sample_is_rendered(tenant):
    down = tenant.preview("webhook", {})
    recovered = tenant.preview("webhook", {"event": "monitor.recovery"})

    assert down["notification"]["event"] == "monitor.down"
    assert down["requests"][0]["body"]["event"] == "monitor.down"
    assert recovered["requests"][0]["body"]["notification"]["status"] == "resolved"
    assert recovered["requests"][0]["body"]["notification"]["downtimeSeconds"] > 0


def test_given_secrets_in_headers_when_previewed_then_they_and_the_signatures_are_masked(tenant):
    [request] = tenant.preview("webhook", {})["requests"]

    assert request["headers"]["X-Token"] == SECRET_PLACEHOLDER
    assert request["headers"]["webhook-signature"] == SECRET_PLACEHOLDER
    assert request["headers"]["X-Herald-Signature-256"] == SECRET_PLACEHOLDER
    assert request["url"].endswith(SECRET_PLACEHOLDER) and "/webhook/" not in request["url"]
    [beams] = tenant.preview("pusherbeams", {})["requests"]
    assert beams["headers"]["Authorization"] == f"Bearer {SECRET_PLACEHOLDER}"


def test_given_every_kind_when_previewed_then_nothing_is_sent_called_or_logged(tenant, receiver, aws):
    with AwsCalls(messaging_clients()) as calls:
        for label in LABELS:
            tenant.preview(label, {"event": "monitor.down"})
            tenant.preview(label, {"event": "monitor.recovery"})
        for kind in KINDS:
            reply = tenant.api.post("/v1/preview", key=tenant.editor, body={"kind": kind, "config": SAMPLES[kind]})
            assert reply.status in (200, 422), reply.text

    assert receiver.arrivals == []
    assert calls.calls == {}
    assert tenant.api.get("/v1/deliveries", key=tenant.editor).json["data"] == []


def without_secrets(kind: str) -> dict[str, Any]:
    from herald.adapters import registry

    secret = set(registry.get(kind).config_model.secret_fields())
    config = {name: value for name, value in SAMPLES[kind].items() if name not in secret}
    return {**config, "originationIdentity": "+14155550000"} if kind == "voice" else config


@pytest.mark.parametrize("kind", KINDS)
def test_given_a_config_without_its_secrets_when_previewed_then_stand_ins_show_as_masked(api, key, kind):
    reply = api.post("/v1/preview", key=key, body={"kind": kind, "config": without_secrets(kind)})

    assert reply.status == 200, reply.text
    assert reply.json["kind"] == kind and reply.json["requests"]
    assert STAND_IN_MARK not in reply.text and SECRET_MARK not in reply.text


def test_given_a_config_with_its_secrets_when_previewed_then_they_are_masked_but_the_host_shown(api, key):
    reply = api.post("/v1/preview", key=key, body={"kind": "slack", "config": SAMPLES["slack"]})

    assert reply.status == 200, reply.text
    assert reply.json["requests"][0]["url"] == f"https://hooks.slack.com/{SECRET_PLACEHOLDER}"
    assert SECRET_MARK not in reply.text


def test_given_an_aws_kind_when_previewed_then_the_action_and_parameters_are_shown(api, key):
    reply = api.post("/v1/preview", key=key, body={"kind": "email", "config": SAMPLES["email"]})

    [call] = reply.json["requests"]
    assert (call["type"], call["service"], call["action"]) == ("aws", "Amazon SES", "SendEmail")
    assert call["parameters"]["Destination"] == {"ToAddresses": ["oncall@example.com"]}
    assert call["parameters"]["Content"]["Simple"]["Subject"]["Data"].endswith("Checkout API is down")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "carrier-pigeon", "config": {}}, 400, None),
        ({"kind": "telegram", "config": {"chatId": "not a chat"}}, 422, "config.chatId"),
        ({"kind": "slack", "config": {"webhookUrl": "http://10.0.0.1/hook"}}, 422, "config.webhookUrl"),
        ({"kind": "slack", "config": {"colour": "red"}}, 422, "config.colour"),
        ({"kind": "slack", "notification": {"body": "no title"}}, 422, "notification.title"),
        ({"kind": "slack", "notification": {"title": "t"}, "event": "monitor.down"}, 422, "event"),
        ({"kind": "slack", "event": "monitor.sideways"}, 422, "event"),
        ({"kind": "slack", "template": "{{ event }}"}, 422, "template"),
        ({"kind": "voice", "config": {"phoneNumber": "+14155551234"}}, 422, "config"),
    ],
)
def test_given_bad_input_when_previewed_then_the_error_names_the_field(api, key, body, status, field):
    reply = api.post("/v1/preview", key=key, body=body)

    assert reply.status == status, reply.text
    if field is not None:
        assert field in [detail["field"] for detail in reply.json["details"]], reply.text


def test_given_another_tenants_channel_when_previewed_then_404(tenant):
    globex = auth.create_api_key("globex", "editor", "other").key

    reply = tenant.api.post(f"/v1/channels/{tenant.ids['slack']}/preview", key=globex, body={})

    assert (reply.status, reply.json["code"]) == (404, "channel_not_found")


@pytest.mark.parametrize(
    ("kind", "config", "requests"),
    [
        # A resolve of an emergency cancels its repeats by tag first (the tag is the dedup key here).
        ("pushover", {"userKey": "u" * 30, "priority": 2}, ["/1/receipts/cancel_by_tag/", "/1/messages.json"]),
        ("voice", AWS_VOICE[1], []),  # no call is placed for a recovery
    ],
)
def test_given_a_recovery_when_previewed_then_the_requests_are_those_a_send_makes_in_order(
    api, key, kind, config, requests
):
    reply = api.post("/v1/preview", key=key, body={"kind": kind, "config": config, "event": "monitor.recovery"})

    assert reply.status == 200, reply.text
    paths = [urlsplit(request["url"]).path for request in reply.json["requests"]]
    assert len(paths) == len(requests)
    assert all(path.startswith(prefix) for path, prefix in zip(paths, requests, strict=True)), paths
