"""Every kind the API offers has an adapter, and `GET /v1/kinds` says what the contract says (API.md §4, §8).

The expected table is written from API.md section 4 (required fields in bold, `secret` fields), not derived from
the code: the API and the registry are both checked against it, and against each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests

from herald.adapters.registry import ADAPTERS
from tests.e2e.conftest import Stack
from tests.e2e.helpers import create_channel
from tests.e2e.test_delivery import Herald

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Kind:
    """One row of API.md section 4's table."""

    aliases: frozenset[str]
    required: frozenset[str]  # bold, less what a tenant may store once in provider settings (API.md §8)
    secrets: frozenset[str]


def kind(aliases: tuple[str, ...] = (), required: tuple[str, ...] = (), secrets: tuple[str, ...] = ()) -> Kind:
    return Kind(frozenset(aliases), frozenset(required), frozenset(secrets))


CONTRACT: dict[str, Kind] = {
    "email": kind(("ops_email",), ("addresses",)),
    "slack": kind((), ("webhookUrl",), ("webhookUrl",)),
    "discord": kind((), ("webhookUrl",), ("webhookUrl",)),
    "teams": kind((), ("webhookUrl",), ("webhookUrl",)),
    "googlechat": kind(("google_chat",), ("webhookUrl",), ("webhookUrl",)),
    "telegram": kind((), ("chatId",), ("botToken",)),  # botToken may come from the tenant's settings
    "pagerduty": kind((), ("integrationKey",), ("integrationKey",)),
    "opsgenie": kind((), ("apiKey",), ("apiKey",)),
    "webhook": kind((), ("url",), ("url", "headers", "secret")),
    "sms": kind((), ("phoneNumber",), ("authToken", "apiSecret")),
    "voice": kind(("phone",), ("phoneNumber",), ("authToken",)),
    "whatsapp": kind((), ("phoneNumber",), ("authToken",)),
    "pushover": kind((), ("userKey",), ("userKey", "appToken")),  # appToken may come from the tenant's settings
    "pushbullet": kind((), ("accessToken",), ("accessToken",)),
    "onesignal": kind((), ("appId", "apiKey"), ("apiKey",)),
    "pusherbeams": kind(("pusher_beams",), ("instanceId", "secretKey", "interests"), ("secretKey",)),
    "ntfy": kind((), ("topic",), ("accessToken", "password")),
    "gotify": kind((), ("serverUrl", "appToken"), ("appToken",)),
    "matrix": kind((), ("homeserverUrl", "roomId", "accessToken"), ("accessToken",)),
    "splunkoncall": kind(("victorops", "splunk_oncall"), ("apiKey", "routingKey"), ("apiKey",)),
    "incidentio": kind(("incident_io", "incident.io"), ("alertSourceConfigId", "token"), ("token",)),
    "grafanaoncall": kind(("grafana_oncall", "oncall"), ("webhookUrl",), ("webhookUrl",)),
    "zulip": kind((), ("serverUrl", "botEmail", "apiKey"), ("apiKey",)),
    "homeassistant": kind(("home_assistant", "hass"), ("serverUrl", "accessToken", "service"), ("accessToken",)),
    "signal": kind((), ("serverUrl", "number", "recipients"), ("password",)),
    "sns": kind(("amazon_sns", "aws_sns"), ("topicArn", "roleArn", "externalId"), ("externalId",)),
    "eventbridge": kind(
        ("amazon_eventbridge", "aws_eventbridge"), ("eventBusArn", "roleArn", "externalId"), ("externalId",)
    ),
    "lark": kind(("feishu",), ("webhookUrl",), ("webhookUrl", "secret")),
    "dingtalk": kind((), ("webhookUrl",), ("webhookUrl", "secret")),
    "wecom": kind(("wechatwork", "wework"), ("webhookUrl",), ("webhookUrl",)),
    "mattermost": kind((), ("webhookUrl",), ("webhookUrl",)),
    "rocketchat": kind(("rocket_chat",), ("webhookUrl",), ("webhookUrl",)),
    "webex": kind((), ("botToken",), ("botToken",)),
    "line": kind((), ("channelAccessToken", "to"), ("channelAccessToken",)),
    "sendgrid": kind((), ("addresses", "fromEmail", "apiKey"), ("apiKey",)),
}


@pytest.fixture(scope="module")
def listed(stack: Stack, http: requests.Session) -> dict[str, dict[str, Any]]:
    reply = Herald(stack, http).call("GET", "/v1/kinds")
    assert reply.status_code == 200, reply.text
    data = reply.json()["data"]
    by_kind = {entry["kind"]: entry for entry in data}
    assert len(by_kind) == len(data), "a kind is listed twice"
    return by_kind


def marks_write_only(schema: Any) -> bool:
    """True when the property's schema (or a branch of it: anyOf, additionalProperties) is a write-only secret."""
    if isinstance(schema, dict):
        if schema.get("writeOnly") is True:
            return True
        return any(marks_write_only(value) for value in schema.values())
    if isinstance(schema, list):
        return any(marks_write_only(item) for item in schema)
    return False


def test_the_api_lists_exactly_the_contracts_35_kinds_and_each_has_an_adapter(
    listed: dict[str, dict[str, Any]],
) -> None:
    assert set(listed) == set(CONTRACT)
    assert set(ADAPTERS) == set(CONTRACT)
    for name in listed:
        assert ADAPTERS[name].kind == name


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_each_kind_is_listed_with_its_aliases_schema_and_secret_fields(
    listed: dict[str, dict[str, Any]], name: str
) -> None:
    entry, expected, adapter = listed[name], CONTRACT[name], ADAPTERS[name]
    assert set(entry) == {"kind", "displayName", "aliases", "configSchema", "secretFields", "template"}

    assert entry["displayName"] == adapter.display_name and entry["displayName"]
    assert set(entry["aliases"]) == expected.aliases == set(adapter.aliases)
    assert set(entry["secretFields"]) == expected.secrets == set(adapter.config_model.secret_fields())

    schema = entry["configSchema"]
    assert schema["type"] == "object"
    assert set(schema.get("required", [])) == expected.required
    properties = schema["properties"]
    # Every secret is a property the client may send and is marked write-only: it is never read back.
    for secret in expected.secrets:
        assert marks_write_only(properties[secret]), f"{name}.{secret} is not marked writeOnly"
    # The schema speaks the wire's camelCase: no snake_case property names.
    assert all("_" not in prop for prop in properties), sorted(properties)


@pytest.mark.parametrize(
    ("alias", "config", "kind_name"),
    [
        pytest.param("phone", {"phoneNumber": "+14155551234"}, "voice", id="phone"),
        pytest.param("ops_email", {"address": "oncall@example.com"}, "email", id="ops_email"),
        pytest.param(
            "google_chat",
            {"webhookUrl": "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=k&token=t"},
            "googlechat",
            id="google_chat",
        ),
        pytest.param(
            "Pusher_Beams",
            {"instanceId": "8f9a6e3c-1b2d-4c5e-9f0a-123456789abc", "secretKey": "BEAMSSECRET", "interests": ["oncall"]},
            "pusherbeams",
            id="Pusher_Beams",
        ),
    ],
)
def test_a_channel_created_with_an_alias_is_stored_under_its_kind(
    stack: Stack, http: requests.Session, alias: str, config: dict[str, Any], kind_name: str
) -> None:
    herald = Herald(stack, http)

    channel = create_channel(herald, alias, config)

    assert herald.call("GET", f"/v1/channels/{channel}").json()["kind"] == kind_name
