"""Lark (Feishu) custom bot: the webhook URL on Lark's hosts, a `post` message, the signature of the guide."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from herald.adapters.lark import BODY_BYTES_LIMIT, LarkAdapter, LarkConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from tests.unit.adapters.support import NOW, ctx, errors_of, notification
from tests.unit.adapters.support import json_response as response

ADAPTER = LarkAdapter()
HOOK = "https://open.feishu.cn/open-apis/bot/v2/hook/2b3c4d5e-0000-4f1a-9e8d-7c6b5a493827"


def config(**values: Any) -> LarkConfig:
    return LarkConfig.model_validate({"webhookUrl": HOOK, **values})


def documented_sign(timestamp: str, secret: str) -> str:
    # The guide's own Python: the key is "timestamp\nsecret" and the message is empty.
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", digestmod=hashlib.sha256).digest()).decode("utf-8")


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["webhookUrl", "webhook_url", "webhook", "url"])
def test_the_webhook_url_is_accepted_as_lark_users_name_it(spelling: str) -> None:
    cfg = LarkConfig.model_validate({spelling: HOOK})
    assert cfg.webhook_url.get_secret_value() == HOOK
    assert cfg.summary() == "open.feishu.cn"


def test_lark_outside_china_is_open_larksuite_com() -> None:
    cfg = config(webhookUrl="https://open.larksuite.com/open-apis/bot/v2/hook/abc")
    assert cfg.summary() == "open.larksuite.com"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/open-apis/bot/v2/hook/zq7id",  # another host would receive the hook id
        "https://open.feishu.cn.example.com/open-apis/bot/v2/hook/zq7id",
        "https://open.feishu.cn/open-apis/bot/v2/hook/",  # no hook id
        "https://open.feishu.cn/open-apis/bot/v2/hook/zq7id/extra",
        "https://open.feishu.cn/open-apis/im/v1/messages?zq7id",
        "https://open.feishu.cn:8443/open-apis/bot/v2/hook/zq7id",
    ],
)
def test_a_url_that_is_not_a_lark_bot_webhook_is_refused_without_echoing_it(url: str) -> None:
    errors = errors_of(LarkConfig, {"webhookUrl": url})
    assert list(errors) == ["config.webhookUrl"]
    assert "must be the robot's webhook URL" in errors["config.webhookUrl"]
    assert "https://open.feishu.cn/open-apis/bot/v2/hook/…" in errors["config.webhookUrl"]
    assert "zq7id" not in errors["config.webhookUrl"]


def test_the_secret_is_a_secret() -> None:
    assert LarkConfig.secret_fields() == ["webhookUrl", "secret"]
    assert config(secret="s3cr3t").redacted() == {"webhookUrl": "••••••••", "secret": "••••••••"}


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "url"),
    [
        ({}, HOOK),
        (
            {"lark": "http://127.0.0.1:9000/lark"},
            "http://127.0.0.1:9000/lark" + HOOK.removeprefix("https://open.feishu.cn"),
        ),
    ],
)
def test_posts_json_to_the_webhook_or_under_the_endpoint_override(endpoints: dict[str, str], url: str) -> None:
    request = ADAPTER.build_request(notification(), config(), ctx(endpoints=endpoints))
    assert (request.method, request.url, request.headers["Content-Type"]) == ("POST", url, "application/json")


def test_the_message_is_a_post_with_the_headline_text_lines_and_a_link() -> None:
    n = notification(body='line one\nline *two* <at user_id="all"></at>')
    body = ADAPTER.build_request(n, config(), ctx()).json_body()

    assert body["msg_type"] == "post"
    assert "timestamp" not in body and "sign" not in body  # no secret, no signature
    post = body["content"]["post"]["zh_cn"]
    assert post["title"] == "🔴 [CRITICAL] My API is down"
    texts = [paragraph[0]["text"] for paragraph in post["content"] if paragraph[0]["tag"] == "text"]
    # Text tags are plain text to Lark: what the monitor wrote arrives unchanged, nothing is escaped.
    assert texts[:2] == ["line one", 'line *two* <at user_id="all"></at>']
    assert {"Region: eu-west", "Monitor: My API", "Severity: critical"} <= set(texts)
    assert post["content"][-1] == [{"tag": "a", "text": "Open", "href": "https://status.example.com/m/1"}]


def test_a_resolved_alert_says_so_and_how_long_it_was_down() -> None:
    n = notification(status="resolved", downtime_seconds=3725)
    post = ADAPTER.build_request(n, config(), ctx()).json_body()["content"]["post"]["zh_cn"]
    assert post["title"].startswith("✅ RESOLVED: ")
    assert [{"tag": "text", "text": "Recovered after 1h 2m 5s of downtime."}] in post["content"]


def test_with_a_secret_the_body_carries_the_timestamp_and_the_documented_sign() -> None:
    body = ADAPTER.build_request(notification(), config(secret="qL8bW3xZ"), ctx()).json_body()

    assert body["timestamp"] == str(int(NOW.timestamp()))  # seconds
    assert body["sign"] == documented_sign(body["timestamp"], "qL8bW3xZ")
    assert body["sign"] != documented_sign(body["timestamp"], "another")


def test_a_huge_alert_stays_under_the_20_kb_body_limit() -> None:
    n = notification(body="x" * 16_000, fields=[{"label": f"f{i}", "value": "y" * 1000} for i in range(20)])
    request = ADAPTER.build_request(n, config(secret="s"), ctx())
    assert len(request.body) <= BODY_BYTES_LIMIT
    assert json.loads(request.body)["content"]["post"]["zh_cn"]["content"][0][0]["text"].endswith("…")


# --- the answer -------------------------------------------------------------------------------------------


def test_code_zero_is_success() -> None:
    receipt = ADAPTER.interpret(response(200, {"code": 0, "msg": "success", "data": {}}))
    assert receipt.http_status == 200


@pytest.mark.parametrize(
    ("status", "answer", "words"),
    [
        (
            200,
            {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"},
            "Lark returned 200: sign match fail or timestamp is not within one hour from current time (code 19021)",
        ),
        (200, {"code": 19024, "msg": "Key Words Not Found"}, "Lark returned 200: Key Words Not Found (code 19024)"),
        (400, {"code": 9499, "msg": "Bad Request", "data": {}}, "Lark returned 400: Bad Request (code 9499)"),
        (200, {"StatusCode": 0}, 'Lark returned 200: {"StatusCode": 0}'),  # no `code`: not a confirmation
    ],
)
def test_a_non_zero_code_fails_with_larks_words(status: int, answer: dict[str, Any], words: str) -> None:
    with pytest.raises(PermanentDeliveryError) as caught:
        ADAPTER.interpret(response(status, answer))
    assert caught.value.message == words


def test_frequency_limited_is_retried_a_minute_later() -> None:
    with pytest.raises(RetryableDeliveryError) as caught:
        ADAPTER.interpret(response(200, {"code": 11232, "msg": "frequency limited psm[lark.oapi.open_api]"}))
    assert caught.value.retry_after == 60.0
    assert "(code 11232)" in caught.value.message


def test_a_server_error_is_retried() -> None:
    with pytest.raises(RetryableDeliveryError):
        ADAPTER.interpret(response(503, b"upstream unavailable"))
