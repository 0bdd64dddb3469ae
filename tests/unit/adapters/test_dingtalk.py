"""DingTalk custom robot: the webhook URL on oapi.dingtalk.com, a text message, `timestamp` + `sign` in the query."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest

from herald.adapters.dingtalk import CONTENT_BYTES_LIMIT, DingTalkAdapter, DingTalkConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from tests.unit.adapters.support import NOW, ctx, errors_of, notification
from tests.unit.adapters.support import json_response as response

ADAPTER = DingTalkAdapter()
TOKEN = "7f3a9c2e5b8d1f4a6c0e9b2d5f8a1c4e7b0d3f6a9c2e5b8d1f4a6c0e9b2d5f8a"
HOOK = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
SECRET = "SEC2f9a4c7e1b3d5f8a0c2e4b6d8f1a3c5e7b9d0f2a4c6e8b1d3f5a7c9e0b2d4f6a"


def config(**values: Any) -> DingTalkConfig:
    return DingTalkConfig.model_validate({"webhookUrl": HOOK, **values})


def documented_sign(timestamp: str, secret: str) -> str:
    # The page's own Python: HmacSHA256 keyed by the secret over "timestamp\nsecret", Base64, then URL-encoded.
    code = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256).digest()
    return quote_plus(base64.b64encode(code))


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["webhookUrl", "webhook", "url"])
def test_the_webhook_url_is_accepted_as_dingtalk_users_name_it(spelling: str) -> None:
    cfg = DingTalkConfig.model_validate({spelling: HOOK, "secret": SECRET})
    assert (cfg.webhook_url.get_secret_value(), cfg.summary()) == (HOOK, "oapi.dingtalk.com")
    assert cfg.redacted() == {"webhookUrl": "••••••••", "secret": "••••••••"}


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/robot/send?access_token=zq7tok",
        "https://oapi.dingtalk.com/robot/send",  # no token
        "https://oapi.dingtalk.com/robot/send?access_token=",
        "https://oapi.dingtalk.com/robot/sendx?access_token=zq7tok",
        "https://oapi.dingtalk.com/topapi/message?access_token=zq7tok",
    ],
)
def test_a_url_that_is_not_a_dingtalk_robot_webhook_is_refused_without_echoing_it(url: str) -> None:
    errors = errors_of(DingTalkConfig, {"webhookUrl": url})
    assert list(errors) == ["config.webhookUrl"]
    assert "https://oapi.dingtalk.com/robot/send?access_token=…" in errors["config.webhookUrl"]
    assert "zq7tok" not in errors["config.webhookUrl"]


# --- the request ------------------------------------------------------------------------------------------


def test_without_a_secret_the_url_is_the_webhook_as_given() -> None:
    request = ADAPTER.build_request(notification(), config(), ctx())
    assert (request.method, request.url, request.headers["Content-Type"]) == ("POST", HOOK, "application/json")


def test_the_endpoint_override_replaces_only_the_origin() -> None:
    request = ADAPTER.build_request(notification(), config(), ctx(endpoints={"dingtalk": "http://127.0.0.1:9/dt"}))
    assert request.url == f"http://127.0.0.1:9/dt/robot/send?access_token={TOKEN}"


def test_with_a_secret_the_query_carries_the_millisecond_timestamp_and_the_documented_sign() -> None:
    request = ADAPTER.build_request(notification(), config(secret=SECRET), ctx())

    url = urlsplit(request.url)
    assert url.path == "/robot/send"
    pairs = dict(pair.split("=", 1) for pair in url.query.split("&"))
    assert list(pairs) == ["access_token", "timestamp", "sign"]
    assert (pairs["access_token"], pairs["timestamp"]) == (TOKEN, str(int(NOW.timestamp() * 1000)))
    assert pairs["sign"] == documented_sign(pairs["timestamp"], SECRET)  # as sent: URL-encoded
    assert parse_qs(url.query)["sign"][0] != documented_sign(pairs["timestamp"], SECRET)  # '+', '/', '=' encoded


def test_the_message_is_plain_text_shown_as_written() -> None:
    n = notification(body="p99 > 2s on **checkout** [eu]")
    body = ADAPTER.build_request(n, config(), ctx()).json_body()

    assert body["msgtype"] == "text"
    lines = body["text"]["content"].split("\n")
    assert lines[:2] == ["🔴 [CRITICAL] My API is down", "p99 > 2s on **checkout** [eu]"]
    assert {"Region: eu-west", "Monitor: My API", "https://status.example.com/m/1"} <= set(lines)


def test_a_huge_alert_is_cut_to_the_byte_limit_with_a_visible_ellipsis() -> None:
    content = ADAPTER.build_request(notification(body="告警" * 8_000), config(), ctx()).json_body()["text"]["content"]
    assert len(content.encode()) <= CONTENT_BYTES_LIMIT
    assert content.endswith("…")


# --- the answer -------------------------------------------------------------------------------------------


def test_errcode_zero_is_success() -> None:
    assert ADAPTER.interpret(response(200, {"errcode": 0, "errmsg": "ok"})).http_status == 200


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (
            {
                "errcode": 310000,
                "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]",
            },
            "DingTalk returned 200: sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq] "
            "(errcode 310000)",
        ),
        (
            {"errcode": 300001, "errmsg": "token is not exist"},
            "DingTalk returned 200: token is not exist (errcode 300001)",
        ),
    ],
)
def test_a_non_zero_errcode_fails_with_dingtalks_words(answer: dict[str, Any], words: str) -> None:
    with pytest.raises(PermanentDeliveryError) as caught:
        ADAPTER.interpret(response(200, answer))
    assert caught.value.message == words


@pytest.mark.parametrize("code", [410100, 130101])
def test_sending_too_fast_is_retried_after_the_ten_minute_throttle(code: int) -> None:
    with pytest.raises(RetryableDeliveryError) as caught:
        ADAPTER.interpret(response(200, {"errcode": code, "errmsg": "send too fast"}))
    assert caught.value.retry_after == 600.0


def test_a_retry_after_header_wins_over_the_throttle_window() -> None:
    with pytest.raises(RetryableDeliveryError) as caught:
        ADAPTER.interpret(response(200, {"errcode": 410100, "errmsg": "send too fast"}, {"Retry-After": "30"}))
    assert caught.value.retry_after == 30.0
