"""What the group-robot kinds (Lark, DingTalk, WeCom) share: the webhook URL the service shows, on its own host.

Each service hands a group's robot out as one URL with the credential inside it (Lark's hook id, DingTalk's
`access_token`, WeCom's `key`): the config keeps that URL whole, as Slack's and Teams' do, so a user pastes what
they copied. Unlike Slack's, the host is fixed, so the URL must be on it: a URL of another host would hand the
credential (and the alerts) to whoever runs that host. `HERALD_ENDPOINT_<KIND>` moves the origin only (the
e2e stack points it at a receiver on 127.0.0.1), keeping the path and query the service needs.

All three say yes or no in a 200 with a JSON code (`code` or `errcode`, 0 for success) and a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from pydantic import SecretStr

from herald.adapters.base import RenderContext
from herald.transport import classify
from herald.transport.wire import HttpResponse, Receipt

# The spellings a user of these services writes for the robot's URL ("Webhook 地址").
URL_SPELLINGS = ("webhookUrl", "webhook_url", "webhook", "url")


@dataclass(frozen=True)
class RobotUrl:
    """Where a service's robot webhooks live: https, one of `hosts`, `path` (a prefix when it ends with `/`)
    and, when `query_key` is set, that query parameter holding the credential."""

    label: str
    hosts: tuple[str, ...]
    path: str
    query_key: str | None = None

    @property
    def example(self) -> str:
        query = f"?{self.query_key}=…" if self.query_key else ""
        tail = "…" if self.path.endswith("/") else ""
        return f"https://{self.hosts[0]}{self.path}{tail}{query}"

    def check(self, value: SecretStr) -> SecretStr:
        """Raises ValueError naming the rule and the expected form (never the URL, which is the credential)."""
        parts = urlsplit(value.get_secret_value())
        rest = parts.path.removeprefix(self.path) if parts.path.startswith(self.path) else None
        # A prefix needs one non-empty segment after it (Lark's hook id); a full path must match exactly.
        path_ok = bool(rest) and "/" not in (rest or "") if self.path.endswith("/") else rest == ""
        query = parse_qs(parts.query)
        query_ok = self.query_key is None or bool(query.get(self.query_key, [""])[0])
        origin_ok = parts.scheme == "https" and (parts.hostname or "") in self.hosts and parts.port is None
        if not (origin_ok and path_ok and query_ok and not parts.username and not parts.password):
            raise ValueError(f"{self.label} must be the robot's webhook URL as the service shows it: {self.example}")
        return value


def send_url(url: str, kind: str, ctx: RenderContext) -> str:
    """The configured URL, or its path and query under `HERALD_ENDPOINT_<KIND>` when that is set."""
    parts = urlsplit(url)
    origin = ctx.endpoint(kind, f"{parts.scheme}://{parts.netloc}")
    return origin + urlunsplit(("", "", parts.path, parts.query, ""))


def host(url: SecretStr) -> str:
    return urlsplit(url.get_secret_value()).hostname or ""


@dataclass(frozen=True)
class Codes:
    """How a service words its answer: the JSON keys of its code and message, and its throttling codes."""

    code_key: str
    message_key: str
    throttled: tuple[int, ...]
    throttle_wait: float  # seconds: the service's throttling window, when it sends no Retry-After

    def interpret(self, service: str, response: HttpResponse) -> Receipt:
        """Success is a 2xx whose code is 0.

        Raises RetryableDeliveryError for 429, 5xx and the throttling codes (retried after the throttling
        window unless Retry-After says otherwise); PermanentDeliveryError otherwise, with the service's
        message and code ("sign not match (errcode 310000)").
        """
        data: Any = response.json()
        code = data.get(self.code_key) if isinstance(data, dict) else None
        if 200 <= response.status < 300 and code == 0:
            return Receipt(http_status=response.status)
        message = str(data.get(self.message_key) or "") if isinstance(data, dict) else ""
        words = f"{message} ({self.code_key} {code})" if code is not None and message else (message or None)
        if isinstance(code, int) and code in self.throttled:
            wait = classify.retry_after_seconds(response)
            retry_after = self.throttle_wait if wait is None else wait
            raise classify.failure(service, response, words, retryable=True, retry_after=retry_after)
        raise classify.failure(service, response, words)
