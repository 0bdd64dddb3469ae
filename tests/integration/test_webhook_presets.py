"""Issue 18 §5 through the API handler against moto: `payloadFormat` is validated, stored, shown and listed."""

from __future__ import annotations

import pytest

from herald.auth import service as auth

URL = "https://hooks.example.com/in"
ALLOWED = "herald, kamustatus, pixomonitor, statusmate, alertmanager, custom"


@pytest.fixture
def editor(aws):
    return auth.create_api_key("acme", "editor", "editor").key


def create(api, key, config):
    return api.post("/v1/channels", key=key, body={"kind": "webhook", "config": config})


@pytest.mark.parametrize("given", ["grafana", "jinja", "", ["alertmanager"]])
def test_given_an_unknown_payload_format_when_created_then_422_names_the_field_and_the_allowed_values(
    api, editor, given
):
    reply = create(api, editor, {"url": URL, "payloadFormat": given})

    assert reply.status == 422, reply.text
    assert reply.json["code"] == "validation_failed"
    assert {d["field"]: d["message"] for d in reply.json["details"]} == {
        "config.payloadFormat": f"Webhook payload format must be one of {ALLOWED}"
    }


def test_given_payload_format_in_snake_case_when_created_then_it_is_kept_and_shown_in_camel_case(api, editor):
    created = create(api, editor, {"url": URL, "payload_format": "StatusMate"})

    assert created.status == 201, created.text
    assert created.json["config"]["payloadFormat"] == "statusmate"
    assert api.get(f"/v1/channels/{created.json['id']}", key=editor).json["config"]["payloadFormat"] == "statusmate"


def test_given_a_webhook_without_payload_format_then_its_config_is_shown_as_before(api, editor):
    created = create(api, editor, {"url": URL})

    assert created.status == 201, created.text
    assert "payloadFormat" not in created.json["config"]


def test_given_a_patch_of_payload_format_only_then_the_stored_url_stays(api, editor):
    channel = create(api, editor, {"url": URL, "secret": "s3cret-signing"}).json["id"]

    patched = api.patch(f"/v1/channels/{channel}", key=editor, body={"config": {"payloadFormat": "alertmanager"}})

    assert patched.status == 200, patched.text
    assert patched.json["config"]["payloadFormat"] == "alertmanager"
    assert patched.json["configSummary"] == "hooks.example.com"


def test_kinds_lists_the_payload_formats_in_the_webhook_config_schema(api, editor):
    data = api.get("/v1/kinds", key=editor).json["data"]
    [webhook] = [entry for entry in data if entry["kind"] == "webhook"]

    field = webhook["configSchema"]["properties"]["payloadFormat"]
    assert [option["enum"] for option in field["anyOf"] if "enum" in option] == [ALLOWED.split(", ")]
