"""Matrix adapter: the v3 send request (PROVIDERS.md §14), the homeserver's answers, and the config."""

from __future__ import annotations

import json
from typing import Any

import pytest

from herald.adapters.base import RenderContext
from herald.adapters.matrix import CONTENT_BYTES_LIMIT, MatrixAdapter, MatrixConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError, ValidationFailed
from herald.models.config import SECRET_PLACEHOLDER
from herald.models.notification import Notification
from herald.secrets import refuse_carried_secrets_on_new_host
from tests.support.seeds import ALL_BODIES
from tests.unit.adapters import support
from tests.unit.adapters.support import LATER, ctx, notification, response

ADAPTER = MatrixAdapter()
TOKEN = "syt_zq7SECRET-matrix-x9"
CTX = ctx("dlv_matrix1", now=LATER)
SEND = "/_matrix/client/v3/rooms/%21abc123%3Amatrix.org/send/m.room.message/"


def config(**values: Any) -> MatrixConfig:
    return MatrixConfig.model_validate(
        {"homeserverUrl": "https://matrix.org", "roomId": "!abc123:matrix.org", "accessToken": TOKEN, **values}
    )


def context(delivery_id: str = "dlv_matrix1", attempt: int = 1) -> RenderContext:
    return RenderContext(delivery_id=delivery_id, attempt=attempt, now=CTX.now)


def content(n: Notification) -> dict[str, Any]:
    return ADAPTER.build_request(n, config(), CTX).json_body()


# --- the request -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("homeserver", "base"),
    [
        ("https://matrix.org", "https://matrix.org"),
        ("https://matrix.org/", "https://matrix.org"),
        ("https://example.org:8448/matrix/", "https://example.org:8448/matrix"),
    ],
)
def test_it_puts_to_the_v3_send_path_with_the_room_id_percent_encoded(homeserver, base):
    request = ADAPTER.build_request(notification(), config(homeserverUrl=homeserver), CTX)

    assert request.method == "PUT"
    assert request.url == f"{base}{SEND}herald-dlv_matrix1"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert "access_token" not in request.url


def test_the_transaction_id_is_stable_across_retries_and_fresh_per_delivery():
    first = ADAPTER.build_request(notification(), config(), context("dlv_A", attempt=1)).url
    retry = ADAPTER.build_request(notification(), config(), context("dlv_A", attempt=4)).url
    other = ADAPTER.build_request(notification(), config(), context("dlv_B", attempt=1)).url

    assert first == retry
    assert first != other


def test_path_characters_in_ids_are_encoded_so_they_cannot_change_the_path():
    cfg = config(roomId="!room/../x?y#z:example.org")
    url = ADAPTER.build_request(notification(), cfg, context("dlv/../q?x")).url

    assert url == (
        "https://matrix.org/_matrix/client/v3/rooms/%21room%2F..%2Fx%3Fy%23z%3Aexample.org"
        "/send/m.room.message/herald-dlv%2F..%2Fq%3Fx"
    )


def test_an_endpoint_override_does_not_move_a_homeserver_from_the_config():
    ctx = RenderContext(delivery_id="dlv_matrix1", attempt=1, now=CTX.now, endpoints={"matrix": "http://127.0.0.1:9"})

    assert ADAPTER.build_request(notification(), config(), ctx).url.startswith("https://matrix.org/_matrix/")


def test_the_content_is_an_m_notice_with_plain_and_html_bodies():
    body = content(notification())

    assert body["msgtype"] == "m.notice"
    assert body["format"] == "org.matrix.custom.html"
    assert body["body"] == (
        "🔴 [CRITICAL] My API is down\nConnection timeout after 10000ms\nRegion: eu-west\nMonitor: My API\n"
        "URL: https://api.example.com\nSeverity: critical\nhttps://status.example.com/m/1"
    )
    assert body["formatted_body"] == (
        '<b><span data-mx-color="#E01E5A">🔴 [CRITICAL] My API is down</span></b>'
        "<p>Connection timeout after 10000ms</p>"
        "<ul><li><b>Region</b>: eu-west</li><li><b>Monitor</b>: My API</li>"
        "<li><b>URL</b>: https://api.example.com</li><li><b>Severity</b>: critical</li></ul>"
        '<a href="https://status.example.com/m/1">Open</a>'
    )


def test_user_text_is_escaped_in_the_html_body_only():
    n = notification(
        title="<img src=x>",
        body="a & b\n<script>",
        fields=[{"label": "<i>", "value": "\"q\" 'x'"}],
        source_url='https://s.example/?a=1&b="2"',
    )
    body = content(n)

    assert "<img src=x>" in body["body"]
    assert "&lt;img src=x&gt;" in body["formatted_body"]
    assert "<p>a &amp; b<br>&lt;script&gt;</p>" in body["formatted_body"]
    assert "<li><b>&lt;i&gt;</b>: \"q\" 'x'</li>" in body["formatted_body"]
    assert '<a href="https://s.example/?a=1&amp;b=&quot;2&quot;">Open</a>' in body["formatted_body"]
    assert "<script>" not in body["formatted_body"]


def test_given_a_resolved_notification_then_it_is_green_says_it_recovered_and_shows_the_downtime():
    body = content(notification(status="resolved", title="My API is up", downtime_seconds=7200))

    assert body["body"].startswith("✅ RESOLVED: My API is up\nConnection timeout after 10000ms\n")
    assert "Recovered after 2h of downtime." in body["body"]
    assert "Downtime: 2h" in body["body"]
    assert body["formatted_body"].startswith('<b><span data-mx-color="#2EB67D">✅ RESOLVED: My API is up</span></b>')


def test_without_a_usable_source_url_there_is_no_link():
    body = content(notification(source_url="not a link"))

    assert "<a " not in body["formatted_body"]
    assert "not a link" not in body["body"]


def test_given_the_largest_notification_then_the_content_fits_the_event_size_with_visible_cuts():
    n = notification(
        title="T" * 1024,
        body="😀" * 16384,
        fields=[{"label": "L" * 256, "value": "€" * 2048} for _ in range(25)],
    )
    request = ADAPTER.build_request(n, config(), CTX)
    body = request.json_body()

    assert len(request.body) <= CONTENT_BYTES_LIMIT
    assert "😀…" in body["body"]
    assert "€…" in body["formatted_body"]
    assert body["body"].startswith("🔴 [CRITICAL] TTT")


def test_a_long_body_that_fits_is_not_cut():
    body = content(notification(body="z" * 16384))

    assert "z" * 16384 in body["body"]
    assert "…" not in body["body"]


# --- the homeserver's answer -------------------------------------------------------------------------------------


def test_200_with_an_event_id_is_success_and_the_event_id_is_recorded():
    receipt = ADAPTER.interpret(response(200, '{"event_id": "$YUwRidLecu:example.com"}'))

    assert (receipt.http_status, receipt.provider_message_id) == (200, "$YUwRidLecu:example.com")


def test_200_without_an_event_id_is_not_a_delivery():
    with pytest.raises(PermanentDeliveryError):
        ADAPTER.interpret(response(200, "{}"))


@pytest.mark.parametrize(
    ("status", "text", "error", "words"),
    [
        (
            403,
            '{"errcode": "M_FORBIDDEN", "error": "User @bot:x is not in room"}',
            PermanentDeliveryError,
            "M_FORBIDDEN: User @bot:x is not in room",
        ),
        (401, '{"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token"}', PermanentDeliveryError, None),
        (413, '{"errcode": "M_TOO_LARGE", "error": "event too large"}', PermanentDeliveryError, None),
        (502, "upstream down", RetryableDeliveryError, "upstream down"),
    ],
)
def test_failures_carry_the_errcode_and_error(status, text, error, words):
    with pytest.raises(error) as caught:
        ADAPTER.interpret(response(status, text))

    expected = words or ": ".join(json.loads(text).values())
    assert caught.value.message == f"Matrix returned {status}: {expected}"


@pytest.mark.parametrize(
    ("headers", "text", "retry_after"),
    [
        ({"Retry-After": "3"}, '{"errcode": "M_LIMIT_EXCEEDED", "error": "Too many", "retry_after_ms": 9000}', 3.0),
        ({}, '{"errcode": "M_LIMIT_EXCEEDED", "error": "Too many", "retry_after_ms": 2500}', 2.5),
        ({}, '{"errcode": "M_LIMIT_EXCEEDED", "error": "Too many"}', None),
    ],
)
def test_429_m_limit_exceeded_is_retryable_after_retry_after_then_retry_after_ms(headers, text, retry_after):
    with pytest.raises(RetryableDeliveryError) as caught:
        ADAPTER.interpret(response(429, text, headers))

    assert caught.value.retry_after == retry_after
    assert caught.value.code == "rate_limited"
    assert "M_LIMIT_EXCEEDED: Too many" in caught.value.message


# --- the config --------------------------------------------------------------------------------------------------

SEED_CONFIGS = [seed["config"] for seed in ALL_BODIES if (seed.get("type") or seed.get("kind")).lower() == "matrix"]


def test_there_is_a_matrix_seed_body():
    assert len(SEED_CONFIGS) >= 1


@pytest.mark.parametrize("seed", SEED_CONFIGS)
def test_every_seed_body_is_accepted_as_it_is(seed):
    assert MatrixConfig.model_validate(seed).reveal() == seed


def test_snake_case_is_accepted_and_camel_case_is_returned():
    cfg = MatrixConfig.model_validate(
        {"homeserver_url": "https://matrix.org", "room_id": "!abc123:matrix.org", "access_token": TOKEN}
    )

    assert cfg.reveal() == {"homeserverUrl": "https://matrix.org", "roomId": "!abc123:matrix.org", "accessToken": TOKEN}


def errors_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(MatrixConfig, data)


FULL = {"homeserverUrl": "https://matrix.org", "roomId": "!abc123:matrix.org", "accessToken": TOKEN}


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("homeserverUrl", "Matrix homeserver URL is required"),
        ("roomId", "Matrix room ID is required"),
        ("accessToken", "Matrix access token is required"),
    ],
)
def test_each_missing_required_field_is_named(missing, message):
    data = {key: value for key, value in FULL.items() if key != missing}

    assert errors_of(data) == [(f"config.{missing}", message)]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"roomId": "#ops:matrix.org"}, "config.roomId", "Matrix room ID must be an internal room id"),
        ({"roomId": "abc123:matrix.org"}, "config.roomId", "Matrix room ID must be an internal room id"),
        ({"roomId": "!has space:matrix.org"}, "config.roomId", "Matrix room ID must be an internal room id"),
        ({"homeserverUrl": "http://matrix.org"}, "config.homeserverUrl", "Invalid server URL"),
        ({"homeserverUrl": "https://127.0.0.1:8008"}, "config.homeserverUrl", "Invalid server URL"),
        ({"homeserverUrl": "https://synapse.internal"}, "config.homeserverUrl", "Invalid server URL"),
        ({"accessToken": ""}, "config.accessToken", ""),
        ({"deviceId": "X"}, "config.deviceId", "Unknown field 'deviceId'"),
    ],
)
def test_bad_values_are_refused_on_their_field(values, field, message):
    [(where, text)] = errors_of({**FULL, **values})

    assert where == field
    assert text.startswith(message)
    assert TOKEN not in text


def test_room_ids_without_a_server_part_are_accepted():
    # Room version 12 ids are `!` and a hash, with no `:server` part.
    assert config(roomId="!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM").summary().startswith("!31hne")


def test_the_token_is_a_secret_it_is_redacted_and_reveal_round_trips():
    cfg = config()

    assert MatrixConfig.secret_fields() == ["accessToken"]
    assert cfg.redacted() == {
        "homeserverUrl": "https://matrix.org",
        "roomId": "!abc123:matrix.org",
        "accessToken": SECRET_PLACEHOLDER,
    }
    assert MatrixConfig.model_validate(cfg.reveal(), context={"stored": True}) == cfg
    assert TOKEN not in repr(cfg)


def test_the_summary_is_the_room_id():
    assert config().summary() == "!abc123:matrix.org"


def test_another_homeserver_is_a_new_host_but_another_room_on_it_is_not():
    # A stored token never follows a channel to another homeserver; another room there keeps it (API.md §8).
    before = config()
    with pytest.raises(ValidationFailed, match=r"changed \(homeserverUrl\): supply this secret again"):
        refuse_carried_secrets_on_new_host(before, config(homeserverUrl="https://evil.example"), ["config.accessToken"])
    refuse_carried_secrets_on_new_host(before, config(roomId="!other:matrix.org"), ["config.accessToken"])


def test_the_json_schema_uses_wire_names_and_marks_the_secret():
    schema = MatrixConfig.model_json_schema(by_alias=True)

    assert set(schema["required"]) == {"homeserverUrl", "roomId", "accessToken"}
    assert schema["properties"]["accessToken"]["writeOnly"] is True
    assert "writeOnly" not in schema["properties"]["homeserverUrl"]


def test_adapter_identity():
    assert (ADAPTER.kind, ADAPTER.display_name, ADAPTER.config_model) == ("matrix", "Matrix", MatrixConfig)
