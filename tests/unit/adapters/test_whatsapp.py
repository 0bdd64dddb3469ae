"""WhatsApp adapter: Twilio Messages.json with `whatsapp:` addresses (PROVIDERS.md §15b), and the config."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs

import pytest

from herald.adapters.base import DeliveryContext, RenderContext
from herald.adapters.twilio import BODY_LIMIT
from herald.adapters.whatsapp import (
    TEMPLATE_VARIABLE_LIMIT,
    WhatsAppAdapter,
    WhatsAppConfig,
    template_variables,
    whatsapp_text,
)
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.config import SECRET_PLACEHOLDER
from herald.models.notification import Notification
from herald.transport.wire import HttpResponse, OutboundRequest
from tests.support.samples import SAMPLES
from tests.unit.adapters import support
from tests.unit.adapters.support import DOWN, Receiver, ctx, omit
from tests.unit.adapters.support import LATER as NOW
from tests.unit.adapters.support import TWILIO_SID as SID
from tests.unit.adapters.support import TWILIO_TOKEN as TOKEN

ADAPTER = WhatsAppAdapter()
CTX = ctx("dlv_wa1", now=NOW)
CREDENTIALS = {"accountSid": SID, "authToken": TOKEN, "fromNumber": "+14155238886"}
TEMPLATE = "HX" + "0123456789abcdef" * 2
LINK = "https://status.example.com/m/1"


def notification(**overrides: Any) -> Notification:
    return support.notification(omit(DOWN, "monitor", "dedup_key"), **overrides)


def config(**values: Any) -> WhatsAppConfig:
    return WhatsAppConfig.model_validate({"phoneNumber": "+15551234567", **CREDENTIALS, **values})


def form(request: OutboundRequest) -> dict[str, str]:
    return {key: value[0] for key, value in parse_qs(request.body.decode()).items()}


def errors_of(data: dict[str, Any]) -> dict[str, str]:
    return support.errors_of(WhatsAppConfig, data)


# --- config -----------------------------------------------------------------------------------------------------


def test_the_sample_config_with_its_own_twilio_credentials_is_accepted():
    parsed = WhatsAppConfig.model_validate(SAMPLES["whatsapp"])
    assert parsed.provider_name == "twilio"
    assert parsed.missing_credentials() == []


def test_twilio_is_the_default_and_the_credentials_may_come_from_the_tenant_settings():
    parsed = WhatsAppConfig.model_validate({"phone_number": "+15551234567"})
    assert (parsed.provider(), parsed.missing_credentials()) == ("twilio", ["accountSid", "authToken", "fromNumber"])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "config.phoneNumber", "Phone number is required"),
        ({"phoneNumber": "0155512345"}, "config.phoneNumber", "Phone number must be in E.164 format"),
        ({"phoneNumber": "+15551234567", "provider": "aws"}, "config.provider", "Input should be 'twilio'"),
        (
            {"phoneNumber": "+15551234567", "fromNumber": "HeraldOps"},
            "config",
            "fromNumber must be the E.164 number of a WhatsApp sender or a Messaging Service SID",
        ),
        ({"phoneNumber": "+15551234567", "contentSid": f"x{TEMPLATE}"}, "config.contentSid", None),
        ({"phoneNumber": "+15551234567", "apiSecret": "s"}, "config.apiSecret", "Unknown field 'apiSecret'"),
    ],
)
def test_bad_configs_are_refused_naming_the_field(data: dict[str, Any], field: str, message: str | None):
    errors = errors_of(data)
    assert list(errors) == [field]
    if message is not None:
        assert errors[field] == message


def test_redacted_hides_the_auth_token_and_reveal_round_trips():
    parsed = config(contentSid=TEMPLATE)
    assert parsed.redacted() == {
        "phoneNumber": "+15551234567",
        "provider": "twilio",
        "accountSid": SID,
        "authToken": SECRET_PLACEHOLDER,
        "fromNumber": "+14155238886",
        "contentSid": TEMPLATE,
    }
    assert "zq7SECRET" not in repr(parsed)
    assert WhatsAppConfig.model_validate(parsed.reveal()) == parsed
    assert parsed.summary() == "…4567"


def test_the_json_schema_works():
    schema = WhatsAppConfig.model_json_schema(by_alias=True)
    assert schema["required"] == ["phoneNumber"]
    assert schema["properties"]["provider"]["const"] == "twilio"


# --- the request ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "url"),
    [
        ({}, f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"),
        ({"twilio": "http://127.0.0.1:9000/x/"}, f"http://127.0.0.1:9000/x/2010-04-01/Accounts/{SID}/Messages.json"),
    ],
)
def test_a_message_goes_to_messages_json_with_whatsapp_prefixes_on_both_numbers(endpoints: dict[str, str], url: str):
    ctx = RenderContext(delivery_id="dlv_wa1", attempt=1, now=NOW, endpoints=endpoints)
    request = ADAPTER.build_request(notification(), config(), ctx)
    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert base64.b64decode(request.headers["Authorization"].removeprefix("Basic ")).decode() == f"{SID}:{TOKEN}"
    assert form(request) == {
        "To": "whatsapp:+15551234567",
        "From": "whatsapp:+14155238886",
        "Body": whatsapp_text(notification()),
    }


def test_a_messaging_service_replaces_from_without_a_prefix():
    service = "MG" + "fedcba9876543210" * 2
    fields = form(ADAPTER.build_request(notification(), config(fromNumber=service), CTX))
    assert fields["MessagingServiceSid"] == service
    assert "From" not in fields
    assert fields["To"] == "whatsapp:+15551234567"


def test_the_text_has_a_bold_headline_body_facts_and_the_link_last():
    assert whatsapp_text(notification()) == (
        f"*🔴 [CRITICAL] My API is down*\nConnection timeout after 10000ms\nRegion: eu-west\n{LINK}"
    )


def test_a_resolved_text_is_green_and_says_how_long_it_was_down():
    text = whatsapp_text(notification(status="resolved", title="My API is up", body="", downtime_seconds=3725))
    assert text.startswith("*✅ RESOLVED: My API is up*\nDown for 1h 2m 5s.")


def test_a_long_text_is_cut_to_twilios_limit_with_an_ellipsis_and_keeps_its_link():
    text = whatsapp_text(notification(body="x" * 5000))
    assert len(text) == BODY_LIMIT
    assert text.endswith(f"…\n{LINK}")


def test_a_template_channel_sends_content_sid_and_variables_and_no_body():
    request = ADAPTER.build_request(notification(), config(contentSid=TEMPLATE), CTX)
    fields = form(request)
    assert "Body" not in fields
    assert fields["ContentSid"] == TEMPLATE
    assert json.loads(fields["ContentVariables"]) == {
        "1": "🔴 [CRITICAL] My API is down",
        "2": "Connection timeout after 10000ms",
        "3": LINK,
    }


def test_template_variables_are_single_lines_never_empty_and_bounded():
    variables = json.loads(template_variables(notification(body="line one\n\tline   two " * 100, source_url=None)))
    assert variables["3"] == "-"
    assert "\n" not in variables["2"] and "\t" not in variables["2"] and "  " not in variables["2"]
    assert len(variables["2"]) == TEMPLATE_VARIABLE_LIMIT


def test_resolved_template_variables_carry_the_downtime():
    variables = json.loads(template_variables(notification(status="resolved", body="", downtime_seconds=61)))
    assert variables["1"].startswith("✅ RESOLVED:")
    assert variables["2"] == "Down for 1m 1s."


def test_missing_credentials_fail_permanently_before_anything_is_sent():
    bare = WhatsAppConfig.model_validate({"phoneNumber": "+15551234567"})
    with pytest.raises(PermanentDeliveryError, match="settings/providers/twilio"):
        ADAPTER.build_request(notification(), bare, CTX)


# --- the answer ----------------------------------------------------------------------------------------------------


def test_a_201_with_a_sid_is_delivered_and_records_the_sid():
    receiver = Receiver(HttpResponse(201, {}, b'{"sid": "SM9", "status": "queued"}'))
    ctx = DeliveryContext(delivery_id="dlv_wa1", attempt=1, now=NOW, http=receiver)
    receipt = ADAPTER.send(notification(), config(), ctx)
    assert (receipt.provider_message_id, receipt.http_status) == ("SM9", 201)
    assert len(receiver.sent) == 1


@pytest.mark.parametrize(
    ("answer", "error_type", "message"),
    [
        (
            HttpResponse(
                400,
                {},
                b'{"code": 63007, "message": "Twilio could not find a Channel with the specified From address"}',
            ),
            PermanentDeliveryError,
            "Twilio returned 400: Twilio could not find a Channel with the specified From address (code 63007)",
        ),
        (
            HttpResponse(429, {"Retry-After": "2"}, b'{"code": 20429, "message": "Too Many Requests"}'),
            RetryableDeliveryError,
            "Twilio returned 429: Too Many Requests (code 20429)",
        ),
    ],
)
def test_twilio_errors_keep_twilios_words(answer: HttpResponse, error_type: type, message: str):
    with pytest.raises(error_type) as caught:
        ADAPTER.interpret(answer)
    assert caught.value.message == message
    assert TOKEN not in caught.value.message
