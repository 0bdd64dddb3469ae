"""Emulated Lambda execution environments: a pool of worker processes per function.

Each container is its own process (local.worker) with the function's environment, so concurrent
requests never share one handler's module state (a Powertools resolver, say), exactly as separate
Lambda execution environments do not. A container handles one event at a time; the pool starts
another, up to its size, when all are busy. A container that times out or crashes is replaced.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from local.deployment import FunctionSpec
from local.eventlog import EventLog

_ROOT = Path(__file__).resolve().parents[1]
# A cold start that takes longer than this is reported as an init failure.
INIT_TIMEOUT_SECONDS = 30.0
_STOP_GRACE_SECONDS = 2.0


class PoolClosed(Exception):
    """The stack is stopping; no more invocations."""


@dataclass(frozen=True)
class Invocation:
    """The outcome of one invocation: the handler's result, or Lambda's error payload."""

    request_id: str
    result: Any = None
    error: Mapping[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _lambda_error(message: str, error_type: str) -> dict[str, Any]:
    return {"errorMessage": message, "errorType": error_type}


_EXITED = _lambda_error("The execution environment stopped.", "Runtime.ExitError")


class Container:
    """One worker process. Not thread-safe: the pool hands it to one caller at a time."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str]) -> None:
        self.spec = spec
        read_fd, write_fd = os.pipe()
        command = [
            sys.executable, "-m", "local.worker",
            "--logical-id", spec.logical_id, "--name", spec.name, "--arn", spec.arn,
            "--code-dir", str(spec.code_dir), "--handler", spec.handler, "--runtime", spec.runtime,
            "--log-group", spec.log_group, "--timeout", str(spec.timeout), "--memory", str(spec.memory),
            "--result-fd", str(write_fd),
            *[argument for layer in spec.layer_dirs for argument in ("--layer", str(layer))],
        ]  # fmt: skip
        try:
            # Its own session: Ctrl-C in the terminal reaches the stack, which stops containers in order.
            self.process = subprocess.Popen(
                command,
                cwd=_ROOT,
                env=dict(environment),
                stdin=subprocess.PIPE,
                pass_fds=(write_fd,),
                start_new_session=True,
                text=True,
            )
        finally:
            os.close(write_fd)
        self._results: IO[str] = os.fdopen(read_fd, "r", encoding="utf-8")
        self.init_error: dict[str, Any] | None = None

    def _read(self, timeout: float) -> dict[str, Any] | None:
        """The next reply line, or None when the worker is gone or `timeout` passed."""
        ready, _, _ = select.select([self._results], [], [], max(0.0, timeout))
        if not ready:
            return None
        line = self._results.readline()
        return json.loads(line) if line else None

    def start(self) -> bool:
        """Wait for the cold start. False (and `init_error` set) when the handler could not be loaded."""
        reply = self._read(INIT_TIMEOUT_SECONDS)
        if reply is None:
            self.init_error = _lambda_error("The function did not finish its init phase.", "Runtime.InitError")
        elif "initError" in reply:
            self.init_error = reply["initError"]
        if self.init_error is not None:
            self.stop()
            return False
        return True

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(self, event: Any, request_id: str) -> Invocation:
        deadline = time.time() + self.spec.timeout
        assert self.process.stdin is not None
        try:
            request = json.dumps({"requestId": request_id, "deadline": deadline, "event": event})
            self.process.stdin.write(request + "\n")
            self.process.stdin.flush()
        except OSError:
            return Invocation(request_id, error=_EXITED)
        reply = self._read(deadline - time.time())
        if reply is None:
            timed_out = self.alive
            self.stop()
            if timed_out:
                message = f"Task timed out after {self.spec.timeout:.2f} seconds"
                return Invocation(request_id, error=_lambda_error(message, "Sandbox.Timedout"))
            return Invocation(request_id, error=_EXITED)
        if "error" in reply:
            return Invocation(request_id, error={**reply["error"], "requestId": request_id})
        return Invocation(request_id, result=reply.get("result"))

    def stop(self) -> None:
        """Close stdin (the worker's loop ends), then terminate and kill if it lingers."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(OSError):  # the worker is gone already
                self.process.stdin.close()
        try:
            self.process.wait(timeout=_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=_STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=_STOP_GRACE_SECONDS)
        self._results.close()

    def kill(self) -> None:
        if self.alive:
            self.process.kill()


class FunctionPool:
    """Up to `size` containers of one function; `invoke` is thread-safe."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str], size: int, event_log: EventLog) -> None:
        self.spec = spec
        self._environment = dict(environment)
        self._size = size
        self._event_log = event_log
        self._idle: list[Container] = []
        self._all: set[Container] = set()
        self._starting = 0
        self._closed = False
        self._lock = threading.Condition()

    def warm(self) -> Mapping[str, Any] | None:
        """Start one container ahead of the first event (a cold start before any request); its init error if any."""
        container = self._start_container()
        if isinstance(container, Invocation):
            return container.error or {}
        self._release(container)
        return None

    def _start_container(self) -> Container | Invocation:
        with self._lock:
            if self._closed:
                raise PoolClosed(self.spec.logical_id)
            self._starting += 1
        try:
            container = Container(self.spec, self._environment)
        finally:
            with self._lock:
                self._starting -= 1
        with self._lock:
            self._all.add(container)
        if container.start():
            return container
        with self._lock:
            self._all.discard(container)
            self._lock.notify()
        return Invocation("", error=container.init_error)

    def _acquire(self) -> Container | Invocation:
        with self._lock:
            while True:
                if self._closed:
                    raise PoolClosed(self.spec.logical_id)
                if self._idle:
                    return self._idle.pop()
                if len(self._all) + self._starting < self._size:
                    break
                self._lock.wait(timeout=0.5)
        return self._start_container()

    def _release(self, container: Container) -> None:
        with self._lock:
            if container.alive and not self._closed:
                self._idle.append(container)
                # One waiter can take it. Waking them all (each takes the lock, finds nothing, waits again) cost
                # the gateway half its CPU under load, with 60 callers waiting on three environments.
                self._lock.notify()
                return
            self._all.discard(container)
            self._lock.notify()
        container.stop()

    def invoke(self, event: Any) -> Invocation:
        """Run the handler on `event` in a free container. Raises PoolClosed once the stack stops."""
        request_id = str(uuid.uuid4())
        container = self._acquire()
        if isinstance(container, Invocation):
            outcome = Invocation(request_id, error={**(container.error or {}), "requestId": request_id})
        else:
            try:
                outcome = container.invoke(event, request_id)
            finally:
                self._release(container)
        self._event_log.record(
            self.spec.logical_id,
            request_id,
            event,
            {"result": outcome.result} if outcome.ok else {"error": dict(outcome.error or {})},
        )
        return outcome

    def close(self) -> None:
        """Stop every container; busy ones are killed, so their invocations end with an error now."""
        with self._lock:
            self._closed = True
            everyone, idle = list(self._all), list(self._idle)
            self._idle.clear()
            self._lock.notify_all()  # every waiter learns the pool is closed
        for container in everyone:
            container.kill()
        # Busy containers are stopped by their caller's _release; stopping them here would race its read.
        for container in idle:
            container.stop()
