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

import json
from collections.abc import Iterator
from typing import Any

import pytest

from herald.auth import service as auth
from herald.settings import get_settings
from herald.transport import http
from tests.support.api import ApiClient
from tests.support.canaries import (
    AWS_LABELS,
    MARK,
    TWILIO_SETTINGS,
    canary,
    channel_configs,
    found_in,
    ok_answer,
    secret_values,
)
from tests.support.samples import FIXED_HOST_KINDS
from tests.support.tables import reseal_channel_config, scan_all
from tests.support.zoo import Behaviour, ZooReceiver

DEADLINE = 0.5  # seconds per attempt: the trickling receiver (1 s) outlasts it


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
    signing_keys = {canary("webhooksecret"), canary("larksecret"), canary("dingtalksecret")}  # only HMACs travel
    # An external id goes only to STS (moto), to assume the customer's role: never to a receiver.
    external_ids = {canary("snsexternalId"), canary("eventbridgeexternalId")}
    assert ({*canaries, MARK} - set(found_in(sent, canaries))) == signing_keys | external_ids  # the rest was sent
    canaries.append(canary("legacy"))  # never sent: only a stored config a later release refuses holds it
    outputs = {
        "logs": log_lines.getvalue(),
        "api": json.dumps([[r.status, r.headers, r.text] for r in tenant.api.replies]),
        "dlq": json.dumps(dead),
        "table": repr(scan_all()),
    }
    assert {name: found_in(text, canaries) for name, text in outputs.items()} == {name: [] for name in outputs}
