"""Teams adapter: Workflows Adaptive Card (PROVIDERS.md §3b), legacy MessageCard (§3a), answers and config."""

from __future__ import annotations

import json
from typing import Any

import pytest

from herald.adapters.base import RenderContext
from herald.adapters.teams import MESSAGE_BYTES_LIMIT, TeamsAdapter, TeamsConfig, is_legacy_connector
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.config import SECRET_PLACEHOLDER
from herald.models.notification import Notification
from tests.support.seeds import ALL_BODIES
from tests.unit.adapters import support
from tests.unit.adapters.support import LATER, ctx, notification, response

ADAPTER = TeamsAdapter()
WORKFLOW = (
    "https://prod-01.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=zq7SECRET-teams-x9"
)
CONNECTOR = "https://contoso.webhook.office.com/webhookb2/g@t/IncomingWebhook/zq7SECRET-teams-x9/o"
CTX = ctx("dlv_teams1", now=LATER)


def config(url: str = WORKFLOW) -> TeamsConfig:
    return TeamsConfig.model_validate({"webhookUrl": url})


def payload(n: Notification, url: str = WORKFLOW) -> dict[str, Any]:
    return ADAPTER.build_request(n, config(url), CTX).json_body()


def card(n: Notification) -> dict[str, Any]:
    message = payload(n)
    [attachment] = message["attachments"]
    return attachment["content"]


# --- which format ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "legacy"),
    [
        ("https://contoso.webhook.office.com/webhookb2/x", True),
        ("https://CONTOSO.Webhook.Office.com/webhookb2/x", True),
        ("https://outlook.office.com/webhook/...", True),
        ("https://prod-01.westus.logic.azure.com:443/workflows/a/triggers/manual/paths/invoke?sig=s", False),
        ("https://default1.environment.api.powerplatform.com:443/powerautomate/automations/direct/x", False),
        ("https://webhook.office.com.evil.example/webhookb2/x", False),
        ("https://notwebhook.office.com/x", False),
        ("https://teams.example.com/hooks/1", False),
    ],
)
def test_only_office_365_connector_hosts_are_legacy(url, legacy):
    assert is_legacy_connector(url) is legacy


@pytest.mark.parametrize("url", [WORKFLOW, CONNECTOR])
def test_it_posts_json_to_the_stored_url_verbatim(url):
    ctx = RenderContext(delivery_id="d", attempt=1, now=CTX.now, endpoints={"teams": "http://127.0.0.1:9/x"})
    request = ADAPTER.build_request(notification(), config(url), ctx)

    assert request.method == "POST"
    assert request.url == url
    assert request.headers["Content-Type"] == "application/json"


# --- Workflows: Adaptive Card envelope ---------------------------------------------------------------------------


def test_a_workflows_url_gets_the_message_envelope_with_one_adaptive_card():
    message = payload(notification())

    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    content = attachment["content"]
    assert content["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert (content["type"], content["version"]) == ("AdaptiveCard", "1.4")
    assert content["msteams"] == {"width": "Full"}
    container, text, facts = content["body"]
    assert container["type"] == "Container"
    assert container["items"][0]["text"] == "🔴 [CRITICAL] My API is down"
    assert text == {"type": "TextBlock", "text": "Connection timeout after 10000ms", "wrap": True}
    assert facts["facts"] == [
        {"title": "Region", "value": "eu-west"},
        {"title": "Monitor", "value": "My API"},
        {"title": "URL", "value": "https://api.example.com"},
        {"title": "Severity", "value": "critical"},
    ]
    assert content["actions"] == [{"type": "Action.OpenUrl", "title": "Open", "url": "https://status.example.com/m/1"}]


@pytest.mark.parametrize(
    ("overrides", "style"),
    [
        ({"severity": "critical"}, "attention"),
        ({"severity": "warning"}, "warning"),
        ({"severity": "info"}, "accent"),
        ({"severity": "critical", "status": "resolved"}, "good"),
    ],
)
def test_the_container_style_carries_the_severity_and_recovery(overrides, style):
    assert card(notification(**overrides))["body"][0]["style"] == style


def test_given_a_resolved_notification_then_the_card_says_it_recovered_with_the_downtime():
    content = card(notification(status="resolved", title="My API is up", downtime_seconds=125))
    container, text, facts = content["body"]

    assert container["items"][0]["text"] == "✅ RESOLVED: My API is up"
    assert text["text"].endswith("Recovered after 2m 5s of downtime.")
    assert {"title": "Downtime", "value": "2m 5s"} in facts["facts"]


def test_without_a_usable_source_url_there_is_no_action():
    assert "actions" not in card(notification(source_url=None))
    assert "actions" not in card(notification(source_url="ftp://files.example.com/x"))


def test_line_breaks_survive_teams_markdown():
    assert card(notification(body="line one\nline two"))["body"][1]["text"] == "line one\n\nline two"


# --- legacy connectors: MessageCard ------------------------------------------------------------------------------


def test_a_connector_url_gets_a_message_card():
    message = payload(notification(), CONNECTOR)

    assert message["@type"] == "MessageCard"
    assert message["@context"] == "https://schema.org/extensions"
    assert message["themeColor"] == "E01E5A"  # hex without '#'
    assert message["summary"] == message["title"] == "🔴 [CRITICAL] My API is down"
    assert message["text"] == "Connection timeout after 10000ms"
    [section] = message["sections"]
    assert section["activityTitle"] == "My API"
    assert {"name": "Region", "value": "eu-west"} in section["facts"]
    assert message["potentialAction"] == [
        {"@type": "OpenUri", "name": "Open", "targets": [{"os": "default", "uri": "https://status.example.com/m/1"}]}
    ]


def test_a_resolved_message_card_is_green_and_carries_the_downtime():
    message = payload(notification(status="resolved", downtime_seconds=3600), CONNECTOR)

    assert message["themeColor"] == "2EB67D"
    assert message["title"].startswith("✅ RESOLVED")
    assert message["text"].endswith("Recovered after 1h of downtime.")


# --- size --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [WORKFLOW, CONNECTOR])
def test_given_the_largest_notification_then_the_message_stays_under_teams_size_limit(url):
    n = notification(
        title="T" * 1024,
        body="é" * 16384,
        fields=[{"label": "L" * 256, "value": "€" * 2048} for _ in range(25)],
    )
    request = ADAPTER.build_request(n, config(url), CTX)
    text = json.dumps(request.json_body(), ensure_ascii=False)

    assert len(request.body) <= MESSAGE_BYTES_LIMIT
    assert "…" in text  # cut visibly, not silently
    assert text.count("€" * 10) > 0  # every fact keeps a visible part


def test_a_small_message_is_not_cut():
    text = json.dumps(payload(notification(body="x" * 5000)), ensure_ascii=False)

    assert "x" * 5000 in text
    assert "…" not in text


# --- Teams' answer -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "text"), [(202, ""), (200, ""), (200, "1")])
def test_workflows_202_and_connector_200_are_success(status, text):
    assert ADAPTER.interpret(response(status, text)).http_status == status


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (200, "Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi"),
        (400, "Microsoft Teams endpoint returned HTTP error 429"),
    ],
)
def test_a_connector_throttle_reported_inside_the_body_is_a_retryable_rate_limit(status, text):
    with pytest.raises(RetryableDeliveryError) as caught:
        ADAPTER.interpret(response(status, text, {"Retry-After": "4"}))

    assert "HTTP error 429" in caught.value.message
    assert caught.value.retry_after == 4.0


def test_429_is_retryable_after_retry_after():
    with pytest.raises(RetryableDeliveryError) as caught:
        ADAPTER.interpret(response(429, "", {"Retry-After": "12"}))

    assert (caught.value.retry_after, caught.value.code) == (12.0, "rate_limited")


@pytest.mark.parametrize(
    ("status", "text", "error", "words"),
    [
        (
            400,
            '{"error": {"code": "TriggerInputSchemaMismatch", "message": "The input body does not match"}}',
            PermanentDeliveryError,
            "TriggerInputSchemaMismatch: The input body does not match",
        ),
        (
            404,
            '{"error": {"code": "WorkflowNotFound", "message": "gone"}}',
            PermanentDeliveryError,
            "WorkflowNotFound: gone",
        ),
        (401, "Unauthorized", PermanentDeliveryError, "Unauthorized"),
        (502, "Bad Gateway", RetryableDeliveryError, "Bad Gateway"),
        (204, "", PermanentDeliveryError, "the answer did not confirm delivery"),
    ],
)
def test_failures_carry_the_services_own_words(status, text, error, words):
    with pytest.raises(error) as caught:
        ADAPTER.interpret(response(status, text))

    assert caught.value.message == f"Microsoft Teams returned {status}: {words}"


# --- the config --------------------------------------------------------------------------------------------------

SEED_CONFIGS = [seed["config"] for seed in ALL_BODIES if (seed.get("type") or seed.get("kind")).lower() == "teams"]


def test_there_are_teams_seed_bodies():
    assert len(SEED_CONFIGS) >= 3


@pytest.mark.parametrize("seed", SEED_CONFIGS)
def test_every_seed_body_is_accepted_as_it_is_and_is_a_legacy_connector(seed):
    cfg = TeamsConfig.model_validate(seed)

    assert cfg.reveal() == {"webhookUrl": seed.get("webhookUrl") or seed.get("webhook_url")}
    assert ADAPTER.build_request(notification(), cfg, CTX).json_body()["@type"] == "MessageCard"


def test_snake_case_is_accepted_and_camel_case_is_returned():
    assert TeamsConfig.model_validate({"webhook_url": WORKFLOW}).reveal() == {"webhookUrl": WORKFLOW}


def errors_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(TeamsConfig, data)


def test_a_missing_webhook_url_reads_as_the_seed_says():
    assert errors_of({}) == [("config.webhookUrl", "Microsoft Teams webhook URL is required")]


@pytest.mark.parametrize(
    "url",
    [
        "http://prod-01.westus.logic.azure.com/workflows/a?sig=s3cr3t",
        "https://192.168.1.10/workflows/a?sig=s3cr3t",
        "https://teams.internal/workflows/a?sig=s3cr3t",
    ],
)
def test_forbidden_urls_are_refused_without_echoing_the_signature(url):
    [(field, text)] = errors_of({"webhookUrl": url})

    assert field == "config.webhookUrl"
    assert text.startswith("Invalid webhook URL")
    assert "s3cr3t" not in text


def test_the_url_is_a_secret_it_is_redacted_and_reveal_round_trips():
    cfg = config()

    assert TeamsConfig.secret_fields() == ["webhookUrl"]
    assert cfg.redacted() == {"webhookUrl": SECRET_PLACEHOLDER}
    assert TeamsConfig.model_validate(cfg.reveal(), context={"stored": True}) == cfg
    assert "zq7SECRET" not in repr(cfg)


@pytest.mark.parametrize(
    ("url", "summary"),
    [(WORKFLOW, "prod-01.westus.logic.azure.com"), (CONNECTOR, "contoso.webhook.office.com")],
)
def test_the_summary_is_the_host_only(url, summary):
    assert config(url).summary() == summary


def test_the_json_schema_uses_wire_names_and_marks_the_secret():
    schema = TeamsConfig.model_json_schema(by_alias=True)

    assert schema["required"] == ["webhookUrl"]
    assert schema["properties"]["webhookUrl"]["writeOnly"] is True


def test_adapter_identity():
    assert (ADAPTER.kind, ADAPTER.display_name, ADAPTER.config_model) == ("teams", "Microsoft Teams", TeamsConfig)
