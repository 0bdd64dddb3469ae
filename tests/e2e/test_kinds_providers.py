"""Issue 5's proof for the kinds whose service has a fixed public host, through the local stack.

telegram, pagerduty, opsgenie, pushover, pushbullet, onesignal and pusherbeams: the session stack sends kind K
to `{providers.url}/K` (HERALD_ENDPOINT_K, a path prefix the service's own path is appended to, API.md §8), and
`providers` is a real HTTP receiver on 127.0.0.1 that answers as the service would (PROVIDERS.md §5-11).
For each kind: `POST /v1/channels/{id}/test` succeeds and the receiver sees the service's own request (method,
path, auth, content type, key body fields); the service's own error answer becomes a 502 with its words; its
rate-limit signal sets the delay of a queued send's retry; PagerDuty, Opsgenie and Pushover emergencies are
closed by the resolve; credentials stored once with PUT /v1/settings/providers/{telegram|pushover} are used.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.e2e.conftest import Received, Receiver, Stack
from tests.e2e.helpers import (
    SOURCE_URL,
    TEST_TITLE,
    Answer,
    Herald,
    answering,
    arrived,
    content_type,
    create_channel,
    form,
    header,
    json_answer,
    send_now,
    wait_for_path,
)
from tests.e2e.test_local_stack import make_api_key

pytestmark = pytest.mark.e2e


TELEGRAM_TOKEN = "7012345678:AAFtgSecretTokenForHeraldE2eX1"
PAGERDUTY_KEY = "pdSecret0123456789abcdef01234567"  # 32 characters, as PagerDuty's integration keys are
OPSGENIE_KEY = "ogSecret-2222-3333-4444-555555555555"
PUSHOVER_USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
PUSHOVER_TOKEN = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
PUSHBULLET_TOKEN = "o.pbSecretAccessTokenHeraldE2e"
ONESIGNAL_APP = "202d4f61-1ca9-42df-9d36-bb17d8123abc"
# Random-looking, as real keys are: a secret holding a word of an error text would mask that word there too.
ONESIGNAL_KEY = "os_v2_app_7q2zk9x4w3m8r5t1p6y0hd3c"
BEAMS_INSTANCE = "8f9a6e3c-1b2d-4c5e-9f0a-123456789abc"
BEAMS_SECRET = "BEAMSSECRETHERALDE2E0123456789AB"


# ---- what the receiver sees


def check_telegram(request: Received, reply: dict[str, Any]) -> None:
    # §5: the token is a path segment of the override's prefix; Telegram is called with POST and JSON.
    assert (request.method, request.path) == ("POST", f"/telegram/bot{TELEGRAM_TOKEN}/sendMessage")
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert body["chat_id"] == -1001234567890  # a numeric chat id goes as the integer it is
    assert body["parse_mode"] == "HTML"
    assert f"{TEST_TITLE}</b>" in body["text"] and "your Telegram channel works" in body["text"]
    assert 1 <= len(body["text"]) <= 4096
    assert body["link_preview_options"] == {"is_disabled": True}
    assert (body["message_thread_id"], body["disable_notification"]) == (7, True)


def check_pagerduty(request: Received, reply: dict[str, Any]) -> None:
    assert (request.method, request.path) == ("POST", "/pagerduty/v2/enqueue")
    assert content_type(request).startswith("application/json")
    body = request.json()
    # §6: the routing key travels in the body; a trigger needs summary, source and an exact severity.
    assert (body["routing_key"], body["event_action"]) == (PAGERDUTY_KEY, "trigger")
    assert isinstance(body["dedup_key"], str) and 1 <= len(body["dedup_key"]) <= 255
    payload = body["payload"]
    assert TEST_TITLE in payload["summary"] and len(payload["summary"]) <= 1024
    assert payload["source"] and payload["severity"] == "info"


def check_opsgenie(request: Received, reply: dict[str, Any]) -> None:
    assert (request.method, request.path) == ("POST", "/opsgenie/v2/alerts")
    assert header(request, "Authorization") == f"GenieKey {OPSGENIE_KEY}"
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert TEST_TITLE in body["message"] and len(body["message"]) <= 130
    assert body["alias"] and body["priority"] == "P5"  # §7: info → P5
    assert "your Opsgenie channel works" in body["description"]
    assert body["responders"] == [{"type": "team", "name": "SRE"}]
    assert body["tags"] == ["herald", "prod"]


def check_pushover(request: Received, reply: dict[str, Any]) -> None:
    assert (request.method, request.path) == ("POST", "/pushover/1/messages.json")
    assert content_type(request).startswith("application/x-www-form-urlencoded")
    fields = form(request)
    # §8: the application token and the user key are form fields, not headers.
    assert (fields["token"], fields["user"]) == ([PUSHOVER_TOKEN], [PUSHOVER_USER])
    assert header(request, "Authorization") is None
    [title], [message] = fields["title"], fields["message"]
    assert TEST_TITLE in title and len(title) <= 250
    assert "your Pushover channel works" in message and len(message) <= 1024
    assert fields["priority"] == ["-1"]  # info is quiet; not an emergency, so no retry/expire
    assert "retry" not in fields and "expire" not in fields
    assert (fields["sound"], fields["device"]) == (["siren"], ["oncall-phone"])


def check_pushbullet(request: Received, reply: dict[str, Any]) -> None:
    assert (request.method, request.path) == ("POST", "/pushbullet/v2/pushes")
    assert header(request, "Access-Token") == PUSHBULLET_TOKEN
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert body["type"] == "note"  # §9: a test has no link to make it a `link` push
    assert TEST_TITLE in body["title"] and "your Pushbullet channel works" in body["body"]
    assert body["device_iden"] == "ujpah72o0sjAoRtnM0jc"
    assert body["guid"] == reply["deliveryId"]  # §9 idempotency: the same on every retry


def check_onesignal(request: Received, reply: dict[str, Any]) -> None:
    url = urlsplit(request.path)
    assert (request.method, url.path, parse_qs(url.query)) == ("POST", "/onesignal/notifications", {"c": ["push"]})
    assert header(request, "Authorization") == f"Key {ONESIGNAL_KEY}"
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert body["app_id"] == ONESIGNAL_APP
    # §10: one targeting mode, the current one (aliases + channel), not the deprecated player ids.
    assert body["include_aliases"] == {"external_id": ["oncall-alice", "oncall-bob"]}
    assert body["target_channel"] == "push"
    assert not {"include_player_ids", "include_external_user_ids", "included_segments"} & body.keys()
    assert TEST_TITLE in body["headings"]["en"] and "your OneSignal channel works" in body["contents"]["en"]
    assert str(uuid.UUID(body["idempotency_key"])) == body["idempotency_key"]


def check_pusherbeams(request: Received, reply: dict[str, Any]) -> None:
    path = f"/pusherbeams/publish_api/v1/instances/{BEAMS_INSTANCE}/publishes/interests"
    assert (request.method, request.path) == ("POST", path)
    assert header(request, "Authorization") == f"Bearer {BEAMS_SECRET}"
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert body["interests"] == ["oncall", "sre-eu"]
    # §11: at least one platform payload; all three carry the title and text.
    for notification in (body["web"]["notification"], body["fcm"]["notification"], body["apns"]["aps"]["alert"]):
        assert TEST_TITLE in notification["title"] and "your Pusher Beams channel works" in notification["body"]


@dataclass(frozen=True)
class Case:
    """A channel of one kind, how its service says yes, and what the service must receive."""

    kind: str
    display: str
    config: dict[str, Any]
    ok: Answer
    check: Callable[[Received, dict[str, Any]], None]
    message_id: str | None
    secrets: tuple[str, ...] = field(default=())  # must never come back in an answer or the log

    @property
    def prefix(self) -> str:
        return f"/{self.kind}/"


TELEGRAM = Case(
    "telegram",
    "Telegram",
    {"botToken": TELEGRAM_TOKEN, "chatId": "-1001234567890", "messageThreadId": 7, "silent": True},
    json_answer(
        200,
        {
            "ok": True,
            "result": {"message_id": 4242, "chat": {"id": -1001234567890, "type": "supergroup"}, "date": 1747297800},
        },
    ),
    check_telegram,
    message_id="4242",
    secrets=(TELEGRAM_TOKEN, TELEGRAM_TOKEN.split(":")[1]),
)
PAGERDUTY = Case(
    "pagerduty",
    "PagerDuty",
    {"integrationKey": PAGERDUTY_KEY, "region": "eu"},
    json_answer(202, {"status": "success", "message": "Event processed", "dedup_key": "srv01/HTTP-check-42"}),
    check_pagerduty,
    message_id="srv01/HTTP-check-42",
    secrets=(PAGERDUTY_KEY,),
)
OPSGENIE = Case(
    "opsgenie",
    "Opsgenie",
    {
        "apiKey": OPSGENIE_KEY,
        "region": "eu",
        "responders": [{"type": "team", "name": "SRE"}],
        "tags": ["herald", "prod"],
    },
    json_answer(
        202, {"result": "Request will be processed", "took": 0.302, "requestId": "43a29c5c-3dbf-4e2e-9a4e-6d8b1c0a7f11"}
    ),
    check_opsgenie,
    message_id="43a29c5c-3dbf-4e2e-9a4e-6d8b1c0a7f11",
    secrets=(OPSGENIE_KEY,),
)
PUSHOVER = Case(
    "pushover",
    "Pushover",
    {"userKey": PUSHOVER_USER, "appToken": PUSHOVER_TOKEN, "sound": "siren", "device": "oncall-phone"},
    json_answer(200, {"status": 1, "request": "647d2300-702c-4b38-8b2f-d56326ae460b"}),
    check_pushover,
    message_id="647d2300-702c-4b38-8b2f-d56326ae460b",
    secrets=(PUSHOVER_USER, PUSHOVER_TOKEN),
)
PUSHBULLET = Case(
    "pushbullet",
    "Pushbullet",
    {"accessToken": PUSHBULLET_TOKEN, "deviceIden": "ujpah72o0sjAoRtnM0jc"},
    json_answer(
        200,
        {"active": True, "iden": "ujpah72o0sjAsoRtnM0jc4", "created": 1747297800.1, "type": "note", "dismissed": False},
    ),
    check_pushbullet,
    message_id="ujpah72o0sjAsoRtnM0jc4",
    secrets=(PUSHBULLET_TOKEN,),
)
ONESIGNAL = Case(
    "onesignal",
    "OneSignal",
    {"appId": ONESIGNAL_APP, "apiKey": ONESIGNAL_KEY, "externalIds": ["oncall-alice", "oncall-bob"]},
    json_answer(200, {"id": "b98881cc-1e94-4366-bbd9-db8f3429292b", "external_id": None}),
    check_onesignal,
    message_id="b98881cc-1e94-4366-bbd9-db8f3429292b",
    secrets=(ONESIGNAL_KEY,),
)
PUSHERBEAMS = Case(
    "pusherbeams",
    "Pusher Beams",
    {"instanceId": BEAMS_INSTANCE, "secretKey": BEAMS_SECRET, "interests": ["oncall", "sre-eu"]},
    json_answer(200, {"publishId": "pubid-441b7a3f-4a6b-4b8d-9a5c-2e1f0d3c4b5a"}),
    check_pusherbeams,
    message_id="pubid-441b7a3f-4a6b-4b8d-9a5c-2e1f0d3c4b5a",
    secrets=(BEAMS_SECRET,),
)
CASES = [TELEGRAM, PAGERDUTY, OPSGENIE, PUSHOVER, PUSHBULLET, ONESIGNAL, PUSHERBEAMS]


def make_channel(herald: Herald, case: Case) -> str:
    return create_channel(herald, case.kind, case.config, name=f"e2e {case.kind}")


def assert_no_secret(case: Case, text: str) -> None:
    leaked = [secret for secret in case.secrets if secret in text]
    assert not leaked, f"{case.kind} secret echoed: {leaked}"


# ---- 1. success: /test answers 200 and the service receives its own format


@pytest.mark.parametrize("case", [pytest.param(case, id=case.kind) for case in CASES])
def test_given_the_service_says_yes_when_the_channel_is_tested_then_200_and_it_got_its_own_format(
    herald: Herald, provider: Receiver, case: Case
) -> None:
    channel = make_channel(herald, case)

    with answering(provider, [], then=case.ok):
        reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["success"], body["detail"]) == (True, f"Test message sent to {case.display}")
    assert body["providerMessageId"] == case.message_id
    [request] = wait_for_path(provider, case.prefix, 1, timeout=10)
    case.check(request, body)
    record = herald.delivery(body["deliveryId"])
    assert (record["status"], record["event"], record["providerMessageId"]) == ("delivered", "test", case.message_id)
    assert_no_secret(case, reply.text + json.dumps(record))


# ---- 2. provider error: the service's own error answer is a 502 with its words


@pytest.mark.parametrize(
    ("case", "answer", "error"),
    [
        pytest.param(
            TELEGRAM,
            json_answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
            "Telegram returned 400: Bad Request: chat not found",
            id="telegram-400-chat-not-found",
        ),
        # The token is in the URL: a 401 must say Unauthorized without it (checked by assert_no_secret).
        pytest.param(
            TELEGRAM,
            json_answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"}),
            "Telegram returned 401: Unauthorized",
            id="telegram-401",
        ),
        # Success is `ok: true` (§5), whatever the status says.
        pytest.param(
            TELEGRAM,
            json_answer(200, {"ok": False, "error_code": 400, "description": "Bad Request: message thread not found"}),
            "Telegram returned 200: Bad Request: message thread not found",
            id="telegram-200-ok-false",
        ),
        pytest.param(
            PAGERDUTY,
            json_answer(
                400,
                {
                    "status": "invalid event",
                    "message": "Event object is invalid",
                    "errors": ["Length of 'routing_key' is incorrect (should be 32 characters)"],
                },
            ),
            "PagerDuty returned 400: Event object is invalid: "
            "Length of 'routing_key' is incorrect (should be 32 characters)",
            id="pagerduty-400-invalid-event",
        ),
        pytest.param(
            OPSGENIE,
            json_answer(
                422,
                {
                    "message": "Request body is not processable. Please check the errors.",
                    "errors": {"message": "Message can not be empty."},
                    "took": 0.002,
                    "requestId": "9ae63dd7-ed00-4c81-86f0-c4ffd33142c9",
                },
            ),
            "Opsgenie returned 422: Request body is not processable. Please check the errors. "
            "(message: Message can not be empty.)",
            id="opsgenie-422",
        ),
        pytest.param(
            OPSGENIE,
            json_answer(401, {"message": "Key format is not valid!", "took": 0.001, "requestId": "b1c2d3"}),
            "Opsgenie returned 401: Key format is not valid!",
            id="opsgenie-401",
        ),
        pytest.param(
            PUSHOVER,
            json_answer(
                400,
                {
                    "user": "invalid",
                    "errors": ["user identifier is not a valid user, group, or subscribed user key"],
                    "status": 0,
                    "request": "5042853c-402d-4a18-abcb-168734a801de",
                },
            ),
            "Pushover returned 400: user identifier is not a valid user, group, or subscribed user key",
            id="pushover-400-invalid-user",
        ),
        pytest.param(
            PUSHBULLET,
            json_answer(
                401,
                {
                    "error": {
                        "type": "invalid_request",
                        "message": "Access token is missing or invalid.",
                        "cat": "~(=^‥^)",
                    }
                },
            ),
            "Pushbullet returned 401: invalid_request: Access token is missing or invalid.",
            id="pushbullet-401",
        ),
        # §10: a 200 without an id sent nothing.
        pytest.param(
            ONESIGNAL,
            json_answer(200, {"id": "", "errors": ["All included players are not subscribed"]}),
            "OneSignal returned 200: All included players are not subscribed",
            id="onesignal-200-empty-id",
        ),
        pytest.param(
            ONESIGNAL,
            json_answer(200, {"id": "", "errors": {"invalid_aliases": {"external_id": ["oncall-alice"]}}}),
            'OneSignal returned 200: {"invalid_aliases":{"external_id":["oncall-alice"]}}',
            id="onesignal-200-invalid-aliases",
        ),
        pytest.param(
            ONESIGNAL,
            json_answer(
                400, {"errors": ["app_id not found. You may be missing a Content-Type: application/json header."]}
            ),
            "OneSignal returned 400: app_id not found. You may be missing a Content-Type: application/json header.",
            id="onesignal-400",
        ),
        pytest.param(
            PUSHERBEAMS,
            json_answer(401, {"error": "Unauthorized", "description": "Incorrect API Key"}),
            "Pusher Beams returned 401: Unauthorized: Incorrect API Key",
            id="pusherbeams-401",
        ),
    ],
)
def test_given_the_service_says_no_when_the_channel_is_tested_then_502_with_its_words(
    herald: Herald, provider: Receiver, case: Case, answer: Answer, error: str
) -> None:
    channel = make_channel(herald, case)

    with answering(provider, [], then=answer):
        reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 502, reply.text
    body = reply.json()
    assert (body["success"], body["error"]) == (False, error)
    record = herald.delivery(body["deliveryId"])
    assert (record["status"], record["error"]) == ("failed", error)
    assert [attempt["httpStatus"] for attempt in record["attempts"]] == [answer.status]
    assert_no_secret(case, reply.text + json.dumps(record))
    assert len(arrived(provider, case.prefix)) == 1  # sent once: `failed` above, not `retrying`, says no retry follows


# ---- 3. rate limit: the service's own signal sets the delay of the retry
#
# Hints are 4 s, not 1-2 s: the schedule's own 1 s (plus up to 20% jitter, rounded up, plus the queue's poll)
# already puts a retry about 3 s after the first try (measured: 3.06 s), so only a longer hint proves the
# service's signal was read. Pushover and Pushbullet signal the moment the limit resets (a unix time), set 5-6 s
# ahead: the retry must not come before it.


@dataclass(frozen=True)
class Limit:
    """A 429 as the service sends it (made when the test runs), and when the retry may come at the earliest."""

    answer: Callable[[], Answer]
    not_before: Callable[[Received, Answer], float]  # (first request, the 429 sent) → earliest unix time


def after(seconds: float) -> Callable[[Received, Answer], float]:
    return lambda first, answer: first.at + seconds


def at_reset(name: str) -> Callable[[Received, Answer], float]:
    return lambda first, answer: float(answer.headers[name])


def reset_in(seconds: int) -> str:
    return str(int(time.time()) + seconds)


@pytest.mark.parametrize(
    ("case", "limit"),
    [
        # §5: Telegram's signal is `parameters.retry_after` in the body; no header says 4 s here.
        pytest.param(
            TELEGRAM,
            Limit(
                lambda: json_answer(
                    429,
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": "Too Many Requests: retry after 4",
                        "parameters": {"retry_after": 4},
                    },
                ),
                after(4.0),
            ),
            id="telegram-parameters.retry_after",
        ),
        # §6: PagerDuty documents no header: the schedule's 1 s applies.
        pytest.param(
            PAGERDUTY,
            Limit(lambda: Answer(429, b"Request Limit Exceeded"), after(1.0)),
            id="pagerduty-schedule",
        ),
        # §7: no Retry-After; back off at least X-RateLimit-Period-In-Sec.
        pytest.param(
            OPSGENIE,
            Limit(
                lambda: json_answer(
                    429,
                    {"message": "You are making too many requests!", "took": 0.0, "requestId": "c1"},
                    {
                        "X-RateLimit-State": "THROTTLED",
                        "X-RateLimit-Reason": "INTEGRATION",
                        "X-RateLimit-Period-In-Sec": "4",
                    },
                ),
                after(4.0),
            ),
            id="opsgenie-period-in-sec",
        ),
        # §8: 429 is the spent quota; X-Limit-App-Reset says when it comes back.
        pytest.param(
            PUSHOVER,
            Limit(
                lambda: json_answer(
                    429,
                    {"status": 0, "errors": ["application has exceeded its monthly message limit"], "request": "r1"},
                    {"X-Limit-App-Limit": "10000", "X-Limit-App-Remaining": "0", "X-Limit-App-Reset": reset_in(6)},
                ),
                at_reset("X-Limit-App-Reset"),
            ),
            id="pushover-x-limit-app-reset",
        ),
        # §9: on 429 wait until X-Ratelimit-Reset.
        pytest.param(
            PUSHBULLET,
            Limit(
                lambda: json_answer(
                    429,
                    {"error": {"type": "invalid_request", "message": "Too many requests, please slow down."}},
                    {"X-Ratelimit-Limit": "32768", "X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": reset_in(6)},
                ),
                at_reset("X-Ratelimit-Reset"),
            ),
            id="pushbullet-x-ratelimit-reset",
        ),
        pytest.param(
            ONESIGNAL,
            Limit(lambda: json_answer(429, {"errors": ["API rate limit exceeded."]}, {"Retry-After": "4"}), after(4.0)),
            id="onesignal-retry-after",
        ),
        # §11 documents no header for Beams' 429; a Retry-After from it (or a proxy) is honoured like any other.
        pytest.param(
            PUSHERBEAMS,
            Limit(
                lambda: json_answer(
                    429, {"error": "Too Many Requests", "description": "Rate limit exceeded"}, {"Retry-After": "4"}
                ),
                after(4.0),
            ),
            id="pusherbeams-retry-after",
        ),
    ],
)
def test_given_a_rate_limit_when_a_send_is_queued_then_the_retry_waits_for_the_services_hint_and_delivers(
    herald: Herald, provider: Receiver, case: Case, limit: Limit
) -> None:
    channel = make_channel(herald, case)
    limited = limit.answer()

    with answering(provider, [limited], then=case.ok):
        sent = herald.send([channel], title="Checkout API is down", dedupKey="mon_42")
        record = herald.settled(sent["deliveries"][0]["deliveryId"], timeout=30)
        first, second = wait_for_path(provider, case.prefix, 2, timeout=10)

    assert record["status"] == "delivered", record
    assert [a["httpStatus"] for a in record["attempts"]] == [429, case.ok.status]
    assert record["attempts"][0]["status"] == "retrying"
    assert record["providerMessageId"] == case.message_id
    assert second.at >= limit.not_before(first, limited)
    assert second.body == first.body  # the same request again (OneSignal's idempotency_key, Pushbullet's guid)
    assert_no_secret(case, json.dumps(record))


# ---- 4. lifecycle: the resolve closes what the trigger opened, by the same key


FIRING = {
    "event": "monitor.down",
    "title": "Checkout API is down",
    "body": "Connection timeout after 10000ms",
    "severity": "critical",
    "sourceUrl": SOURCE_URL,
    "monitor": {"id": "mon_42", "name": "Checkout API", "url": "https://api.example.com", "type": "HTTPS"},
}
RESOLVED = {
    "event": "monitor.recovery",
    "title": "Checkout API is up",
    "status": "resolved",
    "severity": "critical",
    "monitor": FIRING["monitor"],
    "downtimeSeconds": 3720,
}


def test_given_a_pagerduty_trigger_when_it_resolves_then_the_resolve_carries_the_same_dedup_key(
    herald: Herald, provider: Receiver
) -> None:
    channel = make_channel(herald, PAGERDUTY)

    with answering(provider, [], then=PAGERDUTY.ok):
        send_now(herald, channel, {**FIRING, "dedupKey": "checkout-api/eu"})
        send_now(herald, channel, {**RESOLVED, "dedupKey": "checkout-api/eu"})

    trigger, resolve = wait_for_path(provider, PAGERDUTY.prefix, 2, timeout=10)
    assert trigger.path == resolve.path == "/pagerduty/v2/enqueue"
    opened = trigger.json()
    assert (opened["event_action"], opened["dedup_key"]) == ("trigger", "checkout-api/eu")
    assert opened["payload"]["severity"] == "critical"
    assert opened["links"][0]["href"] == SOURCE_URL
    # §6 "Ack/resolve body": the same routing key and dedup key, nothing else needed.
    assert resolve.json() == {"routing_key": PAGERDUTY_KEY, "event_action": "resolve", "dedup_key": "checkout-api/eu"}


def test_given_an_opsgenie_alert_when_it_resolves_then_it_is_closed_by_its_alias(
    herald: Herald, provider: Receiver
) -> None:
    channel = make_channel(herald, OPSGENIE)

    with answering(provider, [], then=OPSGENIE.ok):
        send_now(herald, channel, {**FIRING, "dedupKey": "checkout api/eu"})
        send_now(herald, channel, {**RESOLVED, "dedupKey": "checkout api/eu"})

    create, close = wait_for_path(provider, OPSGENIE.prefix, 2, timeout=10)
    assert create.path == "/opsgenie/v2/alerts"
    assert (create.json()["alias"], create.json()["priority"]) == ("checkout api/eu", "P1")
    # §7: close by alias, URL-encoded, with identifierType=alias (not the create's requestId).
    assert (close.method, close.path) == ("POST", "/opsgenie/v2/alerts/checkout%20api%2Feu/close?identifierType=alias")
    assert header(close, "Authorization") == f"GenieKey {OPSGENIE_KEY}"
    assert content_type(close).startswith("application/json")
    note = close.json()["note"]
    assert "Checkout API is up" in note and "1h 2m" in note


def test_given_a_pushover_emergency_when_it_resolves_then_its_repeats_are_cancelled_and_recovery_is_quiet(
    herald: Herald, provider: Receiver
) -> None:
    channel = create_channel(herald, "pushover", {"userKey": PUSHOVER_USER, "appToken": PUSHOVER_TOKEN, "priority": 2})

    with answering(provider, [], then=PUSHOVER.ok):
        send_now(herald, channel, {**FIRING, "dedupKey": "mon_42"})
        send_now(herald, channel, {**RESOLVED, "dedupKey": "mon_42"})

    emergency, cancel, recovery = wait_for_path(provider, PUSHOVER.prefix, 3, timeout=10)
    fields = form(emergency)
    # §8 "Emergency": retry ≥ 30 s and expire ≤ 10800 s are required; the tag is what the resolve cancels.
    assert fields["priority"] == ["2"] and int(fields["retry"][0]) >= 30 and 0 < int(fields["expire"][0]) <= 10800
    assert fields["tags"] == ["mon_42"] and fields["url"] == [SOURCE_URL]
    assert (cancel.method, cancel.path) == ("POST", "/pushover/1/receipts/cancel_by_tag/mon_42.json")
    assert form(cancel) == {"token": [PUSHOVER_TOKEN]}
    said = form(recovery)
    assert recovery.path == "/pushover/1/messages.json" and int(said["priority"][0]) <= 0
    assert "RESOLVED" in said["title"][0] and "1h 2m" in said["message"][0]


# ---- credentials stored once per tenant (API.md §8 "Provider settings")


@dataclass(frozen=True)
class Stored:
    """A kind whose credential a tenant may store once, and where the service then sees it."""

    provider: str
    setting: dict[str, str]
    config: dict[str, Any]  # the channel, without the credential
    ok: Answer
    check: Callable[[Received], None]


STORED_TELEGRAM_TOKEN = "6123456789:AAStoredTelegramTokenE2eY2"
STORED_PUSHOVER_TOKEN = "aStoredPushoverAppTokenE2e0001"


def check_stored_telegram(request: Received) -> None:
    assert (request.method, request.path) == ("POST", f"/telegram/bot{STORED_TELEGRAM_TOKEN}/sendMessage")
    assert request.json()["chat_id"] == "@herald_oncall"


def check_stored_pushover(request: Received) -> None:
    assert request.path == "/pushover/1/messages.json"
    assert form(request)["token"] == [STORED_PUSHOVER_TOKEN]


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(
            Stored(
                "telegram",
                {"botToken": STORED_TELEGRAM_TOKEN},
                {"chatId": "@herald_oncall"},
                TELEGRAM.ok,
                check_stored_telegram,
            ),
            id="telegram",
        ),
        pytest.param(
            Stored(
                "pushover",
                {"appToken": STORED_PUSHOVER_TOKEN},
                {"userKey": PUSHOVER_USER},
                PUSHOVER.ok,
                check_stored_pushover,
            ),
            id="pushover",
        ),
    ],
)
def test_given_a_credential_stored_in_provider_settings_when_a_channel_without_it_is_tested_then_it_is_used(
    stack: Stack, http: requests.Session, provider: Receiver, stored: Stored
) -> None:
    # A tenant of its own: the settings of tenant `dev` stay as other suites expect them.
    minted = make_api_key(stack, f"e2e-settings-{uuid.uuid4().hex[:12]}", "admin")
    assert minted.returncode == 0, minted.stderr
    tenant = Herald(stack, http)
    tenant.headers = {"x-api-key": minted.stdout.strip().splitlines()[-1]}
    channel_body = {"kind": stored.provider, "config": stored.config}
    refused = tenant.call("POST", "/v1/channels", channel_body)
    assert refused.status_code == 422, refused.text  # neither the channel nor the tenant has the credential yet

    put = tenant.call("PUT", f"/v1/settings/providers/{stored.provider}", stored.setting)
    assert put.status_code == 200, put.text
    channel = create_channel(tenant, stored.provider, stored.config)
    with answering(provider, [], then=stored.ok):
        reply = tenant.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 200, reply.text
    assert reply.json()["success"] is True
    [request] = wait_for_path(provider, f"/{stored.provider}/", 1, timeout=10)
    stored.check(request)
    secret = next(iter(stored.setting.values()))
    listed = tenant.call("GET", "/v1/settings/providers")
    for text in (put.text, listed.text, reply.text, json.dumps(tenant.delivery(reply.json()["deliveryId"]))):
        assert secret not in text
