"""Any notification renders within each service's limits, with user text escaped for the service's markup.

For every kind, hostile notifications (tests/property/notifications.py) and valid configs of that kind are
rendered by the adapter's pure builder; the request body is parsed and checked against the limits of
/work/shared/reference/PROVIDERS.md (numbers written here from that document, not imported from the
adapters). Where a service parses markup, the text outside Herald's own tags must carry no `<`, `>` and
only the entities the service decodes.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import pytest
from hypothesis import example, given, settings
from markdown_it import MarkdownIt

from herald.adapters import registry, render
from herald.adapters.base import RenderContext
from herald.adapters.email import build_email
from herald.adapters.eventbridge import EventBridgeAdapter
from herald.adapters.httpbase import HttpAdapter
from herald.adapters.sms import SmsAdapter
from herald.adapters.sns import SnsAdapter
from herald.adapters.voice import VoiceAdapter
from herald.models.config import ChannelConfig
from herald.models.notification import Notification
from herald.timeutil import iso
from herald.transport.wire import OutboundRequest
from tests.property.configs import CONFIGS
from tests.property.notifications import notifications

CTX = RenderContext(delivery_id="dlv_prop", attempt=1, now=datetime(2026, 5, 15, 8, 30, tzinfo=UTC))
# What a channel may leave to the tenant's provider settings, as they would be filled in before sending.
STORED_CREDENTIALS = {
    "botToken": "123456:stored",
    "appToken": "a" * 30,
    "accountSid": "AC" + "0" * 32,
    "authToken": "stored",
    "fromNumber": "+14155550000",
    "apiKey": "abcd1234",
    "apiSecret": "stored",
    "from": "Herald",
}
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#[0-9]+|#x[0-9a-fA-F]+);")


# -- markup checks --------------------------------------------------------------------------------------


def escaped_outside(markup: str, own_tags: str) -> None:
    """Once Herald's own tags (regex `own_tags`) are removed, no `<` or `>` is left and every `&` is an entity."""
    text = re.sub(own_tags, "", markup)
    assert "<" not in text and ">" not in text, markup
    assert "&" not in _ENTITY.sub("", text), markup


def visible(markup: str, own_tags: str) -> str:
    return html.unescape(re.sub(own_tags, "", markup))


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_ATTR = r'"[^"<>]*"'
TELEGRAM_TAGS = rf"</?b>|<a href={_ATTR}>|</a>"
PUSHOVER_TAGS = TELEGRAM_TAGS
GOOGLECHAT_TAGS = r'<font color="#[0-9A-F]{6}">|</font>|</?b>|<br>'
MATRIX_TAGS = rf'<span data-mx-color="#[0-9A-F]{{6}}">|</span>|</?(?:b|p|ul|li)>|<br>|<a href={_ATTR}>|</a>'
EMAIL_TAGS = rf"<(?:div|h2|p|b|table|tr|td|a)(?: (?:style|href)={_ATTR})*>|</(?:div|h2|p|b|table|tr|td|a)>"


def slack_mrkdwn(value: Any) -> list[str]:
    """Every mrkdwn text in a Slack payload."""
    if isinstance(value, dict):
        own = [value["text"]] if value.get("type") == "mrkdwn" else []
        return own + [text for item in value.values() for text in slack_mrkdwn(item)]
    if isinstance(value, list):
        return [text for item in value for text in slack_mrkdwn(item)]
    return []


def form(request: OutboundRequest) -> dict[str, str]:
    fields = parse_qs(request.body.decode(), keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in fields.values())
    return {name: values[0] for name, values in fields.items()}


def bounded(value: str | None, limit: int) -> None:
    assert value is None or len(value) <= limit, (len(value), limit)


# -- per kind: what the service accepts (PROVIDERS.md section in brackets) ------------------------------------


def check_slack(request: OutboundRequest, n: Notification) -> None:  # §1
    payload = request.json_body()
    blocks = payload["attachments"][0]["blocks"]
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "header":
            bounded(block["text"]["text"], 150)
        if block["type"] == "section":
            bounded(block.get("text", {}).get("text"), 3000)
            assert len(block.get("fields", [])) <= 10
            for field in block.get("fields", []):
                bounded(field["text"], 2000)
        if block["type"] == "actions":
            assert all(len(button["url"]) <= 3000 for button in block["elements"])
    assert len(json.dumps(blocks, ensure_ascii=False)) < 13_000 + 5_000  # text ~13k, plus the JSON around it
    bounded(payload["text"], 40_000)
    for text in [payload["text"], *slack_mrkdwn(blocks)]:
        escaped_outside(text, r"(?!)")


def check_discord(request: OutboundRequest, n: Notification) -> None:  # §2
    payload = request.json_body()
    assert payload["allowed_mentions"] == {"parse": []}
    bounded(payload.get("content"), 2000)
    embeds = payload["embeds"]
    assert 1 <= len(embeds) <= 10
    total = 0
    for embed in embeds:
        bounded(embed["title"], 256)
        bounded(embed.get("description"), 4096)
        assert len(embed.get("fields", [])) <= 25
        for field in embed.get("fields", []):
            bounded(field["name"], 256)
            bounded(field["value"], 1024)
            assert field["name"] and field["value"]
        bounded(embed["footer"]["text"], 2048)
        # User text outside the links Discord finds by itself carries its Markdown only escaped.
        tail = "\n" + (render.recovery_line(n) or "\0")
        for text in [embed.get("description", "").split(tail)[0], *(f["value"] for f in embed.get("fields", []))]:
            for part in re.split(r"https?://[^\s<>]+", text)[::2]:
                assert not re.search(r"(?<!\\)(?:\\\\)*[*_~`|>#\[\]<]", part), part
        total += len(embed["title"]) + len(embed.get("description", "")) + len(embed["footer"]["text"])
        total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    assert total <= 6000


def check_teams(request: OutboundRequest, n: Notification) -> None:  # §3a/§3b
    assert len(request.body) <= 28_000
    payload = request.json_body()
    if payload.get("type") == "message":
        [attachment] = payload["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    else:
        assert payload["@type"] == "MessageCard" and payload["summary"]


def check_googlechat(request: OutboundRequest, n: Notification) -> None:  # §4
    assert len(request.body) <= 32_000
    payload = request.json_body()
    widgets = payload["cardsV2"][0]["card"]["sections"][0]["widgets"]
    for widget in widgets:
        if "textParagraph" in widget:
            escaped_outside(widget["textParagraph"]["text"], GOOGLECHAT_TAGS)
        if "decoratedText" in widget:
            escaped_outside(widget["decoratedText"]["text"], GOOGLECHAT_TAGS)
    bounded(payload.get("thread", {}).get("threadKey"), 4000)
    # Chat's plain text reads <users/all> as a mention of everyone and <url|label> as a link.
    assert "<" not in payload["text"] and ">" not in payload["text"]


def check_telegram(request: OutboundRequest, n: Notification) -> None:  # §5
    payload = request.json_body()
    assert payload["parse_mode"] == "HTML"
    escaped_outside(payload["text"], TELEGRAM_TAGS)
    shown = visible(payload["text"], TELEGRAM_TAGS)
    assert 1 <= utf16(shown) <= 4096 and shown.strip()


def check_pagerduty(request: OutboundRequest, n: Notification) -> None:  # §6
    assert len(request.body) <= 512 * 1024
    event = request.json_body()
    assert len(event["dedup_key"]) <= 255
    if event["event_action"] == "trigger":
        assert 1 <= len(event["payload"]["summary"]) <= 1024 and event["payload"]["source"]


def check_opsgenie(request: OutboundRequest, n: Notification) -> None:  # §7
    body = request.json_body()
    if "message" not in body:  # the close: user/source/note
        bounded(body.get("note"), 25_000)
        return
    assert 1 <= len(body["message"]) <= 130
    bounded(body["alias"], 512)
    bounded(body.get("description"), 15_000)
    bounded(body.get("entity"), 512)
    bounded(body["source"], 100)
    assert sum(len(k) + len(v) for k, v in body["details"].items()) <= 8000
    assert all(isinstance(v, str) for v in body["details"].values())


def check_pushover(request: OutboundRequest, n: Notification) -> None:  # §8
    fields = form(request)
    assert 1 <= len(fields["message"]) <= 1024 and fields["message"].strip()
    bounded(fields["title"], 250)
    bounded(fields.get("url"), 512)
    bounded(fields.get("url_title"), 100)
    assert fields["html"] == "1"
    escaped_outside(fields["message"], PUSHOVER_TAGS)


def check_pushbullet(request: OutboundRequest, n: Notification) -> None:  # §9
    body = request.json_body()
    assert body["type"] in ("note", "link") and (body["type"] == "note" or body["url"])


def check_onesignal(request: OutboundRequest, n: Notification) -> None:  # §10
    body = request.json_body()
    assert body["contents"]["en"] and body["headings"]["en"]


def check_pusherbeams(request: OutboundRequest, n: Notification) -> None:  # §11
    body = request.json_body()
    assert 1 <= len(body["interests"]) <= 100
    # APNs and FCM refuse a push over 4 KB; each platform's part must stay inside it.
    for platform in ("apns", "fcm", "web"):
        assert len(json.dumps(body[platform], ensure_ascii=False, separators=(",", ":")).encode()) <= 4096, platform


def check_ntfy(request: OutboundRequest, n: Notification) -> None:  # §12
    body = request.json_body()
    assert len(body["message"].encode()) <= 4096 and body["message"]
    assert 1 <= body["priority"] <= 5


_COMMONMARK = MarkdownIt("commonmark")
GOTIFY_OWN_HTML = rf"</?(?:p|strong|ul|li|br ?/?)>|<a href={_ATTR}>|</a>|\n"


def check_gotify(request: OutboundRequest, n: Notification) -> None:  # §13
    body = request.json_body()
    assert body["extras"]["client::display"]["contentType"] == "text/markdown"
    rendered = _COMMONMARK.render(body["message"])
    # The user's text becomes paragraphs, list items and bold labels — never markup of its own.
    escaped_outside(rendered, GOTIFY_OWN_HTML)


def check_matrix(request: OutboundRequest, n: Notification) -> None:  # §14
    assert len(request.body) <= 65_536
    content = request.json_body()
    assert content["format"] == "org.matrix.custom.html" and content["body"]
    escaped_outside(content["formatted_body"], MATRIX_TAGS)


_BARE_LINK = r"https?://[^\s<>]+"
# What CommonMark (Mattermost, Webex) and Rocket.Chat's parser read as markup, unless a backslash escapes it.
_UNESCAPED_COMMONMARK = r"(?<!\\)(?:\\\\)*[*_~`|>#\[\]<@]"
_UNESCAPED_ROCKETCHAT = r"(?<!\\)(?:\\\\)*[*_~`#]"


def markdown_escaped(text: str, unescaped: str, n: Notification) -> None:
    """User text outside the links a client finds by itself carries its markup only escaped (the recovery
    line is Herald's own)."""
    text = text.split("\n" + (render.recovery_line(n) or "\0"), maxsplit=1)[0]
    for part in re.split(_BARE_LINK, text)[::2]:
        assert not re.search(unescaped, part), part


def check_chat_attachment(part: dict[str, Any], n: Notification, unescaped: str, text_limit: int) -> None:
    assert re.fullmatch(r"#[0-9A-F]{6}", part["color"])
    bounded(part["title"], 256)
    bounded(part.get("text"), text_limit)
    markdown_escaped(part.get("text", ""), unescaped, n)
    for field in part["fields"]:
        bounded(field["title"], 1000)
        bounded(field["value"], 1000)
        assert field["value"]
        markdown_escaped(field["value"], unescaped, n)


def check_mattermost(request: OutboundRequest, n: Notification) -> None:  # §18
    [part] = request.json_body()["attachments"]
    check_chat_attachment(part, n, _UNESCAPED_COMMONMARK, 16_383)
    bounded(part["fallback"], 16_383)


def check_rocketchat(request: OutboundRequest, n: Notification) -> None:  # §19
    body = request.json_body()
    bounded(body["text"], 5000)
    [part] = body["attachments"]
    check_chat_attachment(part, n, _UNESCAPED_ROCKETCHAT, 5000)


def check_webex(request: OutboundRequest, n: Notification) -> None:  # §21b
    body = request.json_body()
    assert ("roomId" in body) != ("toPersonEmail" in body)
    assert len(body["markdown"].encode()) <= 7439 and len(body["text"].encode()) <= 7439
    # Herald's own Markdown: the bold headline, the facts' list markers and bold names, the link at the end.
    text = re.sub(r"\n\n\[Open in monitoring\]\(<[^<>\s]*>\)$", "", body["markdown"])
    headline = re.match(r"\*\*((?:\\.|[^\\*])*)\*\*(?=\n\n|$)", text, re.DOTALL)
    assert headline, text
    text = headline.group(1) + text[headline.end() :]
    text = re.sub(r"(?m)^- \*\*", "", text).replace(":** ", " ")
    for block in text.split("\n\n"):
        markdown_escaped(block, _UNESCAPED_COMMONMARK, n)


def check_twilio_message(request: OutboundRequest, n: Notification) -> None:  # §15a/§15b
    fields = form(request)
    if "Body" in fields:
        assert 1 <= len(fields["Body"]) <= 1600
    else:
        variables = json.loads(fields["ContentVariables"])
        assert all(value and "\n" not in value for value in variables.values())


def check_vonage(request: OutboundRequest, n: Notification) -> None:  # §16a
    fields = form(request)
    assert fields["text"] and fields["type"] in ("text", "unicode")


def check_sms(request: OutboundRequest, n: Notification) -> None:
    (check_vonage if "api_key" in form(request) else check_twilio_message)(request, n)


def check_voice(request: OutboundRequest, n: Notification) -> None:  # §15c
    twiml = form(request)["Twiml"]
    assert len(twiml) <= 4000
    ET.fromstring(twiml)  # well-formed XML: the user's words cannot add elements or break the document


def check_webhook(request: OutboundRequest, n: Notification) -> None:  # §24: our own JSON, nothing dropped
    body = request.json_body()  # every payloadFormat's body is a JSON object, whatever the text
    assert isinstance(body, dict)
    if "attempt" in body:  # Herald's own body (the default); the presets' fields are in their golden files
        assert body["notification"]["title"] == n.title and body["notification"]["body"] == n.body


def check_splunkoncall(request: OutboundRequest, n: Notification) -> None:  # §22
    body = request.json_body()
    assert body["message_type"] in ("CRITICAL", "WARNING", "INFO", "RECOVERY")
    assert (body["message_type"] == "RECOVERY") == n.resolved
    assert 1 <= len(body["entity_id"]) <= 255 and body["state_message"]
    bounded(body["entity_display_name"], 1024)
    bounded(body["state_message"], 10_000)


def check_incidentio(request: OutboundRequest, n: Notification) -> None:  # §23
    body = request.json_body()
    assert body["status"] == ("resolved" if n.resolved else "firing")
    assert body["title"] and 1 <= len(body["deduplication_key"]) <= 255
    bounded(body.get("description"), 10_000)
    # The Markdown description shows the user's text as written: no HTML of its own.
    escaped_outside(_COMMONMARK.render(body.get("description", "")), GOTIFY_OWN_HTML)


def check_grafanaoncall(request: OutboundRequest, n: Notification) -> None:  # Grafana OnCall formatted webhook
    body = request.json_body()
    assert body["state"] == ("ok" if n.resolved else "alerting")
    assert body["title"] and 1 <= len(body["alert_uid"]) <= 255
    bounded(body["title"], 1024)
    bounded(body["message"], 10_000)


def check_zulip(request: OutboundRequest, n: Notification) -> None:  # §20
    fields = form(request)
    assert fields["type"] in ("stream", "private") and fields["content"]
    assert len(fields["content"].encode()) <= 10_000
    if fields["type"] == "stream":
        assert 1 <= len(fields["topic"]) <= 60


def check_homeassistant(request: OutboundRequest, n: Notification) -> None:
    body = request.json_body()
    assert body["message"] and len(body["message"]) <= 4096 and len(body["title"]) <= 256


def check_signal(request: OutboundRequest, n: Notification) -> None:
    body = request.json_body()
    assert body["message"] and len(body["message"]) <= 4096
    assert body["text_mode"] == "normal"  # monitor text is never read as Signal's styled markup


def check_lark(request: OutboundRequest, n: Notification) -> None:  # the custom bot guide (adapters/lark.py)
    assert len(request.body) <= 20 * 1024
    body = request.json_body()
    post = body["content"]["post"]["zh_cn"]
    assert body["msg_type"] == "post" and post["title"]
    # Text and link tags only: Lark shows a text tag's words as written, so nothing needs escaping.
    assert all(item["tag"] in ("text", "a") for paragraph in post["content"] for item in paragraph)


def check_dingtalk(request: OutboundRequest, n: Notification) -> None:  # custom robot access (adapters/dingtalk.py)
    body = request.json_body()
    assert body["msgtype"] == "text"
    assert body["text"]["content"] and len(body["text"]["content"].encode()) <= 15_000


WECOM_FACT = re.compile(r'^> (.*): <font color="(?:info|comment|warning)">(.*)</font>$', re.MULTILINE)
WECOM_LINK = re.compile(r"^\[Open\]\(https?://[^\s()]+\)$", re.MULTILINE)


def check_wecom(request: OutboundRequest, n: Notification) -> None:  # group robot (adapters/wecom.py)
    body = request.json_body()
    content = body["markdown"]["content"]
    assert body["msgtype"] == "markdown" and content and len(content.encode()) <= 4096
    # Herald's own markup out (the headline's bold, the facts' quotes and colours, the link): what is left is
    # the user's text, whose markup characters must all be escaped outside the links WeCom finds by itself.
    assert content.startswith("**")
    end = content.find("**\n")
    text = content[2:end] + content[end + 2 :] if end > 0 else content[2:]
    text = WECOM_LINK.sub("", WECOM_FACT.sub(lambda m: f"{m[1]}\n{m[2]}", text))
    tail = "\n" + (render.recovery_line(n) or "\0")
    for part in re.split(r"https?://[^\s<>]+", text.replace(tail, "\n"))[::2]:
        assert not re.search(r"(?<!\\)(?:\\\\)*[*_~`|>#\[\]<]", part), part


def check_line(request: OutboundRequest, n: Notification) -> None:  # LINE push: text of 1-5000 UTF-16 units
    body = request.json_body()
    assert len(body["to"]) == 33 and body["to"][0] in "UCR"
    [message] = body["messages"]
    assert message["type"] == "text" and 1 <= utf16(message["text"]) <= 5000 and message["text"].strip()
    assert request.headers["X-Line-Retry-Key"]


def check_sendgrid(request: OutboundRequest, n: Notification) -> None:  # SendGrid v3 Mail Send
    body = request.json_body()
    assert 1 <= sum(len(p["to"]) for p in body["personalizations"]) <= 1000
    subject = body["subject"]
    assert len(subject) <= 998 and not any(char in subject for char in "\r\n")  # a header line (RFC 5322)
    [plain, rich] = body["content"]
    assert (plain["type"], rich["type"]) == ("text/plain", "text/html")  # SendGrid wants text/plain first
    escaped_outside(rich["value"], EMAIL_TAGS)


CHECKS: dict[str, Callable[[OutboundRequest, Notification], None]] = {
    "slack": check_slack,
    "discord": check_discord,
    "teams": check_teams,
    "googlechat": check_googlechat,
    "telegram": check_telegram,
    "pagerduty": check_pagerduty,
    "opsgenie": check_opsgenie,
    "pushover": check_pushover,
    "pushbullet": check_pushbullet,
    "onesignal": check_onesignal,
    "pusherbeams": check_pusherbeams,
    "ntfy": check_ntfy,
    "gotify": check_gotify,
    "matrix": check_matrix,
    "sms": check_sms,
    "voice": check_voice,
    "whatsapp": check_twilio_message,
    "webhook": check_webhook,
    "splunkoncall": check_splunkoncall,
    "incidentio": check_incidentio,
    "grafanaoncall": check_grafanaoncall,
    "zulip": check_zulip,
    "homeassistant": check_homeassistant,
    "signal": check_signal,
    "lark": check_lark,
    "dingtalk": check_dingtalk,
    "wecom": check_wecom,
    "mattermost": check_mattermost,
    "rocketchat": check_rocketchat,
    "webex": check_webex,
    "line": check_line,
    "sendgrid": check_sendgrid,
}


def ready_to_send(kind: str, data: dict[str, Any]) -> ChannelConfig:
    """The config as the sender holds it: validated, with what it leaves to provider settings filled in."""
    model = registry.get(kind).config_model
    config = model.model_validate(data)
    return model.model_validate(
        {**config.reveal(), **{name: STORED_CREDENTIALS[name] for name in config.missing_credentials()}}
    )


def test_every_http_kind_has_its_checks() -> None:
    http_kinds = {kind for kind, adapter in registry.ADAPTERS.items() if hasattr(adapter, "build_request")}
    assert set(CHECKS) == http_kinds


# Rendering long hostile text is the slow part: a quarter of the profile's examples per kind.
@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_any_notification_renders_within_the_services_limits_and_escaped(kind: str) -> None:
    adapter = registry.get(kind)

    @settings(max_examples=settings().max_examples // 4)
    @given(n=notifications, data=CONFIGS[kind])
    def renders(n: Notification, data: dict[str, Any]) -> None:
        config = ready_to_send(kind, data)
        if kind in ("sms", "voice") and config.provider() is None:
            return  # provider `aws` sends through the AWS SDK: see the test below
        assert isinstance(adapter, HttpAdapter | SmsAdapter | VoiceAdapter)
        request = adapter.build_request(n, config, CTX)
        CHECKS[kind](request, n)

    renders()


# What the properties found, kept as plain examples: each of these once broke its service's rules.
GOTIFY = {"serverUrl": "https://gotify.example", "appToken": "token"}
FOUND: list[tuple[str, dict[str, Any], Notification]] = [
    # the link's `">` ended the Markdown link and let `<script>` through as raw HTML
    ("gotify", GOTIFY, Notification(title="down", source_url='https://hooks.slack.com"><script>')),
    # indentation made a code block, where the escapes showed as written; `&lt;` showed as `<`
    ("gotify", GOTIFY, Notification(title="down", body="    \\<")),
    ("gotify", GOTIFY, Notification(title="down", body="a\n---\n1. b\n= c &lt;")),
    # control characters are six JSON bytes each: the APNs part went over 4 KB
    (
        "pusherbeams",
        {"instanceId": "abc", "secretKey": "key", "interests": ["ops"]},
        Notification(title="<", status="resolved", body="\x00" * 1024),
    ),
    # XML 1.0 cannot carry a control character, escaped or not: Twilio would refuse the TwiML
    (
        "voice",
        {
            "phoneNumber": "+14155550100",
            "provider": "twilio",
            **{k: STORED_CREDENTIALS[k] for k in ("accountSid", "authToken", "fromNumber")},
        },
        Notification(title="\x01 down"),
    ),
]


@pytest.mark.parametrize(("kind", "data", "n"), FOUND)
def test_what_the_properties_found_stays_fixed(kind: str, data: dict[str, Any], n: Notification) -> None:
    adapter = registry.get(kind)
    assert isinstance(adapter, HttpAdapter | VoiceAdapter)
    CHECKS[kind](adapter.build_request(n, ready_to_send(kind, data), CTX), n)


@settings(max_examples=settings().max_examples // 4)
@given(n=notifications, data=CONFIGS["email"])
def test_any_notification_makes_an_email_with_every_value_escaped(n: Notification, data: dict[str, Any]) -> None:
    params = build_email(n, ready_to_send("email", data), CTX)
    content = params["Content"]["Simple"]
    subject = content["Subject"]["Data"]
    assert len(subject) <= 998 and not any(char in subject for char in "\r\n")  # a header line (RFC 5322)
    escaped_outside(content["Body"]["Html"]["Data"], EMAIL_TAGS)


@settings(max_examples=settings().max_examples // 4)
@given(n=notifications)
@example(n=Notification(title="\x01 down"))
def test_any_notification_makes_well_formed_ssml_within_the_limit(n: Notification) -> None:  # §17c
    config = ready_to_send("voice", {"phoneNumber": "+14155550100", "originationIdentity": "pool-abc"})
    body = VoiceAdapter().build_voice_message(n, config)["MessageBody"]
    assert len(body) <= 6000
    ET.fromstring(body)


# Amazon SNS Publish (docs.aws.amazon.com/sns/latest/api/API_Publish.html): the message and its attributes at
# most 256 KB; a subject of fewer than 100 characters without line breaks or control characters.
SNS_MESSAGE_LIMIT = 262_144


@settings(max_examples=settings().max_examples // 4)
@given(n=notifications, data=CONFIGS["sns"])
@example(n=Notification(title="\x01 down\r\n" + "é" * 200, details={"blob": "x" * 300_000}), data=None)
def test_any_notification_makes_an_sns_publish_within_its_limits(n: Notification, data: dict[str, Any] | None) -> None:
    data = data or {
        "topicArn": "arn:aws:sns:eu-west-1:111122223333:alerts.fifo",
        "roleArn": "arn:aws:iam::111122223333:role/herald",
        "externalId": "ext-id",
    }
    params = SnsAdapter().build_publish(n, ready_to_send("sns", data), CTX)
    subject = params["Subject"]
    assert 0 < len(subject) < 100 and not re.search(r"[\x00-\x1f\x7f-\x9f]", subject)
    attributes = params["MessageAttributes"]
    assert len(attributes) <= 10 and all(a["StringValue"] for a in attributes.values())
    size = len(params["Message"].encode()) + sum(
        len(f"{name}{a['DataType']}{a['StringValue']}".encode()) for name, a in attributes.items()
    )
    assert size <= SNS_MESSAGE_LIMIT
    assert json.loads(params["Message"])["id"] == CTX.delivery_id
    fifo = data["topicArn"].endswith(".fifo")
    assert ("MessageGroupId" in params, params.get("MessageDeduplicationId")) == (
        fifo,
        CTX.delivery_id if fifo else None,
    )


# Amazon EventBridge PutEvents (docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html): an entry
# (Source, DetailType, Detail in UTF-8 bytes, 14 for Time) at most 256 KB; DetailType at most 128 characters.
@settings(max_examples=settings().max_examples // 4)
@given(n=notifications, data=CONFIGS["eventbridge"])
@example(
    n=Notification(title="down", body="ü" * 16_000, details={"blob": "x" * 300_000}),
    data={
        "eventBusArn": "arn:aws:events:eu-west-1:111122223333:event-bus/ops",
        "roleArn": "arn:aws:iam::111122223333:role/herald",
        "externalId": "ext-id",
    },
)
def test_any_notification_makes_an_eventbridge_entry_within_its_limits(n: Notification, data: dict[str, Any]) -> None:
    [entry] = EventBridgeAdapter().build_put_events(n, ready_to_send("eventbridge", data), CTX)["Entries"]
    size = sum(len(entry[name].encode()) for name in ("Source", "DetailType", "Detail")) + 14
    assert size <= 262_144
    assert entry["DetailType"] == n.event[:128] and entry["Time"] == iso(n.occurred_at)
    detail = json.loads(entry["Detail"])
    assert isinstance(detail, dict) and detail["event"] == n.event
    assert detail["details"] == ({} if detail.get("detailsOmitted") else n.details)
