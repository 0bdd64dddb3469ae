"""Issue 16 point 6: README.md's tour, run as written, top to bottom, in a fresh copy of the repository.

The tour's blocks are marked in the README: ```sh tour-terminal NAME``` runs in a terminal of its own
and keeps running (`make dev`, `make receiver`); ```sh tour NAME``` is typed into one more terminal, one
block after the other, in one bash session (so `export`s and `CH=...` carry on, as they do for a person).
Each block's documented outcome is checked (CHECKS); a tour block without a check fails the test.

What differs from a person's run, and only this: the ports. The README's 3000, 4566 and 8000 become free
ports (the machine is shared), and HERALD_API_PORT / HERALD_AWS_PORT say so to make. The copy is the
working tree's files (`git ls-files`); its `.venv` is this checkout's (no network here to install one),
and its requirement files are dated before that venv's stamp so make does not reinstall.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import ROOT, STOP_SECONDS, free_port, wait_until

README = ROOT / "README.md"
BLOCK = re.compile(r"^```sh (tour|tour-terminal) ([\w-]+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
STEP_SECONDS = 60.0  # one block: a make that starts python, a curl, an aws CLI call
POLL_SECONDS = 30.0  # a step whose outcome comes a moment later (a queued delivery)
START_SECONDS = 90.0
SECRET_MASK = "••••••••"
README_KINDS = [
    "email",
    "slack",
    "discord",
    "teams",
    "googlechat",
    "telegram",
    "pagerduty",
    "opsgenie",
    "webhook",
    "sms",
    "voice",
    "whatsapp",
    "pushover",
    "pushbullet",
    "onesignal",
    "pusherbeams",
    "ntfy",
    "gotify",
    "matrix",
    "splunkoncall",
    "incidentio",
    "grafanaoncall",
    "zulip",
    "homeassistant",
    "signal",
    "sns",
    "eventbridge",
    "lark",
    "dingtalk",
    "wecom",
    "mattermost",
    "rocketchat",
    "webex",
    "line",
    "sendgrid",
]


@dataclass(frozen=True)
class Block:
    where: str  # "tour" (the third terminal) or "tour-terminal" (a terminal of its own)
    name: str
    text: str


def tour_blocks() -> list[Block]:
    return [Block(*found.groups()) for found in BLOCK.finditer(README.read_text(encoding="utf-8"))]


@dataclass
class Ports:
    api: int = field(default_factory=free_port)
    aws: int = field(default_factory=free_port)
    receiver: int = field(default_factory=free_port)

    def apply(self, text: str) -> str:
        """The block with the README's ports replaced by this run's."""
        for readme, ours in (("3000", self.api), ("4566", self.aws), ("8000", self.receiver)):
            text = re.sub(rf"\b{readme}\b", str(ours), text)
        return text


def fresh_copy(target: Path) -> Path:
    """The working tree's files (tracked and new, not ignored) in `target`, with this checkout's venv."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.split(b"\0")
    for name in filter(None, (raw.decode() for raw in listed)):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    venv = (ROOT / ".venv").resolve()
    (target / ".venv").symlink_to(venv)
    stamp = (venv / ".installed").stat().st_mtime
    for requirements in ("requirements-dev.txt", "layers/common/requirements.txt"):
        os.utime(target / requirements, (stamp - 60, stamp - 60))
    return target


class Terminal:
    """A bash process whose output is collected line by line; `type` sends a block and waits for its end."""

    def __init__(self, cwd: Path, env: dict[str, str], command: list[str] | None = None) -> None:
        self.process = subprocess.Popen(
            command or ["bash", "--norc", "--noprofile"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE if command is None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: stopped as a whole, as Ctrl-C stops a terminal's job
        )
        self.lines: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            self._new.put(line)

    def text(self) -> str:
        return "\n".join(self.lines)

    def type(self, block: str, timeout: float = STEP_SECONDS) -> str:
        """Run `block` as if typed, then the marker; its output (stdout and stderr), or fail after `timeout`."""
        assert self.process.stdin is not None
        marker = f"__tour_step_done_{time.monotonic_ns()}__"
        start = len(self.lines)
        self.process.stdin.write(f"{block}\necho; echo {marker}\n")
        self.process.stdin.flush()
        done = wait_until(lambda: marker in self.lines[start:], timeout, interval=0.05)
        assert done, f"the block did not finish within {timeout:.0f} s:\n{block}\n--- output:\n" + "\n".join(
            self.lines[start:]
        )
        end = self.lines.index(marker, start)
        return "\n".join(self.lines[start:end]).strip()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_SECONDS)


@dataclass
class Tour:
    copy: Path
    ports: Ports
    env: dict[str, str]
    shell: Terminal
    terminals: dict[str, Terminal] = field(default_factory=dict)

    def api(self, path: str) -> requests.Response:
        key = self.shell.type('printf "%s\\n" "$KEY"')
        with requests.Session() as http:
            http.trust_env = False
            return http.get(f"http://127.0.0.1:{self.ports.api}{path}", headers={"x-api-key": key}, timeout=30)


# ---- what each block promises


def started(tour: Tour, name: str, ready: str) -> None:
    terminal = tour.terminals[name]
    up = wait_until(lambda: ready in terminal.text() or terminal.process.poll() is not None, START_SECONDS)
    assert up and terminal.process.poll() is None, f"`{name}` did not start:\n{terminal.text()[-4000:]}"


def check_stack(tour: Tour, output: str) -> None:
    started(tour, "stack", "Herald local stack ready")


def check_receiver(tour: Tour, output: str) -> None:
    started(tour, "receiver", f"Receiver listening on http://127.0.0.1:{tour.ports.receiver}/")


def check_key(tour: Tour, output: str) -> None:
    assert output == "", output
    assert tour.shell.type('printf "%s\\n" "$KEY"').startswith("hrld_")
    assert tour.shell.type('printf "%s\\n" "$H"') == f"http://127.0.0.1:{tour.ports.api}"


def check_kinds(tour: Tour, output: str) -> None:
    # The README's opening names them: e-mail, Slack, Discord, ... Matrix.
    assert sorted(output.splitlines()) == sorted(README_KINDS), output


def check_slack(tour: Tour, output: str) -> None:
    channel = json.loads(output)
    assert (channel["kind"], channel["name"]) == ("slack", "#ops-alerts")
    assert (channel["config"]["webhookUrl"], channel["configSummary"]) == (SECRET_MASK, "hooks.slack.com")


def check_hostile(tour: Tour, output: str) -> None:
    refused = json.loads(output)
    assert refused["error"] == "Invalid webhook URL: IP address is in a private/internal range", refused
    assert [channel["kind"] for channel in tour.api("/v1/channels").json()["data"]] == ["slack"]  # nothing stored


def check_webhook(tour: Tour, output: str) -> None:
    result = json.loads(output)
    assert result["success"] is True, result
    assert tour.shell.type('printf "%s\\n" "$CH"').startswith("ch_")
    received = tour.terminals["receiver"].text()
    assert re.search(rf"POST /hook webhook-id={result['deliveryId']} signed", received), received


def check_event(tour: Tour, output: str) -> None:
    rule, event = (json.loads(part) for part in output.replace("}{", "}\n{").splitlines())
    channel = tour.shell.type('printf "%s\\n" "$CH"')
    assert (rule["name"], rule["channelIds"]) == ("Everything", [channel]), rule
    assert "error" not in event, event


def check_deliveries(tour: Tour, output: str) -> bool:
    """True once the event's delivery shows delivered (the tour says: a second later)."""
    rows = [json.loads(line) for line in output.splitlines()]
    return {"event": "monitor.down", "status": "delivered", "attempts": ["delivered"]} in rows


def check_sns(tour: Tour, output: str) -> None:
    assert "MessageId" in output, output

    def recovered() -> bool:
        rows = tour.api("/v1/deliveries?limit=10").json()["data"]
        return any(row["event"] == "monitor.recovery" and row["status"] == "delivered" for row in rows)

    assert wait_until(recovered, POLL_SECONDS, interval=0.5), tour.api("/v1/deliveries?limit=10").text
    assert "My API" in tour.terminals["receiver"].text().split("webhook-id=")[-1]


def check_api_key(tour: Tour, output: str) -> None:
    lines = output.splitlines()
    assert re.match(r"Minted an editor key for tenant 'acme' on the local stack", lines[-2]), output
    assert lines[-1].startswith("hrld_"), output


def check_openapi(tour: Tour, output: str) -> None:
    title, paths = output.splitlines()
    assert "Herald" in title
    assert int(paths.removesuffix(" paths")) >= 15, paths


CHECKS: dict[str, Callable[[Tour, str], object]] = {
    "stack": check_stack,
    "receiver": check_receiver,
    "key": check_key,
    "kinds": check_kinds,
    "slack": check_slack,
    "hostile": check_hostile,
    "webhook": check_webhook,
    "event": check_event,
    "deliveries": check_deliveries,
    "sns": check_sns,
    "api-key": check_api_key,
    "openapi": check_openapi,
}
POLLED = {"deliveries"}  # read-only blocks a person runs again until the outcome shows


def poll(tour: Tour, check: Callable[[Tour, str], object], text: str) -> object:
    """Type `text` again until `check` is satisfied with what it prints; None after POLL_SECONDS."""
    return wait_until(lambda: check(tour, tour.shell.type(text)), POLL_SECONDS, interval=0.5)


@pytest.fixture
def tour(tmp_path: Path) -> Iterator[Tour]:
    copy = fresh_copy(tmp_path / "herald")
    ports = Ports()
    # A reader's shell: no Herald or AWS settings, and not inside `make test` (a make run from within make
    # prints "Entering directory" lines, which `| tail -1` would then capture instead of the key).
    make_vars = ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HERALD_", "AWS_")) and key not in make_vars
    }
    env |= {"HERALD_API_PORT": str(ports.api), "HERALD_AWS_PORT": str(ports.aws)}
    running = Tour(copy, ports, env, Terminal(copy, env))
    try:
        yield running
    finally:
        for terminal in [running.shell, *running.terminals.values()][::-1]:
            terminal.stop()


def test_the_readme_tour_works_as_written_top_to_bottom(tour: Tour) -> None:
    blocks = tour_blocks()
    assert [b.name for b in blocks if b.where == "tour-terminal"] == ["stack", "receiver"]
    assert [b.name for b in blocks] == list(CHECKS), "every tour block needs its check, in the README's order"
    for port in ("3000", "4566", "8000"):
        assert any(re.search(rf"\b{port}\b", b.text) for b in blocks), f"the tour no longer uses port {port}"

    for block in blocks:
        text = tour.ports.apply(block.text)
        if block.where == "tour-terminal":
            tour.terminals[block.name] = Terminal(tour.copy, tour.env, ["bash", "-c", text])
            CHECKS[block.name](tour, "")
        elif block.name in POLLED:
            polled = poll(tour, CHECKS[block.name], text)
            assert polled, f"`{block.name}` never showed its outcome:\n{tour.shell.type(text)}"
        else:
            CHECKS[block.name](tour, tour.shell.type(text))
