"""WeCom group robot: the webhook URL on qyapi.weixin.qq.com, one markdown message within 4096 bytes."""

from __future__ import annotations

from typing import Any

import pytest

from herald.adapters.wecom import CONTENT_BYTES_LIMIT, WeComAdapter, WeComConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from tests.unit.adapters.support import ctx, errors_of, notification
from tests.unit.adapters.support import json_response as response

ADAPTER = WeComAdapter()
KEY = "693a91f6-7b2c-4bc4-97a0-0ec2a1f5a7e3"
HOOK = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}"


def config(**values: Any) -> WeComConfig:
    return WeComConfig.model_validate({"webhookUrl": HOOK, **values})


def content_of(**values: Any) -> str:
    return str(ADAPTER.build_request(notification(**values), config(), ctx()).json_body()["markdown"]["content"])


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["webhookUrl", "webhook", "url"])
def test_the_webhook_url_is_accepted_as_wecom_users_name_it(spelling: str) -> None:
    cfg = WeComConfig.model_validate({spelling: HOOK})
    assert (cfg.webhook_url.get_secret_value(), cfg.summary()) == (HOOK, "qyapi.weixin.qq.com")
    assert cfg.redacted() == {"webhookUrl": "••••••••"}


@pytest.mark.parametrize(
    "url",
    [
        "https://qyapi.weixin.qq.com.example.com/cgi-bin/webhook/send?key=zq7key",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
        "https://qyapi.weixin.qq.com/cgi-bin/message/send?key=zq7key",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?access_token=zq7key",
    ],
)
def test_a_url_that_is_not_a_wecom_robot_webhook_is_refused_without_echoing_it(url: str) -> None:
    errors = errors_of(WeComConfig, {"webhookUrl": url})
    assert list(errors) == ["config.webhookUrl"]
    assert "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…" in errors["config.webhookUrl"]
    assert "zq7key" not in errors["config.webhookUrl"]


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "url"),
    [({}, HOOK), ({"wecom": "http://127.0.0.1:9/wecom"}, f"http://127.0.0.1:9/wecom/cgi-bin/webhook/send?key={KEY}")],
)
def test_posts_json_to_the_webhook_or_under_the_endpoint_override(endpoints: dict[str, str], url: str) -> None:
    request = ADAPTER.build_request(notification(), config(), ctx(endpoints=endpoints))
    assert (request.method, request.url, request.headers["Content-Type"]) == ("POST", url, "application/json")
    assert request.json_body()["msgtype"] == "markdown"


def test_the_markdown_has_a_bold_headline_the_body_coloured_facts_and_a_link() -> None:
    assert content_of().split("\n") == [
        "**🔴 \\[CRITICAL\\] My API is down**",
        "Connection timeout after 10000ms",
        '> Region: <font color="comment">eu-west</font>',
        '> Monitor: <font color="comment">My API</font>',
        '> URL: <font color="comment">https://api.example.com</font>',
        '> Severity: <font color="warning">critical</font>',
        "[Open](https://status.example.com/m/1)",
    ]


@pytest.mark.parametrize(
    ("values", "severity_line"),
    [
        ({"severity": "info"}, '> Severity: <font color="comment">info</font>'),
        ({"status": "resolved"}, '> Severity: <font color="info">critical</font>'),  # green once resolved
    ],
)
def test_the_severity_is_in_wecoms_colour(values: dict[str, Any], severity_line: str) -> None:
    assert severity_line in content_of(**values).split("\n")


def test_what_the_monitor_wrote_cannot_open_markup() -> None:
    fields = [{"label": "a_b", "value": "> q"}]
    content = content_of(title="*db* <font>", body="# not a heading [x](y) `z`", fields=fields)
    assert content.startswith("**🔴 \\[CRITICAL\\] \\*db\\* \\<font\\>**\n")
    assert "\\# not a heading \\[x\\](y) \\`z\\`" in content
    assert '> a\\_b: <font color="comment">\\> q</font>' in content


def test_the_content_fits_4096_bytes_of_utf8() -> None:
    content = content_of(body="告警" * 5_000, fields=[{"label": f"f{i}", "value": "值" * 400} for i in range(10)])
    assert len(content.encode()) <= CONTENT_BYTES_LIMIT
    assert content.startswith("**🔴 \\[CRITICAL\\] My API is down**\n")
    assert content.endswith("[Open](https://status.example.com/m/1)")  # the body gave way, not the link


# --- the answer -------------------------------------------------------------------------------------------


def test_errcode_zero_is_success() -> None:
    assert ADAPTER.interpret(response(200, {"errcode": 0, "errmsg": "ok"})).http_status == 200


def test_a_non_zero_errcode_fails_with_wecoms_words() -> None:
    answer = {"errcode": 93000, "errmsg": "invalid webhook url, hint: [1733210000_11_abc], from ip: 1.2.3.4"}
    with pytest.raises(PermanentDeliveryError) as caught:
        ADAPTER.interpret(response(200, answer))
    assert caught.value.message == (
        "WeCom returned 200: invalid webhook url, hint: [1733210000_11_abc], from ip: 1.2.3.4 (errcode 93000)"
    )


def test_the_frequency_limit_is_retried_a_minute_later() -> None:
    with pytest.raises(RetryableDeliveryError) as caught:
        ADAPTER.interpret(response(200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    assert (caught.value.retry_after, caught.value.message) == (
        60.0,
        "WeCom returned 200: api freq out of limit (errcode 45009)",
    )


def test_when_many_facts_outgrow_the_limit_whole_lines_are_kept_never_half_a_tag() -> None:
    fields = [{"label": f"{i}" + "<" * 90, "value": "<" * 200} for i in range(25)]  # labels are not cut
    content = content_of(body="<" * 3000, fields=fields)
    assert len(content.encode()) <= CONTENT_BYTES_LIMIT
    lines = content.split("\n")
    assert lines[-1] == "…"
    assert all(line.endswith("</font>") for line in lines if line.startswith("> "))
