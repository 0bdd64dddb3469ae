"""Issue 5's proof for the kinds whose destination is a URL in the channel config, through the local stack.

slack, discord, teams (Workflows), googlechat, matrix, ntfy, gotify and webhook: each channel points at a real
HTTP receiver on 127.0.0.1 (the stack runs with HERALD_EGRESS_ALLOW=127.0.0.1 and HERALD_RETRY_SCHEDULE=1,1,1).
For each kind: `POST /v1/channels/{id}/test` succeeds and the receiver sees the request the service would
(PROVIDERS.md §1-4, §12-14, §24); the service's own error answer becomes a 502 with its words; its rate-limit
signal delays the retry of a queued send; a recovery reads as one, with its link and downtime.

Teams legacy connectors (`*.webhook.office.com`, PROVIDERS.md §3a) cannot be pointed at 127.0.0.1: their
MessageCard is proven by tests/unit/adapters/test_teams.py (`test_a_connector_url_gets_a_message_card`, ...).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import Received
from tests.e2e.helpers import (
    SOURCE_URL,
    TEST_TITLE,
    Answer,
    Herald,
    ScriptedReceiver,
    create_channel,
    header,
    json_answer,
)
from tests.e2e.test_delivery import verify_standard_webhook

pytestmark = pytest.mark.e2e

WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TEAMS_QUERY = "api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=teamsSig0Secret"

# A recovery with everything a rich format can show: link, facts, dedup key and a known downtime.
RECOVERY: dict[str, Any] = {
    "event": "monitor.recovery",
    "title": "Checkout API is up",
    "body": "Answering 200 again",
    "severity": "critical",
    "status": "resolved",
    "sourceUrl": SOURCE_URL,
    "fields": [{"label": "Region", "value": "eu-west"}],
    "monitor": {"id": "mon_42", "name": "Checkout API", "url": "https://api.example.com", "type": "HTTPS"},
    "dedupKey": "mon_42",
    "downtimeSeconds": 3720,
}
DOWNTIME = "1h 2m"  # 3720 s as people read it


@pytest.fixture
def hook() -> Iterator[ScriptedReceiver]:
    running = ScriptedReceiver()
    try:
        yield running
    finally:
        running.close()


# ---- what the receiver sees


def content_type(request: Received) -> str:
    return header(request, "Content-Type") or ""


def greenish(color: str | int) -> bool:
    """A colour (hex '#RRGGBB', 'RRGGBB' or an int) whose green clearly dominates: how a recovery looks."""
    value = int(color.lstrip("#"), 16) if isinstance(color, str) else color
    red, green, blue = value >> 16 & 0xFF, value >> 8 & 0xFF, value & 0xFF
    return green > red + 40 and green > blue + 40


def text_of(payload: Any) -> str:
    """Every string in a JSON document, joined: for 'the message says X somewhere'."""
    return json.dumps(payload, ensure_ascii=False)


def check_slack(request: Received, reply: dict[str, Any]) -> None:
    assert (request.method, request.path) == ("POST", "/services/T0HERALD/B0HERALD/slackSecret42")
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert TEST_TITLE in body["text"]  # the push-notification fallback (§1)
    [attachment] = body["attachments"]
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", attachment["color"])
    blocks = attachment["blocks"]
    assert 1 <= len(blocks) <= 50
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["type"] == "plain_text"
    assert TEST_TITLE in blocks[0]["text"]["text"] and len(blocks[0]["text"]["text"]) <= 150
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert any("your Slack channel works" in text for text in sections)


def check_discord(request: Received, reply: dict[str, Any]) -> None:
    url = urlsplit(request.path)
    assert (request.method, url.path) == ("POST", "/api/webhooks/112233445566778899/discordTokenSecret")
    assert parse_qs(url.query)["thread_id"] == ["998877665544332211"]  # a query parameter, not in the body
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert body["allowed_mentions"] == {"parse": []}  # no @everyone pings from monitor text
    assert body["username"] == "Herald alerts"
    [embed] = body["embeds"]
    assert isinstance(embed["color"], int) and TEST_TITLE in embed["title"]
    assert "your Discord channel works" in embed["description"]
    assert len(body.get("content", "")) <= 2000 and "thread_id" not in body


def check_discord_wait(request: Received, reply: dict[str, Any]) -> None:
    assert parse_qs(urlsplit(request.path).query) == {"wait": ["true"]}
    assert request.json()["embeds"][0]["title"].endswith(TEST_TITLE)


def check_teams(request: Received, reply: dict[str, Any]) -> None:
    # The Workflows URL is posted verbatim: its query carries the `sig` credential (§3b).
    assert (request.method, request.path) == ("POST", f"/workflows/a1b2c3/triggers/manual/paths/invoke?{TEAMS_QUERY}")
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] in ("1.2", "1.3", "1.4", "1.5")
    assert TEST_TITLE in text_of(card["body"]) and "your Microsoft Teams channel works" in text_of(card["body"])
    assert "Action.Submit" not in text_of(card)


def check_googlechat(request: Received, reply: dict[str, Any]) -> None:
    url = urlsplit(request.path)
    assert (request.method, url.path) == ("POST", "/v1/spaces/AAAAherald/messages")
    assert parse_qs(url.query) == {"key": ["chatKeySecret"], "token": ["chatTokenSecret"]}
    assert content_type(request).lower().replace(" ", "") == "application/json;charset=utf-8"
    body = request.json()
    assert TEST_TITLE in body["text"]  # plain-text fallback for notifications
    [card] = body["cardsV2"]
    assert TEST_TITLE in card["card"]["header"]["title"]
    assert "your Google Chat channel works" in text_of(card["card"]["sections"])
    assert "cards" not in body  # the deprecated v1 cards


def check_matrix(request: Received, reply: dict[str, Any]) -> None:
    assert request.method == "PUT"
    prefix = "/_matrix/client/v3/rooms/%21herald%3Aexample.org/send/m.room.message/"
    assert request.path.startswith(prefix) and len(request.path) > len(prefix)
    assert header(request, "Authorization") == "Bearer syt_matrixSecret"
    assert "access_token" not in request.path
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert body["msgtype"] in ("m.notice", "m.text")
    assert TEST_TITLE in body["body"] and "your Matrix channel works" in body["body"]
    assert body["format"] == "org.matrix.custom.html" and TEST_TITLE in body["formatted_body"]


def check_ntfy_token(request: Received, reply: dict[str, Any]) -> None:
    # The JSON form goes to the server root, here under the self-hosted path prefix (§12).
    assert (request.method, request.path) == ("POST", "/ntfy/")
    assert header(request, "Authorization") == "Bearer tk_ntfySecret"
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert body["topic"] == "herald-alerts" and TEST_TITLE in body["title"]
    assert "your ntfy channel works" in body["message"]
    assert isinstance(body["priority"], int) and 1 <= body["priority"] <= 5
    assert isinstance(body["tags"], list) and body["tags"]


def check_ntfy_basic(request: Received, reply: dict[str, Any]) -> None:
    scheme, _, token = (header(request, "Authorization") or "").partition(" ")
    assert scheme == "Basic" and base64.b64decode(token) == b"oncall:ntfyPassSecret"
    assert request.json()["topic"] == "herald-alerts"


def check_gotify(request: Received, reply: dict[str, Any]) -> None:
    assert (request.method, request.path) == ("POST", "/gotify/message")
    assert header(request, "X-Gotify-Key") == "AgotifySecret"
    assert "token=" not in request.path  # the header keeps the token out of access logs
    assert content_type(request).startswith("application/json")  # `extras` are only read from JSON
    body = request.json()
    assert TEST_TITLE in body["title"] and "your Gotify channel works" in body["message"]
    assert body["priority"] == 6  # the channel's configured priority
    assert body["extras"]["client::display"] == {"contentType": "text/markdown"}


def check_webhook(request: Received, reply: dict[str, Any]) -> None:
    assert (request.method, request.path) == ("PUT", "/hooks/herald?tenant=acme")
    assert content_type(request).startswith("application/json")
    assert (header(request, "User-Agent") or "").startswith("Herald/")
    assert header(request, "Authorization") == "Bearer whkHeaderSecret"
    assert verify_standard_webhook(WEBHOOK_SECRET, request.headers, request.body)
    assert header(request, "webhook-id") == reply["deliveryId"]
    body = request.json()
    assert (body["id"], body["event"], body["attempt"]) == (reply["deliveryId"], "test", 1)
    assert body["notification"]["title"] == TEST_TITLE and body["notification"]["status"] == "firing"


@dataclass(frozen=True)
class Case:
    """A channel of one kind pointed at the receiver, how that service says yes, and what it must receive."""

    kind: str
    display: str
    config: Callable[[str], dict[str, Any]]  # receiver URL → channel config
    ok: Answer
    check: Callable[[Received, dict[str, Any]], None]
    message_id: str | None = None  # the providerMessageId the success answer carries
    secrets: tuple[str, ...] = field(default=())  # must never come back in an answer or the log


SLACK = Case(
    "slack",
    "Slack",
    lambda base: {"webhookUrl": f"{base}/services/T0HERALD/B0HERALD/slackSecret42"},
    Answer(200, b"ok"),
    check_slack,
    secrets=("slackSecret42",),
)
DISCORD = Case(
    "discord",
    "Discord",
    lambda base: {
        "webhookUrl": f"{base}/api/webhooks/112233445566778899/discordTokenSecret",
        "threadId": "998877665544332211",
        "username": "Herald alerts",
    },
    Answer(204),
    check_discord,
    secrets=("discordTokenSecret",),
)
DISCORD_WAIT = Case(
    "discord",
    "Discord",
    lambda base: {"webhookUrl": f"{base}/api/webhooks/112233445566778899/discordTokenSecret?wait=true"},
    json_answer(200, {"id": "1250000000000000001", "channel_id": "112233445566778800", "type": 0}),
    check_discord_wait,
    message_id="1250000000000000001",
    secrets=("discordTokenSecret",),
)
TEAMS = Case(
    "teams",
    "Microsoft Teams",
    lambda base: {"webhookUrl": f"{base}/workflows/a1b2c3/triggers/manual/paths/invoke?{TEAMS_QUERY}"},
    Answer(202),
    check_teams,
    secrets=("teamsSig0Secret",),
)
GOOGLECHAT = Case(
    "googlechat",
    "Google Chat",
    lambda base: {"webhookUrl": f"{base}/v1/spaces/AAAAherald/messages?key=chatKeySecret&token=chatTokenSecret"},
    json_answer(
        200,
        {
            "name": "spaces/AAAAherald/messages/UOq9sQHi8TA.UOq9sQHi8TA",
            "thread": {"name": "spaces/AAAAherald/threads/UOq9sQHi8TA"},
        },
    ),
    check_googlechat,
    message_id="UOq9sQHi8TA.UOq9sQHi8TA",
    secrets=("chatKeySecret", "chatTokenSecret", "AAAAherald"),
)
MATRIX = Case(
    "matrix",
    "Matrix",
    lambda base: {"homeserverUrl": base, "roomId": "!herald:example.org", "accessToken": "syt_matrixSecret"},
    json_answer(200, {"event_id": "$YUwRidLecu:example.org"}),
    check_matrix,
    message_id="$YUwRidLecu:example.org",
    secrets=("syt_matrixSecret",),
)
NTFY = Case(
    "ntfy",
    "ntfy",
    lambda base: {"serverUrl": f"{base}/ntfy", "topic": "herald-alerts", "accessToken": "tk_ntfySecret"},
    json_answer(200, {"id": "sPs71M8A2T", "time": 1643935928, "event": "message", "topic": "herald-alerts"}),
    check_ntfy_token,
    message_id="sPs71M8A2T",
    secrets=("tk_ntfySecret",),
)
NTFY_BASIC = Case(
    "ntfy",
    "ntfy",
    lambda base: {"serverUrl": base, "topic": "herald-alerts", "username": "oncall", "password": "ntfyPassSecret"},
    json_answer(200, {"id": "hwQ2YpKdmg", "time": 1643935929, "event": "message", "topic": "herald-alerts"}),
    check_ntfy_basic,
    message_id="hwQ2YpKdmg",
    secrets=("ntfyPassSecret",),
)
GOTIFY = Case(
    "gotify",
    "Gotify",
    lambda base: {"serverUrl": f"{base}/gotify", "appToken": "AgotifySecret", "priority": 6},
    json_answer(
        200, {"id": 25, "appid": 5, "message": "x", "title": "y", "priority": 6, "date": "2026-05-15T08:30:00Z"}
    ),
    check_gotify,
    message_id="25",
    secrets=("AgotifySecret",),
)
WEBHOOK = Case(
    "webhook",
    "Webhook",
    lambda base: {
        "url": f"{base}/hooks/herald?tenant=acme",
        "method": "PUT",
        "headers": {"Authorization": "Bearer whkHeaderSecret"},
        "secret": WEBHOOK_SECRET,
    },
    json_answer(200, {"received": True}),
    check_webhook,
    secrets=("whkHeaderSecret", WEBHOOK_SECRET),
)


def make_channel(herald: Herald, case: Case, hook: ScriptedReceiver) -> str:
    return create_channel(herald, case.kind, case.config(hook.url), name=f"e2e {case.kind}")


def assert_no_secret(case: Case, text: str) -> None:
    leaked = [secret for secret in case.secrets if secret in text]
    assert not leaked, f"{case.kind} secret echoed: {leaked}"


# ---- 1. success: /test answers 200 and the service receives its own format


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(SLACK, id="slack"),
        pytest.param(DISCORD, id="discord-204"),
        pytest.param(DISCORD_WAIT, id="discord-wait-200"),
        pytest.param(TEAMS, id="teams-workflows"),
        pytest.param(GOOGLECHAT, id="googlechat"),
        pytest.param(MATRIX, id="matrix"),
        pytest.param(NTFY, id="ntfy-token"),
        pytest.param(NTFY_BASIC, id="ntfy-basic"),
        pytest.param(GOTIFY, id="gotify"),
        pytest.param(WEBHOOK, id="webhook"),
    ],
)
def test_given_the_service_says_yes_when_the_channel_is_tested_then_200_and_it_got_its_own_format(
    herald: Herald, hook: ScriptedReceiver, case: Case
) -> None:
    hook.script([], then=case.ok)
    channel = make_channel(herald, case, hook)

    reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["success"] is True and body["detail"] == f"Test message sent to {case.display}"
    assert body.get("providerMessageId") == case.message_id
    [request] = hook.wait_for(1, timeout=10)
    case.check(request, body)
    record = herald.delivery(body["deliveryId"])
    assert (record["status"], record["event"], record["providerMessageId"]) == ("delivered", "test", case.message_id)
    assert_no_secret(case, json.dumps(record))


# ---- 2. provider error: the service's own error answer is a 502 with its words


@pytest.mark.parametrize(
    ("case", "answer", "error"),
    [
        pytest.param(SLACK, Answer(404, b"no_service"), "Slack returned 404: no_service", id="slack-404"),
        pytest.param(
            SLACK, Answer(400, b"invalid_blocks"), "Slack returned 400: invalid_blocks", id="slack-400-invalid_blocks"
        ),
        # Success is 200 *with* `ok` (§1): a 200 page from anything else in the way is not a delivery.
        pytest.param(
            SLACK,
            Answer(200, b"<html>Service moved</html>"),
            "Slack returned 200: <html>Service moved</html>",
            id="slack-200-without-ok",
        ),
        pytest.param(
            DISCORD,
            json_answer(404, {"message": "Unknown Webhook", "code": 10015}),
            "Discord returned 404: Unknown Webhook (code 10015)",
            id="discord-404",
        ),
        pytest.param(
            TEAMS,
            json_answer(
                400,
                {
                    "error": {
                        "code": "TriggerInputSchemaMismatch",
                        "message": "The input body for trigger 'manual' did not match its schema definition.",
                    }
                },
            ),
            "Microsoft Teams returned 400: TriggerInputSchemaMismatch: "
            "The input body for trigger 'manual' did not match its schema definition.",
            id="teams-400",
        ),
        # Connectors report throttling inside a 200 (§3a): not a delivery.
        pytest.param(
            TEAMS,
            Answer(200, b"Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0"),
            "Microsoft Teams returned 200: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0",
            id="teams-200-throttled-in-body",
        ),
        pytest.param(
            GOOGLECHAT,
            json_answer(
                400,
                {"error": {"code": 400, "message": "Invalid JSON payload received.", "status": "INVALID_ARGUMENT"}},
            ),
            "Google Chat returned 400: INVALID_ARGUMENT: Invalid JSON payload received.",
            id="googlechat-400",
        ),
        pytest.param(
            MATRIX,
            json_answer(403, {"errcode": "M_FORBIDDEN", "error": "User @herald:example.org not in room"}),
            "Matrix returned 403: M_FORBIDDEN: User @herald:example.org not in room",
            id="matrix-403",
        ),
        # Success is 200 with an event id (§14).
        pytest.param(MATRIX, json_answer(200, {}), "Matrix returned 200: {}", id="matrix-200-without-event-id"),
        pytest.param(
            NTFY,
            json_answer(403, {"code": 40301, "http": 403, "error": "forbidden", "link": "https://ntfy.sh/docs/"}),
            "ntfy returned 403: forbidden (code 40301)",
            id="ntfy-403",
        ),
        pytest.param(
            GOTIFY,
            json_answer(
                401,
                {
                    "error": "Unauthorized",
                    "errorCode": 401,
                    "errorDescription": "you need to provide a valid access token or user credentials",
                },
            ),
            "Gotify returned 401: Unauthorized: you need to provide a valid access token or user credentials",
            id="gotify-401",
        ),
        pytest.param(
            WEBHOOK, Answer(410, b"endpoint disabled"), "Webhook returned 410: endpoint disabled", id="webhook"
        ),
    ],
)
def test_given_the_service_says_no_when_the_channel_is_tested_then_502_with_its_words(
    herald: Herald, hook: ScriptedReceiver, case: Case, answer: Answer, error: str
) -> None:
    hook.script([], then=answer)
    channel = make_channel(herald, case, hook)

    reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 502, reply.text
    body = reply.json()
    assert (body["success"], body["error"]) == (False, error)
    assert_no_secret(case, reply.text)
    record = herald.delivery(body["deliveryId"])
    assert (record["status"], record["error"]) == ("failed", error)
    assert record["attempts"][0]["httpStatus"] == answer.status
    assert_no_secret(case, json.dumps(record))
    assert len(hook.wait_for(1, timeout=10)) == 1  # a test is sent once, never retried


# ---- 3. rate limit: the service's own signal sets the delay of the retry
#
# Hints are 3.5-4 s, not 1-2 s: the schedule's own 1 s (plus jitter, rounded up, plus the queue's poll) already
# puts a retry about 3 s after the first try, so only a longer hint proves the service's signal was read.


def same_transaction(first: Received, second: Received) -> None:
    # §14: the retry reuses the txnId, so the homeserver cannot post the message twice.
    assert first.path == second.path


@pytest.mark.parametrize(
    ("case", "limited", "hint"),
    [
        pytest.param(SLACK, Answer(429, b"rate_limited", {"Retry-After": "4"}), 4.0, id="slack-retry-after"),
        # Discord's own signal is the JSON `retry_after` (float seconds); no header here, so nothing else says 3.5 s.
        pytest.param(
            DISCORD,
            json_answer(429, {"message": "You are being rate limited.", "retry_after": 3.5, "global": False}),
            3.5,
            id="discord-json-retry_after",
        ),
        pytest.param(
            TEAMS,
            json_answer(429, {"error": {"code": "429", "message": "Rate limit is exceeded."}}, {"Retry-After": "4"}),
            4.0,
            id="teams-retry-after",
        ),
        # Google Chat sends no Retry-After (§4): the schedule's 1 s applies.
        pytest.param(
            GOOGLECHAT,
            json_answer(429, {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}),
            1.0,
            id="googlechat-resource-exhausted",
        ),
        pytest.param(
            MATRIX,
            json_answer(429, {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests"}, {"Retry-After": "4"}),
            4.0,
            id="matrix-retry-after",
        ),
        pytest.param(
            MATRIX,
            json_answer(429, {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": 4000}),
            4.0,
            id="matrix-retry_after_ms",
        ),
        # ntfy sends no Retry-After and refills one request per 5 s (§12): the retry waits that long.
        pytest.param(
            NTFY,
            json_answer(429, {"code": 42901, "http": 429, "error": "limit reached: too many requests"}),
            5.0,
            id="ntfy-42901",
        ),
        # Gotify has no limiter of its own (§13); a proxy in front of it answers 429 with Retry-After.
        pytest.param(GOTIFY, Answer(429, b"Too Many Requests", {"Retry-After": "4"}), 4.0, id="gotify-proxy"),
        pytest.param(WEBHOOK, Answer(429, b"slow down", {"Retry-After": "4"}), 4.0, id="webhook-retry-after"),
    ],
)
def test_given_a_rate_limit_when_a_send_is_queued_then_the_retry_waits_for_the_services_hint_and_delivers(
    herald: Herald, hook: ScriptedReceiver, case: Case, limited: Answer, hint: float
) -> None:
    hook.script([limited], then=case.ok)
    channel = make_channel(herald, case, hook)

    delivery_id = herald.send([channel], title="Checkout API is down", dedupKey="mon_42")["deliveries"][0]["deliveryId"]

    record = herald.settled(delivery_id, timeout=30)
    assert record["status"] == "delivered", record
    assert [a["httpStatus"] for a in record["attempts"]] == [429, case.ok.status]
    assert record["attempts"][0]["status"] == "retrying"
    assert record["providerMessageId"] == case.message_id
    assert_no_secret(case, json.dumps(record))
    first, second = hook.wait_for(2, timeout=10)
    assert second.at - first.at >= hint
    assert first.body == second.body or case.kind == "webhook"  # the webhook body carries its attempt number
    if case.kind == "matrix":
        same_transaction(first, second)


# ---- a recovery says so, in green, with its downtime and the link


def check_slack_recovery(request: Received) -> None:
    body = request.json()
    assert "RESOLVED" in body["text"] or "✅" in body["text"]
    [attachment] = body["attachments"]
    assert greenish(attachment["color"])
    assert DOWNTIME in text_of(attachment["blocks"])
    buttons = [e for b in attachment["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [button["url"] for button in buttons] == [SOURCE_URL]


def check_discord_recovery(request: Received) -> None:
    [embed] = request.json()["embeds"]
    assert "✅" in embed["title"] and greenish(embed["color"])
    assert embed["url"] == SOURCE_URL and DOWNTIME in text_of(embed)


def check_teams_recovery(request: Received) -> None:
    card = request.json()["attachments"][0]["content"]
    assert card["body"][0]["style"] == "good"  # §3b: no colour bar; `good` is the green container
    assert "✅" in text_of(card["body"]) and DOWNTIME in text_of(card["body"])
    assert {"type": "Action.OpenUrl", "url": SOURCE_URL}.items() <= card["actions"][0].items()


def check_googlechat_recovery(request: Received) -> None:
    query = parse_qs(urlsplit(request.path).query)
    # §4: the recovery joins the thread its dedup key names, the webhook's own key and token kept.
    assert query["messageReplyOption"] == ["REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"]
    assert query["key"] == ["chatKeySecret"] and query["token"] == ["chatTokenSecret"]
    body = request.json()
    assert body["thread"] == {"threadKey": "mon_42"}
    card = body["cardsV2"][0]["card"]
    assert "✅" in card["header"]["title"] and DOWNTIME in text_of(card)
    urls = re.findall(r'"openLink": \{"url": "([^"]+)"', text_of(card))
    assert urls == [SOURCE_URL]


def check_matrix_recovery(request: Received) -> None:
    body = request.json()
    assert "✅" in body["body"] and DOWNTIME in body["body"] and SOURCE_URL in body["body"]
    assert f'href="{SOURCE_URL}"' in body["formatted_body"]
    colors = re.findall(r'data-mx-color="(#[0-9A-Fa-f]{6})"', body["formatted_body"])
    assert colors and all(greenish(color) for color in colors)


def check_ntfy_recovery(request: Received) -> None:
    body = request.json()
    assert body["tags"] == ["white_check_mark"] and body["priority"] <= 3
    assert body["click"] == SOURCE_URL and DOWNTIME in body["message"]


def check_gotify_recovery(request: Received) -> None:
    body = request.json()
    assert "✅" in body["title"] and DOWNTIME in body["message"] and body["priority"] <= 3
    assert body["extras"]["client::notification"] == {"click": {"url": SOURCE_URL}}


def check_webhook_recovery(request: Received) -> None:
    notification = request.json()["notification"]
    assert (notification["status"], notification["sourceUrl"]) == ("resolved", SOURCE_URL)
    assert notification["downtimeSeconds"] == 3720


@pytest.mark.parametrize(
    ("case", "check"),
    [
        pytest.param(SLACK, check_slack_recovery, id="slack"),
        pytest.param(DISCORD, check_discord_recovery, id="discord"),
        pytest.param(TEAMS, check_teams_recovery, id="teams-workflows"),
        pytest.param(GOOGLECHAT, check_googlechat_recovery, id="googlechat"),
        pytest.param(MATRIX, check_matrix_recovery, id="matrix"),
        pytest.param(NTFY, check_ntfy_recovery, id="ntfy"),
        pytest.param(GOTIFY, check_gotify_recovery, id="gotify"),
        pytest.param(WEBHOOK, check_webhook_recovery, id="webhook"),
    ],
)
def test_given_a_recovery_when_it_is_sent_then_it_reads_as_recovered_with_downtime_and_link(
    herald: Herald, hook: ScriptedReceiver, case: Case, check: Callable[[Received], None]
) -> None:
    hook.script([], then=case.ok)
    channel = make_channel(herald, case, hook)

    reply = herald.call("POST", "/v1/notifications", {"channelIds": [channel], "notification": RECOVERY}, wait="true")

    assert reply.status_code == 200, reply.text
    [delivery] = reply.json()["deliveries"]
    assert (delivery["success"], delivery["providerMessageId"]) == (True, case.message_id)
    [request] = hook.wait_for(1, timeout=10)
    check(request)


def test_matrix_uses_a_fresh_transaction_id_for_every_message(herald: Herald, hook: ScriptedReceiver) -> None:
    hook.script([], then=MATRIX.ok)
    channel = make_channel(herald, MATRIX, hook)

    for title in ("First", "Second"):
        reply = herald.call(
            "POST", "/v1/notifications", {"channelIds": [channel], "notification": {"title": title}}, wait="true"
        )
        assert reply.status_code == 200, reply.text

    first, second = hook.wait_for(2, timeout=10)
    assert first.path != second.path  # §14: a reused txnId would make the homeserver drop the second message
    assert "First" in first.json()["body"] and "Second" in second.json()["body"]
