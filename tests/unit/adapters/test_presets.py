"""Webhook payload presets: one golden file per preset per event type, and the seeds' own bodies reproduced.

The golden files (tests/unit/adapters/golden/<payloadFormat>/<event>.json) come from preset_cases.py and were
reviewed against the seed documents; the seed round trips below check the parts the seeds pin down exactly.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from herald.adapters.base import RenderContext
from herald.adapters.webhook import PAYLOAD_FORMATS, WebhookAdapter, WebhookConfig
from herald.models.event import MonitoringEvent
from herald.models.notification import EVENT_TYPES, Notification
from herald.routing.render import to_notification
from tests.support import consumers, seeds
from tests.unit.adapters import preset_cases
from tests.unit.adapters.support import errors_of

ADAPTER = WebhookAdapter()
URL = "https://hooks.example.com/in"
# The fixed bodies of other products; `custom` is the user's own body template (tested below).
PRESETS = tuple(name for name in PAYLOAD_FORMATS if name not in ("herald", "custom"))
ALERTMANAGER_MESSAGE_KEYS = {
    "receiver",
    "status",
    "alerts",
    "groupLabels",
    "commonLabels",
    "commonAnnotations",
    "externalURL",
    "version",
    "groupKey",
    "truncatedAlerts",
}
ALERTMANAGER_ALERT_KEYS = {"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}


def config(**values: Any) -> WebhookConfig:
    return WebhookConfig.model_validate({"url": URL, **values})


def body_of(notification: Notification, payload_format: str) -> dict[str, Any]:
    request = ADAPTER.build_request(notification, config(payloadFormat=payload_format), preset_cases.CTX)
    return request.json_body()


def from_event(event: dict[str, Any]) -> Notification:
    return to_notification(MonitoringEvent.model_validate(event), downtime_seconds=None)


# --- golden files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("event", EVENT_TYPES)
@pytest.mark.parametrize("payload_format", PAYLOAD_FORMATS)
def test_given_each_event_when_rendered_with_a_preset_then_the_body_is_its_golden_file(
    payload_format: str, event: str
) -> None:
    expected = json.loads(preset_cases.golden_path(payload_format, event).read_text(encoding="utf-8"))

    assert preset_cases.body(payload_format, event) == expected


def test_the_golden_files_are_exactly_one_per_preset_and_event_type() -> None:
    on_disk = {(path.parent.name, path.stem) for path in preset_cases.GOLDEN.glob("*/*.json")}

    assert on_disk == {(name, event) for name in PAYLOAD_FORMATS for event in EVENT_TYPES}


# --- the seeds' own bodies ----------------------------------------------------------------------------------


def test_given_kamustatus_own_example_when_sent_as_kamustatus_then_the_body_is_the_seed_verbatim() -> None:
    # preset_cases makes its monitor.down event from this very example.
    assert body_of(preset_cases.notification("monitor.down"), "kamustatus") == seeds.KAMUSTATUS_WEBHOOK_PAYLOAD


def test_given_pixomonitor_own_example_when_sent_as_pixomonitor_then_the_body_is_the_seed_verbatim() -> None:
    seed = seeds.PIXOMONITOR_WEBHOOK_PAYLOAD
    event = {
        "type": "monitor.down",
        "monitor": seed["monitor"],
        "occurredAt": seed["checkedAt"],
        "details": {"error": seed["error"]},
    }

    assert body_of(from_event(event), "pixomonitor") == seed


def test_given_a_pixomonitor_recovery_then_status_is_up_with_no_error() -> None:
    event = {"type": "monitor.recovery", "monitor": seeds.PIXOMONITOR_WEBHOOK_PAYLOAD["monitor"]}

    body = body_of(from_event(event), "pixomonitor")

    assert (body["status"], body["error"]) == ("UP", None)


@pytest.mark.parametrize(
    "seed",
    [seeds.STATUSMATE_WEBHOOK_INCIDENT, seeds.STATUSMATE_WEBHOOK_MAINTENANCE, seeds.STATUSMATE_WEBHOOK_COMPONENT],
    ids=["incident", "maintenance", "component"],
)
def test_given_statusmate_own_body_when_relayed_as_statusmate_then_every_seed_field_comes_back(
    seed: dict[str, Any],
) -> None:
    body = body_of(from_event(seed), "statusmate")

    assert body["text"] == seed["text"]
    assert {key: body["meta"].get(key) for key in seed["meta"]} == seed["meta"]
    # The envelope's general members are there too, whatever the type.
    assert set(seeds.STATUSMATE_WEBHOOK_ENVELOPE["meta"]) <= set(body["meta"])


def test_given_a_monitor_down_and_its_recovery_as_statusmate_then_they_are_one_incident_created_then_finished() -> None:
    down = body_of(preset_cases.notification("monitor.down"), "statusmate")
    up = body_of(preset_cases.notification("monitor.recovery"), "statusmate")

    assert (down["meta"]["type"], up["meta"]["type"]) == ("incident_created", "incident_finished")
    assert down["meta"]["uuid"] == up["meta"]["uuid"]
    assert down["meta"]["title"] == up["meta"]["title"] == "My API"
    assert (down["meta"]["end_at"], up["meta"]["end_at"]) == (None, "2025-05-15T08:42:34+00:00")


def test_statusmate_counts_delivery_attempts_from_zero() -> None:
    notification = preset_cases.notification("incident.created")
    third_attempt = RenderContext(delivery_id="dlv_1", attempt=3, now=preset_cases.CTX.now)

    third = ADAPTER.build_request(notification, config(payloadFormat="statusmate"), third_attempt)

    assert third.json_body()["meta"]["delivery_attempt"] == 2


# --- Alertmanager -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("event", EVENT_TYPES)
def test_every_alertmanager_body_has_exactly_the_members_of_alertmanager_v4(event: str) -> None:
    body = preset_cases.body("alertmanager", event)

    assert set(body) == ALERTMANAGER_MESSAGE_KEYS
    assert [set(alert) for alert in body["alerts"]] == [ALERTMANAGER_ALERT_KEYS]
    assert body["version"] == "4"
    labels = body["alerts"][0]["labels"]
    assert body["groupLabels"].items() <= labels.items()
    assert all(isinstance(value, str) for value in [*labels.values(), *body["alerts"][0]["annotations"].values()])


def test_given_a_monitor_down_and_its_recovery_as_alertmanager_then_they_are_one_alert_firing_then_resolved() -> None:
    down = body_of(preset_cases.notification("monitor.down"), "alertmanager")
    up = body_of(preset_cases.notification("monitor.recovery"), "alertmanager")
    fired, resolved = down["alerts"][0], up["alerts"][0]

    assert (down["status"], up["status"]) == ("firing", "resolved")
    assert fired["fingerprint"] == resolved["fingerprint"]
    assert down["groupKey"] == up["groupKey"] == '{}:{alertname="MonitorDown", dedup_key="mon_abc123"}'
    assert fired["endsAt"] == "0001-01-01T00:00:00Z"
    # 754 s of downtime before the recovery at 08:42:34.
    assert (resolved["startsAt"], resolved["endsAt"]) == ("2025-05-15T08:30:00Z", "2025-05-15T08:42:34Z")


def test_alertmanager_fingerprints_are_16_hex_digits_of_the_dedup_key() -> None:
    body = body_of(preset_cases.notification("monitor.down"), "alertmanager")

    assert body["alerts"][0]["fingerprint"] == hashlib.sha256(b"mon_abc123").hexdigest()[:16]


# --- the config and the request -----------------------------------------------------------------------------


def test_given_no_payload_format_then_the_body_is_the_herald_body_byte_for_byte() -> None:
    notification = preset_cases.notification("monitor.down")

    plain = ADAPTER.build_request(notification, config(), preset_cases.CTX)
    named = ADAPTER.build_request(notification, config(payloadFormat="herald"), preset_cases.CTX)

    assert plain.body == named.body
    assert set(plain.json_body()) == {"id", "event", "timestamp", "attempt", "notification", "monitor", "details"}


@pytest.mark.parametrize("given", [{"payload_format": "alertmanager"}, {"payloadFormat": " AlertManager "}])
def test_payload_format_takes_either_spelling_and_any_case(given: dict[str, Any]) -> None:
    chosen = config(**given)

    assert chosen.payload_format == "alertmanager"
    assert chosen.redacted()["payloadFormat"] == "alertmanager"


@pytest.mark.parametrize("name", ["grafana", "jinja", "", 4])
def test_given_an_unknown_payload_format_then_the_error_names_the_field_and_the_allowed_values(name: Any) -> None:
    errors = errors_of(WebhookConfig, {"url": URL, "payloadFormat": name})

    assert errors == {
        "config.payloadFormat": "Webhook payload format must be one of "
        "herald, kamustatus, pixomonitor, statusmate, alertmanager, custom"
    }


# --- custom: the user's own JSON body -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"payloadFormat": "custom"}, "payloadFormat custom needs bodyTemplate, the JSON body to send"),
        ({"bodyTemplate": '{"a": 1}'}, "bodyTemplate is used only with payloadFormat custom"),
        ({"payloadFormat": "slack", "bodyTemplate": "{}"}, None),
    ],
)
def test_custom_and_its_body_template_come_together(given: dict[str, Any], message: str | None) -> None:
    errors = errors_of(WebhookConfig, {"url": URL, **given})

    if message is None:
        assert set(errors) == {"config.payloadFormat"}
    else:
        assert errors == {"config": message}


def test_given_no_rendered_custom_body_then_the_webhook_sends_heralds_own_body() -> None:
    """What a failed body template leaves: the sender records the error and the alert still goes out."""
    chosen = config(payloadFormat="custom", bodyTemplate='{"text": {{ notification.title }}}')
    down = preset_cases.notification("monitor.down")

    sent = ADAPTER.build_request(down, chosen, preset_cases.CTX).json_body()

    assert sent == preset_cases.body("herald", "monitor.down")


def test_given_a_rendered_custom_body_then_exactly_those_bytes_are_sent_and_signed() -> None:
    secret = "zq7SECRET-signing"
    chosen = config(payloadFormat="custom", bodyTemplate='{"text": {{ notification.title }}}', secret=secret)
    rendered = preset_cases.notification("monitor.down").with_custom_body(b'{"text": "My API is down"}')

    request = ADAPTER.build_request(rendered, chosen, preset_cases.CTX)

    assert request.body == b'{"text": "My API is down"}'
    assert (
        request.headers["X-Herald-Signature"]
        == f"sha256={hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()}"
    )


@pytest.mark.parametrize("payload_format", PRESETS)
def test_given_a_preset_with_a_secret_and_headers_then_both_apply_to_the_preset_body(payload_format: str) -> None:
    secret = "zq7SECRET-signing"
    chosen = config(payloadFormat=payload_format, secret=secret, headers={"Authorization": "Bearer t0k"})

    request = ADAPTER.build_request(preset_cases.notification("monitor.down"), chosen, preset_cases.CTX)

    assert request.json_body() == preset_cases.body(payload_format, "monitor.down")
    assert request.headers["Authorization"] == "Bearer t0k"
    plain = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Herald-Signature"] == f"sha256={plain}"
    timestamp = request.headers["webhook-timestamp"]
    timed = hmac.new(secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Herald-Signature-256"] == f"t={timestamp},v1={timed}"


def test_the_config_schema_lists_the_payload_formats() -> None:
    schema = WebhookConfig.model_json_schema(by_alias=True)["properties"]["payloadFormat"]

    assert [option.get("enum") for option in schema["anyOf"] if "enum" in option] == [list(PAYLOAD_FORMATS)]


# --- the consumers' strict models -----------------------------------------------------------------------------


@pytest.mark.parametrize("event", EVENT_TYPES)
@pytest.mark.parametrize("payload_format", PRESETS)
def test_every_golden_body_parses_as_its_products_consumers_read_it(payload_format: str, event: str) -> None:
    consumers.CONSUMERS[payload_format].model_validate_json(
        preset_cases.golden_path(payload_format, event).read_bytes()
    )


@pytest.mark.parametrize(
    ("model", "seed"),
    [
        (consumers.KamustatusPayload, seeds.KAMUSTATUS_WEBHOOK_PAYLOAD),
        (consumers.PixoMonitorPayload, seeds.PIXOMONITOR_WEBHOOK_PAYLOAD),
    ],
    ids=["kamustatus", "pixomonitor"],
)
def test_the_consumer_models_accept_the_seeds_own_examples(model: type[BaseModel], seed: dict[str, Any]) -> None:
    assert model.model_validate_json(json.dumps(seed)).model_dump() == seed


@pytest.mark.parametrize(
    ("payload_format", "change"),
    [
        ("kamustatus", lambda body: body.pop("timestamp")),
        ("pixomonitor", lambda body: body.update(status="down")),
        ("statusmate", lambda body: body["meta"].pop("affected_components")),
        ("alertmanager", lambda body: body["alerts"][0].update(endsAt="2026-05-15T08:30:00Z")),
        ("alertmanager", lambda body: body["alerts"][0]["labels"].update(severity=2)),
    ],
)
def test_the_consumer_models_refuse_a_body_their_consumers_could_not_read(
    payload_format: str, change: Callable[[dict[str, Any]], Any]
) -> None:
    body = preset_cases.body(payload_format, "monitor.down")
    change(body)

    with pytest.raises(ValidationError):
        consumers.CONSUMERS[payload_format].model_validate_json(json.dumps(body))
