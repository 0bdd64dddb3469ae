"""Voice adapter: End User Messaging SMS-voice v2 (PROVIDERS.md §17c), Twilio Calls.json (§15c), and the config.

moto 5.2.5 does not emulate `pinpoint-sms-voice-v2`, so the AWS path is checked with botocore's Stubber:
the client validates the built kwargs against botocore's own service model before the stub answers.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree

import boto3
import pytest
from botocore.stub import Stubber

from herald.adapters.base import DeliveryContext, RenderContext
from herald.adapters.twilio import TWIML_LIMIT
from herald.adapters.voice import (
    SPOKEN_LIMIT,
    SSML_LIMIT,
    VoiceAdapter,
    VoiceConfig,
    spoken_duration,
    spoken_text,
    ssml,
    twiml,
)
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.config import SECRET_PLACEHOLDER
from herald.models.notification import Notification
from herald.transport.wire import HttpResponse
from tests.support.seeds import ALL_BODIES, EXPECTED_KIND
from tests.unit.adapters import support
from tests.unit.adapters.support import DOWN, TWILIO, Receiver, ctx, omit
from tests.unit.adapters.support import LATER as NOW
from tests.unit.adapters.support import TWILIO_SID as SID
from tests.unit.adapters.support import TWILIO_TOKEN as TOKEN

ADAPTER = VoiceAdapter()
CTX = ctx("dlv_voice1", now=NOW)
AWS = {"originationIdentity": "+12065550123"}
# Every character XML must escape, many times over: the worst case for the TwiML and SSML limits.
HOSTILE = "<&>" * 340  # 1,020 characters, inside the title limit; the body takes 16 of these


def notification(**overrides: Any) -> Notification:
    return support.notification(
        omit(DOWN, "fields", "monitor", "dedup_key") | {"title": "Database down on db1", "body": "Connection refused"},
        **overrides,
    )


def config(**values: Any) -> VoiceConfig:
    return VoiceConfig.model_validate({"phoneNumber": "+14155551234", **values})


def errors_of(data: dict[str, Any]) -> dict[str, str]:
    return support.errors_of(VoiceConfig, data)


def sms_voice_client() -> Any:
    return boto3.client(
        "pinpoint-sms-voice-v2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )


# --- config -----------------------------------------------------------------------------------------------------

SEED_CONFIGS = [
    body["config"]
    for body in ALL_BODIES
    if EXPECTED_KIND.get(str(body.get("type", body.get("kind"))).lower(), str(body.get("type")).lower()) == "voice"
]


def test_the_seeds_hold_voice_bodies_under_phone_and_voice():
    assert len(SEED_CONFIGS) == 2
    assert "phone" in ADAPTER.aliases


@pytest.mark.parametrize("seed", SEED_CONFIGS)
def test_every_seed_voice_body_is_accepted_as_is(seed: dict[str, Any]):
    parsed = VoiceConfig.model_validate(seed)
    assert parsed.provider_name == "aws"
    assert parsed.missing_credentials() == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "config.phoneNumber", "Phone number is required"),
        ({"phone_number": "+1 (415) 555-1234"}, "config.phoneNumber", "Phone number must be in E.164 format"),
        ({"phoneNumber": "+14155551234", "provider": "vonage"}, "config.provider", "Input should be 'aws' or 'twilio'"),
        ({"phoneNumber": "+14155551234", "apiKey": "k"}, "config.apiKey", "Unknown field 'apiKey'"),
        (
            {"phoneNumber": "+14155551234", **TWILIO, "fromNumber": "Herald"},
            "config",
            "fromNumber must be an E.164 phone number: Twilio places calls from a number",
        ),
        (
            {"phoneNumber": "+14155551234", **TWILIO, **AWS},
            "config",
            "originationIdentity is for provider 'aws'; Twilio calls come from fromNumber",
        ),
        ({"phoneNumber": "+14155551234", "originationIdentity": "pool id"}, "config.originationIdentity", None),
    ],
)
def test_bad_configs_are_refused_naming_the_field(data: dict[str, Any], field: str, message: str | None):
    errors = errors_of(data)
    assert list(errors) == [field]
    if message is not None:
        assert errors[field] == message


def test_a_twilio_voice_channel_may_leave_its_credentials_to_the_tenant_settings():
    parsed = config(provider="twilio")
    assert parsed.provider() == "twilio"
    assert parsed.missing_credentials() == ["accountSid", "authToken", "fromNumber"]


def test_redacted_hides_the_auth_token_and_reveal_round_trips():
    parsed = config(**TWILIO)
    assert parsed.redacted()["authToken"] == SECRET_PLACEHOLDER
    assert "zq7SECRET" not in json.dumps(parsed.redacted()) + repr(parsed)
    assert VoiceConfig.model_validate(parsed.reveal()) == parsed
    assert parsed.summary() == "…1234"


def test_the_json_schema_works_with_camel_case_names():
    schema = VoiceConfig.model_json_schema(by_alias=True)
    assert set(schema["properties"]) == {
        "phoneNumber",
        "provider",
        "accountSid",
        "authToken",
        "fromNumber",
        "originationIdentity",
    }
    assert VoiceConfig.secret_fields() == ["authToken"]


# --- what the call says --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "less than a second"),
        (1, "1 second"),
        (60, "1 minute"),
        (754, "12 minutes and 34 seconds"),
        (12345, "3 hours, 25 minutes and 45 seconds"),
        (90000, "25 hours"),
    ],
)
def test_durations_are_spoken_in_words(seconds: int, words: str):
    assert spoken_duration(seconds) == words


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        ({}, "Critical alert. Database down on db1. Connection refused."),
        ({"severity": "warning", "body": ""}, "Warning. Database down on db1."),
        ({"severity": "info", "title": "Maintenance starts!"}, "Notice. Maintenance starts! Connection refused."),
        (
            {"status": "resolved", "title": "Database is up", "downtime_seconds": 754},
            "Resolved. Database is up. It was down for 12 minutes and 34 seconds.",
        ),
    ],
)
def test_the_spoken_text_has_severity_title_and_body_and_no_link(overrides: dict[str, Any], said: str):
    assert spoken_text(notification(**overrides)) == said


def test_the_spoken_text_is_cut_with_a_visible_ellipsis():
    text = spoken_text(notification(body="very long " * 200))
    assert len(text) == SPOKEN_LIMIT
    assert text.endswith("…")


def test_twiml_says_the_text_twice_with_xml_escaping():
    document = twiml(notification(title="A & B <down>"))
    say = ElementTree.fromstring(document).find("Say")
    assert say is not None
    assert (say.get("voice"), say.get("loop")) == ("alice", "2")
    assert say.text == "Critical alert. A & B <down>. Connection refused."
    assert "A &amp; B &lt;down&gt;" in document


def test_ssml_repeats_the_text_after_a_pause_and_escapes_it():
    document = ssml(notification(title="A & B"))
    root = ElementTree.fromstring(document)
    assert root.tag == "speak"
    assert [child.tag for child in root] == ["break"]
    assert root.text == root[0].tail == "Critical alert. A & B. Connection refused."


def test_the_worst_case_text_stays_inside_twilios_and_aws_limits():
    hostile = notification(title=HOSTILE, body=HOSTILE * 16)
    assert len(twiml(hostile)) <= TWIML_LIMIT
    assert len(ssml(hostile)) <= SSML_LIMIT
    ElementTree.fromstring(twiml(hostile))
    ElementTree.fromstring(ssml(hostile))


# --- AWS End User Messaging ---------------------------------------------------------------------------------------


def test_aws_sends_ssml_from_the_origination_identity():
    assert ADAPTER.build_voice_message(notification(), config(**AWS)) == {
        "DestinationPhoneNumber": "+14155551234",
        "OriginationIdentity": "+12065550123",
        "MessageBody": ssml(notification()),
        "MessageBodyTextType": "SSML",
        "VoiceId": "JOANNA",
    }


def test_aws_without_an_origination_identity_fails_permanently_saying_what_to_set():
    with pytest.raises(PermanentDeliveryError) as caught:
        ADAPTER.build_voice_message(notification(), config())
    assert "originationIdentity" in caught.value.message


def test_given_the_sms_voice_api_when_called_then_botocore_accepts_the_kwargs_and_the_message_id_is_kept():
    client = sms_voice_client()
    expected = ADAPTER.build_voice_message(notification(), config(**AWS))
    ctx = DeliveryContext(delivery_id="dlv_voice1", attempt=1, now=NOW, aws=lambda _service: client)
    with Stubber(client) as stub:
        stub.add_response("send_voice_message", {"MessageId": "vm-1"}, expected)
        receipt = ADAPTER.send(notification(), config(**AWS), ctx)
        stub.assert_no_pending_responses()
    assert receipt.provider_message_id == "vm-1"


def test_the_worst_case_ssml_passes_botocores_validation():
    client = sms_voice_client()
    hostile = notification(title=HOSTILE, body=HOSTILE * 16)
    ctx = DeliveryContext(delivery_id="dlv_voice1", attempt=1, now=NOW, aws=lambda _service: client)
    with Stubber(client) as stub:
        stub.add_response("send_voice_message", {"MessageId": "vm-2"})
        assert ADAPTER.send(hostile, config(**AWS), ctx).provider_message_id == "vm-2"


@pytest.mark.parametrize(
    ("code", "status", "reason", "error_type"),
    [
        ("ThrottlingException", 400, None, RetryableDeliveryError),
        ("ServiceQuotaExceededException", 402, "MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE", PermanentDeliveryError),
        ("ValidationException", 400, "DESTINATION_COUNTRY_BLOCKED", PermanentDeliveryError),
        ("InternalServerException", 500, None, RetryableDeliveryError),
    ],
)
def test_aws_errors_are_classified_and_keep_aws_words(code: str, status: int, reason: str | None, error_type: type):
    client = sms_voice_client()
    ctx = DeliveryContext(delivery_id="dlv_voice1", attempt=1, now=NOW, aws=lambda _service: client)
    with Stubber(client) as stub, pytest.raises(error_type) as caught:
        stub.add_client_error(
            "send_voice_message", code, "Said by AWS", status, modeled_fields={"Reason": reason} if reason else None
        )
        ADAPTER.send(notification(), config(**AWS), ctx)
    expected = f"AWS End User Messaging returned {status}: {code}: Said by AWS"
    assert caught.value.message == (f"{expected} ({reason})" if reason else expected)


@pytest.mark.parametrize("values", [AWS, TWILIO])
def test_a_resolved_notification_places_no_call(values: dict[str, Any]):
    client = sms_voice_client()
    receiver = Receiver(HttpResponse(201, {}, b'{"sid": "CA1"}'))
    ctx = DeliveryContext(delivery_id="d", attempt=1, now=NOW, http=receiver, aws=lambda _service: client)
    with Stubber(client) as stub:  # no response queued: any AWS call would raise UnStubbedResponseError
        receipt = ADAPTER.send(notification(status="resolved"), config(**values), ctx)
        stub.assert_no_pending_responses()
    assert receiver.sent == []
    assert receipt.provider_message_id is None


# --- Twilio -------------------------------------------------------------------------------------------------------


def test_twilio_posts_calls_json_with_inline_twiml():
    ctx = RenderContext(delivery_id="d", attempt=1, now=NOW, endpoints={"twilio": "http://127.0.0.1:9000/tw"})
    request = ADAPTER.build_request(notification(), config(**TWILIO), ctx)
    assert (request.method, request.url) == (
        "POST",
        f"http://127.0.0.1:9000/tw/2010-04-01/Accounts/{SID}/Calls.json",
    )
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert base64.b64decode(request.headers["Authorization"].removeprefix("Basic ")).decode() == f"{SID}:{TOKEN}"
    fields = {key: value[0] for key, value in parse_qs(request.body.decode()).items()}
    assert fields == {"To": "+14155551234", "From": "+14155550000", "Twiml": twiml(notification())}


def test_an_aws_config_has_no_http_request():
    with pytest.raises(ValueError, match="build_voice_message"):
        ADAPTER.build_request(notification(), config(**AWS), CTX)


def test_a_twilio_call_is_recorded_by_its_sid_and_twilio_errors_keep_their_words():
    receiver = Receiver(HttpResponse(201, {}, b'{"sid": "CA0123", "status": "queued"}'))
    ctx = DeliveryContext(delivery_id="d", attempt=1, now=NOW, http=receiver)
    assert ADAPTER.send(notification(), config(**TWILIO), ctx).provider_message_id == "CA0123"
    assert len(receiver.sent) == 1

    busy = HttpResponse(429, {"Retry-After": "3"}, b'{"code": 20429, "message": "Too Many Requests"}')
    with pytest.raises(RetryableDeliveryError) as caught:
        ADAPTER.interpret(busy)
    assert (caught.value.message, caught.value.retry_after) == (
        "Twilio returned 429: Too Many Requests (code 20429)",
        3.0,
    )
