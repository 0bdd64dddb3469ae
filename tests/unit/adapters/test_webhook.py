"""Outbound webhook: API.md section 6 body and headers, Standard Webhooks signing (PROVIDERS.md section 24)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from herald import __version__
from herald.adapters.base import RenderContext
from herald.adapters.webhook import WebhookAdapter, WebhookConfig, signature_headers
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.unit.adapters import support
from tests.unit.adapters.support import notification, response

ADAPTER = WebhookAdapter()
NOW = datetime(2026, 5, 15, 8, 30, 7, tzinfo=UTC)
URL = "https://hooks.example.com/ingest/abc"


def ctx(delivery_id: str = "dlv_abc", attempt: int = 1, now: datetime = NOW) -> RenderContext:
    return RenderContext(delivery_id=delivery_id, attempt=attempt, now=now)


def config(**values: Any) -> WebhookConfig:
    return WebhookConfig.model_validate({"url": URL, **values})


def down() -> Notification:
    return notification(
        occurred_at=datetime(2026, 5, 15, 8, 30, tzinfo=UTC), details={"statusCode": 503, "responseTime": 5000}
    )


def hmac_b64(key: bytes, data: bytes) -> str:
    return base64.b64encode(hmac.new(key, data, hashlib.sha256).digest()).decode()


def hmac_hex(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


# --- the request ------------------------------------------------------------------------------------------


def test_given_a_firing_notification_when_built_then_the_body_is_api_md_section_6() -> None:
    request = ADAPTER.build_request(down(), config(), ctx(attempt=3))

    assert request.method == "POST"
    assert request.url == URL
    assert request.json_body() == {
        "id": "dlv_abc",
        "event": "monitor.down",
        "timestamp": "2026-05-15T08:30:00.000Z",
        "attempt": 3,
        "notification": {
            "title": "My API is down",
            "body": "Connection timeout after 10000ms",
            "severity": "critical",
            "status": "firing",
            "fields": [{"label": "Region", "value": "eu-west"}],
            "sourceUrl": "https://status.example.com/m/1",
        },
        "monitor": {"id": "mon_abc123", "name": "My API", "url": "https://api.example.com", "type": "HTTPS"},
        "details": {"statusCode": 503, "responseTime": 5000},
    }


def test_given_a_resolved_notification_when_built_then_the_body_says_resolved() -> None:
    resolved = Notification(event="monitor.recovery", title="My API is up", status="resolved", downtime_seconds=90)

    body = ADAPTER.build_request(resolved, config(), ctx()).json_body()

    assert body["event"] == "monitor.recovery"
    assert body["notification"]["status"] == "resolved"
    assert body["monitor"] is None
    assert body["notification"]["sourceUrl"] is None


@pytest.mark.parametrize(
    ("configured", "sent"),
    [("POST", "POST"), ("put", "PUT"), ("Patch", "PATCH"), (None, "POST")],
)
def test_method_comes_from_config_case_insensitively(configured: str | None, sent: str) -> None:
    values = {"method": configured} if configured else {}

    assert ADAPTER.build_request(down(), config(**values), ctx()).method == sent


def test_headers_without_secret_are_content_type_user_agent_and_configured_ones() -> None:
    request = ADAPTER.build_request(down(), config(headers={"Authorization": "Bearer token", "X-Team": "ops"}), ctx())

    assert dict(request.headers) == {
        "Content-Type": "application/json",
        "User-Agent": f"Herald/{__version__}",
        "Authorization": "Bearer token",
        "X-Team": "ops",
    }


def test_a_configured_content_type_replaces_the_default_whatever_its_case() -> None:
    request = ADAPTER.build_request(down(), config(headers={"content-type": "application/json; charset=utf-8"}), ctx())

    content_types = [value for name, value in request.headers.items() if name.lower() == "content-type"]
    assert content_types == ["application/json; charset=utf-8"]


# --- signing ----------------------------------------------------------------------------------------------


def test_standard_webhooks_test_vector() -> None:
    # PROVIDERS.md section 24, from the official library test suites.
    headers = signature_headers(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    )

    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert headers["webhook-id"] == "msg_p5jXN8AQM9LWM0D4loKWxJek"
    assert headers["webhook-timestamp"] == "1614265330"


@pytest.mark.parametrize(
    ("secret", "key"),
    [
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")),
        ("whsec_c2hvcnQ", b"short"),  # base64 without its padding (the reference library tolerates it)
        ("shared-hmac-secret", b"shared-hmac-secret"),  # not whsec_: the UTF-8 bytes (the Kaireon seed)
    ],
)
def test_given_a_secret_when_built_then_every_signature_verifies_over_the_exact_bytes_sent(
    secret: str, key: bytes
) -> None:
    request = ADAPTER.build_request(down(), config(secret=secret), ctx(delivery_id="dlv_sig1"))
    headers = dict(request.headers)
    timestamp = headers["webhook-timestamp"]

    assert headers["webhook-id"] == "dlv_sig1" == request.json_body()["id"]
    assert timestamp == str(int(NOW.timestamp())) == "1778833807"
    signed = f"dlv_sig1.{timestamp}.".encode() + request.body
    assert headers["webhook-signature"] == "v1," + hmac_b64(key, signed)
    assert headers["X-Herald-Signature"] == "sha256=" + hmac_hex(key, request.body)
    timed = hmac_hex(key, f"{timestamp}.".encode() + request.body)
    assert headers["X-Herald-Signature-256"] == f"t={timestamp},v1={timed}"


def test_the_timestamped_signature_header_is_t_then_v1_and_t_is_the_webhook_timestamp() -> None:
    headers = dict(ADAPTER.build_request(down(), config(secret="s3cr3t"), ctx()).headers)

    found = re.fullmatch(r"t=([0-9]+),v1=([0-9a-f]{64})", headers["X-Herald-Signature-256"])

    assert found is not None, headers["X-Herald-Signature-256"]
    assert found[1] == headers["webhook-timestamp"]
    # The body-only form is unchanged for the receivers that already check it.
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", headers["X-Herald-Signature"])
    assert found[2] != headers["X-Herald-Signature"].removeprefix("sha256=")


def test_given_a_retry_then_webhook_id_stays_and_timestamp_and_signature_follow_the_attempt() -> None:
    first = ADAPTER.build_request(down(), config(secret="s3cr3t"), ctx(attempt=1))
    later = datetime(2026, 5, 15, 8, 40, 7, tzinfo=UTC)
    retry = ADAPTER.build_request(down(), config(secret="s3cr3t"), ctx(attempt=2, now=later))

    assert first.headers["webhook-id"] == retry.headers["webhook-id"] == "dlv_abc"
    assert int(retry.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"]) == 600
    assert retry.json_body()["attempt"] == 2
    assert first.headers["webhook-signature"] != retry.headers["webhook-signature"]
    assert retry.headers["X-Herald-Signature-256"].startswith(f"t={retry.headers['webhook-timestamp']},v1=")
    assert first.headers["X-Herald-Signature-256"] != retry.headers["X-Herald-Signature-256"]


def test_without_a_secret_no_signature_headers_are_sent() -> None:
    headers = {name.lower() for name in ADAPTER.build_request(down(), config(), ctx()).headers}

    signing = {"webhook-id", "webhook-timestamp", "webhook-signature", "x-herald-signature", "x-herald-signature-256"}
    assert not headers & signing


# --- the answer -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_any_2xx_is_success(status: int) -> None:
    assert ADAPTER.interpret(response(status)).http_status == status


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "retry_after"),
    [
        (500, b"database exploded", {}, RetryableDeliveryError, None),
        (502, b"", {}, RetryableDeliveryError, None),
        (429, b"slow down", {"Retry-After": "42"}, RetryableDeliveryError, 42.0),
        (503, b"maintenance", {"retry-after": "7"}, RetryableDeliveryError, 7.0),
        (408, b"", {}, RetryableDeliveryError, None),
        (400, b"bad payload field", {}, PermanentDeliveryError, None),
        (410, b"gone for good", {}, PermanentDeliveryError, None),
        (422, b"unprocessable", {}, PermanentDeliveryError, None),
        (301, b"", {"Location": "https://elsewhere.example"}, PermanentDeliveryError, None),
    ],
)
def test_failures_are_classified_with_the_receivers_words(
    status: int, body: bytes, headers: dict[str, str], error: type[Exception], retry_after: float | None
) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body, headers))

    assert raised.value.message.startswith(f"Webhook returned {status}")  # type: ignore[attr-defined]
    assert body.decode() in raised.value.message  # type: ignore[attr-defined]
    assert raised.value.retry_after == retry_after  # type: ignore[attr-defined]


# --- the config -------------------------------------------------------------------------------------------

SEED_BODIES = [
    # 000 Kamustatus
    {"url": "https://example.com/webhook", "method": "POST", "headers": {"Authorization": "Bearer token"}},
    # 001 PixoMonitor
    {"url": "https://your-server.com/webhook/alerts"},
    # 003 Kaireon
    {"url": "https://alerts.example.com/ingest", "secret": "shared-hmac-secret", "headers": {"X-Token": "abc"}},
]


@pytest.mark.parametrize("body", SEED_BODIES)
def test_seed_bodies_validate_as_they_are(body: dict[str, Any]) -> None:
    assert WebhookConfig.model_validate(body).reveal() == {"method": "POST", **body}


def test_method_is_kept_in_upper_case() -> None:
    # Every webhook key is a single word, so its snake_case spelling is the camelCase one.
    parsed = WebhookConfig.model_validate({"url": URL, "method": "put", "secret": "x", "headers": {"X-A": "1"}})

    assert parsed.reveal() == {"url": URL, "method": "PUT", "secret": "x", "headers": {"X-A": "1"}}


def messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(WebhookConfig, body)


def test_missing_url_reads_like_the_pixomonitor_seed() -> None:
    assert messages({"method": "POST"}) == [("config.url", "Webhook URL is required")]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"url": "http://example.com/hook"}, "config.url", "Invalid webhook URL"),
        ({"url": "https://localhost/hook"}, "config.url", "Invalid webhook URL: Hostname 'localhost' is not allowed"),
        (
            {"url": "https://10.0.0.5/hook"},
            "config.url",
            "Invalid webhook URL: IP address is in a private/internal range",
        ),
        ({"url": URL, "method": "GET"}, "config.method", "Webhook method must be POST, PUT or PATCH"),
        ({"url": URL, "method": "DELETE"}, "config.method", "Webhook method must be POST, PUT or PATCH"),
        ({"url": URL, "headers": {"Host": "evil.example"}}, "config.headers", "Header 'Host' cannot be configured"),
        ({"url": URL, "headers": {"content-length": "1"}}, "config.headers", "Header 'content-length' cannot"),
        ({"url": URL, "headers": {"Transfer-Encoding": "chunked"}}, "config.headers", "cannot be configured"),
        ({"url": URL, "headers": {"Connection": "close"}}, "config.headers", "cannot be configured"),
        ({"url": URL, "headers": {"webhook-signature": "v1,forged"}}, "config.headers", "cannot be configured"),
        ({"url": URL, "headers": {"X-Herald-Signature": "x"}}, "config.headers", "cannot be configured"),
        ({"url": URL, "headers": {"x-herald-signature-256": "t=1,v1=f"}}, "config.headers", "cannot be configured"),
        ({"url": URL, "headers": {"Bad Name": "x"}}, "config.headers", "not a valid HTTP header name"),
        ({"url": URL, "headers": {"X-A": "1", "x-a": "2"}}, "config.headers", "Header 'x-a' is given twice"),
        ({"url": URL, "headers": {f"X-{i}": "v" for i in range(21)}}, "config.headers", "At most 20 webhook headers"),
        ({"url": URL, "secret": "whsec_not*base64!"}, "config.secret", "must be base64"),
        ({"url": URL, "secret": ""}, "config.secret", "is required"),
        ({"url": URL, "colour": "red"}, "config.colour", "Unknown field 'colour'"),
    ],
)
def test_bad_configs_are_refused_naming_the_field(body: dict[str, Any], field: str, words: str) -> None:
    found = messages(body)

    assert any(path == field and words in message for path, message in found), found


def test_a_header_value_with_a_line_break_is_refused_without_echoing_the_value() -> None:
    found = messages({"url": URL, "headers": {"X-Token": "abc\r\nX-Injected: zq7leak"}})

    assert found == [("config.headers", "Header 'X-Token' has a line break or NUL in its value")]


def test_redacted_hides_every_secret_and_reveal_round_trips() -> None:
    body = {
        "url": "https://hooks.example.com/zq7url",
        "method": "PATCH",
        "headers": {"Authorization": "Bearer zq7header"},
        "secret": "whsec_zq7c2VjcmV0",
    }
    parsed = WebhookConfig.model_validate(body)

    assert parsed.redacted() == {
        "url": "••••••••",
        "method": "PATCH",
        "headers": {"Authorization": "••••••••"},
        "secret": "••••••••",
    }
    assert "zq7" not in repr(parsed) + str(parsed) + json.dumps(parsed.redacted())
    assert WebhookConfig.model_validate(parsed.reveal()) == parsed
    assert parsed.reveal() == body


def test_secret_fields_and_destination() -> None:
    assert set(WebhookConfig.secret_fields()) == {"url", "headers", "secret"}
    assert WebhookConfig.host_fields == ("url",)


def test_summary_is_the_host_only() -> None:
    assert config().summary() == "hooks.example.com"


def test_json_schema_uses_camel_case_and_marks_secrets() -> None:
    schema = WebhookAdapter.config_model.model_json_schema(by_alias=True)

    assert schema["required"] == ["url"]
    assert set(schema["properties"]) == {"url", "method", "headers", "secret", "payloadFormat", "bodyTemplate"}
    assert schema["properties"]["url"]["writeOnly"] is True


def test_adapter_identity() -> None:
    assert (ADAPTER.kind, ADAPTER.display_name) == ("webhook", "Webhook")
