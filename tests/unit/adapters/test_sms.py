"""SMS adapter: SNS (PROVIDERS.md §17b), Twilio (§15a) and Vonage (§16a) requests and answers, and the config."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from herald.adapters.base import DeliveryContext, RenderContext
from herald.adapters.sms import (
    GSM7_SEGMENT,
    MAX_SEGMENTS,
    UCS2_SEGMENT,
    SmsAdapter,
    SmsConfig,
    is_gsm7,
    sms_text,
    units,
)
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.config import SECRET_PLACEHOLDER
from herald.models.notification import Notification
from herald.transport.wire import HttpResponse, OutboundRequest
from tests.support.seeds import ALL_BODIES
from tests.unit.adapters import support
from tests.unit.adapters.support import DOWN, TWILIO, Receiver, ctx, fake_aws_credentials, omit
from tests.unit.adapters.support import LATER as NOW
from tests.unit.adapters.support import TWILIO_SID as SID
from tests.unit.adapters.support import TWILIO_TOKEN as TOKEN
from tests.unit.adapters.support import json_response as response

ADAPTER = SmsAdapter()
CTX = ctx("dlv_sms1", now=NOW)
VONAGE_SECRET = "zq7SECRET-vonage-x9"
VONAGE = {"provider": "vonage", "apiKey": "a1b2c3d4", "apiSecret": VONAGE_SECRET, "from": "Herald"}


def notification(**overrides: Any) -> Notification:
    return support.notification(omit(DOWN, "fields", "monitor", "dedup_key"), **overrides)


def config(**values: Any) -> SmsConfig:
    return SmsConfig.model_validate({"phoneNumber": "+14155551234", **values})


def form(request: OutboundRequest) -> dict[str, str]:
    return {key: value[0] for key, value in parse_qs(request.body.decode(), keep_blank_values=True).items()}


def errors_of(data: dict[str, Any]) -> dict[str, str]:
    return support.errors_of(SmsConfig, data)


# --- config -----------------------------------------------------------------------------------------------------

SEED_CONFIGS = [body["config"] for body in ALL_BODIES if str(body.get("type", body.get("kind"))).lower() == "sms"]


def test_the_seeds_hold_sms_bodies():
    assert len(SEED_CONFIGS) == 2


@pytest.mark.parametrize("seed", SEED_CONFIGS)
def test_every_seed_sms_body_is_accepted_as_is_and_sends_with_aws(seed: dict[str, Any]):
    parsed = SmsConfig.model_validate(seed)
    assert parsed.provider_name == "aws"
    assert parsed.provider() is None
    assert parsed.missing_credentials() == []


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"config.phoneNumber": "Phone number is required"}),
        ({"phoneNumber": "4155551234"}, {"config.phoneNumber": "Phone number must be in E.164 format"}),
        ({"phoneNumber": "+1 415 555 1234"}, {"config.phoneNumber": "Phone number must be in E.164 format"}),
        ({"phoneNumber": "+1-415-555-1234"}, {"config.phoneNumber": "Phone number must be in E.164 format"}),
        ({"phoneNumber": "+999123456"}, {"config.phoneNumber": "Phone number must be in E.164 format"}),
        (
            {"phoneNumber": "+14155551234", "provider": "sns"},
            {"config.provider": "Input should be 'aws', 'twilio' or 'vonage'"},
        ),
        ({"phoneNumber": "+14155551234", "channel": "x"}, {"config.channel": "Unknown field 'channel'"}),
    ],
)
def test_bad_configs_are_refused_naming_the_field_and_the_rule(data: dict[str, Any], errors: dict[str, str]):
    assert errors_of(data) == errors


def test_snake_case_keys_are_accepted_and_answered_in_camel_case():
    parsed = SmsConfig.model_validate(
        {
            "phone_number": "+14155551234",
            "provider": "twilio",
            "account_sid": SID,
            "auth_token": TOKEN,
            "from_number": "+14155550000",
        }
    )
    assert parsed.reveal() == {"phoneNumber": "+14155551234", **TWILIO}


@pytest.mark.parametrize("credentials", [TWILIO, VONAGE])
def test_redacted_hides_every_secret_and_reveal_round_trips(credentials: dict[str, Any]):
    parsed = config(**credentials)
    redacted = parsed.redacted()
    assert "zq7SECRET" not in json.dumps(redacted) + repr(parsed)
    assert [key for key, value in redacted.items() if value == SECRET_PLACEHOLDER] == [
        key for key in ("authToken", "apiSecret") if key in credentials
    ]
    assert SmsConfig.model_validate(parsed.reveal()) == parsed
    assert parsed.reveal() == {"phoneNumber": "+14155551234", **credentials}


def test_the_summary_shows_only_the_last_four_digits():
    assert config().summary() == "…1234"


def test_the_json_schema_lists_the_secret_fields_as_passwords():
    schema = SmsConfig.model_json_schema(by_alias=True)
    assert schema["required"] == ["phoneNumber"]
    assert schema["properties"]["provider"]["enum"] == ["aws", "twilio", "vonage"]
    assert SmsConfig.secret_fields() == ["authToken", "apiSecret"]
    assert all(schema["properties"][name]["anyOf"][0]["writeOnly"] for name in SmsConfig.secret_fields())


# --- the text -------------------------------------------------------------------------------------------------------


def test_a_firing_text_is_the_plain_headline_the_body_and_the_link():
    assert sms_text(notification()) == (
        "[CRITICAL] My API is down\nConnection timeout after 10000ms\nhttps://status.example.com/m/1"
    )


def test_a_resolved_text_says_resolved_and_how_long_it_was_down():
    text = sms_text(notification(status="resolved", title="My API is up", body="", downtime_seconds=754))
    assert text == "RESOLVED: My API is up\nDown for 12m 34s.\nhttps://status.example.com/m/1"


@pytest.mark.parametrize(
    ("body", "gsm", "capacity", "ellipsis"),
    [
        ("word " * 400, True, MAX_SEGMENTS * GSM7_SEGMENT, "..."),
        ("wörd ä€ " * 300, True, MAX_SEGMENTS * GSM7_SEGMENT, "..."),  # extension characters count twice
        ("слово " * 400, False, MAX_SEGMENTS * UCS2_SEGMENT, "…"),
        ("alert 🔥 " * 300, False, MAX_SEGMENTS * UCS2_SEGMENT, "…"),  # an emoji is two UCS-2 units
    ],
)
def test_long_texts_are_cut_to_three_segments_in_their_own_encoding_with_a_visible_ellipsis(
    body: str, gsm: bool, capacity: int, ellipsis: str
):
    text = sms_text(notification(body=body))
    message, _, link = text.rpartition("\n")
    assert link == "https://status.example.com/m/1"
    assert is_gsm7(text) is gsm
    assert capacity - 3 <= units(text, gsm) <= capacity
    assert message.endswith(ellipsis)


def test_a_link_longer_than_half_the_message_is_left_out_rather_than_cut():
    text = sms_text(notification(source_url="https://status.example.com/" + "x" * 400))
    assert "https://" not in text
    assert text == "[CRITICAL] My API is down\nConnection timeout after 10000ms"


def test_a_non_http_link_is_never_sent():
    assert "javascript" not in sms_text(notification(source_url="javascript:alert(1)"))


# --- SNS (provider aws) ------------------------------------------------------------------------------------------


def test_aws_publishes_to_the_phone_number_as_a_transactional_sms():
    assert ADAPTER.build_publish(notification(), config()) == {
        "PhoneNumber": "+14155551234",
        "Message": sms_text(notification()),
        "MessageAttributes": {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
    }


def test_an_aws_config_has_no_http_request():
    with pytest.raises(ValueError, match="SNS"):
        ADAPTER.build_request(notification(), config(), CTX)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    fake_aws_credentials(monkeypatch)
    with mock_aws():
        yield {"sns": boto3.client("sns", region_name="us-east-1")}


def test_given_the_aws_emulator_when_sent_then_sns_records_the_sms_and_its_message_id(aws: dict[str, Any]):
    ctx = DeliveryContext(delivery_id="dlv_sms1", attempt=1, now=NOW, aws=aws.__getitem__)
    receipt = ADAPTER.send(notification(), config(), ctx)
    recorded = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages
    assert recorded == {receipt.provider_message_id: ("+14155551234", sms_text(notification()))}
    assert receipt.http_status == 200


# --- Twilio ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "url"),
    [
        ({}, f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"),
        ({"twilio": "http://127.0.0.1:9000/tw"}, f"http://127.0.0.1:9000/tw/2010-04-01/Accounts/{SID}/Messages.json"),
    ],
)
def test_twilio_posts_a_form_with_basic_auth_to_messages_json(endpoints: dict[str, str], url: str):
    ctx = RenderContext(delivery_id="dlv_sms1", attempt=1, now=NOW, endpoints=endpoints)
    request = ADAPTER.build_request(notification(), config(**TWILIO), ctx)
    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Accept"] == "application/json"
    assert base64.b64decode(request.headers["Authorization"].removeprefix("Basic ")).decode() == f"{SID}:{TOKEN}"
    assert form(request) == {"To": "+14155551234", "From": "+14155550000", "Body": sms_text(notification())}


def test_twilio_with_a_messaging_service_sends_its_sid_instead_of_from():
    service = "MG" + "fedcba9876543210" * 2
    request = ADAPTER.build_request(notification(), config(**{**TWILIO, "fromNumber": service}), CTX)
    assert form(request) == {"To": "+14155551234", "MessagingServiceSid": service, "Body": sms_text(notification())}


@pytest.mark.parametrize("credentials", [{"provider": "twilio"}, {"provider": "vonage", "from": "Herald"}])
def test_a_send_without_complete_credentials_fails_permanently_naming_the_provider_settings(
    credentials: dict[str, Any],
):
    with pytest.raises(PermanentDeliveryError) as caught:
        ADAPTER.build_request(notification(), config(**credentials), CTX)
    assert f"PUT /v1/settings/providers/{credentials['provider']}" in caught.value.message


def test_twilio_201_with_a_sid_is_success_and_records_the_sid():
    answer = response(201, {"sid": "SM0123", "status": "queued", "error_code": None})
    receipt = ADAPTER.interpret(answer, config(**TWILIO))
    assert (receipt.provider_message_id, receipt.http_status) == ("SM0123", 201)


@pytest.mark.parametrize(
    ("answer", "error_type", "message", "retry_after"),
    [
        (
            response(400, {"code": 21211, "message": "Invalid 'To' Phone Number: +1415", "status": 400}),
            PermanentDeliveryError,
            "Twilio returned 400: Invalid 'To' Phone Number: +1415 (code 21211)",
            None,
        ),
        (
            response(401, {"code": 20003, "message": "Authenticate", "status": 401}),
            PermanentDeliveryError,
            "Twilio returned 401: Authenticate (code 20003)",
            None,
        ),
        (
            response(429, {"code": 20429, "message": "Too Many Requests"}, {"Retry-After": "7"}),
            RetryableDeliveryError,
            "Twilio returned 429: Too Many Requests (code 20429)",
            7.0,
        ),
        (
            response(503, {"code": 20500, "message": "Internal Server Error"}),
            RetryableDeliveryError,
            "Twilio returned 503: Internal Server Error (code 20500)",
            None,
        ),
        (
            response(201, {"status": "queued"}),
            PermanentDeliveryError,
            "Twilio returned 201: the answer carries no sid",
            None,
        ),
        (response(502), RetryableDeliveryError, "Twilio returned 502: Bad Gateway", None),
    ],
)
def test_twilio_failures_carry_twilios_words_and_its_retry_hint(
    answer: HttpResponse, error_type: type, message: str, retry_after: float | None
):
    with pytest.raises(error_type) as caught:
        ADAPTER.interpret(answer, config(**TWILIO))
    assert caught.value.message == message
    assert caught.value.retry_after == retry_after


# --- Vonage -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "url"),
    [
        ({}, "https://rest.nexmo.com/sms/json"),
        ({"vonage": "http://127.0.0.1:9000/vn"}, "http://127.0.0.1:9000/vn/sms/json"),
    ],
)
def test_vonage_posts_a_form_with_the_credentials_in_the_body_and_numbers_without_plus(
    endpoints: dict[str, str], url: str
):
    ctx = RenderContext(delivery_id="dlv_sms1", attempt=1, now=NOW, endpoints=endpoints)
    request = ADAPTER.build_request(notification(), config(**{**VONAGE, "from": "+447700900001"}), ctx)
    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in request.headers
    assert form(request) == {
        "api_key": "a1b2c3d4",
        "api_secret": VONAGE_SECRET,
        "from": "447700900001",
        "to": "14155551234",
        "text": sms_text(notification()),
        "type": "text",
    }


def test_vonage_is_told_when_the_text_is_unicode():
    request = ADAPTER.build_request(notification(title="Сервер недоступен"), config(**VONAGE), CTX)
    assert form(request)["type"] == "unicode"


def test_vonage_success_needs_http_200_and_status_0_in_every_part():
    answer = response(
        200,
        {
            "message-count": "2",
            "messages": [
                {"to": "14155551234", "message-id": "0A00001", "status": "0"},
                {"to": "14155551234", "message-id": "0A00002", "status": "0"},
            ],
        },
    )
    receipt = ADAPTER.interpret(answer, config(**VONAGE))
    assert (receipt.provider_message_id, receipt.http_status) == ("0A00001", 200)


@pytest.mark.parametrize(
    ("answer", "error_type", "code", "message"),
    [
        (
            response(
                200, {"message-count": "1", "messages": [{"status": "1", "error-text": "Throughput Rate Exceeded"}]}
            ),
            RetryableDeliveryError,
            "rate_limited",
            "Vonage returned 200: status 1: Throughput Rate Exceeded",
        ),
        (
            response(200, {"message-count": "1", "messages": [{"status": "4", "error-text": "Bad Credentials"}]}),
            PermanentDeliveryError,
            "provider_rejected",
            "Vonage returned 200: status 4: Bad Credentials",
        ),
        (
            response(
                200,
                {
                    "message-count": "2",
                    "messages": [
                        {"status": "0", "message-id": "0A1"},
                        {"status": "9", "error-text": "Partner quota exceeded"},
                    ],
                },
            ),
            PermanentDeliveryError,
            "provider_rejected",
            "Vonage returned 200: status 9: Partner quota exceeded",
        ),
        (
            response(200, {"message-count": "1", "messages": [{"status": "5", "error-text": "Internal Error"}]}),
            RetryableDeliveryError,
            "provider_unavailable",
            "Vonage returned 200: status 5: Internal Error",
        ),
        (
            response(200, {"message-count": "0", "messages": []}),
            PermanentDeliveryError,
            "provider_rejected",
            "Vonage returned 200: the answer has no message status",
        ),
        (
            response(429, {"error": "slow down"}),
            RetryableDeliveryError,
            "rate_limited",
            'Vonage returned 429: {"error": "slow down"}',
        ),
        (response(500), RetryableDeliveryError, "provider_unavailable", "Vonage returned 500: Internal Server Error"),
    ],
)
def test_vonage_failures_even_inside_a_200_carry_vonages_error_text(
    answer: HttpResponse, error_type: type, code: str, message: str
):
    with pytest.raises(error_type) as caught:
        ADAPTER.interpret(answer, config(**VONAGE))
    assert (caught.value.code, caught.value.message) == (code, message)


# --- send over HTTP -------------------------------------------------------------------------------------------------


def test_a_vonage_send_goes_through_the_session_and_reads_vonages_answer():
    receiver = Receiver(response(200, {"messages": [{"status": "0", "message-id": "0B7"}]}))
    ctx = DeliveryContext(delivery_id="dlv_sms1", attempt=1, now=NOW, http=receiver)
    receipt = ADAPTER.send(notification(), config(**VONAGE), ctx)
    assert receipt.provider_message_id == "0B7"
    assert [request.url for request in receiver.sent] == ["https://rest.nexmo.com/sms/json"]


def test_a_twilio_failure_never_carries_the_auth_token():
    receiver = Receiver(response(401, {"code": 20003, "message": "Authenticate"}))
    ctx = DeliveryContext(delivery_id="dlv_sms1", attempt=1, now=NOW, http=receiver)
    with pytest.raises(PermanentDeliveryError) as caught:
        ADAPTER.send(notification(), config(**TWILIO), ctx)
    assert TOKEN not in f"{caught.value} {caught.value.message} {caught.value!r}"
