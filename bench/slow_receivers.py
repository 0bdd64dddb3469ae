"""Receivers that answer after a delay, in their own process so they take no CPU from the measured one.

`python -m bench.slow_receivers --count 32 --delay-ms 50 [--slow-seconds 5]` listens on `count` ports of
127.0.0.1 (HTTP/1.1, keep-alive) and prints one JSON line: {"ports": [...], "control": port}. Every POST
is answered 200 after `delay-ms`; a path starting /slow/ after `slow-seconds`. The time each request
arrived (time.time(), once its body is read) is kept; `GET /arrivals` on the control port returns them
as [[port, path, time], ...] and forgets them. asyncio: one thread serves every connection.

`SlowReceivers` starts and stops that process from a benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from types import TracebackType
from typing import Any

_OK = b'{"ok":true}'


class _Server:
    def __init__(self, delay: float, slow_seconds: float) -> None:
        self.delay, self.slow_seconds = delay, slow_seconds
        self.arrivals: list[tuple[int, str, float]] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = writer.get_extra_info("sockname")[1]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                if length:
                    await reader.readexactly(length)
                if method == "GET" and path == "/arrivals":
                    body, self.arrivals = json.dumps(self.arrivals).encode(), []
                else:
                    self.arrivals.append((port, path, time.time()))
                    await asyncio.sleep(self.slow_seconds if path.startswith("/slow/") else self.delay)
                    body = _OK
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _main(count: int, delay: float, slow_seconds: float) -> None:
    server = _Server(delay, slow_seconds)
    servers = [await asyncio.start_server(server.serve, "127.0.0.1", 0, backlog=256) for _ in range(count + 1)]
    ports = [s.sockets[0].getsockname()[1] for s in servers]
    print(json.dumps({"ports": ports[1:], "control": ports[0]}), flush=True)
    # Until the parent closes our stdin.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


class SlowReceivers:
    """`with SlowReceivers(32, delay=0.05) as receivers:` `receivers.urls`, `receivers.arrivals()`."""

    def __init__(self, count: int, *, delay: float, slow_seconds: float = 5.0) -> None:
        self._command = [
            sys.executable, "-m", "bench.slow_receivers",
            "--count", str(count), "--delay-ms", str(delay * 1000), "--slow-seconds", str(slow_seconds),
        ]  # fmt: skip
        self._process: subprocess.Popen[str] | None = None
        self.ports: list[int] = []
        self._control = 0

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def arrivals(self) -> list[tuple[int, str, float]]:
        """Every request since the last call: (port, path, epoch seconds it arrived)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self._control}/arrivals", timeout=10) as answer:
            return [(int(port), str(path), float(at)) for port, path, at in json.loads(answer.read())]

    def __enter__(self) -> SlowReceivers:
        self._process = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        started: dict[str, Any] = json.loads(self._process.stdout.readline() or "{}")
        if "ports" not in started:
            self.__exit__(None, None, None)
            raise RuntimeError("bench.slow_receivers did not start")
        self.ports, self._control = started["ports"], started["control"]
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._process is None:
            return
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, required=True)
    parser.add_argument("--slow-seconds", type=float, default=5.0)
    args = parser.parse_args()
    asyncio.run(_main(args.count, args.delay_ms / 1000, args.slow_seconds))


if __name__ == "__main__":
    main()
