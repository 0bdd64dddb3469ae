"""Issue 3 proof, through the API handler against moto: channels CRUD for every kind, seeds, errors."""

from __future__ import annotations

import copy

import pytest

from herald.adapters import registry
from herald.auth import service as auth
from herald.channels import service as channels
from tests.support.samples import KINDS, REQUIRED, SAMPLES, secret
from tests.support.seeds import ALL_BODIES, EXPECTED_KIND

PLACEHOLDER = "••••••••"


@pytest.fixture
def admin(aws):
    return auth.create_api_key("acme", "admin", "admin").key


@pytest.fixture
def editor(aws):
    return auth.create_api_key("acme", "editor", "editor").key


def create(api, key, kind, config=None, **extra):
    reply = api.post("/v1/channels", key=key, body={"kind": kind, "config": config or SAMPLES[kind], **extra})
    assert reply.status == 201, reply.text
    return reply.json


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_created_read_listed_patched_replaced_and_deleted(api, editor, kind):
    created = create(api, editor, kind, name=f"my {kind}")
    channel_id = created["id"]
    assert created["kind"] == kind
    assert created["configSummary"]
    for field in [f for f, v in created["config"].items() if v == PLACEHOLDER]:
        assert field in api.get("/v1/kinds", key=editor).json["data"][KINDS.index(kind)]["secretFields"]

    read = api.get(f"/v1/channels/{channel_id}", key=editor)
    assert read.status == 200
    assert read.json == created

    listed = api.get("/v1/channels", key=editor, query={"kind": kind})
    assert [c["id"] for c in listed.json["data"]] == [channel_id]

    patched = api.patch(f"/v1/channels/{channel_id}", key=editor, body={"name": "renamed", "enabled": False})
    assert patched.status == 200, patched.text
    assert (patched.json["name"], patched.json["enabled"]) == ("renamed", False)
    assert patched.json["config"] == created["config"]

    replaced = api.put(f"/v1/channels/{channel_id}", key=editor, body={"config": SAMPLES[kind]})
    assert replaced.status == 200, replaced.text
    assert replaced.json["enabled"] is True
    assert replaced.json["updatedAt"] >= created["updatedAt"]

    assert api.delete(f"/v1/channels/{channel_id}", key=editor).status == 204
    assert api.get(f"/v1/channels/{channel_id}", key=editor).status == 404


@pytest.mark.parametrize("body", ALL_BODIES, ids=lambda b: f"{b.get('type') or b.get('kind')}")
def test_every_seed_body_is_accepted_as_it_is(api, editor, body):
    reply = api.post("/v1/channels", key=editor, body=body)
    assert reply.status == 201, reply.text
    given = (body.get("type") or body.get("kind")).lower()
    assert reply.json["kind"] == EXPECTED_KIND.get(given, given)


@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_required_field_is_422_naming_it(api, editor, kind):
    field, message = REQUIRED[kind]
    config = {k: v for k, v in SAMPLES[kind].items() if k != field}
    reply = api.post("/v1/channels", key=editor, body={"kind": kind, "config": config})
    assert reply.status == 422, reply.text
    assert reply.json["code"] == "validation_failed"
    named = {d["field"]: d["message"] for d in reply.json["details"]}
    assert f"config.{field}" in named
    assert message in named[f"config.{field}"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("not json", 400, "invalid_json"),
        ("[1, 2]", 400, "invalid_body"),
        ('{"kind": "carrier-pigeon", "config": {}}', 400, "unknown_kind"),
        ('{"kind": "slack"}', 422, "validation_failed"),
        ('{"kind": "slack", "config": {"webhookUrl": "http://hooks.slack.com/x"}}', 422, "validation_failed"),
        ('{"kind": "sms", "config": {"phoneNumber": "415-555-1234"}}', 422, "validation_failed"),
        (
            '{"kind": "slack", "enabled": "yes", "config": {"webhookUrl": "https://hooks.slack.com/x"}}',
            422,
            "validation_failed",
        ),
        (
            '{"kind": "slack", "events": ["monitor.exploded"], "config": {"webhookUrl": "https://hooks.slack.com/x"}}',
            422,
            "validation_failed",
        ),
    ],
)
def test_bad_bodies_get_the_json_error_shape(api, editor, body, status, code):
    reply = api.post("/v1/channels", key=editor, raw_body=body)
    assert reply.status == status, reply.text
    assert reply.json["code"] == code
    assert reply.json["error"]


def test_phone_numbers_must_be_e164_with_the_seed_message(api, editor):
    reply = api.post("/v1/channels", key=editor, body={"type": "SMS", "config": {"phone_number": "(415) 555-1234"}})
    assert reply.status == 422
    assert reply.json["details"] == [{"field": "config.phoneNumber", "message": "Phone number must be in E.164 format"}]


def test_a_body_over_64_kib_is_413(api, editor):
    big = {"kind": "slack", "name": "x", "config": {"webhookUrl": "https://hooks.slack.com/x" + "a" * 70_000}}
    reply = api.post("/v1/channels", key=editor, body=big)
    assert reply.status == 413
    assert reply.json["code"] == "payload_too_large"


def test_patch_merges_config_and_the_placeholder_keeps_a_secret(api, editor):
    created = create(api, editor, "webhook")
    config = copy.deepcopy(created["config"])
    config["method"] = "PUT"
    reply = api.patch(f"/v1/channels/{created['id']}", key=editor, body={"config": config})
    assert reply.status == 200, reply.text
    assert reply.json["config"]["method"] == "PUT"
    assert reply.json["config"]["secret"] == PLACEHOLDER
    assert reply.json["config"]["headers"] == {"X-Token": PLACEHOLDER}


# Carried secrets (API.md §8): a new recipient at the same host keeps the stored secrets; a new host,
# provider account or region needs them sent again. Each case: (kind, config at creation, config change).
TWILIO_PHONE = SAMPLES["whatsapp"]  # a number with its own Twilio credentials: valid for sms and voice too
VONAGE_PHONE = {
    "phoneNumber": "+14155551234",
    "provider": "vonage",
    "apiKey": "a1b2c3d4",
    "apiSecret": secret("vonage"),
    "from": "Herald",
}
ANOTHER_SID = "AC" + "1" * 32
# signal's only secret is the optional login of a proxy in front of the API
SIGNAL_LOGIN = {**SAMPLES["signal"], "username": "herald", "password": secret("signal")}
SNS_FIFO = {**SAMPLES["sns"], "topicArn": "arn:aws:sns:eu-west-1:111122223333:herald-alerts.fifo"}

NEW_RECIPIENT = [
    pytest.param("telegram", SAMPLES["telegram"], {"chatId": "-100999"}, id="telegram-chatId"),
    pytest.param("telegram", SAMPLES["telegram"], {"messageThreadId": 42}, id="telegram-messageThreadId"),
    pytest.param("matrix", SAMPLES["matrix"], {"roomId": "!other:matrix.org"}, id="matrix-roomId"),
    pytest.param("ntfy", SAMPLES["ntfy"], {"topic": "herald-other"}, id="ntfy-topic"),
    pytest.param("sms", TWILIO_PHONE, {"phoneNumber": "+14155559876"}, id="sms-twilio-phoneNumber"),
    pytest.param("sms", VONAGE_PHONE, {"phoneNumber": "+14155559876"}, id="sms-vonage-phoneNumber"),
    pytest.param("voice", TWILIO_PHONE, {"phoneNumber": "+14155559876"}, id="voice-twilio-phoneNumber"),
    pytest.param("whatsapp", SAMPLES["whatsapp"], {"phoneNumber": "+14155559876"}, id="whatsapp-phoneNumber"),
    pytest.param("pushover", SAMPLES["pushover"], {"userKey": secret("pushover-user-2")}, id="pushover-userKey"),
    pytest.param("pushover", SAMPLES["pushover"], {"device": "pixel"}, id="pushover-device"),
    pytest.param("pushbullet", SAMPLES["pushbullet"], {"deviceIden": "ujpah72o0sjAoRtnM0jc"}, id="pushbullet-device"),
    pytest.param("pushbullet", SAMPLES["pushbullet"], {"channelTag": "herald-ops"}, id="pushbullet-channelTag"),
    pytest.param("onesignal", SAMPLES["onesignal"], {"segments": None, "externalIds": ["u-42"]}, id="onesignal"),
    pytest.param("pusherbeams", SAMPLES["pusherbeams"], {"interests": ["night-shift"]}, id="pusherbeams-interests"),
    pytest.param("opsgenie", SAMPLES["opsgenie"], {"responders": [{"type": "team", "name": "ops"}]}, id="opsgenie"),
    pytest.param("discord", SAMPLES["discord"], {"threadId": "1234567890123"}, id="discord-threadId"),
    pytest.param("splunkoncall", SAMPLES["splunkoncall"], {"routingKey": "payments"}, id="splunkoncall-routingKey"),
    pytest.param("zulip", SAMPLES["zulip"], {"stream": "night-shift", "topic": "db"}, id="zulip-stream"),
    pytest.param("homeassistant", SAMPLES["homeassistant"], {"service": "mobile_app_ipad"}, id="homeassistant-service"),
    pytest.param("signal", SIGNAL_LOGIN, {"recipients": ["+14155559876"]}, id="signal-recipients"),
    pytest.param("sns", SNS_FIFO, {"messageGroupId": "database"}, id="sns-messageGroupId"),
    pytest.param("eventbridge", SAMPLES["eventbridge"], {"source": "acme.herald"}, id="eventbridge-source"),
    pytest.param("mattermost", SAMPLES["mattermost"], {"channel": "@oncall"}, id="mattermost-channel"),
    pytest.param("rocketchat", SAMPLES["rocketchat"], {"channel": "#ops"}, id="rocketchat-channel"),
    pytest.param("webex", SAMPLES["webex"], {"roomId": "Y2lzY29zcGFyazovL3VzL1JPT00vb3RoZXI"}, id="webex-roomId"),
    pytest.param("line", SAMPLES["line"], {"to": "C" + "0f" * 16}, id="line-to"),
    pytest.param("sendgrid", SAMPLES["sendgrid"], {"addresses": ["night@example.com"]}, id="sendgrid-addresses"),
]

NEW_HOST = [
    pytest.param("webhook", SAMPLES["webhook"], {"url": "https://elsewhere.example.com/in"}, "url", id="webhook"),
    pytest.param("gotify", SAMPLES["gotify"], {"serverUrl": "https://gotify.elsewhere.example"}, "serverUrl"),
    pytest.param(
        "matrix", SAMPLES["matrix"], {"homeserverUrl": "https://matrix.elsewhere.example"}, "homeserverUrl", id="matrix"
    ),
    pytest.param("ntfy", SAMPLES["ntfy"], {"serverUrl": "https://ntfy.elsewhere.example"}, "serverUrl", id="ntfy"),
    pytest.param("ntfy", SAMPLES["ntfy"], {"serverUrl": "https://ntfy.sh:8443"}, "serverUrl", id="ntfy-port"),
    pytest.param(
        "ntfy",
        SAMPLES["ntfy"],
        {"serverUrl": "https://ntfy.elsewhere.example", "topic": "herald-other"},
        "serverUrl",
        id="ntfy-topic-and-server",
    ),
    pytest.param("pagerduty", SAMPLES["pagerduty"], {"region": "us"}, "region", id="pagerduty"),
    pytest.param("opsgenie", SAMPLES["opsgenie"], {"region": "eu"}, "region", id="opsgenie"),
    pytest.param("pusherbeams", SAMPLES["pusherbeams"], {"instanceId": "another-instance"}, "instanceId"),
    pytest.param("onesignal", SAMPLES["onesignal"], {"appId": "6f0b8d1e-54a1-4c4e-9a43-2b9f3c1d7e10"}, "appId"),
    pytest.param("sms", TWILIO_PHONE, {"accountSid": ANOTHER_SID}, "accountSid", id="sms-twilio"),
    pytest.param("sms", VONAGE_PHONE, {"apiKey": "e5f6a7b8"}, "apiKey", id="sms-vonage"),
    pytest.param("voice", TWILIO_PHONE, {"accountSid": ANOTHER_SID}, "accountSid", id="voice-twilio"),
    pytest.param(
        "whatsapp",
        SAMPLES["whatsapp"],
        {"accountSid": ANOTHER_SID, "phoneNumber": "+14155559876"},
        "accountSid",
        id="whatsapp-account-and-number",
    ),
    pytest.param(
        "incidentio", SAMPLES["incidentio"], {"alertSourceConfigId": "01HX0ANOTHERSOURCE"}, "alertSourceConfigId"
    ),
    pytest.param("zulip", SAMPLES["zulip"], {"serverUrl": "https://zulip.elsewhere.example"}, "serverUrl", id="zulip"),
    pytest.param("zulip", SAMPLES["zulip"], {"botEmail": "other-bot@acme.zulipchat.com"}, "botEmail", id="zulip-bot"),
    pytest.param(
        "homeassistant",
        SAMPLES["homeassistant"],
        {"serverUrl": "https://ha.elsewhere.example"},
        "serverUrl",
        id="homeassistant",
    ),
    pytest.param("signal", SIGNAL_LOGIN, {"serverUrl": "https://signal.elsewhere.example"}, "serverUrl", id="signal"),
    pytest.param("signal", SIGNAL_LOGIN, {"number": "+14155550199"}, "number", id="signal-number"),
    pytest.param(
        "sns", SAMPLES["sns"], {"topicArn": "arn:aws:sns:eu-west-1:444455556666:alerts"}, "topicArn", id="sns-topic"
    ),
    pytest.param("sns", SAMPLES["sns"], {"roleArn": "arn:aws:iam::444455556666:role/herald"}, "roleArn", id="sns-role"),
    pytest.param(
        "eventbridge",
        SAMPLES["eventbridge"],
        {"eventBusArn": "arn:aws:events:eu-west-1:444455556666:event-bus/ops"},
        "eventBusArn",
        id="eventbridge-bus",
    ),
    pytest.param(
        "lark", SAMPLES["lark"], {"webhookUrl": "https://open.larksuite.com/open-apis/bot/v2/hook/other"}, "webhookUrl"
    ),
    pytest.param(
        "dingtalk",
        SAMPLES["dingtalk"],
        {"webhookUrl": "https://oapi.dingtalk.com/robot/send?access_token=another-robot"},
        "webhookUrl",
    ),
    pytest.param("sendgrid", SAMPLES["sendgrid"], {"region": "eu"}, "region", id="sendgrid"),
]


def stored_config(channel_id):
    """The channel's config as Herald decrypts it for sending."""
    return channels.load_channel("acme", channel_id).config.reveal()


def untouched_secrets(kind, config, change):
    """camelCase secret fields set at creation that `change` does not send again."""
    return [name for name in registry.get(kind).config_model.secret_fields() if name in config and name not in change]


def update(api, key, method, created, change):
    """PATCH only `change`, or PUT the redacted config read back with `change` applied (nulls removed)."""
    if method == "patch":
        return api.patch(f"/v1/channels/{created['id']}", key=key, body={"config": change})
    body = {k: v for k, v in {**created["config"], **change}.items() if v is not None}
    return api.put(f"/v1/channels/{created['id']}", key=key, body={"config": body})


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize(("kind", "config", "change"), NEW_RECIPIENT)
def test_a_new_recipient_at_the_same_host_keeps_the_stored_secrets(api, editor, kind, config, change, method):
    created = create(api, editor, kind, config)
    kept = untouched_secrets(kind, config, change)
    assert kept, "a case must leave a stored secret to carry"

    reply = update(api, editor, method, created, change)

    assert reply.status == 200, reply.text
    stored = stored_config(created["id"])
    assert {name: stored[name] for name in kept} == {name: config[name] for name in kept}
    assert {name: stored.get(name) for name in change} == change  # and the update was not a no-op


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize(("kind", "config", "change", "host_field"), NEW_HOST)
def test_a_stored_secret_never_follows_a_channel_to_a_new_host(api, editor, kind, config, change, host_field, method):
    created = create(api, editor, kind, config)
    refused = untouched_secrets(kind, config, change)
    assert refused, "a case must leave a stored secret to carry"
    before = stored_config(created["id"])

    reply = update(api, editor, method, created, change)

    assert reply.status == 422, reply.text
    assert set(reply.json) == {"error", "code", "details"}
    assert reply.json["code"] == "validation_failed"
    assert sorted(d["field"].split(".")[1] for d in reply.json["details"]) == sorted(refused)
    assert all(f"({host_field})" in d["message"] for d in reply.json["details"]), reply.json
    assert stored_config(created["id"]) == before  # nothing was written


def test_secrets_sent_again_go_to_the_new_host(api, editor):
    created = create(api, editor, "ntfy")
    change = {"serverUrl": "https://ntfy.elsewhere.example", "accessToken": secret("ntfy-elsewhere")}
    reply = api.patch(f"/v1/channels/{created['id']}", key=editor, body={"config": change})
    assert reply.status == 200, reply.text
    assert reply.json["config"]["accessToken"] == PLACEHOLDER
    assert stored_config(created["id"])["accessToken"] == secret("ntfy-elsewhere")


def test_put_replaces_the_whole_config_the_pixomonitor_way(api, editor):
    created = create(api, editor, "slack", name="named")
    reply = api.put(
        f"/v1/channels/{created['id']}",
        key=editor,
        body={"config": {"webhookUrl": "https://hooks.slack.com/services/T00/B00/NEW-HOOK"}},
    )
    assert reply.status == 200, reply.text
    assert reply.json["name"] == "Slack"  # replaced: absent name takes the default
    assert reply.json["configSummary"] == "hooks.slack.com"


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"kind": "pigeon"},
        {"enabled": "maybe"},
        {"colour": "red"},
        {"nextToken": "garbage!"},
    ],
)
def test_bad_query_values_are_400_never_clamped(api, editor, query):
    reply = api.get("/v1/channels", key=editor, query=query)
    assert reply.status == 400, reply.text
    assert reply.json["code"] in ("invalid_query", "unknown_kind", "invalid_next_token")


def test_pagination_over_250_channels_returns_each_exactly_once_newest_first(api, editor):
    made = [create(api, editor, "ntfy", {"topic": f"t{i}"})["id"] for i in range(250)]
    seen: list[str] = []
    token = None
    for _ in range(10):
        query = {"limit": "100", **({"nextToken": token} if token else {})}
        page = api.get("/v1/channels", key=editor, query=query).json
        seen += [c["id"] for c in page["data"]]
        token = page["nextToken"]
        if token is None:
            break
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen)) == 250
    assert seen == sorted(seen, reverse=True)


def test_filters_by_enabled_page_through_all_matches(api, editor):
    ids = [create(api, editor, "ntfy", {"topic": f"t{i}"}, enabled=i % 3 == 0)["id"] for i in range(30)]
    enabled = {cid for i, cid in enumerate(ids) if i % 3 == 0}
    seen: list[str] = []
    token = None
    for _ in range(20):
        query = {"limit": "4", "enabled": "true", **({"nextToken": token} if token else {})}
        page = api.get("/v1/channels", key=editor, query=query).json
        seen += [c["id"] for c in page["data"]]
        token = page["nextToken"]
        if token is None:
            break
    assert set(seen) == enabled and len(seen) == len(enabled)


def test_kinds_lists_every_kind_with_schema_and_secret_fields(api, editor):
    data = api.get("/v1/kinds", key=editor).json["data"]
    by_kind = {entry["kind"]: entry for entry in data}
    assert set(by_kind) == set(KINDS)
    assert by_kind["slack"]["secretFields"] == ["webhookUrl"]
    assert "phone" in by_kind["voice"]["aliases"]
    assert by_kind["telegram"]["configSchema"]["type"] == "object"
