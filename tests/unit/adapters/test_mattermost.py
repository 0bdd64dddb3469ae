"""Mattermost: POST {server}/hooks/{key} with one attachment coloured by severity (PROVIDERS.md section 18)."""

from __future__ import annotations

from typing import Any

import pytest

from herald.adapters.mattermost import MattermostAdapter, MattermostConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.unit.adapters import support
from tests.unit.adapters.support import brief_notification as notification
from tests.unit.adapters.support import ctx
from tests.unit.adapters.support import json_response as response

ADAPTER = MattermostAdapter()
CTX = ctx()
HOOK = "https://chat.example.com/hooks/xxx-generatedkey-xxx"


def config(**values: Any) -> MattermostConfig:
    return MattermostConfig.model_validate({"webhookUrl": HOOK, **values})


def attachment(n: Notification, **values: Any) -> dict[str, Any]:
    [part] = ADAPTER.build_request(n, config(**values), CTX).json_body()["attachments"]
    return dict(part)


# --- the request ------------------------------------------------------------------------------------------


def test_posts_json_to_the_webhook_url_as_it_is() -> None:
    request = ADAPTER.build_request(notification(), config(), CTX)

    assert (request.method, request.url) == ("POST", HOOK)
    assert request.headers == {"Content-Type": "application/json"}  # §18: never the Slack-style `payload=` form


def test_firing_alert_is_one_attachment_with_title_link_text_and_fields() -> None:
    n = notification(source_url="https://status.example/alert/123", fields=[{"label": "Region", "value": "eu_west"}])

    assert ADAPTER.build_request(n, config(), CTX).json_body() == {
        "attachments": [
            {
                "fallback": "[CRITICAL] DB down",
                "color": "#E01E5A",
                "title": "🔴 [CRITICAL] DB down",
                "title_link": "https://status.example/alert/123",
                "text": "connection refused on db\\-1",
                "fields": [
                    {"title": "Region", "value": "eu\\_west", "short": True},
                    {"title": "Severity", "value": "critical", "short": True},
                ],
                "footer": "Herald",
            }
        ]
    }


@pytest.mark.parametrize(
    ("values", "color"),
    [
        ({"severity": "critical"}, "#E01E5A"),
        ({"severity": "warning"}, "#ECB22E"),
        ({"severity": "info"}, "#2F80ED"),
        ({"severity": "critical", "status": "resolved"}, "#2EB67D"),
    ],
)
def test_the_colour_follows_the_severity_and_turns_green_on_recovery(values: dict[str, Any], color: str) -> None:
    assert attachment(notification(**values))["color"] == color


def test_a_recovery_says_so_with_its_downtime() -> None:
    part = attachment(notification(status="resolved", title="DB is back", body="", downtime_seconds=125))

    assert part["title"] == "✅ RESOLVED: DB is back" and part["fallback"] == "RESOLVED: DB is back"
    assert part["text"] == "Recovered after 2m 5s of downtime."
    assert {"title": "Downtime", "value": "2m 5s", "short": True} in part["fields"]


def test_markdown_and_mentions_in_monitor_text_are_shown_as_written() -> None:
    part = attachment(notification(body="*bold* [x](y) <b> @channel see https://a.example/x_y"))

    assert part["text"] == r"\*bold\* \[x\]\(y\) \<b\> \@channel see https://a.example/x_y"


def test_a_long_body_is_cut_within_the_post_limit_without_splitting_an_escape() -> None:
    text = attachment(notification(body="*" * 5000))["text"]

    assert len(text) <= 4000 and text.endswith("\\*…")


def test_configured_overrides_are_sent_and_unset_ones_left_out() -> None:
    body = ADAPTER.build_request(
        notification(), config(channel="@oncall", username="Herald", icon_emoji=":rotating_light:"), CTX
    ).json_body()

    assert (body["channel"], body["username"], body["icon_emoji"]) == ("@oncall", "Herald", ":rotating_light:")
    assert set(ADAPTER.build_request(notification(), config(), CTX).json_body()) == {"attachments"}


# --- the answer -------------------------------------------------------------------------------------------


def test_200_ok_is_success() -> None:
    assert ADAPTER.interpret(support.response(200, "ok", {"Content-Type": "text/plain"})).http_status == 200


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "message", "delay"),
    [
        (
            400,
            {"id": "web.incoming_webhook.text.app_error", "message": "No text specified.", "status_code": 400},
            {},
            PermanentDeliveryError,
            "Mattermost returned 400: No text specified. (web.incoming_webhook.text.app_error)",
            None,
        ),
        (
            404,
            {"id": "web.incoming_webhook.invalid.app_error", "message": "Invalid webhook.", "status_code": 404},
            {},
            PermanentDeliveryError,
            "Mattermost returned 404: Invalid webhook. (web.incoming_webhook.invalid.app_error)",
            None,
        ),
        # A 200 that does not say `ok` is something else answering (a proxy's page), not a post.
        (200, b"<html>login</html>", {}, PermanentDeliveryError, "Mattermost returned 200: <html>login</html>", None),
        (429, b"limit exceeded", {"X-RateLimit-Reset": "7"}, RetryableDeliveryError, None, 7.0),
        (429, b"limit exceeded", {"Retry-After": "3", "X-RateLimit-Reset": "7"}, RetryableDeliveryError, None, 3.0),
        (503, None, {}, RetryableDeliveryError, "Mattermost returned 503: Service Unavailable", None),
    ],
)
def test_errors_carry_mattermosts_words_and_rate_limit_hints(
    status: int, body: Any, headers: dict[str, str], error: type[Exception], message: str | None, delay: float | None
) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body, headers))

    if message:
        assert raised.value.message == message  # type: ignore[attr-defined]
    assert raised.value.retry_after == delay  # type: ignore[attr-defined]


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, "config.webhookUrl", "Mattermost webhook URL is required"),
        ({"webhookUrl": "http://chat.example.com/hooks/x"}, "config.webhookUrl", "Invalid webhook URL"),
        ({"webhookUrl": "https://10.0.0.5/hooks/x"}, "config.webhookUrl", "private/internal range"),
        ({"webhookUrl": HOOK, "channel": ""}, "config.channel", "Mattermost channel is required"),
        ({"webhookUrl": HOOK, "iconUrl": "https://x.example/i.png"}, "config.iconUrl", "Unknown field 'iconUrl'"),
    ],
)
def test_bad_configs_are_refused_naming_the_field(body: dict[str, Any], field: str, words: str) -> None:
    found = support.error_pairs(MattermostConfig, body)

    assert any(path == field and words in message for path, message in found), found


def test_the_url_is_the_secret_and_the_summary_its_host() -> None:
    parsed = MattermostConfig.model_validate({"webhook_url": HOOK, "icon_emoji": ":bell:"})

    assert parsed.redacted() == {"webhookUrl": "••••••••", "iconEmoji": ":bell:"}
    assert parsed.summary() == "chat.example.com"
    assert parsed.secret_values() == [HOOK]
