"""Helpers the e2e suites share beyond conftest's fixtures. Add to this file; never rewrite what is here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import requests

from tests.e2e.conftest import ROOT, Received, Receiver, Stack, wait_until

TEST_TITLE = "Test notification from Herald"  # what /test sends (API.md §4)
SOURCE_URL = "https://status.example.com/m/42"

if TYPE_CHECKING:
    from tests.e2e.test_delivery import Herald


def header(request: Received, name: str) -> str | None:
    """A request header by name, whatever its case on the wire."""
    lower = name.lower()
    return next((value for key, value in request.headers.items() if key.lower() == lower), None)


@dataclass(frozen=True)
class Answer:
    """One scripted HTTP answer: its own status, headers and body."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


class ScriptedReceiver(Receiver):
    """A `Receiver` whose answers differ in body and headers too, not only in status.

    Services signal a rate limit in the body of the 429 (Discord `retry_after`, Matrix `retry_after_ms`)
    and succeed with another body (Discord 204 with none), which one body for every answer cannot show.
    Without a script it answers exactly as `Receiver` does.
    """

    def __init__(self) -> None:
        self._script: list[Answer] = []
        self._then: Answer | None = None
        super().__init__()

    def script(self, answers: list[Answer], then: Answer) -> None:
        """Answer with `answers` in turn, then with `then` for every later request."""
        with self._lock:
            self._script, self._then = list(answers), then

    def reset(self) -> None:
        with self._lock:
            self._script, self._then = [], None
        super().reset()

    def _answer(self) -> tuple[int, dict[str, str], bytes, float]:
        with self._lock:
            answer = self._script.pop(0) if self._script else self._then
        if answer is None:
            return super()._answer()
        return answer.status, dict(answer.headers), answer.body, 0.0


def json_answer(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Answer:
    """An answer whose body is `payload` as JSON."""
    return Answer(status, json.dumps(payload).encode(), dict(headers or {}))


def create_channel(herald: Herald, kind: str, config: dict[str, Any], **extra: Any) -> str:
    """Create a channel of any kind through the API; its id. Fails the test unless the answer is 201."""
    reply = herald.call("POST", "/v1/channels", {"kind": kind, "config": config, **extra})
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


@contextmanager
def answering(receiver: Receiver, answers: Sequence[Answer], then: Answer) -> Iterator[Receiver]:
    """`receiver` answers `answers` in turn, then `then`, while the block runs; as programmed again after it.

    For a receiver another fixture owns, e.g. the session's shared `providers` (a plain `Receiver`, whose
    `program` has one body for every answer): Telegram's 429 body and its success body differ.
    """
    lock = threading.Lock()
    pending = list(answers)

    def answer() -> tuple[int, dict[str, str], bytes, float]:
        with lock:
            chosen = pending.pop(0) if pending else then
        return chosen.status, dict(chosen.headers), chosen.body, 0.0

    # The server's handler asks the receiver instance for its next answer: shadow that one method.
    receiver._answer = answer  # type: ignore[method-assign]
    try:
        yield receiver
    finally:
        del receiver._answer


def arrived(receiver: Receiver, prefix: str) -> list[Received]:
    """The requests whose path starts with `prefix` (one service's share of a shared receiver)."""
    return [request for request in list(receiver.requests) if request.path.startswith(prefix)]


def wait_for_path(receiver: Receiver, prefix: str, count: int, timeout: float = 20.0) -> list[Received]:
    """The first `count` requests under `prefix`; fails if they do not arrive within `timeout` seconds."""
    found = wait_until(lambda: len(arrived(receiver, prefix)) >= count, timeout)
    assert found, f"expected {count} requests under {prefix} within {timeout:.0f} s, got {arrived(receiver, prefix)}"
    return arrived(receiver, prefix)[:count]


# ---- the API as a client sees it, and what a receiver was sent


class Herald:
    """The API as a client sees it."""

    def __init__(self, stack: Stack, http: requests.Session) -> None:
        self.stack, self.http = stack, http
        self.headers = {"x-api-key": stack.admin_key}

    def call(self, method: str, path: str, body: Any = None, **params: str) -> requests.Response:
        return self.http.request(
            method, f"{self.stack.base_url}{path}", json=body, headers=self.headers, params=params or None, timeout=60
        )

    def webhook(self, url: str, **config: Any) -> str:
        reply = self.call("POST", "/v1/channels", {"kind": "webhook", "config": {"url": url, **config}})
        assert reply.status_code == 201, reply.text
        return reply.json()["id"]

    def send(self, channel_ids: list[str], title: str = "DB down", **extra: Any) -> dict[str, Any]:
        reply = self.call(
            "POST",
            "/v1/notifications",
            {"channelIds": channel_ids, "notification": {"title": title, "severity": "critical", **extra}},
        )
        assert reply.status_code == 202, reply.text
        return reply.json()

    def delivery(self, delivery_id: str) -> dict[str, Any]:
        reply = self.call("GET", f"/v1/deliveries/{delivery_id}")
        assert reply.status_code == 200, reply.text
        return reply.json()

    def settled(self, delivery_id: str, timeout: float = 30.0) -> dict[str, Any]:
        """The delivery once it is final (delivered or failed); fails the test after `timeout`."""
        found = wait_until(
            lambda: (d := self.delivery(delivery_id))["status"] in ("delivered", "failed") and d, timeout, interval=0.25
        )
        assert found, f"delivery {delivery_id} did not settle: {self.delivery(delivery_id)}"
        return found


def content_type(request: Received) -> str:
    return (header(request, "Content-Type") or "").lower().replace(" ", "")


def form(request: Received) -> dict[str, list[str]]:
    return parse_qs(request.body.decode(), keep_blank_values=True, strict_parsing=True)


def send_now(herald: Herald, channel: str, notification: dict[str, Any]) -> dict[str, Any]:
    """`POST /v1/notifications?wait=true` for one channel; its delivery entry, which must have succeeded."""
    reply = herald.call(
        "POST", "/v1/notifications", {"channelIds": [channel], "notification": notification}, wait="true"
    )
    assert reply.status_code == 200, reply.text
    [delivery] = reply.json()["deliveries"]
    assert delivery["success"] is True, delivery
    return dict(delivery)


def run_make(stack: Stack, target: str, *assignments: str) -> subprocess.CompletedProcess[str]:
    """`make -s <target> NAME=value...` against `stack` (its ports), as an operator runs it; bounded to 60 s."""
    env = {**os.environ, "HERALD_API_PORT": str(stack.api_port), "HERALD_AWS_PORT": str(stack.aws_port)}
    # -o: the venv is already installed (this test runs in it); never reinstall from inside a test.
    return subprocess.run(
        ["make", "-s", "-o", ".venv/.installed", target, *assignments, f"PY={sys.executable}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
