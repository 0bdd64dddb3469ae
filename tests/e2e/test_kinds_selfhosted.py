"""Issue 20's proof for the self-hosted kinds zulip, homeassistant and signal, through the local stack.

Each channel points at a receiver on 127.0.0.1 standing in for the organisation's own server (the stack runs
with HERALD_EGRESS_ALLOW=127.0.0.1, the allow-list every self-hosted URL passes). For each kind: `/test`
succeeds and the server receives the request as the service reads it (zulip: PROVIDERS.md §20; Home
Assistant: its REST API's notify service call; signal: signal-cli-rest-api's POST /v2/send); the secrets are
redacted when the channel is read back; the service's own error answer is a 502 with its words; a queued
recovery lands and reads as one. Zulip's rate-limit answer delays the retry by the time it names.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from herald.models.config import SECRET_PLACEHOLDER
from tests.e2e.conftest import Received
from tests.e2e.helpers import (
    SOURCE_URL,
    TEST_TITLE,
    Answer,
    Herald,
    ScriptedReceiver,
    content_type,
    form,
    header,
    json_answer,
)
from tests.e2e.test_kinds_urls import DOWNTIME, RECOVERY, Case, assert_no_secret, make_channel

pytestmark = pytest.mark.e2e


@pytest.fixture
def server() -> Iterator[ScriptedReceiver]:
    """The organisation's own server (Zulip, Home Assistant, signal-cli-rest-api), answering as scripted."""
    running = ScriptedReceiver()
    try:
        yield running
    finally:
        running.close()


def basic_login(request: Received) -> str:
    scheme, _, token = (header(request, "Authorization") or "").partition(" ")
    assert scheme == "Basic"
    return base64.b64decode(token).decode()


def zulip_fields(request: Received) -> dict[str, str]:
    fields = form(request)
    assert all(len(values) == 1 for values in fields.values()), fields
    return {name: values[0] for name, values in fields.items()}


def check_zulip(request: Received, reply: dict[str, Any]) -> None:
    assert (request.method, request.path) == ("POST", "/zulip/api/v1/messages")
    assert basic_login(request) == "herald-bot@example.com:zulipKeySecret"
    assert content_type(request).startswith("application/x-www-form-urlencoded")
    fields = zulip_fields(request)
    assert (fields["type"], fields["to"]) == ("stream", "alerts")
    assert fields["topic"] == TEST_TITLE  # no monitor: the title names the thread
    assert TEST_TITLE in fields["content"] and "your Zulip channel works" in fields["content"]


def check_homeassistant(request: Received, reply: dict[str, Any]) -> None:
    assert (request.method, request.path) == ("POST", "/ha/api/services/notify/mobile_app_pixel_8")
    assert header(request, "Authorization") == "Bearer haTokenSecret"
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert TEST_TITLE in body["title"] and "your Home Assistant channel works" in body["message"]
    assert body["target"] == ["living_room_tv"]


def check_signal(request: Received, reply: dict[str, Any]) -> None:
    assert (request.method, request.path) == ("POST", "/signal/v2/send")
    assert basic_login(request) == "herald:signalPassSecret"  # the proxy in front of the API
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert (body["number"], body["recipients"]) == ("+14155550100", ["+14155551234", "+14155551235"])
    assert TEST_TITLE in body["message"] and "your Signal channel works" in body["message"]
    assert body["text_mode"] == "normal"  # whatever the server's DEFAULT_SIGNAL_TEXT_MODE


ZULIP = Case(
    "zulip",
    "Zulip",
    lambda base: {
        "site": f"{base}/zulip",  # zuliprc's spellings: site, email, key
        "email": "herald-bot@example.com",
        "key": "zulipKeySecret",
        "stream": "alerts",
    },
    json_answer(200, {"result": "success", "msg": "", "id": 42}),
    check_zulip,
    message_id="42",
    secrets=("zulipKeySecret",),
)
HOMEASSISTANT = Case(
    "homeassistant",
    "Home Assistant",
    lambda base: {
        "serverUrl": f"{base}/ha",
        "accessToken": "haTokenSecret",
        "service": "notify.mobile_app_pixel_8",  # the action's full name, as Home Assistant shows it
        "target": ["living_room_tv"],
    },
    json_answer(200, []),
    check_homeassistant,
    secrets=("haTokenSecret",),
)
SIGNAL = Case(
    "signal",
    "Signal",
    lambda base: {
        "serverUrl": f"{base}/signal",
        "number": "+14155550100",
        "recipients": ["+14155551234", "+14155551235"],
        "username": "herald",
        "password": "signalPassSecret",
    },
    json_answer(201, {"timestamp": "1733217600123"}),
    check_signal,
    message_id="1733217600123",
    secrets=("signalPassSecret",),
)
SECRET_FIELDS = {"zulip": "apiKey", "homeassistant": "accessToken", "signal": "password"}


# ---- success: /test answers 200, the server got its own format, and the secret never comes back


@pytest.mark.parametrize("case", [ZULIP, HOMEASSISTANT, SIGNAL], ids=lambda case: case.kind)
def test_given_the_server_says_yes_when_the_channel_is_tested_then_200_it_got_its_format_and_secrets_stay_hidden(
    herald: Herald, server: ScriptedReceiver, case: Case
) -> None:
    server.script([], then=case.ok)
    channel = make_channel(herald, case, server)

    reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["success"] is True and body["detail"] == f"Test message sent to {case.display}"
    assert body.get("providerMessageId") == case.message_id
    [request] = server.wait_for(1, timeout=10)
    case.check(request, body)
    record = herald.delivery(body["deliveryId"])
    assert (record["status"], record["providerMessageId"]) == ("delivered", case.message_id)
    read_back = herald.call("GET", f"/v1/channels/{channel}")
    assert read_back.json()["config"][SECRET_FIELDS[case.kind]] == SECRET_PLACEHOLDER
    assert_no_secret(case, read_back.text + json.dumps(record))


# ---- the service's own error answer is a 502 with its words


@pytest.mark.parametrize(
    ("case", "answer", "error"),
    [
        pytest.param(
            ZULIP,
            json_answer(
                400,
                {
                    "result": "error",
                    "msg": "Stream 'alerts' does not exist",
                    "code": "STREAM_DOES_NOT_EXIST",
                    "stream": "alerts",
                },
            ),
            "Zulip returned 400: STREAM_DOES_NOT_EXIST: Stream 'alerts' does not exist",
            id="zulip-400",
        ),
        pytest.param(
            HOMEASSISTANT,
            Answer(401, b"401: Unauthorized", {"Content-Type": "text/plain"}),
            "Home Assistant returned 401: 401: Unauthorized",
            id="homeassistant-401",
        ),
        pytest.param(
            SIGNAL,
            json_answer(400, {"error": "Failed to send message: User +14155550100 is not registered."}),
            "Signal returned 400: Failed to send message: User +14155550100 is not registered.",
            id="signal-400",
        ),
    ],
)
def test_given_the_server_says_no_when_the_channel_is_tested_then_502_with_its_words(
    herald: Herald, server: ScriptedReceiver, case: Case, answer: Answer, error: str
) -> None:
    server.script([], then=answer)
    channel = make_channel(herald, case, server)

    reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 502, reply.text
    body = reply.json()
    assert (body["success"], body["error"]) == (False, error)
    record = herald.delivery(body["deliveryId"])
    assert (record["status"], record["error"]) == ("failed", error)
    assert_no_secret(case, reply.text + json.dumps(record))


# ---- a queued recovery lands, and reads as one


def check_zulip_recovery(request: Received) -> None:
    fields = zulip_fields(request)
    assert fields["topic"] == "Checkout API"  # the monitor's name: the alert's own thread
    assert "✅" in fields["content"] and DOWNTIME in fields["content"]
    assert f"]({SOURCE_URL})" in fields["content"]


def check_homeassistant_recovery(request: Received) -> None:
    body = request.json()
    assert "✅" in body["title"] and DOWNTIME in body["message"]
    # The apps open the link on a tap and replace the alert that had the same tag.
    assert body["data"] == {"clickAction": SOURCE_URL, "url": SOURCE_URL, "tag": "mon_42"}


def check_signal_recovery(request: Received) -> None:
    message = request.json()["message"]
    assert "✅" in message and DOWNTIME in message and SOURCE_URL in message


@pytest.mark.parametrize(
    ("case", "check"),
    [
        pytest.param(ZULIP, check_zulip_recovery, id="zulip"),
        pytest.param(HOMEASSISTANT, check_homeassistant_recovery, id="homeassistant"),
        pytest.param(SIGNAL, check_signal_recovery, id="signal"),
    ],
)
def test_given_a_queued_recovery_when_it_is_delivered_then_it_lands_and_reads_as_recovered(
    herald: Herald, server: ScriptedReceiver, case: Case, check: Callable[[Received], None]
) -> None:
    server.script([], then=case.ok)
    channel = make_channel(herald, case, server)

    reply = herald.call("POST", "/v1/notifications", {"channelIds": [channel], "notification": RECOVERY})

    assert reply.status_code == 202, reply.text
    record = herald.settled(reply.json()["deliveries"][0]["deliveryId"])
    assert (record["status"], record["providerMessageId"]) == ("delivered", case.message_id)
    [request] = server.wait_for(1, timeout=10)
    check(request)


# ---- Zulip's rate limit: the retry waits for the time its answer names


def test_given_zulip_says_rate_limit_hit_when_a_send_is_queued_then_the_retry_waits_for_its_retry_after(
    herald: Herald, server: ScriptedReceiver
) -> None:
    # Only the JSON `retry-after` names 3.5 s (no header): the schedule's own 1 s would retry sooner.
    limited = json_answer(
        429, {"result": "error", "code": "RATE_LIMIT_HIT", "msg": "API usage exceeded rate limit", "retry-after": 3.5}
    )
    server.script([limited], then=ZULIP.ok)
    channel = make_channel(herald, ZULIP, server)

    delivery_id = herald.send([channel], title="Checkout API is down")["deliveries"][0]["deliveryId"]

    record = herald.settled(delivery_id, timeout=30)
    assert record["status"] == "delivered", record
    assert [attempt["httpStatus"] for attempt in record["attempts"]] == [429, 200]
    first, second = server.wait_for(2, timeout=10)
    assert second.at - first.at >= 3.5
    assert first.body == second.body
