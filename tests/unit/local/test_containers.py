"""local.containers: a pool's callers wait for a free execution environment, and each release wakes one of them."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from local.containers import FunctionPool
from local.deployment import FunctionSpec
from local.eventlog import EventLog

CALLERS, CALLS_EACH = 12, 3


class _CountedCondition(threading.Condition):
    """A Condition that counts how often a waiter wakes up."""

    def __init__(self) -> None:
        super().__init__()
        self.wakeups = 0

    def wait(self, timeout: float | None = None) -> bool:
        woken = super().wait(timeout)
        self.wakeups += 1  # under the lock: wait() returns holding it
        return woken


def _pool(tmp_path: Path) -> FunctionPool:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return {'echo': event}\n")
    spec = FunctionSpec(
        logical_id="Echo",
        name="echo",
        arn="arn:aws:lambda:us-east-1:123456789012:function:echo",
        code_dir=tmp_path,
        handler="app.handler",
        runtime="python3.13",
        timeout=30,
        memory=128,
        environment={},
        layer_dirs=(),
        log_group="/aws/lambda/echo",
    )
    environment = {key: os.environ[key] for key in ("PATH", "LANG") if key in os.environ}
    return FunctionPool(spec, environment, size=1, event_log=EventLog(None))


def test_callers_share_one_environment_and_a_release_wakes_one_waiter_not_all(tmp_path: Path) -> None:
    pool = _pool(tmp_path)
    counted = _CountedCondition()
    pool._lock = counted  # the pool's own lock, counted: every waiter waits on it
    try:
        assert pool.warm() is None

        def caller(number: int) -> list[Any]:
            return [pool.invoke({"n": number, "call": call}).result for call in range(CALLS_EACH)]

        with ThreadPoolExecutor(CALLERS) as callers:
            answers = list(callers.map(caller, range(CALLERS)))
    finally:
        pool.close()

    assert answers == [[{"echo": {"n": n, "call": c}} for c in range(CALLS_EACH)] for n in range(CALLERS)]
    calls = CALLERS * CALLS_EACH
    # Waking every waiter on each release (notify_all) costs about calls * CALLERS / 2 wakeups (~200 here), each
    # a thread switch that takes the lock and finds nothing: under load that was half the gateway's CPU.
    assert counted.wakeups <= 2 * calls
