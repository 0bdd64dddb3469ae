"""The real nginx as a receiver on 127.0.0.1, for tests and benchmarks.

`with Nginx(tmp_path) as nginx:` runs nginx in the foreground as a child process (no master process, one
worker: the child itself), answering every request on every path with `status` and `body`. Its config,
pid, logs and temp directories all live in `directory`. The access log holds one JSON line per request
(method, URI, status, `webhook-id` header, connection serial number and request count on it), read back
by `requests()` / `wait_for_requests()`.

With `pki` (see tests/support/pki.py `make_pki`) it serves HTTPS with `pki.cert_file`; the
certificate is for the name given to `make_pki`, while nginx listens on 127.0.0.1 only: a client connects
to 127.0.0.1 (`port`) and verifies that name.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.support.pki import Pki

STARTUP_SECONDS = 10.0
STOP_SECONDS = 5.0
PORT_ATTEMPTS = 5
ACCESS_LOG = "access.log"
ERROR_LOG = "error.log"
CHILD_OUTPUT = "nginx.out"  # nginx's own stdout/stderr (start-up complaints before the error log is open)

# One JSON object per line; escape=json escapes what the client sent. Numbers are nginx's own.
_LOG_FORMAT = (
    '{"method":"$request_method","uri":"$request_uri","status":$status,'
    '"webhook_id":"$http_webhook_id","connection":$connection,"connection_requests":$connection_requests,'
    '"content_length":"$content_length","scheme":"$scheme",'
    '"request_time":$request_time}'
)


def nginx_binary() -> str | None:
    """Path of the nginx executable, or None when it is not installed."""
    found = shutil.which("nginx")
    if found:
        return found
    fallback = Path("/usr/sbin/nginx")
    return str(fallback) if fallback.is_file() and os.access(fallback, os.X_OK) else None


def _quoted(value: str | Path) -> str:
    """A double-quoted nginx config string (no variables are expanded in paths)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _return_text(body: str) -> str:
    """`body` as the single-quoted text of a `return` directive; `$` goes through the `$dollar` variable."""
    text = body.replace("\\", "\\\\").replace("'", "\\'").replace("$", "${dollar}")
    return f"'{text}'"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NginxError(RuntimeError):
    """nginx did not start (or is not installed); the message holds the tail of its logs."""


class Nginx:
    """Context manager: nginx serving `status`/`body` on 127.0.0.1 (HTTPS when `pki` is given)."""

    def __init__(
        self,
        directory: Path,
        *,
        pki: Pki | None = None,
        keepalive_requests: int = 2,
        keepalive_timeout: str = "1s",
        status: int = 200,
        body: str = '{"ok":true}',
    ) -> None:
        self.directory = Path(directory).resolve()
        self.pki = pki
        self.keepalive_requests = keepalive_requests
        self.keepalive_timeout = keepalive_timeout
        self.status = status
        self.body = body
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    # -- addresses -------------------------------------------------------------------------------------

    @property
    def scheme(self) -> str:
        return "https" if self.pki is not None else "http"

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        """`http(s)://127.0.0.1:PORT/path`; pass `host` for the certificate's name (resolve it yourself)."""
        return f"{self.scheme}://{host}:{self.port}{path if path.startswith('/') else '/' + path}"

    @property
    def access_log(self) -> Path:
        return self.directory / ACCESS_LOG

    @property
    def error_log(self) -> Path:
        return self.directory / ERROR_LOG

    # -- what arrived ----------------------------------------------------------------------------------

    def requests(self) -> list[dict[str, Any]]:
        """Every request logged so far, oldest first. `webhook_id` is None when the header was absent."""
        if not self.access_log.exists():
            return []
        seen: list[dict[str, Any]] = []
        for line in self.access_log.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line still being written (nginx writes each line with one write(), but be safe)
            entry["webhook_id"] = entry.get("webhook_id") or None
            entry["content_length"] = int(entry["content_length"]) if entry.get("content_length") else None
            seen.append(entry)
        return seen

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The logged requests once there are at least `count` (nginx logs just after answering).

        Raises TimeoutError after `timeout` seconds, saying how many arrived.
        """
        deadline = time.monotonic() + timeout
        while True:
            seen = self.requests()
            if len(seen) >= count:
                return seen
            if time.monotonic() >= deadline:
                raise TimeoutError(f"nginx logged {len(seen)} requests within {timeout} s, expected {count}")
            time.sleep(0.01)

    # -- life cycle ------------------------------------------------------------------------------------

    def config(self) -> str:
        d = self.directory
        tls = ""
        if self.pki is not None:
            tls = (
                f"        ssl_certificate {_quoted(Path(self.pki.cert_file).resolve())};\n"
                f"        ssl_certificate_key {_quoted(Path(self.pki.key_file).resolve())};\n"
                "        ssl_protocols TLSv1.2 TLSv1.3;\n"
            )
        listen = f"127.0.0.1:{self.port}" + (" ssl" if self.pki is not None else "")
        temp = "\n".join(
            f"    {kind}_temp_path {_quoted(d / 'temp' / kind)};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return f"""# Written by tests/support/nginx.py
daemon off;
master_process off;
worker_processes 1;
pid {_quoted(d / "nginx.pid")};
lock_file {_quoted(d / "nginx.lock")};
error_log {_quoted(d / ERROR_LOG)} warn;

events {{
    worker_connections 256;
}}

http {{
{temp}
    types {{ }}
    default_type application/json;
    charset off;
    server_tokens off;
    access_log off;
    log_format herald escape=json '{_LOG_FORMAT}';
    keepalive_requests {self.keepalive_requests};
    keepalive_timeout {self.keepalive_timeout};
    client_max_body_size 0;

    # `return` text would expand "$name": a literal dollar comes from here.
    geo $dollar {{
        default "$";
    }}

    server {{
        listen {listen};
        server_name _;
{tls}        access_log {_quoted(d / ACCESS_LOG)} herald;

        location / {{
            # `return` reads and discards the request body before the connection is kept alive.
            return {self.status} {_return_text(self.body)};
        }}
    }}
}}
"""

    def start(self) -> Nginx:
        binary = nginx_binary()
        if binary is None:
            raise NginxError("nginx is not installed (looked on PATH and at /usr/sbin/nginx)")
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.directory / "temp" / kind).mkdir(parents=True, exist_ok=True)
        last_error = ""
        for _ in range(PORT_ATTEMPTS):
            self.port = _free_port()
            conf = self.directory / "nginx.conf"
            conf.write_text(self.config(), encoding="utf-8")
            for log in (self.access_log, self.error_log):
                log.unlink(missing_ok=True)
            with (self.directory / CHILD_OUTPUT).open("wb") as output:
                self._process = subprocess.Popen(
                    [binary, "-p", f"{self.directory}/", "-c", str(conf), "-e", str(self.error_log)],
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    cwd=self.directory,
                )
            if self._wait_listening():
                return self
            last_error = self._logs_tail()
            self._stop_process()
            if "Address already in use" not in last_error:
                break
        raise NginxError(f"nginx did not start on 127.0.0.1:{self.port}:\n{last_error}")

    def _wait_listening(self) -> bool:
        assert self._process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                # A connection without a request: nginx closes it and logs nothing.
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.02)
        return False

    def _logs_tail(self) -> str:
        parts = []
        for name in (CHILD_OUTPUT, ERROR_LOG):
            path = self.directory / name
            if path.exists():
                parts.append(path.read_text(encoding="utf-8", errors="replace")[-2000:])
        return "\n".join(part for part in parts if part.strip()) or "(no output)"

    def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)

    def stop(self) -> None:
        self._stop_process()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
