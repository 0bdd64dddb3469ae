"""Issue 20's proof for the group-robot kinds lark, dingtalk and wecom, through the local stack.

Each channel holds the robot's webhook URL on the service's own host; the session stack moves that host to
`{providers.url}/<kind>` (HERALD_ENDPOINT_<KIND>, path and query kept), where a real HTTP receiver on 127.0.0.1
checks each request as the service would: method, path, the token in the URL, JSON body fields, and the
signature, recomputed here from the documented algorithm (not Herald's code) with the channel's secret.
For each kind: `/test` and a queued send both arrive signed and well formed, the channel reads back with its
secrets masked; the service's own refusal (a 200 with a non-zero code) becomes a 502 with its words.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import Received, Receiver
from tests.e2e.helpers import (
    TEST_TITLE,
    Answer,
    Herald,
    answering,
    arrived,
    content_type,
    create_channel,
    json_answer,
    wait_for_path,
)

pytestmark = pytest.mark.e2e

MASK = "••••••••"
LARK_HOOK = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
LARK_SECRET = "lkSecretE2e7Qw3Rt9Yp"
DINGTALK_TOKEN = "dtToken0a1b2c3d4e5f60718293a4b5c6d7e8f9"
DINGTALK_SECRET = "SECdtSecretE2e0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6"
WECOM_KEY = "wcKey-693a91f6-7b2c-4bc4-97a0-0ec2a1f5a7e3"
ONE_HOUR = 3600  # both signing services refuse a timestamp more than an hour from their clock


def matches(signature: str, expected: bytes) -> bool:
    return hmac.compare_digest(base64.b64decode(signature, validate=True), expected)


# ---- what each service checks


def check_lark(request: Received, title: str) -> None:
    assert (request.method, request.path) == ("POST", f"/lark/open-apis/bot/v2/hook/{LARK_HOOK}")
    assert content_type(request).startswith("application/json")
    body = request.json()
    # Signature verification: HMAC-SHA256 keyed by "timestamp\nsecret" over nothing, Base64; seconds.
    timestamp = body["timestamp"]
    assert isinstance(timestamp, str) and abs(int(timestamp) - request.at) < ONE_HOUR
    assert matches(body["sign"], hmac.new(f"{timestamp}\n{LARK_SECRET}".encode(), b"", hashlib.sha256).digest())
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert title in post["title"]
    assert all(item["tag"] in ("text", "a") and item.get("text") for line in post["content"] for item in line)


def check_dingtalk(request: Received, title: str) -> None:
    url = urlsplit(request.path)
    assert (request.method, url.path) == ("POST", "/dingtalk/robot/send")
    assert content_type(request).startswith("application/json")
    query = parse_qs(url.query, strict_parsing=True)
    assert set(query) == {"access_token", "timestamp", "sign"}
    assert query["access_token"] == [DINGTALK_TOKEN]
    # Signing: HMAC-SHA256 keyed by the secret over "timestamp\nsecret", Base64, URL-encoded; milliseconds.
    [timestamp], [sign] = query["timestamp"], query["sign"]
    assert abs(int(timestamp) / 1000 - request.at) < ONE_HOUR
    string_to_sign = f"{timestamp}\n{DINGTALK_SECRET}".encode()
    assert matches(sign, hmac.new(DINGTALK_SECRET.encode(), string_to_sign, hashlib.sha256).digest())
    body = request.json()
    assert body["msgtype"] == "text" and title in body["text"]["content"]


def check_wecom(request: Received, title: str) -> None:
    url = urlsplit(request.path)
    assert (request.method, url.path) == ("POST", "/wecom/cgi-bin/webhook/send")
    assert parse_qs(url.query, strict_parsing=True) == {"key": [WECOM_KEY]}
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    headline = content.split("\n")[0]
    assert headline.startswith("**") and headline.endswith("**") and title in headline
    assert "\\[" in headline  # Herald's own "[SEVERITY]" is escaped: WeCom must not read a link into it
    assert len(content.encode()) <= 4096


@dataclass(frozen=True)
class Robot:
    kind: str
    display: str
    config: dict[str, Any]
    ok: Answer
    check: Callable[[Received, str], None]
    host: str
    secrets: tuple[str, ...]

    @property
    def prefix(self) -> str:
        return f"/{self.kind}/"


LARK = Robot(
    "lark",
    "Lark",
    {"webhook": f"https://open.feishu.cn/open-apis/bot/v2/hook/{LARK_HOOK}", "secret": LARK_SECRET},
    json_answer(200, {"code": 0, "msg": "success", "data": {}}),
    check_lark,
    "open.feishu.cn",
    (LARK_HOOK, LARK_SECRET),
)
DINGTALK = Robot(
    "dingtalk",
    "DingTalk",
    {"webhookUrl": f"https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}", "secret": DINGTALK_SECRET},
    json_answer(200, {"errcode": 0, "errmsg": "ok"}),
    check_dingtalk,
    "oapi.dingtalk.com",
    (DINGTALK_TOKEN, DINGTALK_SECRET),
)
WECOM = Robot(
    "wecom",
    "WeCom",
    {"webhookUrl": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"},
    json_answer(200, {"errcode": 0, "errmsg": "ok"}),
    check_wecom,
    "qyapi.weixin.qq.com",
    (WECOM_KEY,),
)
ROBOTS = [pytest.param(robot, id=robot.kind) for robot in (LARK, DINGTALK, WECOM)]


def assert_no_secret(robot: Robot, text: str) -> None:
    leaked = [secret for secret in robot.secrets if secret in text]
    assert not leaked, f"{robot.kind} secret echoed: {leaked}"


@pytest.mark.parametrize("robot", ROBOTS)
def test_given_a_robot_when_tested_and_sent_to_then_both_arrive_as_the_service_checks_them_and_secrets_stay_masked(
    herald: Herald, provider: Receiver, robot: Robot
) -> None:
    channel = create_channel(herald, robot.kind, robot.config, name=f"e2e {robot.kind}")

    with answering(provider, [], then=robot.ok):
        tested = herald.call("POST", f"/v1/channels/{channel}/test")
        sent = herald.send([channel], title="Checkout API is down", dedupKey="mon_42")
        record = herald.settled(sent["deliveries"][0]["deliveryId"], timeout=30)
        test_request, send_request = wait_for_path(provider, robot.prefix, 2, timeout=10)

    assert tested.status_code == 200, tested.text
    assert (tested.json()["success"], tested.json()["detail"]) == (True, f"Test message sent to {robot.display}")
    robot.check(test_request, TEST_TITLE)
    assert record["status"] == "delivered", record
    assert [attempt["httpStatus"] for attempt in record["attempts"]] == [200]
    robot.check(send_request, "Checkout API is down")

    read = herald.call("GET", f"/v1/channels/{channel}")
    assert read.status_code == 200, read.text
    config = read.json()["config"]
    assert config == {"webhookUrl": MASK, **({"secret": MASK} if "secret" in robot.config else {})}
    assert read.json()["configSummary"] == robot.host
    assert_no_secret(robot, tested.text + json.dumps(record) + read.text)


@pytest.mark.parametrize(
    ("robot", "answer", "error"),
    [
        pytest.param(
            LARK,
            json_answer(200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}),
            "Lark returned 200: sign match fail or timestamp is not within one hour (code 19021)",
            id="lark-19021-sign",
        ),
        pytest.param(
            DINGTALK,
            json_answer(200, {"errcode": 310000, "errmsg": "keywords not in content"}),
            "DingTalk returned 200: keywords not in content (errcode 310000)",
            id="dingtalk-310000-keywords",
        ),
        pytest.param(
            WECOM,
            json_answer(200, {"errcode": 93000, "errmsg": "invalid webhook url, hint: [1733210000_11_8f3a]"}),
            "WeCom returned 200: invalid webhook url, hint: [1733210000_11_8f3a] (errcode 93000)",
            id="wecom-93000-invalid-url",
        ),
    ],
)
def test_given_the_service_refuses_in_a_200_when_tested_then_502_with_its_words_and_no_retry(
    herald: Herald, provider: Receiver, robot: Robot, answer: Answer, error: str
) -> None:
    channel = create_channel(herald, robot.kind, robot.config, name=f"e2e {robot.kind} refused")

    with answering(provider, [], then=answer):
        reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 502, reply.text
    body = reply.json()
    assert (body["success"], body["error"]) == (False, error)
    record = herald.delivery(body["deliveryId"])
    assert (record["status"], record["error"]) == ("failed", error)
    assert len(arrived(provider, robot.prefix)) == 1
    assert_no_secret(robot, reply.text + json.dumps(record))
