"""Per kind: a template's variables are escaped for the kind's markup, its own text is left as written, and the
adapter does not escape the result a second time."""

from __future__ import annotations

import json

import pytest

from herald.adapters import registry
from herald.adapters.discord import DiscordAdapter, DiscordConfig
from herald.adapters.slack import SlackAdapter, SlackConfig
from herald.adapters.telegram import TelegramAdapter, TelegramConfig
from herald.models.template import ChannelTemplate
from herald.templates import render_notification
from tests.unit.adapters.support import ctx, notification

TRICKY = "<b>&_[y]"
TEMPLATE = ChannelTemplate(
    title="*{{ details.x }}* down", body="*{{ details.x }}*", fields=[{"label": "*L*", "value": "{{ details.x }}"}]
)

AS_WRITTEN = "*<b>&_[y]*"
# kind → (body the template renders, whether the adapter must take it as markup)
EXPECTED: dict[str, tuple[str, bool]] = {
    "slack": ("*&lt;b&gt;&amp;_[y]*", True),
    "discord": ("*\\<b\\>&\\_\\[y\\]*", True),
    "telegram": ("*&lt;b&gt;&amp;_[y]*", True),
    "teams": (AS_WRITTEN, True),
    "wecom": ("*\\<b\\>&\\_\\[y\\]*", True),
    **dict.fromkeys(
        (
            "email",
            "googlechat",
            "pagerduty",
            "opsgenie",
            "webhook",
            "sms",
            "voice",
            "whatsapp",
            "pushover",
            "pushbullet",
            "onesignal",
            "pusherbeams",
            "ntfy",
            "gotify",
            "matrix",
            "splunkoncall",
            "incidentio",
            "grafanaoncall",
            "zulip",
            "homeassistant",
            "signal",
            "sns",
            "eventbridge",
            "lark",
            "dingtalk",
            "mattermost",
            "rocketchat",
            "webex",
            "line",
            "sendgrid",
        ),
        (AS_WRITTEN, False),
    ),
}


def templated(kind: str, **overrides):
    n = notification(details={"x": TRICKY}, **overrides)
    return render_notification(n, TEMPLATE, kind=kind, channel_name="c", tenant_id="t")


def test_the_table_covers_every_kind():
    assert set(EXPECTED) == set(registry.ADAPTERS)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_variables_are_escaped_for_the_kinds_markup_and_the_text_is_left_as_written(kind):
    body, markup = EXPECTED[kind]
    out = templated(kind)
    assert (out.body, out.markup) == (body, markup)
    assert out.fields[0].label == "*L*"


@pytest.mark.parametrize("kind", ["slack", "discord"])
def test_a_title_these_kinds_show_as_plain_text_is_not_escaped(kind):
    assert templated(kind).title == "*<b>&_[y]* down"


def test_telegram_titles_are_html_so_their_variables_are_escaped():
    assert templated("telegram").title == "*&lt;b&gt;&amp;_[y]* down"


def test_a_notification_is_markup_only_after_a_markup_template():
    assert not notification().markup
    assert not notification().model_copy().markup


def _all_text(payload) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_slack_shows_the_template_once_escaped_and_still_escapes_what_herald_adds():
    payload = (
        SlackAdapter()
        .build_request(
            templated("slack", monitor={"name": "M<1>"}),
            SlackConfig.model_validate({"webhookUrl": "https://hooks.slack.com/services/T/B/x"}),
            ctx(),
        )
        .json_body()
    )
    text = _all_text(payload)
    assert payload["text"].startswith("🔴 [CRITICAL] *&lt;b&gt;&amp;_[y]* down — *&lt;b&gt;&amp;_[y]*")
    assert payload["attachments"][0]["blocks"][0]["text"]["text"] == "🔴 [CRITICAL] *<b>&_[y]* down"
    assert "*&lt;b&gt;&amp;_[y]*" in text
    assert "&amp;lt;" not in text
    assert "M&lt;1&gt;" in text  # the monitor fact is Herald's, not the template's


def test_discord_shows_the_template_once_escaped():
    embed = (
        DiscordAdapter()
        .build_request(
            templated("discord"),
            DiscordConfig.model_validate({"webhookUrl": "https://discord.com/api/webhooks/1/abc"}),
            ctx(),
        )
        .json_body()["embeds"][0]
    )
    assert embed["description"].startswith("*\\<b\\>&\\_\\[y\\]*")
    assert embed["fields"][0]["value"] == "\\<b\\>&\\_\\[y\\]"


TELEGRAM = {"botToken": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "chatId": "1"}


def test_telegram_keeps_the_templates_html_and_escapes_the_variables_once():
    config = TelegramConfig.model_validate(TELEGRAM)
    n = render_notification(
        notification(details={"x": TRICKY}, monitor={"name": "M<1>"}),
        ChannelTemplate(title="<i>{{ details.x }}</i>", body="<u>{{ details.x }}</u>"),
        kind="telegram",
        channel_name="c",
        tenant_id="t",
    )
    text = TelegramAdapter().build_request(n, config, ctx()).json_body()["text"]
    assert "<i>&lt;b&gt;&amp;_[y]</i>" in text
    assert "<u>&lt;b&gt;&amp;_[y]</u>" in text
    assert "&amp;lt;" not in text
    assert "M&lt;1&gt;" in text


def test_telegram_never_cuts_a_templates_html_in_half():
    config = TelegramConfig.model_validate(TELEGRAM)
    template = ChannelTemplate(body="<b>" + "x" * 5000 + "</b>")
    n = render_notification(notification(), template, kind="telegram", channel_name="c", tenant_id="t")
    text = TelegramAdapter().build_request(n, config, ctx()).json_body()["text"]
    assert "xxx" not in text
    assert text.endswith("…") or "…" in text
