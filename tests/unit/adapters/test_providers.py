"""Provider plumbing: tenant provider settings, channel-side credentials, and AWS error classification.

PROVIDERS.md sections 15-17; API.md sections 4 and 8 (provider settings, a channel's own value wins).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import Stubber

from herald.adapters import aws_messaging
from herald.adapters.base import DeliveryContext
from herald.adapters.providers import (
    PROVIDER_SETTINGS,
    PushoverSettings,
    TelegramSettings,
    TwilioSettings,
    VonageSettings,
)
from herald.adapters.sms import SmsConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.config import SECRET_PLACEHOLDER
from herald.secrets import canonical_keys, merge_patch
from herald.transport.classify import aws_failure
from tests.unit.adapters.support import TWILIO_SID as SID
from tests.unit.adapters.support import TWILIO_TOKEN as TOKEN
from tests.unit.adapters.support import errors_of

MG = "MG" + "fedcba9876543210" * 2
VONAGE_SECRET = "zq7SECRET-vonage-x9"

SETTINGS_BODIES: dict[str, dict[str, Any]] = {
    "telegram": {"botToken": "123456:zq7SECRET-telegram-x9"},
    "pushover": {"appToken": "zq7SECRET-pushover-x9"},
    "twilio": {"accountSid": SID, "authToken": TOKEN, "fromNumber": "+14155550000"},
    "vonage": {"apiKey": "a1b2c3d4", "apiSecret": VONAGE_SECRET, "from": "Herald"},
}


# --- tenant provider settings ---------------------------------------------------------------------------------


def test_the_settings_registry_names_exactly_the_four_providers_of_the_api():
    assert dict(PROVIDER_SETTINGS) == {
        "telegram": TelegramSettings,
        "pushover": PushoverSettings,
        "twilio": TwilioSettings,
        "vonage": VonageSettings,
    }


@pytest.mark.parametrize("provider", sorted(SETTINGS_BODIES))
def test_given_complete_settings_then_they_validate_and_reveal_round_trips(provider: str):
    model = PROVIDER_SETTINGS[provider]
    settings = model.model_validate(SETTINGS_BODIES[provider])
    assert settings.reveal() == SETTINGS_BODIES[provider]
    assert model.model_validate(settings.reveal()) == settings


@pytest.mark.parametrize("provider", sorted(SETTINGS_BODIES))
def test_redacted_settings_hide_every_secret_and_nothing_else(provider: str):
    model = PROVIDER_SETTINGS[provider]
    settings = model.model_validate(SETTINGS_BODIES[provider])
    redacted = settings.redacted()
    assert "zq7SECRET" not in repr(redacted) + repr(settings) + str(settings)
    for name, value in SETTINGS_BODIES[provider].items():
        expected = SECRET_PLACEHOLDER if name in model.secret_fields() else value
        assert redacted[name] == expected
    assert model.secret_fields()


@pytest.mark.parametrize(
    ("provider", "field", "message"),
    [
        ("telegram", "botToken", "Telegram bot token is required"),
        ("pushover", "appToken", "Pushover application token is required"),
        ("twilio", "accountSid", "Twilio account SID is required"),
        ("twilio", "authToken", "Twilio auth token is required"),
        ("twilio", "fromNumber", "Twilio sender number is required"),
        ("vonage", "apiKey", "Vonage API key is required"),
        ("vonage", "apiSecret", "Vonage API secret is required"),
        ("vonage", "from", "Vonage sender is required"),
    ],
)
def test_every_settings_field_is_required_and_named_in_the_error(provider: str, field: str, message: str):
    body = {key: value for key, value in SETTINGS_BODIES[provider].items() if key != field}
    assert errors_of(PROVIDER_SETTINGS[provider], body) == {f"config.{field}": message}


def test_settings_accept_snake_case_keys():
    settings = TwilioSettings.model_validate({"account_sid": SID, "auth_token": TOKEN, "from_number": "+14155550000"})
    assert settings.reveal() == SETTINGS_BODIES["twilio"]


@pytest.mark.parametrize("provider", sorted(SETTINGS_BODIES))
def test_settings_have_a_json_schema_with_camel_case_names(provider: str):
    schema = PROVIDER_SETTINGS[provider].model_json_schema(by_alias=True)
    assert set(schema["properties"]) == set(SETTINGS_BODIES[provider])
    assert set(schema["required"]) == set(SETTINGS_BODIES[provider])


@pytest.mark.parametrize(
    ("sender", "accepted"),
    [
        ("+14155550000", True),  # a Twilio number
        (MG, True),  # a Messaging Service picks the sender
        ("12345", True),  # a short code
        ("Herald Ops", True),  # an alphanumeric sender ID, 11 characters at most
        ("HeraldAlerts1", False),  # 13 characters
        ("123-456", False),
        ("+0123456789", False),  # no country code 0
        ("MG" + "z" * 32, False),  # neither a Messaging Service SID nor a sender ID
        ("", False),
    ],
)
def test_twilio_senders_are_numbers_short_codes_sender_ids_or_messaging_services(sender: str, accepted: bool):
    body = {**SETTINGS_BODIES["twilio"], "fromNumber": sender}
    if accepted:
        assert TwilioSettings.model_validate(body).from_number == sender
    else:
        assert set(errors_of(TwilioSettings, body)) == {"config.fromNumber"}


@pytest.mark.parametrize("sid", ["AC123", "SK" + "0" * 32, "AC" + "g" * 32, "ac" + "0" * 32])
def test_a_malformed_account_sid_is_refused(sid: str):
    errors = errors_of(TwilioSettings, {**SETTINGS_BODIES["twilio"], "accountSid": sid})
    assert errors == {"config.accountSid": "Twilio account SID must be 'AC' followed by 32 hexadecimal characters"}


@pytest.mark.parametrize(
    ("sender", "accepted"),
    [("447700900001", True), ("+447700900001", True), ("Herald", True), ("Too long sender", False), ("0", False)],
)
def test_vonage_senders_are_numbers_or_sender_ids(sender: str, accepted: bool):
    body = {**SETTINGS_BODIES["vonage"], "from": sender}
    if accepted:
        assert VonageSettings.model_validate(body).reveal()["from"] == sender
    else:
        assert set(errors_of(VonageSettings, body)) == {"config.from"}


# --- credentials a channel leaves to the settings --------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "provider", "missing"),
    [
        ({"phoneNumber": "+14155551234"}, None, []),
        ({"phoneNumber": "+14155551234", "provider": "twilio"}, "twilio", ["accountSid", "authToken", "fromNumber"]),
        (
            {"phoneNumber": "+14155551234", "provider": "twilio", "authToken": TOKEN},
            "twilio",
            ["accountSid", "fromNumber"],
        ),
        ({"phoneNumber": "+14155551234", "provider": "vonage", "from": "Herald"}, "vonage", ["apiKey", "apiSecret"]),
        ({"phoneNumber": "+14155551234", "provider": "vonage", **SETTINGS_BODIES["vonage"]}, "vonage", []),
    ],
)
def test_a_channel_names_its_provider_and_the_credentials_still_to_fill(
    body: dict[str, Any], provider: str | None, missing: list[str]
):
    config = SmsConfig.model_validate(body)
    assert config.provider() == provider
    assert config.missing_credentials() == missing


def test_stored_settings_fill_the_missing_credentials_and_the_channels_own_value_wins():
    # The merge channels.service.with_provider_credentials performs before sending.
    channel = SmsConfig.model_validate({"phoneNumber": "+14155551234", "provider": "vonage", "from": "MyBrand"})
    stored = VonageSettings.model_validate(SETTINGS_BODIES["vonage"])
    merged = SmsConfig.model_validate({**stored.reveal(), **channel.reveal()})
    assert merged.missing_credentials() == []
    assert merged.from_ == "MyBrand"
    assert merged.api_secret is not None
    assert merged.api_secret.get_secret_value() == VONAGE_SECRET


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"provider": "twilio", "apiKey": "k"}, "apiKey"),
        ({"provider": "vonage", "accountSid": SID}, "accountSid"),
        ({"provider": "aws", "authToken": TOKEN}, "authToken"),
        ({"apiSecret": VONAGE_SECRET}, "apiSecret"),  # provider defaults to aws
    ],
)
def test_credentials_of_another_provider_are_refused(body: dict[str, Any], named: str):
    errors = errors_of(SmsConfig, {"phoneNumber": "+14155551234", **body})
    assert list(errors) == ["config"]
    assert named in errors["config"]
    assert "zq7SECRET" not in errors["config"]


def test_canonical_keys_keep_the_wire_name_of_fields_whose_python_name_differs():
    # `from` and `provider` are wire names of the Python fields `from_` and `provider_name`: a PATCH that
    # sends them must merge onto the stored keys, not add a second spelling.
    stored = SmsConfig.model_validate(
        {"phoneNumber": "+14155551234", "provider": "vonage", **SETTINGS_BODIES["vonage"]}
    ).reveal()
    patch = canonical_keys(SmsConfig, {"from": "NewBrand", "api_key": "k2", "phone_number": "+14155559999"})
    assert patch == {"from": "NewBrand", "apiKey": "k2", "phoneNumber": "+14155559999"}
    merged = SmsConfig.model_validate(merge_patch(stored, patch))
    assert merged.reveal()["from"] == "NewBrand"


# --- AWS errors -------------------------------------------------------------------------------------------------


def client_error(code: str, message: str, status: int, **extra: Any) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError({**response, **extra}, "SendEmail")


@pytest.mark.parametrize(
    ("code", "status", "retryable", "kind"),
    [
        ("TooManyRequestsException", 429, True, "rate_limited"),  # SES v2
        ("Throttling", 400, True, "rate_limited"),  # SNS
        ("ThrottlingException", 400, True, "rate_limited"),  # SMS-voice v2
        ("SomethingNew", 429, True, "rate_limited"),
        ("InternalServerException", 500, True, "provider_unavailable"),
        ("ServiceUnavailable", 503, True, "provider_unavailable"),
        ("MessageRejected", 400, False, "provider_rejected"),
        ("AccessDeniedException", 403, False, "provider_rejected"),
        ("NotFoundException", 404, False, "provider_rejected"),
    ],
)
def test_aws_client_errors_are_classified_by_code_and_status(code: str, status: int, retryable: bool, kind: str):
    error = aws_failure("Amazon SES", client_error(code, "Words from AWS.", status))
    assert isinstance(error, RetryableDeliveryError if retryable else PermanentDeliveryError)
    assert error.code == kind
    assert error.http_status == status
    assert error.retry_after is None
    assert error.message == f"Amazon SES returned {status}: {code}: Words from AWS."


def test_the_reason_sms_voice_gives_is_part_of_the_message():
    error = aws_failure(
        "AWS End User Messaging",
        client_error("ValidationException", "Invalid origination identity", 400, Reason="INVALID_IDENTITY"),
    )
    assert error.message == (
        "AWS End User Messaging returned 400: ValidationException: Invalid origination identity (INVALID_IDENTITY)"
    )


class UnreachableClient:
    """An AWS client whose endpoint cannot be reached (what botocore raises when the network fails)."""

    def send_email(self, **params: Any) -> Any:
        raise EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com")


def ctx_with(client: Any) -> DeliveryContext:
    now = datetime(2026, 5, 15, 8, 30, tzinfo=UTC)
    return DeliveryContext(delivery_id="dlv_aws1", attempt=1, now=now, aws=lambda _service: client)


def test_an_unreachable_aws_endpoint_is_retryable():
    with pytest.raises(RetryableDeliveryError) as caught:
        aws_messaging.call(ctx_with(UnreachableClient()), aws_messaging.SES, "send_email", {})
    assert caught.value.message == "Amazon SES could not be reached (EndpointConnectionError)"


def test_a_request_botocore_refuses_to_send_is_permanent_and_says_which_parameter():
    client = boto3.client("sesv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(client) as stub, pytest.raises(PermanentDeliveryError) as caught:
        # Queued so that the only thing standing between the call and AWS is botocore's own validation.
        stub.add_response("send_email", {"MessageId": "never"})
        aws_messaging.call(ctx_with(client), aws_messaging.SES, "send_email", {"Content": {"Simple": {}}})
    assert caught.value.message.startswith("Amazon SES request refused before sending: Parameter validation failed")
    assert "Subject" in caught.value.message


def test_a_success_records_the_message_id_and_status():
    client = boto3.client("sns", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    params = {"PhoneNumber": "+14155551234", "Message": "hi"}
    with Stubber(client) as stub:
        stub.add_response("publish", {"MessageId": "m-1", "ResponseMetadata": {"HTTPStatusCode": 200}}, params)
        receipt = aws_messaging.call(ctx_with(client), aws_messaging.SNS, "publish", params)
        stub.assert_no_pending_responses()
    assert (receipt.provider_message_id, receipt.http_status) == ("m-1", 200)


def test_aws_messaging_needs_an_aws_client_factory():
    ctx = DeliveryContext(delivery_id="d", attempt=1, now=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(TypeError):
        aws_messaging.call(ctx, aws_messaging.SNS, "publish", {})
