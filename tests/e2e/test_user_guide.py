"""docs/USER_GUIDE.md runs as written: every kind's block (create, test, send) against a fresh local stack.

The guide's placeholders are the shell variables of its "Before you start" block; this test sets them
(the API's address, the stack's admin key, each URL kind's URL on a local receiver) and runs every other
`sh` block with bash, unchanged. Each provider has a receiver of its own on 127.0.0.1 that answers as the
service does; fixed-host providers are pointed at theirs with HERALD_ENDPOINT_<KIND>. A `curl` shim first
on PATH runs the real curl and notes each status code, so the guide's own commands (piped into jq, as a
reader runs them) are what is checked: create 201, test 200, send 202, and the provider (for e-mail and
SMS, the AWS emulator) got both the test and the send.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import ROOT, Receiver, Stack, start_stack, wait_until
from tests.support.customer_account import EXTERNAL_ID, ROLE_ARN, CustomerAccount, Inbox
from tests.support.samples import FIXED_HOST_KINDS

pytestmark = pytest.mark.e2e

GUIDE = ROOT / "docs" / "USER_GUIDE.md"
_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.M | re.S)
_KIND = re.compile(r"^### `(\w+)`", re.M)
_EXPORT = re.compile(r"^export (\w+)=", re.M)
_PREVIEW = "\n## Preview"

# The path each URL kind's variable adds to its receiver's address.
URLS = {
    "SLACK_WEBHOOK_URL": ("slack", "/services/T0A1B2C3D/B0A1B2C3D/q7XnR2vT9kLm"),
    "DISCORD_WEBHOOK_URL": ("discord", "/api/webhooks/112233445566778899/dsTokenGuide"),
    "TEAMS_WEBHOOK_URL": ("teams", "/workflows/abc/triggers/manual/paths/invoke?sig=teamsGuideSig"),
    "GOOGLE_CHAT_WEBHOOK_URL": ("googlechat", "/v1/spaces/AAAAguide/messages?key=k&token=t"),
    "WEBHOOK_URL": ("webhook", "/herald"),
    "NTFY_SERVER_URL": ("ntfy", ""),
    "GOTIFY_SERVER_URL": ("gotify", ""),
    "MATRIX_HOMESERVER_URL": ("matrix", ""),
    "GRAFANA_ONCALL_WEBHOOK_URL": ("grafanaoncall", "/integrations/v1/formatted_webhook/gUiDeToken/"),
    "ZULIP_SERVER_URL": ("zulip", ""),
    "HOME_ASSISTANT_URL": ("homeassistant", ""),
    "SIGNAL_API_URL": ("signal", ""),
    "MATTERMOST_WEBHOOK_URL": ("mattermost", "/hooks/xxx-generatedkey-xxx"),
    "ROCKETCHAT_WEBHOOK_URL": ("rocketchat", "/hooks/6SRjWvPNHw9ieYEbi/Yzm7hHxJGbs6WtgrQrKGEikHnjzk6c9"),
}
# Each provider's receiver and the success it answers, as the service does (tests/e2e/test_kinds_*.py).
SUCCESS: dict[str, tuple[int, bytes]] = {
    "slack": (200, b"ok"),
    "discord": (204, b""),
    "teams": (202, b""),
    "googlechat": (200, b'{"name": "spaces/AAAAguide/messages/UOq9sQHi8TA.UOq9sQHi8TA"}'),
    "webhook": (200, b'{"received": true}'),
    "ntfy": (200, b'{"id": "sPs71M8A2T", "time": 1643935928, "event": "message", "topic": "herald-alerts-7f3k"}'),
    "gotify": (200, b'{"id": 25, "appid": 5, "message": "x", "title": "y", "priority": 8}'),
    "matrix": (200, b'{"event_id": "$YUwRidLecu:example.org"}'),
    "telegram": (200, b'{"ok": true, "result": {"message_id": 4242}}'),
    "pagerduty": (202, b'{"status": "success", "message": "Event processed", "dedup_key": "mon_42"}'),
    "opsgenie": (202, b'{"result": "Request will be processed", "took": 0.3, "requestId": "43a29c5c-3dbf"}'),
    "pushover": (200, b'{"status": 1, "request": "647d2300-702c-4b38-8b2f-d56326ae460b"}'),
    "pushbullet": (200, b'{"active": true, "iden": "ujpah72o0sjAsoRtnM0jc4", "type": "note"}'),
    "onesignal": (200, b'{"id": "b98881cc-1e94-4366-bbd9-db8f3429292b"}'),
    "pusherbeams": (200, b'{"publishId": "pubid-441b7a3f-4a6b-4b8d-9a5c-2e1f0d3c4b5a"}'),
    "twilio": (201, b'{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"}'),
    "splunkoncall": (200, b'{"result": "success", "entity_id": "mon_42"}'),
    "incidentio": (202, b'{"status": "success", "message": "Event accepted for processing", "deduplication_key": "x"}'),
    "grafanaoncall": (200, b'"Ok."'),
    "zulip": (200, b'{"result": "success", "msg": "", "id": 42}'),
    "homeassistant": (200, b"[]"),
    "signal": (201, b'{"timestamp": "1733217600123"}'),
    "lark": (200, b'{"code": 0, "msg": "success", "data": {}}'),
    "dingtalk": (200, b'{"errcode": 0, "errmsg": "ok"}'),
    "wecom": (200, b'{"errcode": 0, "errmsg": "ok"}'),
    "mattermost": (200, b"ok"),
    "rocketchat": (200, b'{"success": true}'),
    "webex": (200, b'{"id": "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTAt", "roomType": "direct"}'),
    "line": (200, b'{"sentMessages": [{"id": "461230966842064897", "quoteToken": "IStG5h1Tz7b"}]}'),
    "sendgrid": (202, b""),
}
RECEIVED_BY = {"voice": "twilio", "whatsapp": "twilio"}
IN_THE_EMULATOR = ("email", "sms")  # Amazon SES and SNS: the local stack's AWS emulator records what was sent
# sns and eventbridge publish into a customer's account in the emulator: a queue there receives each message.
CUSTOMER_TARGETS = {"sns": "SNS_TOPIC_ARN", "eventbridge": "EVENT_BUS_ARN"}

_CURL_SHIM = """#!/bin/bash
# Runs the real curl and notes its status code; prints the body as curl would.
body=$(mktemp)
code=$({real} "$@" -o "$body" -w '%{{http_code}}')
result=$?
echo "$code" >> "$GUIDE_STATUSES"
cat "$body"
rm -f "$body"
exit $result
"""


@dataclass(frozen=True)
class Example:
    kind: str
    script: str


def read_guide() -> tuple[str, list[Example], str, str]:
    """The variables block, each kind's block in the guide's order, the preview's and the silences' blocks;
    fails on any other `sh` block."""
    text = GUIDE.read_text(encoding="utf-8")
    blocks = [(match.start(), match.group(1)) for match in _BLOCK.finditer(text)]
    headings = [(match.start(), match.group(1)) for match in _KIND.finditer(text)]
    examples = []
    for start, kind in headings:
        following = [script for at, script in blocks if at > start]
        examples.append(Example(kind, following[0]))
    variables = blocks[0][1]
    preview = next(script for at, script in blocks if at > text.index(_PREVIEW))
    silences = next(script for at, script in blocks if at > text.index(_SILENCES))
    assert len(blocks) == len(examples) + 3, "every sh block is a kind's, the variables, the preview or silences"
    return variables, examples, preview, silences


_SILENCES = "\n## Silences"
VARIABLES, EXAMPLES, PREVIEW, SILENCES = read_guide()


@pytest.fixture(scope="module")
def receivers() -> Iterator[dict[str, Receiver]]:
    """One receiver per provider, answering its success."""
    running: dict[str, Receiver] = {}
    try:
        for name, (status, body) in SUCCESS.items():
            running[name] = Receiver()
            running[name].program(default=status, body=body)
        yield running
    finally:
        for receiver in running.values():
            receiver.close()


@pytest.fixture(scope="module")
def guide_stack(tmp_path_factory: pytest.TempPathFactory, receivers: dict[str, Receiver]) -> Iterator[Stack]:
    endpoints = {
        f"HERALD_ENDPOINT_{kind.upper()}": receivers[kind].url for kind in FIXED_HOST_KINDS if kind in receivers
    }
    running = start_stack(tmp_path_factory.mktemp("guide-stack"), **endpoints)
    try:
        running.wait_ready()
        yield running
    finally:
        if running.interrupt() is None:
            running.kill()


@pytest.fixture(scope="module")
def customer(guide_stack: Stack) -> dict[str, tuple[str, Inbox]]:
    """kind → (the topic or bus the guide's variable names, the customer's queue that receives from it)."""
    account = CustomerAccount(guide_stack.aws_endpoint)
    return {"sns": account.topic("guide-alerts"), "eventbridge": account.bus("guide-ops")}


@pytest.fixture(scope="module")
def shell_env(
    guide_stack: Stack,
    receivers: dict[str, Receiver],
    customer: dict[str, tuple[str, Inbox]],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, str]:
    """The guide's variables, and PATH with the curl shim first."""
    real = shutil.which("curl")
    assert real, "curl is not installed"
    shim = tmp_path_factory.mktemp("shim")
    (shim / "curl").write_text(_CURL_SHIM.format(real=real), encoding="utf-8")
    (shim / "curl").chmod(0o755)
    values = {
        "HERALD_URL": guide_stack.base_url,
        "HERALD_KEY": guide_stack.admin_key,
        **{name: f"{receivers[kind].url}{path}" for name, (kind, path) in URLS.items()},
        **{name: customer[kind][0] for kind, name in CUSTOMER_TARGETS.items()},
        "AWS_ROLE_ARN": ROLE_ARN,
        "AWS_EXTERNAL_ID": EXTERNAL_ID,
    }
    assert set(_EXPORT.findall(VARIABLES)) == set(values), "a variable of the guide this test does not set"
    path = f"{shim}{os.pathsep}{os.environ.get('PATH', '')}"
    return {"PATH": path, "HOME": str(shim), "LANG": "C.UTF-8", **values}


def test_the_guide_has_one_example_for_every_kind_the_api_lists(guide_stack: Stack) -> None:
    reply = requests.get(f"{guide_stack.base_url}/v1/kinds", headers={"x-api-key": guide_stack.admin_key}, timeout=10)

    assert reply.status_code == 200
    assert sorted(example.kind for example in EXAMPLES) == sorted(kind["kind"] for kind in reply.json()["data"])


@pytest.mark.parametrize("example", [pytest.param(example, id=example.kind) for example in EXAMPLES])
def test_every_example_creates_tests_and_sends(
    example: Example,
    guide_stack: Stack,
    receivers: dict[str, Receiver],
    customer: dict[str, tuple[str, Inbox]],
    shell_env: dict[str, str],
    tmp_path: Path,
) -> None:
    statuses = tmp_path / "statuses"
    provider = receivers.get(RECEIVED_BY.get(example.kind, example.kind))
    inbox = customer[example.kind][1] if example.kind in customer else None
    before = delivered_to(example.kind, guide_stack, provider, inbox)

    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", example.script],
        env={**shell_env, "GUIDE_STATUSES": str(statuses)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert statuses.read_text().split() == ["201", "200", "202"], output
    # The test went out inline; the send through the queue and the sender, a moment later.
    got = wait_until(
        lambda: delivered_to(example.kind, guide_stack, provider, inbox) - before >= 2, 20.0, interval=0.25
    )
    count = delivered_to(example.kind, guide_stack, provider, inbox) - before
    assert got, f"{example.kind}: the provider got {count} of 2"


def test_the_silences_example_creates_lists_and_expires_a_silence(
    guide_stack: Stack, shell_env: dict[str, str], tmp_path: Path
) -> None:
    statuses = tmp_path / "statuses"

    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", SILENCES],
        env={**shell_env, "GUIDE_STATUSES": str(statuses)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert statuses.read_text().split() == ["201", "202", "200", "204"], output
    listed = requests.get(
        f"{guide_stack.base_url}/v1/silences",
        params={"state": "expired"},
        headers={"x-api-key": guide_stack.admin_key},
        timeout=10,
    ).json()["data"]
    assert [(s["comment"], s["state"]) for s in listed] == [("Database migration", "expired")]
    assert listed[0]["id"] in output  # the active listing showed it before the DELETE


def delivered_to(kind: str, stack: Stack, receiver: Receiver | None, inbox: Inbox | None = None) -> int:
    """How many messages the kind's provider has received so far."""
    if receiver is not None:
        return len(receiver.requests)
    if inbox is not None:
        return inbox.waiting()
    records: dict[str, Any] = requests.get(f"{stack.aws_endpoint}/moto-api/data.json", timeout=30).json()
    return len(records["ses"]["Message"]) if kind == "email" else len(records["sns"]["SMS"])


def test_the_preview_example_shows_the_requests_and_sends_nothing(
    guide_stack: Stack, receivers: dict[str, Receiver], shell_env: dict[str, str], tmp_path: Path
) -> None:
    statuses = tmp_path / "statuses"
    before = {name: len(receiver.requests) for name, receiver in receivers.items()}

    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", PREVIEW],
        env={**shell_env, "GUIDE_STATUSES": str(statuses)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert statuses.read_text().split() == ["201", "200", "200"], output
    assert '"method": "POST"' in output and '"event": "monitor.recovery"' in output, output
    # The stand-in bot token, masked, at the host Telegram's requests go to (here its receiver).
    assert f'"{receivers["telegram"].url}/bot••••••••/sendMessage"' in output, output
    assert "whsec_" not in output
    # Every provider's receiver (the webhook's among them) got nothing from either preview.
    assert {name: len(receiver.requests) for name, receiver in receivers.items()} == before
