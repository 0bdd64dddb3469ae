"""The AWS emulator: moto_server as a child process on 127.0.0.1:HERALD_AWS_PORT.

It runs as local.moto_server, which makes DynamoDB's conditional writes atomic, as they are in AWS.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from local.constants import HOST

READY_TIMEOUT_SECONDS = 30.0
_STOP_GRACE_SECONDS = 5.0


class EmulatorError(Exception):
    """The emulator could not start (port taken, crashed, never answered)."""


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


def answers(endpoint: str, timeout: float = 1.0) -> bool:
    """True when a moto server answers at `endpoint` (its configuration endpoint is cheap and moto's own)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback never goes through a proxy
    try:
        with opener.open(f"{endpoint}/moto-api/config", timeout=timeout) as response:
            return 200 <= response.status < 300 and "lambda" in json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False


class Emulator:
    """A moto_server process. Raises EmulatorError from `start`."""

    def __init__(self, port: int, log_path: Path | None = None) -> None:
        self.port = port
        self.endpoint = f"http://{HOST}:{port}"
        self._log_path = log_path
        self._log: IO[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server without waiting for it (see wait_ready)."""
        if port_in_use(self.port):
            raise EmulatorError(
                f"port {self.port} is in use: stop what listens there or set HERALD_AWS_PORT to a free port"
            )
        self._log = self._log_path.open("ab") if self._log_path else None
        output = self._log if self._log is not None else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.moto_server", "-H", HOST, "-p", str(self.port)],
            cwd=Path(__file__).resolve().parents[1],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            # Its own session: Ctrl-C reaches the stack, which stops the emulator last.
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise EmulatorError(f"moto_server exited with code {self.process and self.process.returncode}")
            if answers(self.endpoint, timeout=0.5):
                return
            time.sleep(0.05)
        raise EmulatorError(f"moto_server did not answer on {self.endpoint} within {timeout:.0f} s")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=_STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=_STOP_GRACE_SECONDS)
        if self._log is not None:
            self._log.close()
            self._log = None
