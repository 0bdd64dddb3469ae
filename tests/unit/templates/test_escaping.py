"""Per kind: a template's variables are escaped for the kind's markup, its own text is left as written, and the
adapter does not escape the result a second time."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from herald.adapters import registry
from herald.adapters.discord import DiscordAdapter, DiscordConfig
from herald.adapters.mattermost import MattermostAdapter, MattermostConfig
from herald.adapters.rocketchat import RocketChatAdapter, RocketChatConfig
from herald.adapters.slack import SlackAdapter, SlackConfig
from herald.adapters.telegram import TelegramAdapter, TelegramConfig
from herald.adapters.webex import WebexAdapter, WebexConfig
from herald.adapters.zulip import ZulipAdapter, ZulipConfig
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
    "mattermost": ("*\\<b\\>\\&\\_\\[y\\]*", True),
    "webex": ("*\\<b\\>\\&\\_\\[y\\]*", True),
    "rocketchat": ("*<b>&\\_[y]*", True),
    "zulip": ("*<b\\>&\\_\\[y\\]*", True),
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
            "homeassistant",
            "signal",
            "sns",
            "eventbridge",
            "lark",
            "dingtalk",
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


@pytest.mark.parametrize("kind", ["slack", "discord", "mattermost", "rocketchat"])
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


MATTERMOST = {"webhookUrl": "https://chat.example.com/hooks/xoxh1234abcd"}
ROCKETCHAT = {"webhookUrl": "https://rocket.example.com/hooks/abc/def123"}


@pytest.mark.parametrize(
    ("adapter", "config", "body", "value"),
    [
        (
            MattermostAdapter(),
            MattermostConfig.model_validate(MATTERMOST),
            "*\\<b\\>\\&\\_\\[y\\]*",
            "\\<b\\>\\&\\_\\[y\\]",
        ),
        (RocketChatAdapter(), RocketChatConfig.model_validate(ROCKETCHAT), "*<b>&\\_[y]*", "<b>&\\_[y]"),
    ],
    ids=["mattermost", "rocketchat"],
)
def test_the_attachment_kinds_show_the_template_once_escaped(adapter, config, body, value):
    part = adapter.build_request(templated(adapter.kind), config, ctx()).json_body()["attachments"][0]
    assert part["text"] == body
    assert part["fields"][0] == {"title": "*L*", "value": value, "short": True}
    assert part["title"] == "🔴 [CRITICAL] *<b>&_[y]* down"  # plain text in both services


def test_webex_keeps_the_templates_markdown_and_escapes_what_herald_adds():
    config = WebexConfig.model_validate({"botToken": "b" * 40, "roomId": "Y2lzY29zcGFyazovL3Jvb20"})
    text = WebexAdapter().build_request(templated("webex"), config, ctx()).json_body()["markdown"]
    assert text.startswith("**🔴 \\[CRITICAL\\] *\\<b\\>\\&\\_\\[y\\]* down**\n\n*\\<b\\>\\&\\_\\[y\\]*")
    assert "- ***L*:** \\<b\\>\\&\\_\\[y\\]" in text
    assert "\\\\" not in text  # nothing escaped twice


def test_zulip_keeps_the_templates_markdown_and_escapes_what_herald_adds():
    config = ZulipConfig.model_validate(
        {"serverUrl": "https://chat.example.com", "email": "bot@example.com", "apiKey": "k" * 32, "stream": "ops"}
    )
    request = ZulipAdapter().build_request(templated("zulip"), config, ctx())
    [content] = parse_qs(request.body.decode())["content"]
    assert content.startswith("**🔴 \\[CRITICAL\\] *<b\\>&\\_\\[y\\]* down**\n\n*<b\\>&\\_\\[y\\]*")
    assert "- ***L*:** <b\\>&\\_\\[y\\]" in content
    assert "\\\\" not in content
