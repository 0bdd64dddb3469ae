"""Google Chat adapter: cardsV2 payload and threading (PROVIDERS.md §4), Google's answers, and the config."""

from __future__ import annotations

import json
from typing import Any

import pytest

from herald.adapters.base import RenderContext
from herald.adapters.googlechat import MESSAGE_BYTES_LIMIT, GoogleChatAdapter, GoogleChatConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.config import SECRET_PLACEHOLDER
from herald.models.notification import Notification
from tests.support.seeds import ALL_BODIES
from tests.unit.adapters import support
from tests.unit.adapters.support import LATER, ctx, notification, response

ADAPTER = GoogleChatAdapter()
HOOK = "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=AIza-k%2Fx&token=zq7SECRET-gchat-x9"
THREADED = HOOK + "&messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
CTX = ctx("dlv_gchat1", now=LATER)


def config(url: str = HOOK) -> GoogleChatConfig:
    return GoogleChatConfig.model_validate({"webhookUrl": url})


def message(n: Notification) -> dict[str, Any]:
    return ADAPTER.build_request(n, config(), CTX).json_body()


def widgets(n: Notification) -> list[dict[str, Any]]:
    [card] = message(n)["cardsV2"]
    [section] = card["card"]["sections"]
    return section["widgets"]


# --- the request -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dedup_key", "url"),
    [
        ("mon_abc123", THREADED),
        (None, HOOK),
    ],
)
def test_it_posts_json_to_the_webhook_url_and_threads_only_with_a_dedup_key(dedup_key, url):
    request = ADAPTER.build_request(notification(dedup_key=dedup_key), config(), CTX)

    assert request.method == "POST"
    assert request.url == url
    assert request.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert ("thread" in request.json_body()) is (dedup_key is not None)


def test_the_reply_option_replaces_one_already_in_the_url_and_keeps_the_rest_byte_for_byte():
    cfg = config(HOOK + "&messageReplyOption=REPLY_MESSAGE_OR_FAIL")

    assert ADAPTER.build_request(notification(), cfg, CTX).url == THREADED


def test_an_endpoint_override_does_not_move_a_url_kind():
    ctx = RenderContext(delivery_id="d", attempt=1, now=CTX.now, endpoints={"googlechat": "http://127.0.0.1:9/x"})

    assert ADAPTER.build_request(notification(dedup_key=None), config(), ctx).url == HOOK


def test_the_message_is_a_text_fallback_a_cardsv2_card_and_the_thread_key():
    body = message(notification())

    assert body["text"] == "🔴 [CRITICAL] My API is down — Connection timeout after 10000ms"
    assert body["thread"] == {"threadKey": "mon_abc123"}
    [card] = body["cardsV2"]
    assert card["cardId"]
    assert card["card"]["header"] == {"title": "🔴 [CRITICAL] My API is down", "subtitle": "My API"}
    paragraph, *facts, buttons = card["card"]["sections"][0]["widgets"]
    assert paragraph == {
        "textParagraph": {"text": '<font color="#E01E5A"><b>CRITICAL</b></font><br>Connection timeout after 10000ms'}
    }
    assert facts == [
        {"decoratedText": {"topLabel": "Region", "text": "eu-west"}},
        {"decoratedText": {"topLabel": "Monitor", "text": "My API"}},
        {"decoratedText": {"topLabel": "URL", "text": "https://api.example.com"}},
        {"decoratedText": {"topLabel": "Severity", "text": "critical"}},
    ]
    assert buttons == {
        "buttonList": {
            "buttons": [{"text": "Open", "onClick": {"openLink": {"url": "https://status.example.com/m/1"}}}]
        }
    }


def test_given_a_resolved_notification_then_it_is_green_says_it_recovered_and_shows_the_downtime():
    body = message(notification(status="resolved", title="My API is up", downtime_seconds=59))
    paragraph = body["cardsV2"][0]["card"]["sections"][0]["widgets"][0]["textParagraph"]["text"]

    assert body["cardsV2"][0]["card"]["header"]["title"] == "✅ RESOLVED: My API is up"
    assert paragraph.startswith('<font color="#2EB67D"><b>Recovered after 59s of downtime.</b></font>')
    assert body["text"].startswith("✅ RESOLVED: My API is up")
    assert body["thread"] == {"threadKey": "mon_abc123"}  # the recovery lands in the alert's thread


def test_user_text_is_escaped_for_the_card_html_subset():
    n = notification(body="<script>x</script> & <b>", fields=[{"label": "L", "value": "a<b\nc"}])
    paragraph, fact, *_ = widgets(n)

    assert paragraph["textParagraph"]["text"].endswith("<br>&lt;script&gt;x&lt;/script&gt; &amp; &lt;b&gt;")
    assert fact["decoratedText"]["text"] == "a&lt;b<br>c"


def test_without_a_usable_source_url_there_is_no_button():
    assert all("buttonList" not in widget for widget in widgets(notification(source_url=None)))
    assert all("buttonList" not in widget for widget in widgets(notification(source_url="see dashboard")))


def test_given_the_largest_notification_then_the_message_stays_under_32000_bytes_with_visible_cuts():
    n = notification(
        title="T" * 1024,
        body="😀" * 16384,
        fields=[{"label": "L" * 256, "value": "€" * 2048} for _ in range(25)],
    )
    request = ADAPTER.build_request(n, config(), CTX)
    text = json.dumps(request.json_body(), ensure_ascii=False)

    assert len(request.body) <= MESSAGE_BYTES_LIMIT
    assert "😀…" in text
    assert "€…" in text
    assert len(request.json_body()["text"]) <= 500


def test_a_card_well_under_the_limit_is_not_cut():
    paragraph = widgets(notification(body="y" * 8000))[0]["textParagraph"]["text"]

    assert paragraph.endswith("<br>" + "y" * 8000)


# --- Google's answer ---------------------------------------------------------------------------------------------


def test_200_with_the_created_message_records_the_message_id_but_not_the_space():
    receipt = ADAPTER.interpret(response(200, '{"name": "spaces/AAAA/messages/BBBB.CCCC", "thread": {}}'))

    assert (receipt.http_status, receipt.provider_message_id) == (200, "BBBB.CCCC")


@pytest.mark.parametrize("text", ["", "{}", '{"name": "spaces/AAAA"}'])
def test_a_success_without_a_message_name_records_no_id(text):
    assert ADAPTER.interpret(response(200, text)).provider_message_id is None


@pytest.mark.parametrize(
    ("status", "text", "error", "words"),
    [
        (
            400,
            '{"error": {"code": 400, "message": "Invalid JSON payload", "status": "INVALID_ARGUMENT"}}',
            PermanentDeliveryError,
            "INVALID_ARGUMENT: Invalid JSON payload",
        ),
        (
            403,
            '{"error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}}',
            PermanentDeliveryError,
            "PERMISSION_DENIED: The caller does not have permission",
        ),
        (
            429,
            '{"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}',
            RetryableDeliveryError,
            "RESOURCE_EXHAUSTED: Quota exceeded",
        ),
        (503, "Service Unavailable", RetryableDeliveryError, "Service Unavailable"),
    ],
)
def test_failures_carry_googles_status_and_message(status, text, error, words):
    with pytest.raises(error) as caught:
        ADAPTER.interpret(response(status, text))

    assert caught.value.message == f"Google Chat returned {status}: {words}"


def test_429_uses_a_retry_after_header_when_one_is_sent():
    with pytest.raises(RetryableDeliveryError) as caught:
        ADAPTER.interpret(response(429, "", {"Retry-After": "30"}))

    assert (caught.value.retry_after, caught.value.code) == (30.0, "rate_limited")


# --- the config --------------------------------------------------------------------------------------------------

SEED_CONFIGS = [
    seed["config"]
    for seed in ALL_BODIES
    if (seed.get("type") or seed.get("kind")).lower() in ("googlechat", "google_chat")
]


def test_there_is_a_google_chat_seed_body():
    assert len(SEED_CONFIGS) >= 1


@pytest.mark.parametrize("seed", SEED_CONFIGS)
def test_every_seed_body_is_accepted_as_it_is(seed):
    assert GoogleChatConfig.model_validate(seed).reveal() == {"webhookUrl": seed["webhookUrl"]}


def test_snake_case_is_accepted_and_camel_case_is_returned():
    assert GoogleChatConfig.model_validate({"webhook_url": HOOK}).reveal() == {"webhookUrl": HOOK}


def errors_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(GoogleChatConfig, data)


def test_a_missing_webhook_url_is_required():
    assert errors_of({}) == [("config.webhookUrl", "Google Chat webhook URL is required")]


@pytest.mark.parametrize(
    "url",
    [
        "http://chat.googleapis.com/v1/spaces/A/messages?key=k&token=s3cr3t",
        "https://[::1]/v1/spaces/A/messages?key=k&token=s3cr3t",
        "https://chat.local/v1/spaces/A/messages?key=k&token=s3cr3t",
    ],
)
def test_forbidden_urls_are_refused_without_echoing_the_token(url):
    [(field, text)] = errors_of({"webhookUrl": url})

    assert field == "config.webhookUrl"
    assert text.startswith("Invalid webhook URL")
    assert "s3cr3t" not in text


def test_the_url_is_a_secret_it_is_redacted_and_reveal_round_trips():
    cfg = config()

    assert GoogleChatConfig.secret_fields() == ["webhookUrl"]
    assert cfg.redacted() == {"webhookUrl": SECRET_PLACEHOLDER}
    assert GoogleChatConfig.model_validate(cfg.reveal(), context={"stored": True}) == cfg
    assert "zq7SECRET" not in repr(cfg)


def test_the_summary_is_the_host_only():
    assert config().summary() == "chat.googleapis.com"


def test_the_json_schema_uses_wire_names_and_marks_the_secret():
    schema = GoogleChatConfig.model_json_schema(by_alias=True)

    assert schema["required"] == ["webhookUrl"]
    assert schema["properties"]["webhookUrl"]["writeOnly"] is True


def test_adapter_identity():
    identity = (ADAPTER.kind, ADAPTER.display_name, ADAPTER.aliases, ADAPTER.config_model)

    assert identity == ("googlechat", "Google Chat", ("google_chat",), GoogleChatConfig)


def test_the_plain_text_cannot_mention_everyone_or_make_a_link():
    n = notification(title="<users/all> disk full", body="see <https://evil.example|your bank>")
    text = message(n)["text"]
    assert "<" not in text and ">" not in text
    assert "‹users/all› disk full" in text and "‹https://evil.example|your bank›" in text
