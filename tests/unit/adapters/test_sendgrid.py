"""SendGrid v3 Mail Send: the e-mail kind's mail through the customer's API key, 202 success, `errors` words."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from herald.adapters import email
from herald.adapters.sendgrid import SendGridAdapter, SendGridConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.unit.adapters import support
from tests.unit.adapters.support import ctx, notification
from tests.unit.adapters.support import json_response as response

ADAPTER = SendGridAdapter()
KEY = "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"  # the shape SendGrid's keys have


def config(**values: Any) -> SendGridConfig:
    return SendGridConfig.model_validate(
        {"apiKey": KEY, "addresses": ["oncall@example.com"], "fromEmail": "alerts@example.com", **values}
    )


def body_of(n: Notification, cfg: SendGridConfig | None = None) -> dict[str, Any]:
    return ADAPTER.build_request(n, cfg or config(), ctx()).json_body()


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "endpoints", "url"),
    [
        ("us", {}, "https://api.sendgrid.com/v3/mail/send"),
        ("eu", {}, "https://api.eu.sendgrid.com/v3/mail/send"),
        ("eu", {"sendgrid": "http://127.0.0.1:9000/sendgrid/"}, "http://127.0.0.1:9000/sendgrid/v3/mail/send"),
    ],
)
def test_mail_send_on_the_regions_host_with_the_key_as_bearer(region: str, endpoints: dict[str, str], url: str) -> None:
    request = ADAPTER.build_request(notification(), config(region=region), ctx(endpoints=endpoints))

    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Content-Type"] == "application/json"


def test_the_body_is_the_email_kinds_mail_with_plain_text_first() -> None:
    n = notification()
    cfg = config(addresses=["a@example.com", "b@example.com"], fromName="Herald alerts", replyTo="ops@example.com")

    assert body_of(n, cfg) == {
        "personalizations": [{"to": [{"email": "a@example.com"}, {"email": "b@example.com"}]}],
        "from": {"email": "alerts@example.com", "name": "Herald alerts"},
        "reply_to": {"email": "ops@example.com"},
        "subject": "[CRITICAL] My API is down",
        "content": [
            {"type": "text/plain", "value": email.text_body(n)},
            {"type": "text/html", "value": email.html_body(n)},
        ],
    }


def test_without_a_name_or_reply_to_neither_is_sent() -> None:
    body = body_of(notification())

    assert body["from"] == {"email": "alerts@example.com"}
    assert "reply_to" not in body


def test_every_value_in_the_html_part_is_escaped() -> None:
    [_, html] = body_of(notification(title="<script>x</script>", body="a & b"))["content"]

    assert "<script>" not in html["value"]
    assert "&lt;script&gt;x&lt;/script&gt;" in html["value"] and "a &amp; b" in html["value"]


def test_a_resolved_mail_says_so_in_its_subject() -> None:
    body = body_of(notification(status="resolved", title="My API is back", downtime_seconds=120))

    assert body["subject"] == "RESOLVED: My API is back"
    assert "Recovered after 2m of downtime." in body["content"][1]["value"]


# --- the answer -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [202, 200])  # 200 is sandbox mode's answer
def test_success_records_the_x_message_id(status: int) -> None:
    receipt = ADAPTER.interpret(response(status, b"", {"X-Message-Id": "cm9YPWZsZXhpYmxl"}))

    assert (receipt.provider_message_id, receipt.http_status) == ("cm9YPWZsZXhpYmxl", status)


REVOKED = "The provided authorization grant is invalid, expired, or revoked"


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            400,
            {
                "errors": [
                    {"message": "Does not contain a valid address.", "field": "personalizations.0.to.0.email"},
                    {"message": "The subject is required.", "field": None, "help": "http://sendgrid.com/x"},
                ]
            },
            PermanentDeliveryError,
            "SendGrid returned 400: personalizations.0.to.0.email: Does not contain a valid address.; "
            "The subject is required.",
        ),
        (
            401,
            {
                "errors": [
                    {"field": None, "message": "The provided authorization grant is invalid, expired, or revoked"}
                ]
            },
            PermanentDeliveryError,
            "SendGrid returned 401: The provided authorization grant is invalid, expired, or revoked",
        ),
        (
            403,
            {
                "errors": [
                    {
                        "field": "from",
                        "message": "The from address does not match a verified Sender Identity.",
                    }
                ]
            },
            PermanentDeliveryError,
            "SendGrid returned 403: from: The from address does not match a verified Sender Identity.",
        ),
        (500, b"", RetryableDeliveryError, "SendGrid returned 500: Internal Server Error"),
    ],
)
def test_failures_carry_sendgrids_words(status: int, body: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body))

    assert raised.value.message == message  # type: ignore[attr-defined]


def test_429_waits_until_the_rate_limit_resets() -> None:
    reset = int(time.time()) + 3600
    headers = {"X-RateLimit-Limit": "150", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}

    with pytest.raises(RetryableDeliveryError) as raised:
        ADAPTER.interpret(response(429, {"errors": [{"field": None, "message": "too many requests"}]}, headers))

    assert raised.value.message == "SendGrid returned 429: too many requests"
    assert raised.value.code == "rate_limited"
    assert raised.value.retry_after is not None and 3500 < raised.value.retry_after <= 3600


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [({"X-RateLimit-Reset": "1392815263"}, 0.0), ({"X-RateLimit-Reset": "soon"}, None), ({"Retry-After": "9"}, 9.0)],
)
def test_a_past_odd_or_missing_reset_falls_back(headers: dict[str, str], retry_after: float | None) -> None:
    with pytest.raises(RetryableDeliveryError) as raised:
        ADAPTER.interpret(response(429, {"errors": [{"message": "too many requests"}]}, headers))

    assert raised.value.retry_after == retry_after


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"apiKey": KEY, "to": ["oncall@example.com"], "from": "alerts@example.com"},
        {"api_key": KEY, "to_emails": ["oncall@example.com"], "from_email": "alerts@example.com"},
        {"apiKey": KEY, "email": "oncall@example.com", "fromEmail": "alerts@example.com"},
    ],
)
def test_sendgrids_and_the_email_kinds_spellings_are_accepted(body: dict[str, Any]) -> None:
    assert SendGridConfig.model_validate(body).reveal() == {
        "addresses": ["oncall@example.com"],
        "fromEmail": "alerts@example.com",
        "apiKey": KEY,
        "region": "us",
    }


def messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(SendGridConfig, body)


FROM = {"fromEmail": "alerts@example.com"}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"addresses": ["a@example.com"], **FROM}, "config.apiKey", "SendGrid API key is required"),
        ({"apiKey": KEY, "addresses": ["a@example.com"]}, "config.fromEmail", "Sender email address is required"),
        ({"apiKey": KEY, **FROM}, "config.addresses", "Email address is required"),
        ({"apiKey": KEY, "addresses": [], **FROM}, "config.addresses", "At least one email address is required"),
        ({"apiKey": KEY, "addresses": ["bad@"], **FROM}, "config.addresses.0", "Invalid email address"),
        ({"apiKey": KEY, "to": "a@example.com", "from": "nobody"}, "config.from", "Invalid email address"),
        (
            {"apiKey": KEY, "addresses": [f"u{i}@example.com" for i in range(51)], **FROM},
            "config.addresses",
            "At most 50 email addresses are allowed",
        ),
        ({"apiKey": KEY, "addresses": ["a@example.com"], "region": "ap", **FROM}, "config.region", "'us' or 'eu'"),
        ({"apiKey": KEY, "addresses": ["a@example.com"], "fromName": "a\nb", **FROM}, "config.fromName", "control"),
        ({"apiKey": KEY, "addresses": ["a@example.com"], "cc": ["b@example.com"], **FROM}, "config.cc", "Unknown"),
    ],
)
def test_bad_configs_are_refused_naming_the_field(body: dict[str, Any], field: str, words: str) -> None:
    found = messages(body)

    assert any(path == field and words in message for path, message in found), found


def test_redacted_hides_the_key_reveal_round_trips_and_the_summary_names_address_and_host() -> None:
    parsed = config(region="EU", addresses=["a@example.com", "b@example.com"])

    assert parsed.redacted() == {
        "addresses": ["a@example.com", "b@example.com"],
        "fromEmail": "alerts@example.com",
        "apiKey": "••••••••",
        "region": "eu",
    }
    assert KEY not in repr(parsed) + str(parsed) + json.dumps(parsed.redacted())
    assert SendGridConfig.model_validate(parsed.reveal()) == parsed
    assert SendGridConfig.secret_fields() == ["apiKey"]
    assert parsed.summary() == "a@example.com (+1 more) via api.eu.sendgrid.com"
