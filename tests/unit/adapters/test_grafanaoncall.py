"""Grafana OnCall inbound (formatted) webhook: alert and resolve by alert_uid, 200 "Ok."."""

from __future__ import annotations

import json
from typing import Any

import pytest

from herald.adapters.grafanaoncall import GrafanaOnCallAdapter, GrafanaOnCallConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.unit.adapters import support
from tests.unit.adapters.support import BRIEF, LINK, MONITOR, NOW, ctx
from tests.unit.adapters.support import json_response as response

ADAPTER = GrafanaOnCallAdapter()
URL = "https://oncall-prod-us-central-0.grafana.net/oncall/integrations/v1/formatted_webhook/m12xmIjOcgwH74UF8CN4dk0Dh/"


def config(**values: Any) -> GrafanaOnCallConfig:
    return GrafanaOnCallConfig.model_validate({"webhookUrl": URL, **values})


def notification(**values: Any) -> Notification:
    return support.notification(BRIEF | {"occurred_at": NOW}, **values)


def body_of(n: Notification, delivery_id: str = "dlv_1") -> dict[str, Any]:
    return ADAPTER.build_request(n, config(), ctx(delivery_id)).json_body()


# --- the request ------------------------------------------------------------------------------------------


def test_posts_json_to_the_integration_url_as_it_is() -> None:
    request = ADAPTER.build_request(notification(), config(), ctx())

    assert (request.method, request.url) == ("POST", URL)
    assert request.headers == {"Content-Type": "application/json"}


def test_alerting_body() -> None:
    n = notification(event="monitor.down", dedup_key="alert-123", monitor=MONITOR, source_url=LINK)

    assert body_of(n) == {
        "alert_uid": "alert-123",
        "title": "[CRITICAL] DB down",
        "state": "alerting",
        "message": "connection refused on db-1\nMonitor: My API\nURL: https://api.example.com\n" + LINK,
        "severity": "critical",
        "event": "monitor.down",
        "link_to_upstream_details": LINK,
    }


def test_the_recovery_resolves_the_group_the_alert_opened() -> None:
    opened = body_of(notification(monitor=MONITOR), delivery_id="dlv_1")
    closed = body_of(notification(monitor=MONITOR, status="resolved", downtime_seconds=3720), delivery_id="dlv_2")

    assert (opened["state"], closed["state"]) == ("alerting", "ok")
    assert opened["alert_uid"] == closed["alert_uid"] == "mon_abc123"
    assert closed["title"] == "RESOLVED: DB down" and "Down for 1h 2m." in closed["message"]


def test_a_bare_notification() -> None:
    body = body_of(Notification(title="Ping", occurred_at=NOW), delivery_id="dlv_9")

    assert body == {
        "alert_uid": "dlv_9",
        "title": "[INFO] Ping",
        "state": "alerting",
        "message": "",
        "severity": "info",
        "event": "custom",
    }


def test_long_text_is_cut() -> None:
    body = body_of(notification(title="t" * 1024, body="b" * 16_000))

    assert len(body["title"]) == 1024 and len(body["message"]) == 10_000


# --- the answer -------------------------------------------------------------------------------------------


def test_200_ok_is_success() -> None:
    receipt = ADAPTER.interpret(response(200, "Ok."))

    assert (receipt.provider_message_id, receipt.http_status) == (None, 200)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            403,
            {"detail": "Integration key was not found. Permission denied."},
            PermanentDeliveryError,
            "Grafana OnCall returned 403: Integration key was not found. Permission denied.",
        ),
        (
            400,
            b"This url is for integration with Webhook. Key is for Alertmanager",
            PermanentDeliveryError,
            "Grafana OnCall returned 400: This url is for integration with Webhook. Key is for Alertmanager",
        ),
        (503, b"", RetryableDeliveryError, "Grafana OnCall returned 503: Service Unavailable"),
    ],
)
def test_failures_carry_the_services_words(status: int, body: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body))

    assert raised.value.message == message  # type: ignore[attr-defined]


def test_429_is_retryable_after_the_hint() -> None:
    with pytest.raises(RetryableDeliveryError) as raised:
        ADAPTER.interpret(response(429, {"detail": "Request was throttled."}, {"Retry-After": "30"}))

    assert (raised.value.code, raised.value.retry_after) == ("rate_limited", 30.0)


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["webhookUrl", "webhook_url", "url", "integrationUrl", "grafanaOncallURL"])
def test_every_spelling_of_the_url_is_accepted(name: str) -> None:
    assert GrafanaOnCallConfig.model_validate({name: URL}).reveal() == {"webhookUrl": URL}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "Grafana OnCall webhook URL is required"),
        ({"webhookUrl": "http://oncall.example.com/x"}, "Invalid webhook URL"),
        ({"webhookUrl": "https://10.0.0.8/integrations/v1/webhook/x/"}, "Invalid webhook URL"),
    ],
)
def test_a_missing_or_unsafe_url_is_refused(body: dict[str, Any], words: str) -> None:
    found = support.error_pairs(GrafanaOnCallConfig, body)

    assert any(path == "config.webhookUrl" and words in message for path, message in found), found


def test_the_url_is_the_secret() -> None:
    parsed = config()

    assert parsed.redacted() == {"webhookUrl": "••••••••"}
    assert "m12xmIjOcgwH74UF8CN4dk0Dh" not in repr(parsed) + json.dumps(parsed.redacted()) + parsed.summary()
    assert parsed.summary() == "oncall-prod-us-central-0.grafana.net"
