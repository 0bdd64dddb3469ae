"""Issue 18 §5 through the local stack: each webhook payload preset, read by a receiver built for its product.

The receiver on 127.0.0.1 parses every body the way the product's consumers did (tests/support/consumers.py:
every documented member, its type, RFC 3339 times, nothing the product never sent) and answers 400 with the
reason when it cannot, so a body they could not read fails the delivery. Each preset goes through
`POST /v1/channels/{id}/test` and through a queued `POST /v1/notifications`, signed as every webhook is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from tests.e2e.conftest import Receiver
from tests.e2e.helpers import TEST_TITLE, Herald
from tests.e2e.test_delivery import verify_standard_webhook
from tests.support.consumers import CONSUMERS

pytestmark = pytest.mark.e2e

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MONITOR = {"id": "mon_42", "name": "Checkout API", "url": "https://api.example.com/health", "type": "https"}
DOWN: dict[str, Any] = {
    "event": "monitor.down",
    "severity": "critical",
    "monitor": MONITOR,
    "dedupKey": "mon_42",
    "details": {"statusCode": 503, "error": "Connection timeout after 10000ms"},
    "occurredAt": "2026-05-15T08:30:00Z",
}
RECOVERY: dict[str, Any] = {
    **DOWN,
    "event": "monitor.recovery",
    "status": "resolved",
    "severity": "info",
    "downtimeSeconds": 754,
    "details": {},
    "occurredAt": "2026-05-15T08:42:34Z",
}
INCIDENT: dict[str, Any] = {
    "event": "incident.created",
    "dedupKey": "bd25a449-b655-49e3-ac46-a9d6ffd50691",
    "incident": {
        "id": "bd25a449-b655-49e3-ac46-a9d6ffd50691",
        "title": "Checkout degraded",
        "startAt": "2026-05-15T08:25:00+03:00",
        "affectedComponents": [
            {
                "impact": "degraded_performance",
                "component_details": {
                    "name": "Checkout",
                    "impact": "degraded_performance",
                    "component_uuid": "88337a51-852b-48f3-ac8d-840e5f5326a0",
                },
            }
        ],
    },
}


class ConsumerReceiver(Receiver):
    """A receiver that reads each body with its product's consumer model: 200 when it can, else 400 and why."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self.read: list[Any] = []
        super().__init__()

    def _answer(self) -> tuple[int, dict[str, str], bytes, float]:
        with self._lock:
            body = self.requests[-1].body
        try:
            parsed = self.model.model_validate_json(body)
        except ValidationError as exc:
            return 400, {}, str(exc).encode()[:2000], 0.0
        with self._lock:
            self.read.append(parsed.model_dump())
        return 200, {}, b'{"ok": true}', 0.0


@contextmanager
def consumer_of(preset: str) -> Iterator[ConsumerReceiver]:
    running = ConsumerReceiver(CONSUMERS[preset])
    try:
        yield running
    finally:
        running.close()


def queued(herald: Herald, channel: str, notification: dict[str, Any], title: str) -> None:
    """Send through the queue (202) and wait until the delivery is delivered."""
    [entry] = herald.send([channel], title, **notification)["deliveries"]
    delivery = herald.settled(entry["deliveryId"])
    assert delivery["status"] == "delivered", delivery


# What each product's consumer must read from /test: the test notification, told in the product's words.
TESTED: dict[str, Callable[[dict[str, Any]], Any]] = {
    "kamustatus": lambda body: (body["event"], body["monitor"]["name"]) == ("test", TEST_TITLE),
    "pixomonitor": lambda body: (body["monitor"]["name"], body["status"]) == (TEST_TITLE, "DOWN"),
    "statusmate": lambda body: (body["text"], body["meta"]["type"]) == (TEST_TITLE, "incident_created"),
    "alertmanager": lambda body: (
        (body["alerts"][0]["labels"]["alertname"], body["commonAnnotations"]["summary"]) == ("HeraldTest", TEST_TITLE)
    ),
}


@pytest.mark.parametrize("preset", list(CONSUMERS))
def test_given_a_preset_channel_when_tested_then_the_products_receiver_reads_a_signed_test(
    herald: Herald, preset: str
) -> None:
    with consumer_of(preset) as receiver:
        channel = herald.webhook(f"{receiver.url}/hook", payloadFormat=preset, secret=SECRET)

        reply = herald.call("POST", f"/v1/channels/{channel}/test")

        assert reply.status_code == 200, reply.text
        assert reply.json()["success"] is True
        [request] = receiver.wait_for(1)
        assert verify_standard_webhook(SECRET, request.headers, request.body)
        [body] = receiver.read
        assert TESTED[preset](body), body


def test_given_a_kamustatus_channel_when_a_monitor_goes_down_then_its_receiver_reads_monitor_down(
    herald: Herald,
) -> None:
    with consumer_of("kamustatus") as receiver:
        channel = herald.webhook(receiver.url, payload_format="kamustatus")

        queued(herald, channel, DOWN, "Checkout API is down")

        assert receiver.read == [
            {
                "event": "monitor_down",
                "monitor": {"id": "mon_42", "name": "Checkout API", "url": "https://api.example.com/health"},
                "timestamp": "2026-05-15T08:30:00Z",
                "details": DOWN["details"],
            }
        ]


def test_given_a_pixomonitor_channel_when_a_monitor_goes_down_and_recovers_then_its_receiver_reads_down_then_up(
    herald: Herald,
) -> None:
    with consumer_of("pixomonitor") as receiver:
        channel = herald.webhook(receiver.url, payloadFormat="pixomonitor")

        queued(herald, channel, DOWN, "Checkout API is down")
        queued(herald, channel, RECOVERY, "Checkout API is up")

        down, up = receiver.read
        assert (down["status"], down["error"], down["monitor"]["type"]) == (
            "DOWN",
            "Connection timeout after 10000ms",
            "HTTPS",
        )
        assert (up["status"], up["error"], up["checkedAt"]) == ("UP", None, "2026-05-15T08:42:34Z")


def test_given_a_statusmate_channel_when_an_incident_is_sent_then_its_receiver_reads_incident_created(
    herald: Herald,
) -> None:
    with consumer_of("statusmate") as receiver:
        channel = herald.webhook(receiver.url, payloadFormat="statusmate")

        queued(herald, channel, INCIDENT, "Incident: Checkout degraded")

        [body] = receiver.read
        meta = body["meta"]
        assert (body["text"], meta["type"], meta["uuid"]) == (
            "Checkout degraded",
            "incident_created",
            INCIDENT["incident"]["id"],
        )
        assert (meta["start_at"], meta["end_at"]) == ("2026-05-15T08:25:00+03:00", None)
        assert meta["affected_components"] == INCIDENT["incident"]["affectedComponents"]


def test_given_an_alertmanager_channel_when_a_monitor_goes_down_and_recovers_then_one_alert_fires_and_resolves(
    herald: Herald,
) -> None:
    with consumer_of("alertmanager") as receiver:
        channel = herald.webhook(receiver.url, payloadFormat="alertmanager")

        queued(herald, channel, DOWN, "Checkout API is down")
        queued(herald, channel, RECOVERY, "Checkout API is up")

        fired, resolved = receiver.read
        assert (fired["status"], resolved["status"]) == ("firing", "resolved")
        assert fired["groupKey"] == resolved["groupKey"]
        assert fired["alerts"][0]["fingerprint"] == resolved["alerts"][0]["fingerprint"]
        assert fired["alerts"][0]["labels"]["instance"] == MONITOR["url"]
        assert (resolved["alerts"][0]["startsAt"], resolved["alerts"][0]["endsAt"]) == (
            "2026-05-15T08:30:00Z",
            "2026-05-15T08:42:34Z",
        )


class ChatHook(BaseModel):
    """A chat room's incoming webhook, as strict as such services are: a text, a name, nothing else."""

    model_config = {"extra": "forbid"}
    text: str
    username: str


CHAT_BODY = """{
  "text": {{ (event.severity | upper) ~ " " ~ notification.title ~ " (" ~ (details.statusCode | default("-")) ~ ")" }},
  "username": {{ "herald/" ~ channel.name }}
}"""


def test_given_a_custom_body_channel_when_tested_and_sent_then_a_strict_receiver_reads_the_users_own_body(
    herald: Herald,
) -> None:
    running = ConsumerReceiver(ChatHook)
    try:
        channel = herald.webhook(running.url, payloadFormat="custom", bodyTemplate=CHAT_BODY)

        tested = herald.call("POST", f"/v1/channels/{channel}/test")
        queued(herald, channel, DOWN, "Checkout API is down")

        assert tested.status_code == 200, tested.text
        test, down = running.read
        assert test["text"] == f"INFO {TEST_TITLE} (-)"
        assert down == {"text": "CRITICAL Checkout API is down (503)", "username": test["username"]}
        assert test["username"].startswith("herald/")
    finally:
        running.close()
