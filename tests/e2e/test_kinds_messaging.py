"""Issue 5's proof for the messaging kinds, through the local stack: email, sms, voice and whatsapp.

Twilio (sms, voice, whatsapp; PROVIDERS.md §15) and Vonage (sms; §16a) have fixed hosts: the session stack sends
them to `{providers.url}/twilio` and `{providers.url}/vonage` (HERALD_ENDPOINT_<KIND>, a path prefix the service's
own path is appended to, API.md §8), where a real HTTP receiver on 127.0.0.1 answers as the service would.
The AWS-backed paths are checked in the AWS emulator's own records (GET /moto-api/data.json): SES v2 for email
(§17a) and SNS for aws sms (§17b).

aws voice uses End User Messaging SMS and Voice v2 (§17c), which moto lacks: the local stack answers its
SendVoiceMessage itself and records each call (local/sms_voice.py), where the tests read it.

What the emulator cannot show, stated here and in the tests that come closest:
- SES and SNS cannot be made to throttle in moto, and SNS has no reachable error for a valid E.164 number: their
  rate-limit and SNS error paths are covered by the unit tests of `classify.aws_failure`.
"""

from __future__ import annotations

import base64
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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

TO = "+14155551234"

TWILIO_SID = "AC" + "5f0e1d2c3b4a59687766554433221100"
TWILIO_TOKEN = "twSecretAuthTokenHeraldE2e0001"
TWILIO_FROM = "+14155550100"
VONAGE_KEY = "a1b2c3d4"
VONAGE_SECRET = "vgSecretHeraldE2e01"
VONAGE_FROM = "Herald"

TWILIO = {"provider": "twilio", "accountSid": TWILIO_SID, "authToken": TWILIO_TOKEN, "fromNumber": TWILIO_FROM}
VONAGE = {"provider": "vonage", "apiKey": VONAGE_KEY, "apiSecret": VONAGE_SECRET, "from": VONAGE_FROM}
TWILIO_BASE = f"/twilio/2010-04-01/Accounts/{TWILIO_SID}"


# ---- what the receiver sees


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def check_twilio_form(request: Received, resource: str, sid: str = TWILIO_SID, token: str = TWILIO_TOKEN) -> None:
    # §15: a form-encoded POST under the account, HTTP Basic AccountSid:AuthToken, JSON asked back.
    assert (request.method, request.path) == ("POST", f"/twilio/2010-04-01/Accounts/{sid}/{resource}")
    assert header(request, "Authorization") == basic(sid, token)
    assert content_type(request).startswith("application/x-www-form-urlencoded")
    assert "application/json" in (header(request, "Accept") or "")


def check_twilio_sms(request: Received) -> None:
    check_twilio_form(request, "Messages.json")
    fields = form(request)
    assert (fields["To"], fields["From"]) == ([TO], [TWILIO_FROM])
    [body] = fields["Body"]
    assert TEST_TITLE in body and "your SMS channel works" in body and len(body) <= 1600
    assert not {"ContentSid", "MessagingServiceSid"} & fields.keys()


def check_twilio_whatsapp(request: Received) -> None:
    check_twilio_form(request, "Messages.json")
    fields = form(request)
    # §15b: both numbers carry the `whatsapp:` prefix; free-form Body without a template channel.
    assert (fields["To"], fields["From"]) == ([f"whatsapp:{TO}"], [f"whatsapp:{TWILIO_FROM}"])
    [body] = fields["Body"]
    assert TEST_TITLE in body and "your WhatsApp channel works" in body and len(body) <= 1600
    assert "ContentSid" not in fields


def check_twilio_voice(request: Received) -> None:
    check_twilio_form(request, "Calls.json")
    fields = form(request)
    assert (fields["To"], fields["From"]) == ([TO], [TWILIO_FROM])
    # §15c: exactly one of Twiml / Url / ApplicationSid; inline TwiML ≤ 4,000 characters that parses as XML.
    assert not {"Url", "ApplicationSid", "Body"} & fields.keys()
    [twiml] = fields["Twiml"]
    assert len(twiml) <= 4000
    say = ET.fromstring(twiml).find("Say")
    assert say is not None and say.text is not None
    assert TEST_TITLE in say.text and "http" not in say.text  # a link is not read aloud


def check_vonage(request: Received) -> None:
    assert (request.method, request.path) == ("POST", "/vonage/sms/json")
    assert content_type(request).startswith("application/x-www-form-urlencoded")
    fields = form(request)
    # §16a: credentials in the body (no Authorization header), numbers without `+`.
    assert (fields["api_key"], fields["api_secret"]) == ([VONAGE_KEY], [VONAGE_SECRET])
    assert header(request, "Authorization") is None
    assert (fields["from"], fields["to"]) == ([VONAGE_FROM], [TO.removeprefix("+")])
    [text] = fields["text"]
    assert TEST_TITLE in text and "your SMS channel works" in text
    assert fields["type"] == ["text"]  # GSM-7 text: no `unicode` needed


def twilio_created(sid: str) -> Answer:
    return json_answer(
        201,
        {"sid": sid, "status": "queued", "to": TO, "from": TWILIO_FROM, "num_segments": "1", "error_code": None},
    )


VONAGE_OK = json_answer(
    200,
    {
        "message-count": "1",
        "messages": [
            {
                "to": TO.removeprefix("+"),
                "message-id": "0A0000000123ABCD1",
                "status": "0",
                "remaining-balance": "3.14",
                "message-price": "0.03",
                "network": "12345",
            }
        ],
    },
)


@dataclass(frozen=True)
class Case:
    """A channel on a fixed-host provider, how that provider says yes, and what it must receive."""

    name: str
    kind: str
    display: str
    config: dict[str, Any]
    prefix: str
    ok: Answer
    check: Callable[[Received], None]
    message_id: str
    secrets: tuple[str, ...] = field(default=())  # must never come back in an answer or the log


TWILIO_SMS = Case(
    "sms-twilio",
    "sms",
    "SMS",
    {"phoneNumber": TO, **TWILIO},
    f"{TWILIO_BASE}/Messages.json",
    twilio_created("SM0123456789abcdef0123456789abcdef"),
    check_twilio_sms,
    "SM0123456789abcdef0123456789abcdef",
    (TWILIO_TOKEN,),
)
VONAGE_SMS = Case(
    "sms-vonage",
    "sms",
    "SMS",
    {"phoneNumber": TO, **VONAGE},
    "/vonage/",
    VONAGE_OK,
    check_vonage,
    "0A0000000123ABCD1",
    (VONAGE_SECRET,),
)
TWILIO_VOICE = Case(
    "voice-twilio",
    "voice",
    "Voice call",
    {"phoneNumber": TO, **TWILIO},
    f"{TWILIO_BASE}/Calls.json",
    twilio_created("CA0123456789abcdef0123456789abcdef"),
    check_twilio_voice,
    "CA0123456789abcdef0123456789abcdef",
    (TWILIO_TOKEN,),
)
TWILIO_WHATSAPP = Case(
    "whatsapp-twilio",
    "whatsapp",
    "WhatsApp",
    {"phoneNumber": TO, **TWILIO},
    f"{TWILIO_BASE}/Messages.json",
    twilio_created("SMfedcba9876543210fedcba9876543210"),
    check_twilio_whatsapp,
    "SMfedcba9876543210fedcba9876543210",
    (TWILIO_TOKEN,),
)
CASES = [TWILIO_SMS, VONAGE_SMS, TWILIO_VOICE, TWILIO_WHATSAPP]


def make_channel(herald: Herald, case: Case) -> str:
    return create_channel(herald, case.kind, case.config, name=f"e2e {case.name}")


def assert_no_secret(secrets: tuple[str, ...], text: str) -> None:
    leaked = [secret for secret in secrets if secret in text]
    assert not leaked, f"secret echoed: {leaked}"


def emulator_records(stack: Stack, http: requests.Session) -> dict[str, Any]:
    """The AWS emulator's state: data["ses"]["Message"] (sent e-mails), data["sns"]["SMS"] (sent texts)."""
    reply = http.get(f"{stack.aws_endpoint}/moto-api/data.json", timeout=30)
    assert reply.status_code == 200, f"the emulator's records are unavailable: {reply.status_code} {reply.text[:300]}"
    return dict(reply.json())


def sent_sms(stack: Stack, http: requests.Session, message_id: str) -> dict[str, Any]:
    found = [m for m in emulator_records(stack, http)["sns"]["SMS"] if m["message_id"] == message_id]
    assert len(found) == 1, f"SNS recorded no SMS {message_id}"
    return dict(found[0])


def sent_email(stack: Stack, http: requests.Session, message_id: str) -> dict[str, Any]:
    found = [m for m in emulator_records(stack, http)["ses"]["Message"] if m["id"] == message_id]
    assert len(found) == 1, f"SES recorded no e-mail {message_id}"
    return dict(found[0])


def unique_address(name: str, domain: str = "example.com") -> str:
    # Every test gets its own recipients, so the emulator's records (shared by the session) tell sends apart.
    # The stack verifies Herald's own sender domain (example.com); senders elsewhere are unverified until verified.
    return f"{name}+{uuid.uuid4().hex[:10]}@{domain}"


# ---- 1. success: /test answers 200 and the service receives its own format


@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in CASES])
def test_given_the_provider_says_yes_when_the_channel_is_tested_then_200_and_it_got_its_own_request(
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
    case.check(request)
    record = herald.delivery(body["deliveryId"])
    assert (record["status"], record["event"], record["providerMessageId"]) == ("delivered", "test", case.message_id)
    assert_no_secret(case.secrets, reply.text + json.dumps(record))


def test_given_an_aws_sms_channel_when_tested_then_sns_records_the_text_under_the_returned_message_id(
    herald: Herald, stack: Stack, http: requests.Session
) -> None:
    number = "+14155559" + f"{uuid.uuid4().int % 1000:03d}"
    channel = create_channel(herald, "sms", {"phoneNumber": number})  # provider aws is the default

    reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["success"], body["detail"]) == (True, "Test message sent to SMS")
    sms = sent_sms(stack, http, body["providerMessageId"])
    assert sms["phone_number"] == number
    assert TEST_TITLE in sms["message"] and "your SMS channel works" in sms["message"]
    assert herald.delivery(body["deliveryId"])["providerMessageId"] == body["providerMessageId"]


def test_given_a_long_alert_when_sent_by_sms_then_sns_gets_three_gsm_segments_with_an_ellipsis_and_the_link(
    herald: Herald, stack: Stack, http: requests.Session
) -> None:
    channel = create_channel(herald, "sms", {"phoneNumber": TO, "provider": "aws"})

    delivery = send_now(
        herald,
        channel,
        {**FIRING, "body": "Connection timeout. " * 100},
    )

    message = sent_sms(stack, http, delivery["providerMessageId"])["message"]
    # §17b: an SMS part carries 153 GSM-7 characters; Herald keeps an alert within three, cut visibly.
    assert len(message) <= 3 * 153
    assert message.startswith("[CRITICAL] Checkout API is down\n")
    body, link = message.rsplit("\n", 1)
    assert body.endswith("...") and link == SOURCE_URL


def test_given_an_email_channel_with_a_verified_sender_when_tested_then_ses_records_the_mail(
    herald: Herald, stack: Stack, http: requests.Session
) -> None:
    sender, to = (
        unique_address("status", "acme-monitoring.example.org"),
        [unique_address("oncall"), unique_address("sre")],
    )
    stack.client("ses").verify_email_identity(EmailAddress=sender)  # §17a: SES sends only from a verified identity
    channel = create_channel(herald, "email", {"toEmails": to, "fromEmail": sender, "replyTo": "sre@example.com"})

    reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["success"], body["detail"]) == (True, f"Test email sent to {to[0]} (+1 more)")
    mail = sent_email(stack, http, body["providerMessageId"])
    assert (mail["source"], mail["destinations"]["ToAddresses"]) == (sender, to)
    assert TEST_TITLE in mail["subject"]
    assert TEST_TITLE in mail["body"] and "your Email channel works" in mail["body"]
    assert herald.delivery(body["deliveryId"])["providerMessageId"] == body["providerMessageId"]


def test_given_an_alert_with_markup_when_emailed_then_the_html_part_escapes_it(
    herald: Herald, stack: Stack, http: requests.Session
) -> None:
    to = unique_address("oncall")
    channel = create_channel(herald, "email", {"address": to})  # the default sender is verified by the stack

    delivery = send_now(
        herald,
        channel,
        {
            "title": "<b>Checkout</b> & API is down",
            "body": "<script>alert(1)</script>",
            "fields": [{"label": "Region", "value": "eu-west"}],
            "sourceUrl": SOURCE_URL,
        },
    )

    mail = sent_email(stack, http, delivery["providerMessageId"])
    assert mail["destinations"]["ToAddresses"] == [to]
    assert "<b>Checkout</b> & API is down" in mail["subject"]  # the subject is plain text, not HTML
    assert "<script>" not in mail["body"] and "&lt;script&gt;alert(1)&lt;/script&gt;" in mail["body"]
    assert "&lt;b&gt;Checkout&lt;/b&gt; &amp; API is down" in mail["body"]
    assert "eu-west" in mail["body"] and f'href="{SOURCE_URL}"' in mail["body"]


# ---- 2. provider error: the service's own error answer is a 502 with its words


@pytest.mark.parametrize(
    ("case", "answer", "error"),
    [
        pytest.param(
            TWILIO_SMS,
            json_answer(
                400,
                {
                    "code": 21211,
                    "message": f"Invalid 'To' Phone Number: {TO}",
                    "more_info": "https://www.twilio.com/docs/errors/21211",
                    "status": 400,
                },
            ),
            f"Twilio returned 400: Invalid 'To' Phone Number: {TO} (code 21211)",
            id="sms-twilio-400-21211",
        ),
        pytest.param(
            TWILIO_SMS,
            json_answer(
                401,
                {
                    "code": 20003,
                    "message": "Authenticate",
                    "more_info": "https://www.twilio.com/docs/errors/20003",
                    "status": 401,
                },
            ),
            "Twilio returned 401: Authenticate (code 20003)",
            id="sms-twilio-401-20003",
        ),
        # §16a: most Vonage failures are HTTP 200 with a non-zero status and its error-text.
        pytest.param(
            VONAGE_SMS,
            json_answer(200, {"message-count": "1", "messages": [{"status": "4", "error-text": "Bad Credentials"}]}),
            "Vonage returned 200: status 4: Bad Credentials",
            id="sms-vonage-200-status-4",
        ),
        pytest.param(
            VONAGE_SMS,
            json_answer(
                200,
                {
                    "message-count": "1",
                    "messages": [
                        {
                            "to": TO.removeprefix("+"),
                            "status": "29",
                            "error-text": "Non White-listed Destination - rejected",
                        }
                    ],
                },
            ),
            "Vonage returned 200: status 29: Non White-listed Destination - rejected",
            id="sms-vonage-200-status-29",
        ),
        pytest.param(
            TWILIO_VOICE,
            json_answer(
                400,
                {
                    "code": 21210,
                    "message": f"The source phone number provided, {TWILIO_FROM}, is not yet verified "
                    "for your account.",
                    "more_info": "https://www.twilio.com/docs/errors/21210",
                    "status": 400,
                },
            ),
            f"Twilio returned 400: The source phone number provided, {TWILIO_FROM}, is not yet verified for your "
            "account. (code 21210)",
            id="voice-twilio-400-21210",
        ),
        pytest.param(
            TWILIO_WHATSAPP,
            json_answer(
                400,
                {
                    "code": 63007,
                    "message": "Twilio could not find a Channel with the specified From address",
                    "more_info": "https://www.twilio.com/docs/errors/63007",
                    "status": 400,
                },
            ),
            "Twilio returned 400: Twilio could not find a Channel with the specified From address (code 63007)",
            id="whatsapp-twilio-400-63007",
        ),
    ],
)
def test_given_the_provider_says_no_when_the_channel_is_tested_then_502_with_its_words(
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
    assert_no_secret(case.secrets, reply.text + json.dumps(record))
    assert len(arrived(provider, case.prefix)) == 1  # sent once: `failed`, not `retrying`, says none follows


def test_given_an_unverified_sender_when_the_email_channel_is_tested_then_502_with_ses_words(
    herald: Herald, stack: Stack, http: requests.Session
) -> None:
    sender, to = unique_address("status", "acme-monitoring.example.net"), unique_address("oncall")
    channel = create_channel(herald, "email", {"addresses": [to], "fromEmail": sender})

    reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 502, reply.text
    error = f"Amazon SES returned 400: MessageRejected: Email address not verified {sender}"
    assert (reply.json()["success"], reply.json()["error"]) == (False, error)
    record = herald.delivery(reply.json()["deliveryId"])
    assert (record["status"], record["code"], record["error"]) == ("failed", "provider_rejected", error)
    assert not [m for m in emulator_records(stack, http)["ses"]["Message"] if m["destinations"]["ToAddresses"] == [to]]


# ---- 3. rate limit: the provider's own signal sets the delay of a queued send's retry
#
# Header hints are 4 s, not 1-2 s: the schedule's own 1 s (plus jitter, plus the queue's poll) already puts a
# retry about 3 s after the first try (measured: 3.07 s with a 2 s Retry-After), so only a longer hint proves
# the provider's signal was read. Signals without a hint (Twilio 20429 without a header, Vonage status 1) use the
# schedule: the retry is not sooner than its 1 s.


@dataclass(frozen=True)
class Limit:
    answer: Answer
    hint: float  # seconds the retry must wait at least


TWILIO_TOO_MANY = {
    "code": 20429,
    "message": "Too Many Requests",
    "more_info": "https://www.twilio.com/docs/errors/20429",
    "status": 429,
}


@pytest.mark.parametrize(
    ("case", "limit"),
    [
        pytest.param(
            TWILIO_SMS, Limit(json_answer(429, TWILIO_TOO_MANY, {"Retry-After": "4"}), 4.0), id="sms-twilio-retry-after"
        ),
        pytest.param(TWILIO_WHATSAPP, Limit(json_answer(429, TWILIO_TOO_MANY), 1.0), id="whatsapp-twilio-20429"),
        pytest.param(
            TWILIO_VOICE,
            Limit(json_answer(429, TWILIO_TOO_MANY, {"Retry-After": "4"}), 4.0),
            id="voice-twilio-retry-after",
        ),
        pytest.param(
            VONAGE_SMS,
            Limit(
                json_answer(429, {"type": "https://developer.vonage.com/api-errors#throttled"}, {"Retry-After": "4"}),
                4.0,
            ),
            id="sms-vonage-429-retry-after",
        ),
    ],
)
def test_given_a_rate_limit_when_a_send_is_queued_then_the_retry_waits_for_the_hint_and_delivers(
    herald: Herald, provider: Receiver, case: Case, limit: Limit
) -> None:
    channel = make_channel(herald, case)

    with answering(provider, [limit.answer], then=case.ok):
        sent = herald.send([channel], title="Checkout API is down", dedupKey="mon_42")
        record = herald.settled(sent["deliveries"][0]["deliveryId"], timeout=30)
        first, second = wait_for_path(provider, case.prefix, 2, timeout=10)

    assert record["status"] == "delivered", record
    assert [a["httpStatus"] for a in record["attempts"]] == [429, case.ok.status]
    assert record["attempts"][0]["status"] == "retrying"
    assert record["providerMessageId"] == case.message_id
    assert second.at - first.at >= limit.hint
    assert second.body == first.body
    assert_no_secret(case.secrets, json.dumps(record))


def test_given_vonage_status_1_throttled_in_a_200_when_a_send_is_queued_then_it_is_retried_and_delivered(
    herald: Herald, provider: Receiver
) -> None:
    channel = make_channel(herald, VONAGE_SMS)
    throttled = json_answer(
        200,
        {"message-count": "1", "messages": [{"status": "1", "error-text": "Throughput Rate Exceeded - please wait"}]},
    )

    with answering(provider, [throttled], then=VONAGE_OK):
        sent = herald.send([channel], title="Checkout API is down")
        record = herald.settled(sent["deliveries"][0]["deliveryId"], timeout=30)
        first, second = wait_for_path(provider, VONAGE_SMS.prefix, 2, timeout=10)

    assert record["status"] == "delivered", record
    # §16a: HTTP 200 with status 1 is Vonage's throttle: a retry, not a success and not a permanent failure.
    assert [(a["status"], a["httpStatus"]) for a in record["attempts"]] == [("retrying", 200), ("delivered", 200)]
    assert "status 1: Throughput Rate Exceeded" in record["attempts"][0]["error"]
    assert second.at - first.at >= 1.0


# ---- 4. lifecycle: none of these services can close a message; a recovery is a new text, and no call


FIRING = {
    "event": "monitor.down",
    "title": "Checkout API is down",
    "body": "Connection timeout after 10000ms",
    "severity": "critical",
    "sourceUrl": SOURCE_URL,
    "dedupKey": "mon_42",
}
RESOLVED = {
    "event": "monitor.recovery",
    "title": "Checkout API is up",
    "status": "resolved",
    "severity": "critical",
    "dedupKey": "mon_42",
    "downtimeSeconds": 3720,
}


def test_given_a_twilio_sms_channel_when_the_alert_resolves_then_a_resolved_text_says_how_long_it_was_down(
    herald: Herald, provider: Receiver
) -> None:
    channel = make_channel(herald, TWILIO_SMS)

    with answering(provider, [], then=TWILIO_SMS.ok):
        send_now(herald, channel, FIRING)
        send_now(herald, channel, RESOLVED)

    firing, resolved = wait_for_path(provider, TWILIO_SMS.prefix, 2, timeout=10)
    [alert] = form(firing)["Body"]
    assert "Checkout API is down" in alert and SOURCE_URL in alert
    [text] = form(resolved)["Body"]
    assert text.startswith("RESOLVED: Checkout API is up") and "1h 2m" in text


@pytest.mark.parametrize(
    "config",
    [pytest.param({"phoneNumber": TO, **TWILIO}, id="twilio"), pytest.param({"phoneNumber": TO}, id="aws")],
)
def test_given_a_voice_channel_when_the_alert_resolves_then_no_call_is_placed(
    herald: Herald, provider: Receiver, config: dict[str, Any]
) -> None:
    channel = create_channel(herald, "voice", config)

    with answering(provider, [], then=TWILIO_VOICE.ok):
        delivery = send_now(herald, channel, RESOLVED)

    # §15c: calls are not sent for resolves. wait=true delivered inline, so nothing more is on its way.
    assert delivery["status"] == "delivered" and delivery["providerMessageId"] is None
    assert arrived(provider, "/twilio/") == []


def test_given_an_email_channel_when_the_alert_resolves_then_a_resolved_mail_says_it_recovered(
    herald: Herald, stack: Stack, http: requests.Session
) -> None:
    channel = create_channel(herald, "email", {"addresses": [unique_address("oncall")]})

    delivery = send_now(herald, channel, RESOLVED)

    mail = sent_email(stack, http, delivery["providerMessageId"])
    assert mail["subject"].startswith("RESOLVED: Checkout API is up")
    assert "Recovered after 1h 2m of downtime." in mail["body"]


# ---- aws voice: End User Messaging SMS and Voice v2, which the emulator does not implement


def test_given_an_aws_voice_channel_without_an_origination_identity_when_tested_then_502_says_what_to_set(
    herald: Herald,
) -> None:
    channel = create_channel(herald, "phone", {"phone_number": TO})  # the alias and snake_case, as seeds send them

    reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 502, reply.text
    body = reply.json()
    assert body["success"] is False and "originationIdentity" in body["error"]
    assert herald.delivery(body["deliveryId"])["code"] == "missing_credentials"


def voice_calls(stack: Stack, http: requests.Session) -> list[dict[str, Any]]:
    """The calls the local stack's End User Messaging SMS and Voice v2 answered (local/sms_voice.py)."""
    reply = http.get(f"{stack.aws_endpoint}/herald-local/sms-voice/voice-messages", timeout=30)
    assert reply.status_code == 200, f"the emulator's voice calls are unavailable: {reply.status_code}"
    return list(reply.json()["VoiceMessages"])


def test_given_an_aws_voice_channel_when_tested_then_200_and_end_user_messaging_recorded_the_spoken_call(
    herald: Herald, stack: Stack, http: requests.Session
) -> None:
    number = "+14155558" + f"{uuid.uuid4().int % 1000:03d}"
    channel = create_channel(herald, "voice", {"phoneNumber": number, "originationIdentity": "+12065550123"})

    reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["success"], body["detail"]) == (True, "Test message sent to Voice call")
    [call] = [c for c in voice_calls(stack, http) if c["MessageId"] == body["providerMessageId"]]
    assert (call["DestinationPhoneNumber"], call["OriginationIdentity"]) == (number, "+12065550123")
    assert call["MessageBodyTextType"] == "SSML"
    spoken = ET.fromstring(call["MessageBody"])  # §17c: SSML, the alert said twice
    assert spoken.tag == "speak" and "".join(spoken.itertext()).count(TEST_TITLE) == 2
    assert "your Voice call channel works" in call["MessageBody"]
    assert not [m for m in emulator_records(stack, http)["sns"]["SMS"] if m["phone_number"] == number]  # not SNS


# ---- credentials stored once per tenant (API.md §8 "Provider settings")


@dataclass(frozen=True)
class Stored:
    provider: str
    kind: str
    setting: dict[str, str]
    prefix: str
    ok: Answer
    check: Callable[[Received], None]


STORED_SID = "AC" + "99887766554433221100ffeeddccbbaa"
STORED_TWILIO_TOKEN = "twStoredAuthTokenHeraldE2e0002"
STORED_VONAGE_SECRET = "vgStoredSecretE2e02"


def check_stored_twilio(request: Received) -> None:
    check_twilio_form(request, "Messages.json", sid=STORED_SID, token=STORED_TWILIO_TOKEN)
    assert form(request)["From"] == ["whatsapp:+14155550199"]


def check_stored_vonage(request: Received) -> None:
    fields = form(request)
    assert request.path == "/vonage/sms/json"
    assert (fields["api_key"], fields["api_secret"], fields["from"]) == (
        ["e5f6a7b8"],
        [STORED_VONAGE_SECRET],
        ["Alerts"],
    )


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(
            Stored(
                "twilio",
                "whatsapp",
                {"accountSid": STORED_SID, "authToken": STORED_TWILIO_TOKEN, "fromNumber": "+14155550199"},
                f"/twilio/2010-04-01/Accounts/{STORED_SID}/",
                TWILIO_WHATSAPP.ok,
                check_stored_twilio,
            ),
            id="twilio",
        ),
        pytest.param(
            Stored(
                "vonage",
                "sms",
                {"apiKey": "e5f6a7b8", "apiSecret": STORED_VONAGE_SECRET, "from": "Alerts"},
                "/vonage/",
                VONAGE_OK,
                check_stored_vonage,
            ),
            id="vonage",
        ),
    ],
)
def test_given_credentials_stored_in_provider_settings_when_a_channel_without_them_is_tested_then_they_are_used(
    stack: Stack, http: requests.Session, provider: Receiver, stored: Stored
) -> None:
    # A tenant of its own: the settings of tenant `dev` stay as other suites expect them.
    minted = make_api_key(stack, f"e2e-msg-{uuid.uuid4().hex[:12]}", "admin")
    assert minted.returncode == 0, minted.stderr
    tenant = Herald(stack, http)
    tenant.headers = {"x-api-key": minted.stdout.strip().splitlines()[-1]}
    config = {"phoneNumber": TO, "provider": stored.provider}
    refused = tenant.call("POST", "/v1/channels", {"kind": stored.kind, "config": config})
    assert refused.status_code == 422, refused.text  # neither the channel nor the tenant has credentials yet

    put = tenant.call("PUT", f"/v1/settings/providers/{stored.provider}", stored.setting)
    assert put.status_code == 200, put.text
    channel = create_channel(tenant, stored.kind, config)
    with answering(provider, [], then=stored.ok):
        reply = tenant.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 200, reply.text
    assert reply.json()["success"] is True
    [request] = wait_for_path(provider, stored.prefix, 1, timeout=10)
    stored.check(request)
    listed = tenant.call("GET", "/v1/settings/providers")
    [entry] = [item for item in listed.json()["data"] if item["provider"] == stored.provider]
    assert set(entry["config"]) == set(stored.setting)
    secrets = (STORED_TWILIO_TOKEN, STORED_VONAGE_SECRET)
    assert_no_secret(
        secrets, put.text + listed.text + reply.text + json.dumps(tenant.delivery(reply.json()["deliveryId"]))
    )


def test_given_stored_twilio_credentials_when_a_channel_has_its_own_then_the_channels_own_win(
    stack: Stack, http: requests.Session, provider: Receiver
) -> None:
    minted = make_api_key(stack, f"e2e-msg-{uuid.uuid4().hex[:12]}", "admin")
    assert minted.returncode == 0, minted.stderr
    tenant = Herald(stack, http)
    tenant.headers = {"x-api-key": minted.stdout.strip().splitlines()[-1]}
    stored = {"accountSid": STORED_SID, "authToken": STORED_TWILIO_TOKEN, "fromNumber": "+14155550199"}
    assert tenant.call("PUT", "/v1/settings/providers/twilio", stored).status_code == 200
    channel = create_channel(tenant, "sms", TWILIO_SMS.config)

    with answering(provider, [], then=TWILIO_SMS.ok):
        reply = tenant.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 200, reply.text
    [request] = wait_for_path(provider, "/twilio/", 1, timeout=10)
    check_twilio_sms(request)  # the channel's SID, token and sender, not the tenant's
