"""What crosses the wire: a request as an adapter wants it sent, the answer, and a success's receipt."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class OutboundRequest:
    """One HTTP request as an adapter wants it sent. `url` may carry a secret: never log it."""

    method: str
    url: str = field(repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    body: bytes = field(default=b"", repr=False)

    @classmethod
    def json(cls, method: str, url: str, payload: Any, headers: Mapping[str, str] | None = None) -> OutboundRequest:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(method, url, {"Content-Type": "application/json", **(headers or {})}, body)

    def json_body(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_ms: int = 0

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == lower), None)

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass(frozen=True)
class Receipt:
    """What a successful send hands back: the provider's id for the message, when it gives one."""

    provider_message_id: str | None = None
    http_status: int | None = None


class HttpSender(Protocol):
    """What `transport/http.py` gives adapters: the only way they reach the network."""

    def send(self, request: OutboundRequest) -> HttpResponse: ...
