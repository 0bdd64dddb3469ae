"""Discord adapter: embed payload (PROVIDERS.md §2), reading Discord's answer, and the channel config."""

from __future__ import annotations

from typing import Any

import pytest

from herald.adapters.base import RenderContext
from herald.adapters.discord import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    MAX_FIELDS,
    TITLE_LIMIT,
    DiscordAdapter,
    DiscordConfig,
)
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.config import SECRET_PLACEHOLDER
from herald.models.notification import Notification
from tests.support.seeds import ALL_BODIES
from tests.unit.adapters import support
from tests.unit.adapters.support import LATER, ctx, notification, response

ADAPTER = DiscordAdapter()
HOOK = "https://discord.com/api/webhooks/123/zq7SECRET-discord-x9"
CTX = ctx("dlv_discord1", now=LATER)


def config(**values: Any) -> DiscordConfig:
    return DiscordConfig.model_validate({"webhookUrl": HOOK, **values})


def embed_of(n: Notification) -> dict[str, Any]:
    [embed] = ADAPTER.build_request(n, config(), CTX).json_body()["embeds"]
    return embed


def embed_size(embed: dict[str, Any]) -> int:
    """What Discord sums against its 6000-character limit."""
    fields = sum(len(field["name"]) + len(field["value"]) for field in embed.get("fields", []))
    return len(embed["title"]) + len(embed.get("description", "")) + fields + len(embed["footer"]["text"])


# --- the request -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "url"),
    [
        ({}, HOOK),
        ({"threadId": "1234567890"}, HOOK + "?thread_id=1234567890"),
        ({"thread_id": 987654321}, HOOK + "?thread_id=987654321"),
    ],
)
def test_it_posts_json_to_the_webhook_url_with_the_thread_as_a_query_parameter(values, url):
    request = ADAPTER.build_request(notification(), config(**values), CTX)

    assert request.method == "POST"
    assert request.url == url
    assert request.headers["Content-Type"] == "application/json"
    assert "thread_id" not in request.json_body()


def test_a_thread_id_joins_a_query_the_url_already_has_and_replaces_an_old_thread():
    cfg = DiscordConfig.model_validate({"webhookUrl": HOOK + "?wait=true&thread_id=1", "threadId": "42"})

    assert ADAPTER.build_request(notification(), cfg, CTX).url == HOOK + "?wait=true&thread_id=42"


def test_an_endpoint_override_does_not_move_a_url_kind():
    ctx = RenderContext(delivery_id="d", attempt=1, now=CTX.now, endpoints={"discord": "http://127.0.0.1:9/x"})

    assert ADAPTER.build_request(notification(), config(), ctx).url == HOOK


def test_the_message_is_one_embed_with_mentions_suppressed_and_the_configured_username():
    payload = ADAPTER.build_request(notification(), config(username="Herald Alerts"), CTX).json_body()

    assert payload["allowed_mentions"] == {"parse": []}
    assert payload["username"] == "Herald Alerts"
    assert "content" not in payload
    assert payload["embeds"] == [
        {
            "title": "🔴 [CRITICAL] My API is down",
            "color": 0xE01E5A,
            "timestamp": "2026-05-15T08:30:00.000Z",
            "description": "Connection timeout after 10000ms",
            "url": "https://status.example.com/m/1",
            "fields": [
                {"name": "Region", "value": "eu-west", "inline": True},
                {"name": "Monitor", "value": "My API", "inline": True},
                {"name": "URL", "value": "https://api.example.com", "inline": True},
                {"name": "Severity", "value": "critical", "inline": True},
            ],
            "footer": {"text": "Herald · monitor.down"},
        }
    ]


def test_without_a_username_none_is_sent():
    assert "username" not in ADAPTER.build_request(notification(), config(), CTX).json_body()


@pytest.mark.parametrize(("severity", "colour"), [("critical", 14687834), ("warning", 15512110), ("info", 3113197)])
def test_the_colour_is_an_integer_per_severity(severity, colour):
    assert embed_of(notification(severity=severity))["color"] == colour


def test_given_a_resolved_notification_then_it_is_green_says_it_recovered_and_shows_the_downtime():
    embed = embed_of(notification(status="resolved", title="My API is up again", downtime_seconds=90061))

    assert embed["color"] == 0x2EB67D
    assert embed["title"] == "✅ RESOLVED: My API is up again"
    assert embed["description"].endswith("Recovered after 1d 1h 1m 1s of downtime.")
    assert {"name": "Downtime", "value": "1d 1h 1m 1s", "inline": True} in embed["fields"]


@pytest.mark.parametrize(("source_url", "linked"), [("https://s.example/1", True), (None, False), ("s/1", False)])
def test_the_title_links_to_the_source_url_when_it_is_a_real_link(source_url, linked):
    assert ("url" in embed_of(notification(source_url=source_url))) is linked


def test_an_empty_body_sends_no_description_and_an_empty_value_is_not_blank():
    embed = embed_of(notification(body="", fields=[{"label": "Note", "value": ""}]))

    assert "description" not in embed
    assert embed["fields"][0] == {"name": "Note", "value": "—", "inline": True}


def test_given_texts_over_every_embed_limit_then_each_is_cut_and_the_total_stays_under_6000():
    n = notification(
        title="T" * 1024,
        body="B" * 16384,
        fields=[{"label": "L" * 256, "value": "V" * 2048} for _ in range(25)],
    )
    embed = embed_of(n)

    assert len(embed["title"]) == TITLE_LIMIT
    assert embed["title"].endswith("…")
    assert len(embed["description"]) == DESCRIPTION_LIMIT
    assert embed["description"].endswith("…")
    assert 0 < len(embed["fields"]) < 25  # later fields are dropped to keep the total; the message still goes
    assert all(len(f["name"]) <= FIELD_NAME_LIMIT and len(f["value"]) <= FIELD_VALUE_LIMIT for f in embed["fields"])
    assert embed["fields"][0]["value"].endswith("…")
    assert embed_size(embed) <= EMBED_TOTAL_LIMIT


def test_at_most_25_fields_are_sent():
    n = notification(body="", fields=[{"label": f"F{i}", "value": "v"} for i in range(25)])

    fields = embed_of(n)["fields"]

    assert len(fields) == MAX_FIELDS
    assert fields[-1]["name"] == "F24"


def test_a_long_body_never_pushes_the_recovery_line_out():
    embed = embed_of(notification(status="resolved", body="B" * 16384, downtime_seconds=5))

    assert len(embed["description"]) == DESCRIPTION_LIMIT
    assert embed["description"].endswith("…\nRecovered after 5s of downtime.")


# --- Discord's answer --------------------------------------------------------------------------------------------


def test_204_is_success():
    receipt = ADAPTER.interpret(response(204))

    assert (receipt.http_status, receipt.provider_message_id) == (204, None)


def test_200_with_the_message_records_its_id():
    receipt = ADAPTER.interpret(response(200, '{"id": "1166000000000000001", "type": 0}'))

    assert (receipt.http_status, receipt.provider_message_id) == (200, "1166000000000000001")


@pytest.mark.parametrize(
    ("status", "text", "error", "message"),
    [
        (404, '{"message": "Unknown Webhook", "code": 10015}', PermanentDeliveryError, "Unknown Webhook (code 10015)"),
        (401, '{"message": "Invalid Webhook Token", "code": 50027}', PermanentDeliveryError, "Invalid Webhook Token"),
        (400, '{"message": "Cannot send an empty message", "code": 50006}', PermanentDeliveryError, "empty message"),
        (502, "<html>Bad Gateway</html>", RetryableDeliveryError, "Discord returned 502: <html>Bad Gateway</html>"),
        (500, "", RetryableDeliveryError, "Discord returned 500: Internal Server Error"),
    ],
)
def test_failures_carry_discords_own_words(status, text, error, message):
    with pytest.raises(error) as caught:
        ADAPTER.interpret(response(status, text))

    assert caught.value.message.startswith(f"Discord returned {status}: ")
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("text", "headers", "retry_after"),
    [
        (
            '{"message": "You are being rate limited.", "retry_after": 64.57, "global": false}',
            {"Retry-After": "65"},
            64.57,
        ),
        ('{"message": "You are being rate limited.", "retry_after": 0.5}', {}, 0.5),
        ("rate limited", {"Retry-After": "3"}, 3.0),
        ('{"message": "You are being rate limited.", "retry_after": "soon"}', {"Retry-After": "9"}, 9.0),
    ],
)
def test_429_is_retryable_after_the_json_retry_after_first_then_the_header(text, headers, retry_after):
    with pytest.raises(RetryableDeliveryError) as caught:
        ADAPTER.interpret(response(429, text, headers))

    assert caught.value.retry_after == pytest.approx(retry_after)
    assert caught.value.code == "rate_limited"


# --- the config --------------------------------------------------------------------------------------------------

SEED_CONFIGS = [seed["config"] for seed in ALL_BODIES if (seed.get("type") or seed.get("kind")).lower() == "discord"]


def test_there_are_discord_seed_bodies():
    assert len(SEED_CONFIGS) >= 2


@pytest.mark.parametrize("seed", SEED_CONFIGS)
def test_every_seed_body_is_accepted_as_it_is(seed):
    url = seed.get("webhookUrl") or seed.get("webhook_url")

    assert DiscordConfig.model_validate(seed).reveal() == {"webhookUrl": url}


def test_snake_case_is_accepted_and_camel_case_is_returned():
    cfg = DiscordConfig.model_validate({"webhook_url": HOOK, "thread_id": "55", "username": "Bot"})

    assert cfg.reveal() == {"webhookUrl": HOOK, "threadId": "55", "username": "Bot"}


def errors_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(DiscordConfig, data)


def test_a_missing_webhook_url_reads_as_the_seed_says():
    assert errors_of({"username": "Bot"}) == [("config.webhookUrl", "Discord webhook URL is required")]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"webhookUrl": "http://discord.com/api/webhooks/1/x"}, "config.webhookUrl", "Invalid webhook URL"),
        ({"webhookUrl": "https://127.0.0.1/api/webhooks/1/x"}, "config.webhookUrl", "Invalid webhook URL"),
        ({"webhookUrl": HOOK, "threadId": "abc"}, "config.threadId", "Discord thread ID must be"),
        ({"webhookUrl": HOOK, "threadId": True}, "config.threadId", ""),
        ({"webhookUrl": HOOK, "username": "u" * 81}, "config.username", ""),
        ({"webhookUrl": HOOK, "username": ""}, "config.username", ""),
        ({"webhookUrl": HOOK, "avatar": "x"}, "config.avatar", "Unknown field 'avatar'"),
    ],
)
def test_bad_values_are_refused_on_the_field_they_belong_to(values, field, message):
    [(where, text)] = errors_of(values)

    assert where == field
    assert text.startswith(message)
    assert "/api/webhooks/1/x" not in text


def test_the_url_is_a_secret_it_is_redacted_and_reveal_round_trips():
    cfg = config(threadId="77", username="Bot")

    assert DiscordConfig.secret_fields() == ["webhookUrl"]
    assert cfg.redacted() == {"webhookUrl": SECRET_PLACEHOLDER, "threadId": "77", "username": "Bot"}
    assert DiscordConfig.model_validate(cfg.reveal(), context={"stored": True}) == cfg
    assert "zq7SECRET" not in repr(cfg)


def test_the_summary_is_the_host_only():
    assert config(threadId="77").summary() == "discord.com"


def test_the_json_schema_uses_wire_names_and_marks_the_secret():
    schema = DiscordConfig.model_json_schema(by_alias=True)

    assert schema["required"] == ["webhookUrl"]
    assert set(schema["properties"]) == {"webhookUrl", "threadId", "username"}
    assert schema["properties"]["webhookUrl"]["writeOnly"] is True


def test_adapter_identity():
    assert (ADAPTER.kind, ADAPTER.display_name, ADAPTER.config_model) == ("discord", "Discord", DiscordConfig)


def test_markdown_in_user_text_is_shown_as_written():
    n = notification(body="**bold** _it_ ~s~ ||spoiler|| `code` [x](https://e.x) <@123>\n> quote\n# head")
    description = embed_of(n)["description"]
    assert description.startswith(
        "\\*\\*bold\\*\\* \\_it\\_ \\~s\\~ \\|\\|spoiler\\|\\| \\`code\\` "
        "\\[x\\](https://e.x) \\<@123\\>\n\\> quote\n\\# head"
    )


def test_a_link_is_left_whole_and_an_escaped_text_is_cut_between_characters():
    n = notification(body="see https://status.example.com/a_b_c for *details*")
    assert embed_of(n)["description"] == "see https://status.example.com/a_b_c for \\*details\\*"
    long = notification(body="*" * 5000)
    description = embed_of(long)["description"]
    assert len(description) <= 4096 and description.endswith("\\*…")
