"""Issue 20's proof for mattermost, rocketchat and webex, through the local stack.

Mattermost and Rocket.Chat channels point their webhook URL at a real HTTP receiver on 127.0.0.1 (the stack
runs with HERALD_EGRESS_ALLOW=127.0.0.1); Webex has a fixed public host, so the session stack sends it to
`{providers.url}/webex` (HERALD_ENDPOINT_WEBEX). Each receiver answers as the service does
(PROVIDERS.md §18, §19, §21b). Per kind: the channel reads back with its secret redacted and a non-secret
summary; `POST /v1/channels/{id}/test` succeeds and the service receives its own request (method, path,
auth, content type, body fields); a queued recovery lands and reads as one; the service's own error answer
becomes a 502 with its words. None of the three has a resolve: a recovery is a new message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.conftest import Received, Receiver
from tests.e2e.helpers import (
    SOURCE_URL,
    TEST_TITLE,
    Answer,
    Herald,
    ScriptedReceiver,
    answering,
    content_type,
    create_channel,
    header,
    json_answer,
    wait_for_path,
)
from tests.e2e.test_kinds_urls import DOWNTIME, RECOVERY, greenish

pytestmark = pytest.mark.e2e

MATTERMOST_KEY = "mmKey7xq3Secret"
ROCKETCHAT_TOKEN = "rcTokenYzm7hSecret"
WEBEX_TOKEN = "NWE3ZDk0ZjMtWebexBotSecret"
WEBEX_ROOM = "Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQtNDNmMS0zYjU4"
WEBEX_MESSAGE = "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTAt"


@pytest.fixture
def hook() -> Iterator[ScriptedReceiver]:
    running = ScriptedReceiver()
    try:
        yield running
    finally:
        running.close()


# ---- what each service receives


def check_mattermost(request: Received) -> dict[str, Any]:
    """§18: JSON to the hook's own path; the attachment is the message. Returns that attachment."""
    assert (request.method, request.path) == ("POST", f"/hooks/{MATTERMOST_KEY}")
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert (body["channel"], body["username"]) == ("ops-alerts", "Herald")
    [part] = body["attachments"]
    assert part["fallback"] and part["footer"] == "Herald"
    return dict(part)


def check_rocketchat(request: Received) -> dict[str, Any]:
    """§19: JSON to `/hooks/{id}/{token}`, the headline as `text`, the overrides by Rocket.Chat's names."""
    assert (request.method, request.path) == ("POST", f"/hooks/6SRjWvPNHw9ieYEbi/{ROCKETCHAT_TOKEN}")
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert (body["alias"], body["emoji"]) == ("Herald", ":rotating_light:")  # sent as `username`, `icon_emoji`
    [part] = body["attachments"]
    assert body["text"] == part["title"]
    return dict(part)


def check_webex(request: Received) -> dict[str, Any]:
    """§21b: POST /v1/messages with the bot's Bearer token, one destination, Markdown and a text fallback."""
    assert (request.method, request.path) == ("POST", "/webex/v1/messages")
    assert header(request, "Authorization") == f"Bearer {WEBEX_TOKEN}"
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert body["roomId"] == WEBEX_ROOM and "toPersonEmail" not in body and "toPersonId" not in body
    assert len(body["markdown"].encode()) <= 7439 and len(body["text"].encode()) <= 7439
    assert body["markdown"].startswith("**") and body["text"]
    return dict(body)


def said_test(kind: str, display: str, sent: dict[str, Any]) -> None:
    words = f"your {display} channel works"
    if kind == "webex":
        assert TEST_TITLE in sent["markdown"] and words in sent["markdown"] and words in sent["text"]
    else:
        assert TEST_TITLE in sent["title"] and words in sent["text"]
        assert sent["color"].startswith("#") and not greenish(sent["color"])


def said_recovery(kind: str, sent: dict[str, Any]) -> None:
    if kind == "webex":
        markdown = sent["markdown"]
        assert markdown.startswith("**✅ RESOLVED") and DOWNTIME in markdown
        assert f"(<{SOURCE_URL}>)" in markdown
    else:
        assert sent["title"].startswith("✅ RESOLVED") and greenish(sent["color"])
        assert sent["title_link"] == SOURCE_URL
        assert {"title": "Downtime", "value": DOWNTIME, "short": True} in sent["fields"]


@dataclass(frozen=True)
class Case:
    kind: str
    display: str
    config: Callable[[str], dict[str, Any]]  # receiver URL → channel config, as a user of the service writes it
    summary: Callable[[str], str]  # receiver URL → the configSummary
    ok: Answer
    check: Callable[[Received], dict[str, Any]]
    refusal: Answer
    error: str
    secret: str
    message_id: str | None = None

    @property
    def fixed_host(self) -> bool:
        return self.kind == "webex"


MATTERMOST = Case(
    "mattermost",
    "Mattermost",
    lambda base: {"webhookUrl": f"{base}/hooks/{MATTERMOST_KEY}", "channel": "ops-alerts", "username": "Herald"},
    lambda base: "127.0.0.1",
    Answer(200, b"ok", {"Content-Type": "text/plain"}),
    check_mattermost,
    json_answer(
        403,
        {
            "id": "web.incoming_webhook.channel_locked.app_error",
            "message": "This webhook is not permitted to post to the requested channel.",
            "status_code": 403,
        },
    ),
    "Mattermost returned 403: This webhook is not permitted to post to the requested channel. "
    "(web.incoming_webhook.channel_locked.app_error)",
    MATTERMOST_KEY,
)
ROCKETCHAT = Case(
    "rocketchat",
    "Rocket.Chat",
    lambda base: {
        "webhook_url": f"{base}/hooks/6SRjWvPNHw9ieYEbi/{ROCKETCHAT_TOKEN}",
        "username": "Herald",
        "icon_emoji": ":rotating_light:",
    },
    lambda base: "127.0.0.1",
    json_answer(200, {"success": True}),
    check_rocketchat,
    json_answer(400, {"success": False, "error": "Invalid integration id or token provided."}),
    "Rocket.Chat returned 400: Invalid integration id or token provided.",
    ROCKETCHAT_TOKEN,
)
WEBEX = Case(
    "webex",
    "Webex",
    lambda base: {"botToken": WEBEX_TOKEN, "roomId": WEBEX_ROOM},
    lambda base: WEBEX_ROOM,
    json_answer(200, {"id": WEBEX_MESSAGE, "roomId": WEBEX_ROOM, "roomType": "group"}),
    check_webex,
    json_answer(
        404,
        {
            "message": "Could not find a room with provided ID.",
            "errors": [{"description": "Could not find a room with provided ID."}],
            "trackingId": "ROUTER_6543A21B-1F2D",
        },
    ),
    "Webex returned 404: Could not find a room with provided ID. (trackingId ROUTER_6543A21B-1F2D)",
    WEBEX_TOKEN,
    message_id=WEBEX_MESSAGE,
)
CASES = [pytest.param(case, id=case.kind) for case in (MATTERMOST, ROCKETCHAT, WEBEX)]


@contextmanager
def service(
    case: Case, hook: ScriptedReceiver, provider: Receiver, then: Answer
) -> Iterator[tuple[str, Callable[[int], list[Received]]]]:
    """The receiver standing in for the case's service, answering `then`: its base URL, and how to wait for
    the first `count` requests it received."""
    if case.fixed_host:
        with answering(provider, [], then=then):
            yield provider.url, lambda count: wait_for_path(provider, f"/{case.kind}", count)
    else:
        hook.script([], then=then)
        yield hook.url, lambda count: hook.wait_for(count, timeout=20)


def assert_no_secret(case: Case, text: str) -> None:
    assert case.secret not in text, f"{case.kind} secret echoed"


# ---- 1. the channel reads back redacted; /test and a queued recovery reach the service in its own format


@pytest.mark.parametrize("case", CASES)
def test_given_the_service_says_yes_when_tested_and_sent_a_recovery_then_both_arrive_in_its_own_format(
    herald: Herald, hook: ScriptedReceiver, provider: Receiver, case: Case
) -> None:
    with service(case, hook, provider, case.ok) as (base, arrivals):
        channel = create_channel(herald, case.kind, case.config(base), name=f"e2e {case.kind}")
        read = herald.call("GET", f"/v1/channels/{channel}")
        tested = herald.call("POST", f"/v1/channels/{channel}/test")
        queued = herald.send([channel], **RECOVERY)["deliveries"][0]["deliveryId"]
        record = herald.settled(queued, timeout=30)
        test_request, recovery_request = arrivals(2)

    assert read.status_code == 200 and read.json()["configSummary"] == case.summary(base)
    assert_no_secret(case, read.text)
    assert "••••••••" in read.json()["config"].values()  # the URL or token, as API.md §4 promises
    assert tested.status_code == 200, tested.text
    body = tested.json()
    assert (body["success"], body["detail"]) == (True, f"Test message sent to {case.display}")
    assert body.get("providerMessageId") == case.message_id
    said_test(case.kind, case.display, case.check(test_request))
    assert (record["status"], record["providerMessageId"]) == ("delivered", case.message_id), record
    said_recovery(case.kind, case.check(recovery_request))
    assert_no_secret(case, tested.text + json.dumps(record))


# ---- 2. the service's own error answer is a 502 with its words, sent once


@pytest.mark.parametrize("case", CASES)
def test_given_the_service_says_no_when_the_channel_is_tested_then_502_with_its_words(
    herald: Herald, hook: ScriptedReceiver, provider: Receiver, case: Case
) -> None:
    with service(case, hook, provider, case.refusal) as (base, arrivals):
        channel = create_channel(herald, case.kind, case.config(base))
        reply = herald.call("POST", f"/v1/channels/{channel}/test")
        [request] = arrivals(1)

    assert reply.status_code == 502, reply.text
    body = reply.json()
    assert (body["success"], body["error"]) == (False, case.error)
    record = herald.delivery(body["deliveryId"])
    assert (record["status"], record["error"]) == ("failed", case.error)
    assert record["attempts"][0]["httpStatus"] == case.refusal.status
    case.check(request)  # refused as sent: the request itself was right
    assert_no_secret(case, reply.text + json.dumps(record))
