"""Slack adapter: Block Kit payload (PROVIDERS.md §1), reading Slack's answer, and the channel config."""

from __future__ import annotations

from typing import Any

import pytest

from herald.adapters.base import RenderContext
from herald.adapters.slack import (
    BLOCKS_TEXT_BUDGET,
    BUTTON_URL_LIMIT,
    FIELD_TEXT_LIMIT,
    FIELDS_PER_SECTION,
    HEADER_LIMIT,
    SECTION_TEXT_LIMIT,
    SlackAdapter,
    SlackConfig,
    mrkdwn,
)
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.config import SECRET_PLACEHOLDER
from herald.models.notification import Notification
from tests.support.seeds import ALL_BODIES
from tests.unit.adapters import support
from tests.unit.adapters.support import LATER, ctx, notification, response

ADAPTER = SlackAdapter()
HOOK = "https://hooks.slack.com/services/T000/B000/zq7SECRET-slack-x9"
CTX = ctx("dlv_slack1", now=LATER)


def config(url: str = HOOK) -> SlackConfig:
    return SlackConfig.model_validate({"webhookUrl": url})


def body(n: Notification, cfg: SlackConfig | None = None) -> dict[str, Any]:
    return ADAPTER.build_request(n, cfg or config(), CTX).json_body()


def blocks(n: Notification) -> list[dict[str, Any]]:
    return body(n)["attachments"][0]["blocks"]


def block_texts(n: Notification) -> list[str]:
    """Every text Slack counts towards a message's block size."""
    out: list[str] = []
    for block in blocks(n):
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(field["text"] for field in block.get("fields", []))
        out.extend(element["text"] for element in block.get("elements", []) if isinstance(element.get("text"), str))
    return out


# --- the request -------------------------------------------------------------------------------------------------


def test_given_a_firing_alert_when_built_then_it_posts_json_to_the_webhook_url_itself():
    request = ADAPTER.build_request(notification(), config(), CTX)

    assert request.method == "POST"
    assert request.url == HOOK
    assert request.headers["Content-Type"] == "application/json"
    assert set(request.json_body()) == {"text", "attachments"}


def test_an_endpoint_override_does_not_move_a_url_kind():
    # HERALD_ENDPOINT_<KIND> replaces fixed provider hosts only; Slack's host is the channel's own URL.
    ctx = RenderContext(delivery_id="d", attempt=1, now=CTX.now, endpoints={"slack": "http://127.0.0.1:9/x"})
    local = SlackConfig.model_validate(
        {"webhookUrl": "http://127.0.0.1:8080/hooks/slack/T/B/X"}, context={"stored": True}
    )

    assert ADAPTER.build_request(notification(), config(), ctx).url == HOOK
    assert ADAPTER.build_request(notification(), local, ctx).url == "http://127.0.0.1:8080/hooks/slack/T/B/X"


def test_blocks_are_header_section_fields_context_and_a_button_inside_a_coloured_attachment():
    payload = body(notification())
    attachment = payload["attachments"][0]

    assert attachment["color"] == "#E01E5A"
    assert [block["type"] for block in attachment["blocks"]] == ["header", "section", "section", "context", "actions"]
    header, section, facts, context, actions = attachment["blocks"]
    assert header["text"] == {"type": "plain_text", "text": "🔴 [CRITICAL] My API is down", "emoji": True}
    assert section["text"] == {"type": "mrkdwn", "text": "Connection timeout after 10000ms"}
    assert [field["text"] for field in facts["fields"]] == [
        "*Region*\neu-west",
        "*Monitor*\nMy API",
        "*URL*\nhttps://api.example.com",
    ]
    assert "critical" in context["elements"][0]["text"]
    assert "monitor.down" in context["elements"][0]["text"]
    assert actions["elements"] == [
        {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": "https://status.example.com/m/1"}
    ]
    assert payload["text"] == "🔴 [CRITICAL] My API is down — Connection timeout after 10000ms"


@pytest.mark.parametrize(
    ("severity", "colour", "emoji"),
    [("critical", "#E01E5A", "🔴"), ("warning", "#ECB22E", "🟠"), ("info", "#2F80ED", "🔵")],
)
def test_the_colour_bar_and_header_follow_the_severity(severity, colour, emoji):
    payload = body(notification(severity=severity))

    assert payload["attachments"][0]["color"] == colour
    assert payload["attachments"][0]["blocks"][0]["text"]["text"].startswith(f"{emoji} [{severity.upper()}]")


def test_given_a_resolved_notification_then_it_is_green_says_it_recovered_and_shows_the_downtime():
    n = notification(status="resolved", title="My API is up again", downtime_seconds=3723)
    payload = body(n)
    header, section, facts, *_ = payload["attachments"][0]["blocks"]

    assert payload["attachments"][0]["color"] == "#2EB67D"
    assert header["text"]["text"] == "✅ RESOLVED: My API is up again"
    assert section["text"]["text"].endswith("Recovered after 1h 2m 3s of downtime.")
    assert "*Downtime*\n1h 2m 3s" in [field["text"] for field in facts["fields"]]
    assert payload["text"].startswith("✅ RESOLVED")


def test_a_resolved_notification_without_body_still_says_it_recovered():
    section = blocks(notification(status="resolved", body=""))[1]

    assert section["text"]["text"] == "Recovered."


@pytest.mark.parametrize(
    ("source_url", "has_button"),
    [
        ("https://status.example.com/m/1", True),
        (None, False),
        ("status page 1", False),  # not a link: Slack would refuse the whole message
        ("javascript:alert(1)", False),
    ],
)
def test_the_open_button_links_to_the_source_url_only_when_slack_accepts_it(source_url, has_button):
    types = [block["type"] for block in blocks(notification(source_url=source_url))]

    assert ("actions" in types) is has_button


def test_a_link_longer_than_a_button_url_may_be_is_left_out():
    # Notification caps source_url below Slack's limit today; the builder must not rely on that.
    long_link = notification().model_copy(update={"source_url": "https://status.example.com/" + "a" * BUTTON_URL_LIMIT})

    assert "actions" not in [block["type"] for block in blocks(long_link)]


def test_user_text_is_escaped_for_mrkdwn_but_not_in_the_plain_text_header():
    n = notification(
        title="A<B & C>D", body="<!channel> & <https://evil|click>", fields=[{"label": "a&b", "value": "<x>"}]
    )
    header, section, facts, *_ = blocks(n)

    assert header["text"]["text"] == "🔴 [CRITICAL] A<B & C>D"
    assert section["text"]["text"] == "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;"
    assert facts["fields"][0]["text"] == "*a&amp;b*\n&lt;x&gt;"
    assert "<!channel>" not in body(n)["text"]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("abcdefghij", 5, "abcd…"),
        ("a&b", 3, "a…"),  # "a&amp;b" cut inside the entity: the half entity is dropped
        ("ab&cd", 8, "ab&amp;…"),
        ("ab&cd", 7, "ab…"),
        ("<<", 8, "&lt;&lt;"),
    ],
)
def test_mrkdwn_escapes_then_cuts_without_leaving_half_an_entity(text, limit, expected):
    assert mrkdwn(text, limit) == expected
    assert len(mrkdwn(text, limit)) <= limit


def test_given_texts_over_every_block_limit_then_each_block_is_cut_with_a_visible_ellipsis():
    n = notification(
        title="T" * 1024,
        body="B" * 16384,
        fields=[{"label": f"L{i}" + "l" * 250, "value": "V" * 2048} for i in range(25)],
    )
    all_blocks = blocks(n)
    header, section = all_blocks[0], all_blocks[1]
    field_sections = [block for block in all_blocks if "fields" in block]
    fields = [field["text"] for block in field_sections for field in block["fields"]]

    assert len(header["text"]["text"]) == HEADER_LIMIT
    assert header["text"]["text"].endswith("…")
    assert len(section["text"]["text"]) <= SECTION_TEXT_LIMIT
    assert section["text"]["text"].endswith("…")
    assert all(len(block["fields"]) <= FIELDS_PER_SECTION for block in field_sections)
    assert len(fields) == 25 + 2  # the notification's fields, then Monitor and URL (severity is in the context)
    assert all(len(text) <= FIELD_TEXT_LIMIT for text in fields)
    assert all(text.endswith("…") for text in fields[:25])
    assert sum(len(text) for text in block_texts(n)) <= BLOCKS_TEXT_BUDGET
    assert len(all_blocks) <= 50


def test_a_long_body_never_pushes_the_recovery_line_out():
    n = notification(status="resolved", body="B" * 16384, downtime_seconds=60)
    text = blocks(n)[1]["text"]["text"]

    assert len(text) <= SECTION_TEXT_LIMIT
    assert text.endswith("…\nRecovered after 1m of downtime.")


def test_the_text_fallback_is_a_short_escaped_preview():
    payload = body(notification(body="first line <x>\nsecond line", title="T" * 1024))

    assert len(payload["text"]) <= 500
    assert payload["text"].endswith("…")
    assert "second line" not in payload["text"]


# --- Slack's answer ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ok", "ok\n"])
def test_200_with_the_body_ok_is_success(text):
    receipt = ADAPTER.interpret(response(200, text))

    assert receipt.http_status == 200
    assert receipt.provider_message_id is None  # incoming webhooks return no message id


@pytest.mark.parametrize(
    ("status", "text", "error", "message"),
    [
        (404, "no_service", PermanentDeliveryError, "Slack returned 404: no_service"),
        (400, "invalid_blocks", PermanentDeliveryError, "Slack returned 400: invalid_blocks"),
        (403, "action_prohibited", PermanentDeliveryError, "Slack returned 403: action_prohibited"),
        (410, "channel_is_archived", PermanentDeliveryError, "Slack returned 410: channel_is_archived"),
        (500, "rollup_error", RetryableDeliveryError, "Slack returned 500: rollup_error"),
        (200, "invalid_token", PermanentDeliveryError, "Slack returned 200: invalid_token"),
        (302, "", PermanentDeliveryError, "Slack returned 302: Found"),
    ],
)
def test_anything_but_ok_fails_with_slacks_own_error_word(status, text, error, message):
    with pytest.raises(error) as caught:
        ADAPTER.interpret(response(status, text))

    assert caught.value.message == message
    assert caught.value.http_status == status


def test_429_is_retryable_after_the_retry_after_header():
    with pytest.raises(RetryableDeliveryError) as caught:
        ADAPTER.interpret(response(429, '{"ok":false,"error":"rate_limited"}', {"Retry-After": "7"}))

    assert caught.value.retry_after == 7.0
    assert caught.value.code == "rate_limited"
    assert "rate_limited" in caught.value.message


# --- the config --------------------------------------------------------------------------------------------------

SEED_CONFIGS = [seed["config"] for seed in ALL_BODIES if (seed.get("type") or seed.get("kind")).lower() == "slack"]


def test_there_are_slack_seed_bodies():
    assert len(SEED_CONFIGS) >= 4


@pytest.mark.parametrize("seed", SEED_CONFIGS)
def test_every_seed_body_is_accepted_as_it_is(seed):
    assert SlackConfig.model_validate(seed).reveal() == {"webhookUrl": seed["webhookUrl"]}


def test_snake_case_is_accepted_and_camel_case_is_returned():
    cfg = SlackConfig.model_validate({"webhook_url": HOOK})

    assert cfg.reveal() == {"webhookUrl": HOOK}


def errors_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(SlackConfig, data)


def test_a_missing_webhook_url_reads_as_the_seed_says():
    assert errors_of({}) == [("config.webhookUrl", "Slack webhook URL is required")]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.slack.com/services/T/B/X", "Invalid webhook URL"),
        ("https://localhost/services/T/B/X", "Invalid webhook URL: Hostname 'localhost' is not allowed"),
        ("https://10.0.0.7/services/T/B/X", "Invalid webhook URL: IP address is in a private/internal range"),
        ("https://169.254.169.254/latest/meta-data", "Invalid webhook URL: IP address is in a private/internal range"),
        ("not a url", "Invalid webhook URL"),
    ],
)
def test_forbidden_or_malformed_urls_are_refused_without_echoing_the_url(url, message):
    [(field, text)] = errors_of({"webhookUrl": url})

    assert field == "config.webhookUrl"
    assert text.startswith(message)
    assert "/services/T/B/X" not in text
    assert "meta-data" not in text


def test_unknown_keys_and_non_strings_are_refused():
    assert errors_of({"webhookUrl": HOOK, "channel": "#ops"}) == [("config.channel", "Unknown field 'channel'")]
    assert errors_of({"webhookUrl": 42})[0][0] == "config.webhookUrl"


def test_the_url_is_a_secret_it_is_redacted_and_reveal_round_trips():
    cfg = config()

    assert SlackConfig.secret_fields() == ["webhookUrl"]
    assert cfg.redacted() == {"webhookUrl": SECRET_PLACEHOLDER}
    assert SlackConfig.model_validate(cfg.reveal(), context={"stored": True}) == cfg
    assert "zq7SECRET" not in repr(cfg)
    assert "zq7SECRET" not in str(cfg)


def test_the_summary_is_the_host_only():
    assert config().summary() == "hooks.slack.com"


def test_the_json_schema_uses_wire_names_and_marks_the_secret():
    schema = SlackConfig.model_json_schema(by_alias=True)

    assert schema["required"] == ["webhookUrl"]
    assert schema["properties"]["webhookUrl"]["writeOnly"] is True
    assert schema["properties"]["webhookUrl"]["description"] == "Slack webhook URL"
    assert schema["additionalProperties"] is False


def test_adapter_identity():
    assert (ADAPTER.kind, ADAPTER.display_name, ADAPTER.config_model) == ("slack", "Slack", SlackConfig)
