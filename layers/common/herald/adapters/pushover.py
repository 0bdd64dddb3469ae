"""Pushover Message API: a form-encoded push with limited HTML and a priority (PROVIDERS.md §8).

The application token may be left out of a channel when the tenant stored it once (provider settings
`pushover`). Emergency priority (2) repeats until acknowledged, so it is tagged with the alert's key and
the resolve cancels it by that tag before it says, at normal priority, that the alert recovered.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from typing import Annotated, Any, ClassVar
from urllib.parse import quote, urlencode

from pydantic import AfterValidator, Field

from herald.adapters import render
from herald.adapters.base import DeliveryContext, RenderContext, Wire
from herald.adapters.httpbase import HttpAdapter
from herald.errors import PermanentDeliveryError
from herald.models.config import ChannelConfig
from herald.models.fields import Secret
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

PUBLIC_API = "https://api.pushover.net"
MESSAGES_PATH = "/1/messages.json"
CANCEL_BY_TAG_PATH = "/1/receipts/cancel_by_tag/{tag}.json"
# §8 "Length limits" (the message counted with its HTML tags, to be safe).
MESSAGE_LIMIT = 1024
TITLE_LIMIT = 250
URL_LIMIT = 512
URL_TITLE_LIMIT = 100
URL_TITLE = "Open in monitoring"
# §8 priorities: -2 lowest, -1 quiet, 0 normal, 1 high (bypasses quiet hours), 2 emergency.
EMERGENCY = 2
NORMAL = 0
# Emergency is opt-in (config `priority: 2`): it repeats until someone acknowledges it.
SEVERITY_PRIORITY = {"critical": 1, "warning": 0, "info": -1}
# §8 "Emergency": `retry` ≥ 30 s and `expire` ≤ 10800 s are required; these are the doc's example values.
EMERGENCY_RETRY_SECONDS = 60
EMERGENCY_EXPIRE_SECONDS = 3600
TAG_LIMIT = 100  # our choice: a tag is the alert's key, hashed beyond this

_DEVICE = re.compile(r"[A-Za-z0-9_-]{1,25}")
_SOUND = re.compile(r"[A-Za-z0-9_-]{1,32}")
_SAFE_TAG = re.compile(r"[A-Za-z0-9_.:-]+")


def _devices(value: str) -> str:
    # §8: `device` is a comma-separated list of device names (letters, digits, _ and -, at most 25 each).
    names = [name.strip() for name in value.split(",")]
    if not all(_DEVICE.fullmatch(name) for name in names):
        raise ValueError("Pushover device must be device names separated by commas (letters, digits, _ or -)")
    return ",".join(names)


def _sound(value: str) -> str:
    if not _SOUND.fullmatch(value):
        raise ValueError("Pushover sound must be a sound name such as 'siren' or 'pushover'")
    return value


class PushoverConfig(ChannelConfig):
    """A user (or group) key, the application that sends, and how loud the push is."""

    user_key: Secret = Field(description="Pushover user key")
    app_token: Secret | None = Field(None, description="Pushover application token")
    priority: int | None = Field(None, ge=-2, le=2, description="Pushover priority")
    sound: Annotated[str, AfterValidator(_sound)] | None = Field(None, description="Pushover sound")
    device: Annotated[str, Field(max_length=512), AfterValidator(_devices)] | None = Field(
        None, description="Pushover device"
    )

    # The user key says whose phones ring; the device only narrows that user's devices.
    recipient_fields: ClassVar[tuple[str, ...]] = ("user_key", "device")

    def provider(self) -> str | None:
        return "pushover"

    def missing_credentials(self) -> list[str]:
        return [] if self.app_token is not None else ["appToken"]

    def summary(self) -> str:
        return f"devices {self.device}" if self.device else "all devices"


def tag(n: Notification, ctx: RenderContext) -> str:
    """The tag an emergency push carries and its resolve cancels: the alert's dedup key, made tag-safe."""
    key = n.dedup_key or (n.monitor.id if n.monitor and n.monitor.id else None) or ctx.delivery_id
    if len(key) <= TAG_LIMIT and _SAFE_TAG.fullmatch(key):
        return key
    # Commas separate tags and other characters may not survive; a hash is the same on both sides.
    return "herald-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def priority(n: Notification, config: PushoverConfig) -> int:
    """Configured, else by severity; a recovery is never louder than normal (and never an emergency)."""
    chosen = config.priority if config.priority is not None else SEVERITY_PRIORITY[n.severity]
    return min(chosen, NORMAL) if n.resolved else chosen


def _length(tag_name: str, text: str) -> int:
    return len(render.span_html(tag_name, text))


def _lines(lines: list[list[render.Span]]) -> list[render.Span]:
    spans: list[render.Span] = []
    for line in lines:
        spans += [("", "\n"), *line] if spans else line
    return spans


def message_html(n: Notification) -> str:
    """Recovery line, body and facts in Pushover's HTML, within MESSAGE_LIMIT with the cut visible."""
    head: list[render.Span] = [("b", recovered), ("", "\n")] if (recovered := render.recovery_line(n)) else []
    lines: list[list[render.Span]] = [[("", n.body)]] if n.body else []
    lines += [
        [("b", f"{name}:"), ("", f" {value}")]
        for name, value in render.facts(n)
        if name not in ("Severity", "Downtime")  # the title and the recovery line say those
    ]
    tail: list[render.Span] = []
    url = render.link(n)
    if url and len(url) > URL_LIMIT:
        # Too long for the `url` parameter: the link goes into the message instead of being cut.
        tail = [("", "\n"), (render.link_tag(url), URL_TITLE)]
    room = MESSAGE_LIMIT - sum(_length(*span) for span in head + tail)
    spans = head + render.fit_spans(_lines(lines), room, _length) + tail
    # Pushover refuses an empty message; the title is all there is to say then.
    return render.html(spans).strip() or render.html(render.fit_spans([("", n.title)], MESSAGE_LIMIT, _length))


def form(n: Notification, config: PushoverConfig, ctx: RenderContext) -> list[tuple[str, str]]:
    if config.app_token is None:
        raise PermanentDeliveryError(
            "Pushover application token is missing: set appToken on the channel or store it with "
            "PUT /v1/settings/providers/pushover",
            code="missing_credentials",
        )
    level = priority(n, config)
    fields = [
        ("token", config.app_token.get_secret_value()),
        ("user", config.user_key.get_secret_value()),
        ("title", render.truncate(render.headline(n), TITLE_LIMIT)),
        ("message", message_html(n)),
        ("html", "1"),
        ("priority", str(level)),
        ("timestamp", str(int(n.occurred_at.timestamp()))),
    ]
    url = render.link(n)
    if url and len(url) <= URL_LIMIT:
        fields += [("url", url), ("url_title", URL_TITLE[:URL_TITLE_LIMIT])]
    if config.sound:
        fields.append(("sound", config.sound))
    if config.device:
        fields.append(("device", config.device))
    if level == EMERGENCY:
        fields += [
            ("retry", str(EMERGENCY_RETRY_SECONDS)),
            ("expire", str(EMERGENCY_EXPIRE_SECONDS)),
            ("tags", tag(n, ctx)),
        ]
    return fields


def _form_request(url: str, fields: list[tuple[str, str]]) -> OutboundRequest:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    return OutboundRequest("POST", url, headers, urlencode(fields).encode())


def _error_words(data: Any) -> str | None:
    errors = data.get("errors") if isinstance(data, dict) else None
    if isinstance(errors, list) and errors:
        return "; ".join(str(error) for error in errors)
    return None


class PushoverAdapter(HttpAdapter[PushoverConfig]):
    kind = "pushover"
    display_name = "Pushover"
    config_model = PushoverConfig

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock  # reads X-Limit-App-Reset (a unix time) as a delay

    def build_request(self, notification: Notification, config: PushoverConfig, ctx: RenderContext) -> OutboundRequest:
        """POST /1/messages.json, form-encoded with `token` and `user` in the body (§8).

        Raises PermanentDeliveryError when no application token is set on the channel or in the settings.
        """
        url = ctx.endpoint(self.kind, PUBLIC_API) + MESSAGES_PATH
        return _form_request(url, form(notification, config, ctx))

    def build_cancel_request(
        self, notification: Notification, config: PushoverConfig, ctx: RenderContext
    ) -> OutboundRequest | None:
        """For a resolve of an alert sent as an emergency: cancel its repeats by tag (§8 "Resolve"); else None."""
        if not notification.resolved or config.priority != EMERGENCY or config.app_token is None:
            return None
        path = CANCEL_BY_TAG_PATH.format(tag=quote(tag(notification, ctx), safe=""))
        return _form_request(
            ctx.endpoint(self.kind, PUBLIC_API) + path, [("token", config.app_token.get_secret_value())]
        )

    def plan(self, notification: Notification, config: PushoverConfig, ctx: RenderContext) -> list[Wire]:
        """The cancel of an emergency's repeats (when resolving one), then the message: as `send` does."""
        cancel = self.build_cancel_request(notification, config, ctx)
        return [*([cancel] if cancel else []), self.build_request(notification, config, ctx)]

    def interpret(self, response: HttpResponse) -> Receipt:
        """Success is 200 with `status: 1` (Pushover's `request` id is recorded).

        Raises RetryableDeliveryError for 429 (quota spent: delay until X-Limit-App-Reset) and 5xx, and
        PermanentDeliveryError otherwise, with Pushover's `errors`.
        """
        data = response.json()
        if response.status == 200 and isinstance(data, dict) and data.get("status") == 1:
            request_id = data.get("request")
            return Receipt(provider_message_id=str(request_id) if request_id else None, http_status=200)
        words = _error_words(data)
        if response.status == 200:
            raise classify.failure(
                self.display_name, response, words or "the answer did not say status 1", retryable=False
            )
        raise classify.failure(self.display_name, response, words, retry_after=self._reset_delay(response))

    def send(self, notification: Notification, config: PushoverConfig, ctx: DeliveryContext) -> Receipt:
        """Cancel an emergency's repeats first (when resolving one), then send the message.

        A cancel that Pushover refuses does not stop the recovery message; one that may succeed later
        (429, 5xx) raises RetryableDeliveryError so that the whole resolve is tried again.
        """
        if ctx.http is None:
            raise TypeError("PushoverAdapter.send needs ctx.http (the guarded session)")
        if cancel := self.build_cancel_request(notification, config, ctx):
            answer = ctx.http.send(cancel)
            if answer.status != 200:
                error = classify.failure(self.display_name, answer, _error_words(answer.json()))
                if error.retryable:
                    raise error
        return super().send(notification, config, ctx)

    def _reset_delay(self, response: HttpResponse) -> float | None:
        if response.status != 429:
            return None
        value = response.header("X-Limit-App-Reset")
        if not value or not value.strip().isdigit():
            return None
        return max(0.0, float(value) - self._clock())
