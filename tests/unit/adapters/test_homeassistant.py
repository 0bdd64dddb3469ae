"""Home Assistant: POST {server}/api/services/notify/<service> with a long-lived token as Bearer."""

from __future__ import annotations

from typing import Any

import pytest

from herald.adapters.homeassistant import HomeAssistantAdapter, HomeAssistantConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from tests.unit.adapters.support import brief_notification, ctx, errors_of, response
from tests.unit.adapters.support import json_response as json_answer

ADAPTER = HomeAssistantAdapter()
CTX = ctx()
SERVER = "https://home.example.com:8123"
LINK = "https://status.example/a/1"
BASE = {"serverUrl": SERVER, "accessToken": "eyJ0.t0ken", "service": "mobile_app_pixel_8"}


def config(**values: Any) -> HomeAssistantConfig:
    return HomeAssistantConfig.model_validate({**BASE, **values})


# --- the config ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelled",
    [
        {"url": "https://home.example.com:8123", "token": "eyJ0.t0ken", "service": "notify.mobile_app_pixel_8"},
        {"base_url": "https://home.example.com:8123", "access_token": "eyJ0.t0ken", "notifier": "mobile_app_pixel_8"},
        {
            "serverUrl": "https://home.example.com:8123",
            "accessToken": "eyJ0.t0ken",
            "action": "notify.mobile_app_pixel_8",
        },
    ],
)
def test_home_assistant_spellings_are_accepted_and_the_notify_domain_is_implied(spelled: dict[str, str]) -> None:
    assert HomeAssistantConfig.model_validate(spelled) == config()


@pytest.mark.parametrize("service", ["light.turn_on", "Mobile App", "notify/phone", ""])
def test_the_service_must_be_a_notify_service_name(service: str) -> None:
    message = errors_of(HomeAssistantConfig, {**BASE, "service": service})["config.service"]

    assert "Home Assistant notify service must be a service name such as mobile_app_pixel_8" in message


def test_the_summary_names_the_server_and_service_never_the_token() -> None:
    assert config().summary() == "home.example.com notify.mobile_app_pixel_8"
    assert config().redacted()["accessToken"] == "••••••••"


# --- the request -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server", "url"),
    [
        ("https://home.example.com:8123", "https://home.example.com:8123/api/services/notify/mobile_app_pixel_8"),
        ("https://example.com/ha/", "https://example.com/ha/api/services/notify/mobile_app_pixel_8"),
    ],
)
def test_posts_the_service_data_with_the_token_as_bearer(server: str, url: str) -> None:
    request = ADAPTER.build_request(brief_notification(), config(serverUrl=server), CTX)

    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Authorization"] == "Bearer eyJ0.t0ken"
    assert request.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("n", "extra", "body"),
    [
        (brief_notification(), {}, {"title": "🔴 [CRITICAL] DB down", "message": "connection refused on db-1"}),
        (
            brief_notification(source_url=LINK, dedup_key="db-1"),
            {"target": ["living_room_tv"]},
            {
                "title": "🔴 [CRITICAL] DB down",
                "message": "connection refused on db-1",
                "target": ["living_room_tv"],
                "data": {
                    "clickAction": "https://status.example/a/1",
                    "url": "https://status.example/a/1",
                    "tag": "db-1",
                },
            },
        ),
        (
            brief_notification(status="resolved", title="DB is back", body="", downtime_seconds=125, dedup_key="db-1"),
            {},
            {"title": "✅ RESOLVED: DB is back", "message": "Down for 2m 5s.", "data": {"tag": "db-1"}},
        ),
        (Notification(title="Ping"), {}, {"title": "🔵 [INFO] Ping", "message": "Ping"}),
    ],
)
def test_the_service_data(n: Notification, extra: dict[str, Any], body: dict[str, Any]) -> None:
    assert ADAPTER.build_request(n, config(**extra), CTX).json_body() == body


def test_a_long_message_is_cut() -> None:
    body = ADAPTER.build_request(brief_notification(body="x" * 10_000), config(), CTX).json_body()

    assert len(body["message"]) == 4096 and body["message"].endswith("…")


# --- the answer -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("changed", [[], [{"entity_id": "sun.sun", "state": "below_horizon"}]])
def test_200_with_the_changed_states_is_a_delivery(changed: list[dict[str, str]]) -> None:
    assert ADAPTER.interpret(json_answer(200, changed)).http_status == 200


HA = "Home Assistant returned"


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (response(401, "401: Unauthorized"), PermanentDeliveryError, "Home Assistant returned 401: 401: Unauthorized"),
        (response(400, "400: Bad Request"), PermanentDeliveryError, "Home Assistant returned 400: 400: Bad Request"),
        (
            json_answer(400, {"message": "Data should be valid JSON."}),
            PermanentDeliveryError,
            "Home Assistant returned 400: Data should be valid JSON.",
        ),
        # A 200 page from a proxy's login is not Home Assistant's answer.
        (
            response(200, "<html>Log in</html>"),
            PermanentDeliveryError,
            "Home Assistant returned 200: <html>Log in</html>",
        ),
        (response(504, "Gateway Timeout"), RetryableDeliveryError, "Home Assistant returned 504: Gateway Timeout"),
        (
            response(429, "slow down", {"Retry-After": "7"}),
            RetryableDeliveryError,
            "Home Assistant returned 429: slow down",
        ),
    ],
)
def test_errors_carry_home_assistants_words(answer: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        ADAPTER.interpret(answer)

    assert str(caught.value) == message
