"""E-mail adapter: SES v2 SendEmail (PROVIDERS.md §17a), checked in the AWS emulator's records, and the config."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from herald.adapters.base import DeliveryContext, RenderContext
from herald.adapters.email import MAX_RECIPIENTS, SUBJECT_LIMIT, EmailAdapter, EmailConfig, build_email
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.support.seeds import ALL_BODIES, EXPECTED_KIND
from tests.unit.adapters import support
from tests.unit.adapters.support import DOWN, fake_aws_credentials, omit
from tests.unit.adapters.support import LATER as NOW

ADAPTER = EmailAdapter()
CTX = RenderContext(delivery_id="dlv_mail1", attempt=1, now=NOW, sender_email="alerts@herald.example")
LINK = "https://status.example.com/m/1"


def notification(**overrides: Any) -> Notification:
    return support.notification(omit(DOWN, "dedup_key"), **overrides)


def config(**values: Any) -> EmailConfig:
    return EmailConfig.model_validate({"addresses": ["oncall@example.com"], **values})


def errors_of(data: dict[str, Any]) -> dict[str, str]:
    return support.errors_of(EmailConfig, data)


class Html(HTMLParser):
    """What a mail client shows: the text, and the targets of links."""

    def __init__(self, document: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links.extend(value or "" for name, value in attrs if tag == "a" and name == "href")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def simple(params: dict[str, Any]) -> dict[str, Any]:
    return params["Content"]["Simple"]


# --- config -----------------------------------------------------------------------------------------------------

SEEDS = [
    body["config"]
    for body in ALL_BODIES
    if EXPECTED_KIND.get(
        str(body.get("type", body.get("kind"))).lower(), str(body.get("type", body.get("kind"))).lower()
    )
    == "email"
]


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        ({"address": "oncall@example.com"}, {"addresses": ["oncall@example.com"]}),
        ({"email": "alerts@example.com"}, {"addresses": ["alerts@example.com"]}),
        (
            {
                "fromEmail": "ops-alerts@example.com",
                "toEmails": ["ops@example.com", "oncall@example.com"],
                "replyTo": "support@example.com",
            },
            {
                "addresses": ["ops@example.com", "oncall@example.com"],
                "fromEmail": "ops-alerts@example.com",
                "replyTo": "support@example.com",
            },
        ),
    ],
)
def test_every_seed_email_body_is_accepted_as_is_and_normalised_to_addresses(
    seed: dict[str, Any], expected: dict[str, Any]
):
    assert seed in SEEDS
    assert EmailConfig.model_validate(seed).redacted() == expected


def test_the_seeds_hold_exactly_these_three_email_bodies():
    assert len(SEEDS) == 3


def test_snake_case_keys_are_accepted():
    parsed = EmailConfig.model_validate(
        {"to_emails": ["a@example.com"], "from_email": "f@example.com", "reply_to": "r@example.com"}
    )
    assert parsed.reveal() == {"addresses": ["a@example.com"], "fromEmail": "f@example.com", "replyTo": "r@example.com"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "config.addresses", "Email address is required"),
        ({"fromEmail": "f@example.com"}, "config.addresses", "Email address is required"),
        ({"addresses": []}, "config.addresses", "At least one email address is required"),
        (
            {"addresses": [f"u{i}@example.com" for i in range(MAX_RECIPIENTS + 1)]},
            "config.addresses",
            "At most 50 email addresses are allowed",
        ),
        ({"email": "not-an-address"}, "config.email", None),
        ({"addresses": ["ok@example.com", "bad@"]}, "config.addresses.1", None),
        ({"address": "a@example.com", "email": "b@example.com"}, "config.email", "Unknown field 'email'"),
        ({"address": "a@example.com", "fromEmail": "nobody"}, "config.fromEmail", None),
        ({"address": "a@example.com", "replyTo": "x@y@z"}, "config.replyTo", None),
        ({"address": "a@example.com", "cc": ["b@example.com"]}, "config.cc", "Unknown field 'cc'"),
    ],
)
def test_bad_configs_are_refused_naming_the_field(data: dict[str, Any], field: str, message: str | None):
    errors = errors_of(data)
    assert list(errors) == [field]
    assert errors[field] == message if message else errors[field].startswith("Invalid email address")


def test_fifty_recipients_are_allowed_and_duplicates_count_once():
    many = [f"u{i}@example.com" for i in range(MAX_RECIPIENTS)]
    assert len(config(addresses=[*many, many[0]]).addresses) == MAX_RECIPIENTS


@pytest.mark.parametrize(
    ("addresses", "summary"),
    [(["oncall@example.com"], "oncall@example.com"), (["a@example.com", "b@example.com"], "a@example.com (+1 more)")],
)
def test_the_summary_shows_one_address(addresses: list[str], summary: str):
    assert config(addresses=addresses).summary() == summary


def test_email_has_no_secret_and_redacted_equals_reveal_which_round_trips():
    parsed = config(fromEmail="f@example.com")
    assert EmailConfig.secret_fields() == []
    assert parsed.redacted() == parsed.reveal()
    assert EmailConfig.model_validate(parsed.reveal()) == parsed


def test_the_json_schema_works_and_ops_email_is_an_alias():
    schema = EmailConfig.model_json_schema(by_alias=True)
    assert schema["required"] == ["addresses"]
    assert set(schema["properties"]) == {"addresses", "fromEmail", "replyTo"}
    assert ADAPTER.aliases == ("ops_email",)


# --- the message -------------------------------------------------------------------------------------------------


def test_the_send_email_call_has_from_to_subject_and_both_parts():
    params = build_email(notification(), config(), CTX)
    assert params["FromEmailAddress"] == "alerts@herald.example"
    assert params["Destination"] == {"ToAddresses": ["oncall@example.com"]}
    assert "ReplyToAddresses" not in params
    assert simple(params)["Subject"] == {"Data": "[CRITICAL] My API is down", "Charset": "UTF-8"}
    assert set(simple(params)["Body"]) == {"Text", "Html"}
    assert all(part["Charset"] == "UTF-8" for part in simple(params)["Body"].values())


def test_the_channels_from_and_reply_to_are_used():
    params = build_email(notification(), config(fromEmail="ops@example.com", replyTo="help@example.com"), CTX)
    assert params["FromEmailAddress"] == "ops@example.com"
    assert params["ReplyToAddresses"] == ["help@example.com"]


def test_the_configuration_set_goes_with_the_mail_only_when_the_stack_names_one():
    """Bounces and complaints are counted by the SES configuration set's event destination."""
    assert "ConfigurationSetName" not in build_email(notification(), config(), CTX)
    with_set = RenderContext(
        delivery_id="dlv_mail1", attempt=1, now=NOW, sender_email="alerts@herald.example", ses_configuration_set="cs-1"
    )
    assert build_email(notification(), config(), with_set)["ConfigurationSetName"] == "cs-1"


def test_the_text_part_has_headline_body_facts_link_and_time():
    text = simple(build_email(notification(), config(), CTX))["Body"]["Text"]["Data"]
    for expected in (
        "🔴 [CRITICAL] My API is down",
        "Connection timeout after 10000ms",
        "Region: eu-west",
        "Monitor: My API",
        LINK,
        "Severity: critical",
        "When: 2026-05-15T08:30:00.000Z",
    ):
        assert expected in text


def test_the_html_part_escapes_every_value_and_links_to_the_source():
    hostile = notification(
        title="<script>alert(1)</script>", body="a < b & c", fields=[{"label": "<b>x</b>", "value": "\"'><img src=x>"}]
    )
    html = simple(build_email(hostile, config(), CTX))["Body"]["Html"]["Data"]
    page = Html(html)
    assert "script" not in page.tags and "img" not in page.tags
    shown = "".join(page.text)
    assert "<script>alert(1)</script>" in shown
    assert "a < b & c" in shown
    assert "\"'><img src=x>" in shown
    assert page.links == [LINK]


def test_a_link_that_is_not_http_is_never_made_clickable():
    html = simple(build_email(notification(source_url="javascript:alert(1)"), config(), CTX))["Body"]["Html"]["Data"]
    assert Html(html).links == []


def test_a_resolved_mail_is_green_says_recovered_and_gives_the_downtime():
    resolved = notification(status="resolved", title="My API is up", body="", downtime_seconds=754)
    params = build_email(resolved, config(), CTX)
    html = simple(params)["Body"]["Html"]["Data"]
    assert simple(params)["Subject"]["Data"] == "RESOLVED: My API is up"
    assert "#2EB67D" in html
    assert "#E01E5A" not in html
    assert "Recovered after 12m 34s of downtime." in "".join(Html(html).text)
    assert "Down for 12m 34s." in simple(params)["Body"]["Text"]["Data"]


def test_the_subject_is_one_line_within_the_header_limit():
    subject = simple(build_email(notification(title="line one\r\nBcc: x@evil.example " + "y" * 990), config(), CTX))
    data = subject["Subject"]["Data"]
    assert "\n" not in data and "\r" not in data
    assert len(data) == SUBJECT_LIMIT
    assert data.endswith("…")


# --- SES --------------------------------------------------------------------------------------------------------


@pytest.fixture
def ses(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    fake_aws_credentials(monkeypatch)
    with mock_aws():
        yield boto3.client("sesv2", region_name="us-east-1")


def delivery_ctx(client: Any) -> DeliveryContext:
    return DeliveryContext(
        delivery_id="dlv_mail1", attempt=1, now=NOW, sender_email="alerts@herald.example", aws=lambda _name: client
    )


def test_given_a_verified_sender_when_sent_then_ses_records_the_mail_under_its_message_id(ses: Any):
    ses.create_email_identity(EmailIdentity="herald.example")
    receipt = ADAPTER.send(notification(), config(addresses=["a@example.com", "b@example.com"]), delivery_ctx(ses))
    [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert sent.id == receipt.provider_message_id
    assert sent.source == "alerts@herald.example"
    assert sent.destinations == {"ToAddresses": ["a@example.com", "b@example.com"]}
    assert sent.subject == "[CRITICAL] My API is down"
    assert "My API is down" in sent.body
    assert receipt.http_status == 200


def test_given_an_unverified_sender_then_ses_rejects_it_permanently_in_its_own_words(ses: Any):
    with pytest.raises(PermanentDeliveryError) as caught:
        ADAPTER.send(notification(), config(fromEmail="nobody@unverified.example"), delivery_ctx(ses))
    assert caught.value.message == (
        "Amazon SES returned 400: MessageRejected: Email address not verified nobody@unverified.example"
    )
    assert ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages == []


def test_ses_throttling_is_retryable():
    client = boto3.client("sesv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(client) as stub, pytest.raises(RetryableDeliveryError) as caught:
        stub.add_client_error(
            "send_email",
            "TooManyRequestsException",
            "Maximum sending rate exceeded.",
            429,
            expected_params=build_email(notification(), config(), CTX),
        )
        ADAPTER.send(notification(), config(), delivery_ctx(client))
    assert caught.value.code == "rate_limited"
    assert caught.value.message == "Amazon SES returned 429: TooManyRequestsException: Maximum sending rate exceeded."
