"""Fixed facts of the local stack (API.md section 1) and the knobs read from its environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
STACK_NAME = "herald-local"
# The emulator accepts any credentials; fixed dummies keep real ones (and profiles) out of the picture.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
DEFAULT_API_PORT = 3000
DEFAULT_AWS_PORT = 4566
DEV_TENANT = "dev"
HOST = "127.0.0.1"
# Where a running local stack leaves its outputs for `make api-key` (one file per emulator port).
STATE_DIR = Path(__file__).resolve().parent / ".state"


def state_file(aws_port: int) -> Path:
    return STATE_DIR / f"stack-{aws_port}.json"


def _port(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"{name} must be a TCP port number, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class LocalConfig:
    """The local stack's own knobs (HERALD_API_PORT, HERALD_AWS_PORT, HERALD_DEV_API_KEY, HERALD_LOCAL_*)."""

    api_port: int
    aws_port: int
    dev_api_key: str | None
    event_log: Path | None
    aws_log: Path | None
    containers: int

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    @property
    def aws_endpoint(self) -> str:
        return f"http://{HOST}:{self.aws_port}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LocalConfig:
        """Raises ValueError for a malformed value."""
        env = os.environ if environ is None else environ
        containers = env.get("HERALD_LOCAL_CONTAINERS", "").strip() or "4"
        if not containers.isdigit() or int(containers) < 1:
            raise ValueError(f"HERALD_LOCAL_CONTAINERS must be a positive number, not {containers!r}")
        return cls(
            api_port=_port(env, "HERALD_API_PORT", DEFAULT_API_PORT),
            aws_port=_port(env, "HERALD_AWS_PORT", DEFAULT_AWS_PORT),
            dev_api_key=env.get("HERALD_DEV_API_KEY", "").strip() or None,
            event_log=Path(env["HERALD_LOCAL_EVENT_LOG"]) if env.get("HERALD_LOCAL_EVENT_LOG") else None,
            aws_log=Path(env["HERALD_LOCAL_AWS_LOG"]) if env.get("HERALD_LOCAL_AWS_LOG") else None,
            containers=int(containers),
        )
