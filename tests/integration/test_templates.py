"""Issue 18 points 1-3 and 6 through the handlers (moto): a channel's template is checked when it is written,
used on every delivery and on /test, and a template that fails at send time never costs the alert."""

from __future__ import annotations

import json

import pytest

from herald.adapters import registry
from herald.templates import VARIABLES
from tests.support.samples import SAMPLES

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
GOOD = {"title": "{{ monitor.name | upper }} on {{ channel.name }}", "body": "Region {{ details.region }}"}


def create(api, key, template, kind="slack", config=None):
    body = {"kind": kind, "name": "ops", "config": config or SAMPLES[kind], "template": template}
    return api.post("/v1/channels", key=key, body=body)


def webhook(api, key, receiver, template):
    reply = create(api, key, template, "webhook", {"url": receiver.url(), "secret": SECRET})
    assert reply.status == 201, reply.text
    return reply.json["id"]


def details_of(reply):
    assert reply.status == 422, reply.text
    assert reply.json["code"] == "validation_failed"
    return [(d["field"], d["message"]) for d in reply.json["details"]]


def emitted(capsys, name):
    """Values of the EMF metric `name` the sender printed to stdout."""
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return [value for blob in lines if name in blob for value in blob[name]]


# -- written -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "field", "words"),
    [
        ({"body": "ok\n  {{ monitor.name "}, "template.body", "line 2, column 3"),
        ({"title": "{{ secrets.token }}"}, "template.title", "line 1, column 4: unknown variable 'secrets'"),
        ({"body": "{{ config.webhookUrl }}"}, "template.body", "unknown variable 'config'"),
        ({"body": "x {{ monitor.name | exec }}"}, "template.body", "line 1, column 21: No filter named 'exec'"),
        ({"body": "{{ ''.__class__ }}"}, "template.body", "'__class__' is not allowed"),
        ({"body": "{{ cycler.__init__.__globals__ }}"}, "template.body", "is not allowed"),
        ({"fields": [{"label": "a", "value": "{{ nope }}"}]}, "template.fields.0.value", "unknown variable 'nope'"),
        ({"body": "b" * 17000}, "template.body", "16384"),
        ({"title": "t" * 9000, "body": "b" * 8000}, "template", "16 KiB"),
        ({"subject": "x"}, "template.subject", "Unknown field"),
    ],
)
def test_a_bad_template_is_a_422_naming_its_field(api, key, template, field, words):
    [(named, message)] = details_of(create(api, key, template))
    assert named == field
    assert words in message


def test_a_template_is_stored_shown_kept_by_a_patch_and_removed_by_null(api, key):
    created = create(api, key, GOOD)
    assert created.status == 201, created.text
    channel_id = created.json["id"]
    assert api.get(f"/v1/channels/{channel_id}", key=key).json["template"] == GOOD
    renamed = api.patch(f"/v1/channels/{channel_id}", key=key, body={"name": "renamed"})
    assert renamed.json["template"] == GOOD
    bad = api.patch(f"/v1/channels/{channel_id}", key=key, body={"template": {"body": "{% if %}"}})
    assert details_of(bad)[0][0] == "template.body"
    cleared = api.patch(f"/v1/channels/{channel_id}", key=key, body={"template": None})
    assert cleared.json["template"] is None
    assert api.get(f"/v1/channels/{channel_id}", key=key).json["template"] is None


def test_a_replace_without_a_template_drops_it(api, key):
    channel_id = create(api, key, GOOD).json["id"]
    replaced = api.put(f"/v1/channels/{channel_id}", key=key, body={"config": SAMPLES["slack"]})
    assert replaced.status == 200, replaced.text
    assert replaced.json["template"] is None


def test_kinds_say_every_kind_takes_a_template_with_its_markup_and_the_variables(api, key):
    kinds = {k["kind"]: k["template"] for k in api.get("/v1/kinds", key=key).json["data"]}
    assert set(kinds) == set(registry.ADAPTERS)
    assert all(t["supported"] and set(t["variables"]) == set(VARIABLES) for t in kinds.values())
    assert (kinds["slack"]["markup"], kinds["sms"]["markup"]) == ("Slack mrkdwn", "plain text")


# -- sent ------------------------------------------------------------------------------------------------


def test_each_delivery_is_worded_by_the_template(api, key, loopback_receiver, deliver):
    channel_id = webhook(api, key, loopback_receiver, GOOD)
    body = {"channelIds": [channel_id], "notification": {"title": "x", "monitor": {"name": "My API"}}}
    body["notification"]["details"] = {"region": "eu-west"}
    assert api.post("/v1/notifications", key=key, body=body).status == 202
    deliver()
    [arrival] = loopback_receiver.wait_for(1)
    sent = arrival.json()["notification"]
    assert (sent["title"], sent["body"]) == ("MY API on ops", "Region eu-west")


def test_a_template_failing_at_send_time_sends_herald_wording_and_records_why(
    api, key, loopback_receiver, deliver, capsys
):
    channel_id = webhook(api, key, loopback_receiver, GOOD)
    capsys.readouterr()
    body = {"channelIds": [channel_id], "notification": {"title": "Plain title", "body": "Plain body"}}
    sent = api.post("/v1/notifications", key=key, body=body)
    assert sent.status == 202, sent.text
    deliver()
    [arrival] = loopback_receiver.wait_for(1)
    assert (arrival.json()["notification"]["title"], arrival.json()["notification"]["body"]) == (
        "Plain title",
        "Plain body",
    )
    assert emitted(capsys, "TemplateErrors") == [1.0]
    delivery = api.get(f"/v1/deliveries/{sent.json['deliveries'][0]['deliveryId']}", key=key).json
    assert delivery["status"] == "delivered"
    [attempt] = delivery["attempts"]
    assert attempt["templateError"] == "template.body: 'dict object' has no attribute 'region'"


def test_the_test_message_uses_the_template(api, key, loopback_receiver):
    channel_id = webhook(api, key, loopback_receiver, {"title": "Test for {{ channel.name }} ({{ tenant.id }})"})
    reply = api.post(f"/v1/channels/{channel_id}/test", key=key)
    assert reply.status == 200, reply.text
    [arrival] = loopback_receiver.wait_for(1)
    assert arrival.json()["notification"]["title"] == "Test for ops (acme)"


# -- the custom webhook body (payloadFormat custom) ------------------------------------------------------------

CUSTOM = '{"text": {{ notification.title }}, "class": {{ details.statusCode // 100 }}, "channel": {{ channel.name }}}'


def custom_webhook(api, key, receiver, body_template):
    config = {"url": receiver.url(), "payloadFormat": "custom", "bodyTemplate": body_template}
    return api.post("/v1/channels", key=key, body={"kind": "webhook", "name": "ops", "config": config})


@pytest.mark.parametrize(
    ("body_template", "words"),
    [
        ('{"text": {{ notification.title }}', "does not render as JSON"),
        ("{{ ''.__class__ }}", "'__class__' is not allowed"),
        ('{"a": {{ cycler.__init__.__globals__ }}}', "is not allowed"),
        ('{"a": {{ config.url }}}', "unknown variable 'config'"),
        ("x" * 16385, "16384"),
    ],
)
def test_a_bad_custom_body_is_a_422_naming_config_body_template(api, key, loopback_receiver, body_template, words):
    [(field, message)] = details_of(custom_webhook(api, key, loopback_receiver, body_template))
    assert field == "config.bodyTemplate"
    assert words in message


def test_a_custom_body_is_sent_as_rendered_and_a_failing_one_sends_heralds_body(
    api, key, loopback_receiver, deliver, capsys
):
    created = custom_webhook(api, key, loopback_receiver, CUSTOM)
    assert created.status == 201, created.text
    channel_id = created.json["id"]
    assert created.json["config"]["bodyTemplate"] == CUSTOM
    notification = {"title": "Checkout down", "details": {"statusCode": 503}}
    assert api.post("/v1/notifications", key=key, body={"channelIds": [channel_id], "notification": notification})
    deliver()
    [arrival] = loopback_receiver.wait_for(1)
    assert arrival.json() == {"text": "Checkout down", "class": 5, "channel": "ops"}

    # No details.statusCode: the alert still goes out, in Herald's own body, and the attempt says why.
    capsys.readouterr()
    sent = api.post("/v1/notifications", key=key, body={"channelIds": [channel_id], "notification": {"title": "Bare"}})
    deliver()
    [_, fallback] = loopback_receiver.wait_for(2)
    assert fallback.json()["notification"]["title"] == "Bare"
    assert emitted(capsys, "TemplateErrors") == [1.0]
    [attempt] = api.get(f"/v1/deliveries/{sent.json['deliveries'][0]['deliveryId']}", key=key).json["attempts"]
    assert attempt["templateError"].startswith("config.bodyTemplate: ")


# -- preview renders templates as the sender does --------------------------------------------------------------


def test_a_channel_preview_renders_its_template_and_custom_body_and_sends_nothing(api, key, loopback_receiver):
    channel_id = custom_webhook(api, key, loopback_receiver, CUSTOM).json["id"]
    notification = {"title": "Checkout down", "details": {"statusCode": 503}}
    reply = api.post(f"/v1/channels/{channel_id}/preview", key=key, body={"notification": notification})
    assert reply.status == 200, reply.text
    [request] = reply.json["requests"]
    assert request["body"] == {"text": "Checkout down", "class": 5, "channel": "ops"}
    assert "templateError" not in reply.json
    assert loopback_receiver.arrivals == []


def test_a_preview_with_a_template_words_it_and_says_when_the_template_fails(api, key):
    body = {"kind": "slack", "config": {}, "template": {"title": "{{ monitor.name | upper }} ({{ channel.name }})"}}
    worded = api.post("/v1/preview", key=key, body={**body, "event": "monitor.down"})
    assert worded.status == 200, worded.text
    assert worded.json["notification"]["title"] == "CHECKOUT API (Preview)"  # the monitor.down sample
    regional = {**body, "template": {"title": "{{ details.region }}"}, "notification": {"title": "No details"}}
    failing = api.post("/v1/preview", key=key, body=regional)
    assert failing.status == 200, failing.text
    assert failing.json["notification"]["title"] == "No details"
    assert "template.title" in failing.json["templateError"]
    bad = api.post("/v1/preview", key=key, body={**body, "template": {"body": "{{ nope }}"}})
    [(field, message)] = details_of(bad)
    assert field == "template.body"
    assert "line 1, column 4: unknown variable 'nope'" in message
