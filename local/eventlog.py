"""HERALD_LOCAL_EVENT_LOG: one JSON line per handler invocation, so tests can see the exact event shapes."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

# Credentials are masked: the API key headers, any Herald API key (a request or a response may hold one),
# and the usage plan key an authorizer answers (not a secret of Herald's, but never written down).
_MASKED_KEYS = frozenset({"x-api-key", "authorization", "usageidentifierkey"})
_API_KEY = re.compile(r"hrld_[A-Za-z0-9_-]{8,}")
MASK = "••••••••"


def mask_credentials(value: Any) -> Any:
    """`value` with the API key headers' values masked, at any depth."""
    if isinstance(value, dict):
        return {
            key: (
                ([MASK] * len(item) if isinstance(item, list) else MASK)
                if str(key).lower() in _MASKED_KEYS
                else mask_credentials(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_credentials(item) for item in value]
    return value


class EventLog:
    """Appends `{"function", "requestId", "event", "result" | "error"}` lines; a no-op without a path.

    For tests and debugging only: events hold request bodies as sent (API keys are masked).
    """

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()

    def record(self, function: str, request_id: str, event: Any, outcome: dict[str, Any]) -> None:
        if self._path is None:
            return
        entry = {"function": function, "requestId": request_id, "event": mask_credentials(event), **outcome}
        line = _API_KEY.sub(MASK, json.dumps(entry, ensure_ascii=False, default=str))
        with self._lock, self._path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
