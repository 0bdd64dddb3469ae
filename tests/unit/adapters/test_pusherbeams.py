"""Pusher Beams: publish to interests (PROVIDERS.md section 11)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from herald.adapters.pusherbeams import PusherBeamsAdapter, PusherBeamsConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from tests.unit.adapters import support
from tests.unit.adapters.support import brief_notification as notification
from tests.unit.adapters.support import ctx
from tests.unit.adapters.support import json_response as response

ADAPTER = PusherBeamsAdapter()
INSTANCE = "8f9a6e22-2483-49aa-8552-125f1a4c5781"
PATH = f"/publish_api/v1/instances/{INSTANCE}/publishes/interests"


def config(**values: Any) -> PusherBeamsConfig:
    return PusherBeamsConfig.model_validate(
        {"instanceId": INSTANCE, "secretKey": "SECRETKEY123", "interests": ["oncall"], **values}
    )


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instance", "endpoints", "url"),
    [
        (INSTANCE, {}, f"https://{INSTANCE}.pushnotifications.pusher.com{PATH}"),
        (
            INSTANCE.upper(),
            {},
            f"https://{INSTANCE}.pushnotifications.pusher.com/publish_api/v1/instances/{INSTANCE.upper()}"
            "/publishes/interests",
        ),
        (INSTANCE, {"pusherbeams": "http://127.0.0.1:9000"}, f"http://127.0.0.1:9000{PATH}"),
        (INSTANCE, {"pusherbeams": "http://127.0.0.1:9000/beams/"}, f"http://127.0.0.1:9000/beams{PATH}"),
    ],
)
def test_url_has_the_instance_in_host_and_path_and_the_endpoint_replaces_the_host(
    instance: str, endpoints: dict[str, str], url: str
) -> None:
    request = ADAPTER.build_request(notification(), config(instanceId=instance), ctx(endpoints=endpoints))

    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Authorization"] == "Bearer SECRETKEY123"
    assert request.headers["Content-Type"] == "application/json"


def test_body_has_interests_and_the_three_platform_payloads_with_the_link() -> None:
    n = notification(source_url="https://status.example/alert/123", dedup_key="mon_1")

    body = ADAPTER.build_request(n, config(interests=["oncall", "db-team"]), ctx()).json_body()

    data = {
        "event": "custom",
        "severity": "critical",
        "status": "firing",
        "dedupKey": "mon_1",
        "url": "https://status.example/alert/123",
    }
    assert body == {
        "interests": ["oncall", "db-team"],
        "web": {
            "notification": {
                "title": "🔴 [CRITICAL] DB down",
                "body": "connection refused on db-1",
                "deep_link": "https://status.example/alert/123",
            },
            "data": data,
        },
        "fcm": {"notification": {"title": "🔴 [CRITICAL] DB down", "body": "connection refused on db-1"}, "data": data},
        "apns": {
            "aps": {"alert": {"title": "🔴 [CRITICAL] DB down", "body": "connection refused on db-1"}},
            "data": data,
        },
    }
    assert all(isinstance(value, str) for value in data.values())  # FCM data values must be strings


def test_without_a_link_there_is_no_deep_link() -> None:
    body = ADAPTER.build_request(notification(), config(), ctx()).json_body()

    assert "deep_link" not in body["web"]["notification"]
    assert "url" not in body["fcm"]["data"]


def test_resolved_says_it_recovered_with_the_downtime() -> None:
    n = notification(status="resolved", title="DB is back", body="", downtime_seconds=7200)

    body = ADAPTER.build_request(n, config(), ctx()).json_body()

    assert body["apns"]["aps"]["alert"] == {"title": "✅ RESOLVED: DB is back", "body": "Down for 2h."}
    assert body["fcm"]["data"]["status"] == "resolved"


def test_long_texts_are_cut_with_an_ellipsis() -> None:
    body = ADAPTER.build_request(notification(title="t" * 999, body="b" * 9999), config(), ctx()).json_body()
    alert = body["apns"]["aps"]["alert"]

    assert (len(alert["title"]), len(alert["body"])) == (256, 1024)
    assert alert["title"].endswith("…")
    assert alert["body"].endswith("…")


# --- the answer -------------------------------------------------------------------------------------------


def test_200_is_success_with_the_publish_id() -> None:
    receipt = ADAPTER.interpret(response(200, {"publishId": "pubid-33f3f68e-b0c5-438f-b50f-fae93f6c48df"}))

    assert (receipt.provider_message_id, receipt.http_status) == ("pubid-33f3f68e-b0c5-438f-b50f-fae93f6c48df", 200)


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "message", "retry_after"),
    [
        (
            401,
            {"error": "Unauthorized", "description": "Incorrect API Key"},
            {},
            PermanentDeliveryError,
            "Pusher Beams returned 401: Unauthorized: Incorrect API Key",
            None,
        ),
        (
            404,
            {"error": "Instance not found", "description": "Could not find instance"},
            {},
            PermanentDeliveryError,
            "Pusher Beams returned 404: Instance not found: Could not find instance",
            None,
        ),
        (
            422,
            {"error": "Unprocessable Entity", "description": "interest name too long"},
            {},
            PermanentDeliveryError,
            "Pusher Beams returned 422: Unprocessable Entity: interest name too long",
            None,
        ),
        (
            429,
            {"error": "Too Many Requests", "description": "rate limited"},
            {"Retry-After": "3"},
            RetryableDeliveryError,
            "Pusher Beams returned 429: Too Many Requests: rate limited",
            3.0,
        ),
        (500, None, {}, RetryableDeliveryError, "Pusher Beams returned 500: Internal Server Error", None),
        (202, {"publishId": "x"}, {}, PermanentDeliveryError, 'Pusher Beams returned 202: {"publishId": "x"}', None),
    ],
)
def test_errors_carry_beams_error_and_description(
    status: int, body: Any, headers: dict[str, str], error: type[Exception], message: str, retry_after: float | None
) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body, headers))

    assert raised.value.message == message  # type: ignore[attr-defined]
    assert raised.value.retry_after == retry_after  # type: ignore[attr-defined]


# --- the config -------------------------------------------------------------------------------------------


def test_snake_case_keys_are_accepted_and_answered_in_camel_case() -> None:
    parsed = PusherBeamsConfig.model_validate({"instance_id": INSTANCE, "secret_key": "s", "interests": ["a"]})

    assert parsed.reveal() == {"instanceId": INSTANCE, "secretKey": "s", "interests": ["a"]}


def messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(PusherBeamsConfig, body)


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("instanceId", "Pusher Beams instance ID is required"),
        ("secretKey", "Pusher Beams secret key is required"),
        ("interests", "At least one Pusher Beams interest is required"),
    ],
)
def test_each_missing_required_field_is_named(missing: str, message: str) -> None:
    body = {"instanceId": INSTANCE, "secretKey": "s", "interests": ["a"]}
    del body[missing]

    assert messages(body) == [(f"config.{missing}", message)]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"interests": []}, "config.interests", "at least 1"),
        ({"interests": [f"i{n}" for n in range(101)]}, "config.interests", "at most 100"),
        ({"interests": ["x" * 165]}, "config.interests.0", "at most 164"),
        ({"interests": ["has space"]}, "config.interests.0", "only contain letters, digits and _-=@,.;"),
        ({"interests": ["a/b"]}, "config.interests.0", "only contain"),
        ({"interests": [""]}, "config.interests.0", "at least 1"),
        ({"instanceId": "evil.example.com/x#"}, "config.instanceId", "Pusher Beams instance ID must be"),
        ({"instanceId": "a" * 64}, "config.instanceId", "Pusher Beams instance ID must be"),
        ({"instanceId": "-abc"}, "config.instanceId", "Pusher Beams instance ID must be"),
        ({"secretKey": ""}, "config.secretKey", "is required"),
    ],
)
def test_bad_configs_are_refused(values: dict[str, Any], field: str, words: str) -> None:
    found = messages({"instanceId": INSTANCE, "secretKey": "s", "interests": ["a"], **values})

    assert any(path == field and words in message for path, message in found), found


def test_every_interest_character_the_service_allows_is_accepted() -> None:
    interest = "Az09_-=@,.;" + "x" * 153

    assert config(interests=[interest]).interests == [interest]


def test_redacted_hides_the_key_and_reveal_round_trips() -> None:
    parsed = config(secretKey="zq7key")

    assert parsed.redacted() == {"instanceId": INSTANCE, "secretKey": "••••••••", "interests": ["oncall"]}
    assert "zq7" not in repr(parsed) + json.dumps(parsed.redacted())
    assert PusherBeamsConfig.model_validate(parsed.reveal()) == parsed
    assert PusherBeamsConfig.secret_fields() == ["secretKey"]


@pytest.mark.parametrize(
    ("interests", "summary"), [(["oncall"], "oncall"), (["oncall", "db", "web"], "oncall (+2 more)")]
)
def test_summary_names_the_interests(interests: list[str], summary: str) -> None:
    assert config(interests=interests).summary() == summary


def test_adapter_identity_and_schema() -> None:
    schema = PusherBeamsAdapter.config_model.model_json_schema(by_alias=True)

    assert (ADAPTER.kind, ADAPTER.display_name, ADAPTER.aliases) == ("pusherbeams", "Pusher Beams", ("pusher_beams",))
    assert schema["required"] == ["instanceId", "secretKey", "interests"]
    assert schema["properties"]["interests"]["maxItems"] == 100
