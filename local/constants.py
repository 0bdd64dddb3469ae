"""Fixed facts of the local stack (API.md section 1) and the knobs read from its environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
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


def _parameters(raw: str) -> dict[str, str]:
    """`Name=value Name=value` (values without spaces; commas are fine: `EgressAllow=a,b`)."""
    found: dict[str, str] = {}
    for pair in raw.split():
        name, equals, value = pair.partition("=")
        if not equals or not name.isalnum():
            raise ValueError(f"HERALD_LOCAL_PARAMETERS must be Name=value pairs separated by spaces, not {pair!r}")
        found[name] = value
    return found


@dataclass(frozen=True)
class LocalConfig:
    """The local stack's own knobs (HERALD_API_PORT, HERALD_AWS_PORT, HERALD_DEV_API_KEY, HERALD_LOCAL_*)."""

    api_port: int
    aws_port: int
    dev_api_key: str | None
    event_log: Path | None
    aws_log: Path | None
    containers: int
    # HERALD_LOCAL_PARAMETERS="Name=value Name=value": template parameter overrides, as sam --parameter-overrides.
    parameters: Mapping[str, str] = field(default_factory=dict)

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
            parameters=_parameters(env.get("HERALD_LOCAL_PARAMETERS", "")),
        )
