"""Issue 20's proof for `line` and `sendgrid` through the local stack.

Both services have a fixed public host, so the session stack sends kind K to `{providers.url}/K`
(HERALD_ENDPOINT_K, a path prefix the service's own path is appended to, API.md §1), and `providers` is a
real HTTP receiver on 127.0.0.1 that answers as LINE's Messaging API and SendGrid's v3 Mail Send do
(sources in herald/adapters/line.py and sendgrid.py). For each kind: the channel reads back with its secret
redacted and its configSummary; `POST /v1/channels/{id}/test` succeeds and the receiver sees the service's
own request (method, path, bearer auth, content type, body fields); a queued send (POST /v1/notifications)
meets the service's 429, waits for its signal and lands; the service's error answer is a 502 with its words.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.conftest import Received, Receiver
from tests.e2e.helpers import (
    SOURCE_URL,
    TEST_TITLE,
    Answer,
    Herald,
    answering,
    arrived,
    content_type,
    create_channel,
    header,
    json_answer,
    wait_for_path,
)

pytestmark = pytest.mark.e2e

PLACEHOLDER = "••••••••"
LINE_TOKEN = "kP3xR9vT2mW7qZ4bN8cY1dF6gH0jL5sAuE3tR7wQ"
LINE_GROUP = "C4af4980629d8b2e1f0c3a5b7d9e1f2a4"
SENDGRID_KEY = "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"


def check_line(request: Received, title: str) -> None:
    assert (request.method, request.path) == ("POST", "/line/v2/bot/message/push")
    assert header(request, "Authorization") == f"Bearer {LINE_TOKEN}"
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert (body["to"], body["notificationDisabled"]) == (LINE_GROUP, True)
    [message] = body["messages"]
    assert message["type"] == "text" and title in message["text"]
    assert len(message["text"].encode("utf-16-le")) // 2 <= 5000
    assert header(request, "X-Line-Retry-Key")


def check_sendgrid(request: Received, title: str) -> None:
    assert (request.method, request.path) == ("POST", "/sendgrid/v3/mail/send")
    assert header(request, "Authorization") == f"Bearer {SENDGRID_KEY}"
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert body["personalizations"] == [{"to": [{"email": "oncall@example.com"}, {"email": "sre@example.com"}]}]
    assert body["from"] == {"email": "alerts@example.com", "name": "Herald"}
    assert body["reply_to"] == {"email": "ops@example.com"}
    assert title in body["subject"]
    [plain, rich] = body["content"]
    assert plain["type"] == "text/plain" and title in plain["value"]
    assert rich["type"] == "text/html" and rich["value"].startswith("<div") and title in rich["value"]


def reset_in(seconds: int) -> str:
    return str(int(time.time()) + seconds)


@dataclass(frozen=True)
class Case:
    """A channel of one kind, how its service says yes, its 429, and what the service must receive."""

    kind: str
    display: str
    config: dict[str, Any]
    summary: str
    secret_field: str
    secret: str
    ok: Answer
    message_id: str
    check: Callable[[Received, str], None]
    limited: Callable[[], Answer]
    # (first request, the 429 sent) → the earliest unix time the retry may come
    not_before: Callable[[Received, Answer], float]

    @property
    def prefix(self) -> str:
        return f"/{self.kind}/"


LINE = Case(
    "line",
    "LINE",
    {"channelAccessToken": LINE_TOKEN, "groupId": LINE_GROUP, "silent": True},
    summary=LINE_GROUP,
    secret_field="channelAccessToken",
    secret=LINE_TOKEN,
    ok=json_answer(200, {"sentMessages": [{"id": "461230966842064897", "quoteToken": "IStG5h1Tz7b"}]}),
    message_id="461230966842064897",
    check=check_line,
    # LINE documents no delay for its 429: the schedule's own (about 1 s) applies.
    limited=lambda: json_answer(429, {"message": "Too Many Requests"}),
    not_before=lambda first, answer: first.at + 1.0,
)
SENDGRID = Case(
    "sendgrid",
    "SendGrid",
    {
        "apiKey": SENDGRID_KEY,
        "to": ["oncall@example.com", "sre@example.com"],
        "from": "alerts@example.com",
        "fromName": "Herald",
        "replyTo": "ops@example.com",
    },
    summary="oncall@example.com (+1 more) via api.sendgrid.com",
    secret_field="apiKey",
    secret=SENDGRID_KEY,
    ok=Answer(202, b"", {"X-Message-Id": "W86EgYT6SQKk0lRflfLRsA"}),
    message_id="W86EgYT6SQKk0lRflfLRsA",
    check=check_sendgrid,
    # No Retry-After: X-RateLimit-Reset (a unix time, 5 s ahead: past the schedule's own ~3 s) says when.
    limited=lambda: json_answer(
        429,
        {"errors": [{"field": None, "message": "too many requests"}]},
        {"X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset_in(5)},
    ),
    not_before=lambda first, answer: float(answer.headers["X-RateLimit-Reset"]),
)
CASES = [pytest.param(LINE, id="line"), pytest.param(SENDGRID, id="sendgrid")]


def assert_no_secret(case: Case, text: str) -> None:
    assert case.secret not in text, f"{case.kind} secret echoed"


@pytest.mark.parametrize("case", CASES)
def test_given_the_service_says_yes_then_test_and_a_queued_send_after_its_429_land_in_its_own_format(
    herald: Herald, provider: Receiver, case: Case
) -> None:
    channel = create_channel(herald, case.kind, case.config, name=f"e2e {case.kind}")
    read = herald.call("GET", f"/v1/channels/{channel}")
    assert read.status_code == 200, read.text
    assert (read.json()["config"][case.secret_field], read.json()["configSummary"]) == (PLACEHOLDER, case.summary)

    with answering(provider, [], then=case.ok):
        tested = herald.call("POST", f"/v1/channels/{channel}/test")
    assert tested.status_code == 200, tested.text
    reply = tested.json()
    assert (reply["success"], reply["detail"]) == (True, f"Test message sent to {case.display}")
    assert reply["providerMessageId"] == case.message_id
    [test_request] = wait_for_path(provider, case.prefix, 1, timeout=10)
    case.check(test_request, TEST_TITLE)

    provider.reset()
    limited = case.limited()
    with answering(provider, [limited], then=case.ok):
        sent = herald.send([channel], title="Checkout API is down", sourceUrl=SOURCE_URL)
        record = herald.settled(sent["deliveries"][0]["deliveryId"], timeout=30)
        first, second = wait_for_path(provider, case.prefix, 2, timeout=10)

    assert record["status"] == "delivered", record
    assert [attempt["httpStatus"] for attempt in record["attempts"]] == [429, case.ok.status]
    assert record["providerMessageId"] == case.message_id
    assert second.at >= case.not_before(first, limited)
    # The same request again: for LINE the same X-Line-Retry-Key, so LINE pushes it once.
    assert (second.body, header(second, "X-Line-Retry-Key")) == (first.body, header(first, "X-Line-Retry-Key"))
    case.check(second, "Checkout API is down")
    assert_no_secret(case, read.text + tested.text + json.dumps(record))


@pytest.mark.parametrize(
    ("case", "answer", "error"),
    [
        pytest.param(
            LINE,
            json_answer(
                400,
                {
                    "message": "The request body has 1 error(s)",
                    "details": [{"message": "The property, 'to', in the request body is invalid", "property": "to"}],
                },
            ),
            "LINE returned 400: The request body has 1 error(s) "
            "(to: The property, 'to', in the request body is invalid)",
            id="line-400",
        ),
        pytest.param(
            SENDGRID,
            json_answer(
                403,
                {
                    "errors": [
                        {
                            "message": "The from address does not match a verified Sender Identity.",
                            "field": "from",
                            "help": "https://sendgrid.com/docs/for-developers/sending-email/sender-identity/",
                        }
                    ]
                },
            ),
            "SendGrid returned 403: from: The from address does not match a verified Sender Identity.",
            id="sendgrid-403-unverified-sender",
        ),
    ],
)
def test_given_the_service_says_no_when_the_channel_is_tested_then_502_with_its_words(
    herald: Herald, provider: Receiver, case: Case, answer: Answer, error: str
) -> None:
    channel = create_channel(herald, case.kind, case.config, name=f"e2e {case.kind} refused")

    with answering(provider, [], then=answer):
        reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 502, reply.text
    body = reply.json()
    assert (body["success"], body["error"]) == (False, error)
    record = herald.delivery(body["deliveryId"])
    assert (record["status"], record["error"]) == ("failed", error)
    assert_no_secret(case, reply.text + json.dumps(record))
    assert len(arrived(provider, case.prefix)) == 1  # a permanent refusal is sent once
