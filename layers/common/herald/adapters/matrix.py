"""Matrix Client-Server API: an `m.notice` with an HTML formatted body, sent with PUT (PROVIDERS.md §14)."""

from __future__ import annotations

import re
from html import escape
from typing import Annotated, Any, ClassVar
from urllib.parse import quote

from pydantic import AfterValidator, Field

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import Secret, ServerUrl
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

# §14 "Size": a whole event is at most 65,536 bytes including what the homeserver adds (signatures, ids).
CONTENT_BYTES_LIMIT = 60_000
# Per-text character budget to start from (a notification body's maximum), halved until the
# content fits the byte limit.
TEXT_BUDGET = 16_384
SEND_PATH = "/_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}"
HTML_FORMAT = "org.matrix.custom.html"
_ROOM_ID = re.compile(r"![^\s]+")


def _room_id(value: str) -> str:
    # §14: the internal room id (`!…`); an alias (`#room:server`) would need a directory lookup first.
    if not _ROOM_ID.fullmatch(value):
        raise ValueError("Matrix room ID must be an internal room id such as !abc123:matrix.org, not an alias")
    return value


RoomId = Annotated[str, Field(max_length=255), AfterValidator(_room_id)]


class MatrixConfig(ChannelConfig):
    homeserver_url: ServerUrl = Field(description="Matrix homeserver URL")
    room_id: RoomId = Field(description="Matrix room ID")
    access_token: Secret = Field(description="Matrix access token")

    host_fields: ClassVar[tuple[str, ...]] = ("homeserver_url",)
    recipient_fields: ClassVar[tuple[str, ...]] = ("room_id",)

    def summary(self) -> str:
        return self.room_id


def transaction_id(delivery_id: str) -> str:
    """One txnId per delivery: retries reuse it (the homeserver deduplicates), a new delivery gets a new one."""
    return f"herald-{delivery_id}"


def _html(text: str) -> str:
    return escape(text, quote=False).replace("\n", "<br>")


def build_content(n: Notification, budget: int = TEXT_BUDGET) -> dict[str, Any]:
    """The event content: plain `body` and the same message as escaped HTML in `formatted_body`."""
    headline = render.truncate(render.headline(n), budget)
    description = render.description(n, budget)
    facts = [(render.truncate(name, budget), render.truncate(value, budget)) for name, value in render.facts(n)]
    url = render.link(n)

    plain = [headline, *([description] if description else []), *(f"{name}: {value}" for name, value in facts)]
    color = f"#{render.color_hex(n)}"
    html = [f'<b><span data-mx-color="{color}">{_html(headline)}</span></b>']
    if description:
        html.append(f"<p>{_html(description)}</p>")
    html.append("<ul>" + "".join(f"<li><b>{_html(name)}</b>: {_html(value)}</li>" for name, value in facts) + "</ul>")
    if url:
        plain.append(url)
        html.append(f'<a href="{escape(url, quote=True)}">Open</a>')
    return {"msgtype": "m.notice", "body": "\n".join(plain), "format": HTML_FORMAT, "formatted_body": "".join(html)}


def _retry_after(response: HttpResponse) -> float | None:
    # §14 "Rate limit": the Retry-After header first; `retry_after_ms` (deprecated since v1.10) as fallback.
    header = classify.retry_after_seconds(response)
    if header is not None:
        return header
    data = response.json()
    millis = data.get("retry_after_ms") if isinstance(data, dict) else None
    if isinstance(millis, int | float) and not isinstance(millis, bool) and millis >= 0:
        return millis / 1000
    return None


def _error_words(response: HttpResponse) -> str | None:
    data = response.json()
    if not isinstance(data, dict):
        return None
    words = [str(data[key]) for key in ("errcode", "error") if data.get(key)]
    return ": ".join(words) or None


class MatrixAdapter(HttpAdapter[MatrixConfig]):
    kind = "matrix"
    display_name = "Matrix"
    config_model = MatrixConfig

    def build_request(self, notification: Notification, config: MatrixConfig, ctx: RenderContext) -> OutboundRequest:
        """PUT the v3 send path with a Bearer token; the room id and txnId are percent-encoded (§14)."""
        path = SEND_PATH.format(
            room=quote(config.room_id, safe=""), txn=quote(transaction_id(ctx.delivery_id), safe="")
        )
        content = render.fit_json(lambda budget: build_content(notification, budget), CONTENT_BYTES_LIMIT, TEXT_BUDGET)
        headers = {"Authorization": f"Bearer {config.access_token.get_secret_value()}"}
        return OutboundRequest.json("PUT", config.homeserver_url.rstrip("/") + path, content, headers)

    def interpret(self, response: HttpResponse) -> Receipt:
        """Success is 200 with the new `event_id`, recorded as the provider's id.

        Raises RetryableDeliveryError for 429 `M_LIMIT_EXCEEDED` (delay from Retry-After, else
        `retry_after_ms`) and 5xx; PermanentDeliveryError otherwise, with the errcode and error text.
        """
        if response.status == 200:
            data = response.json()
            event_id = data.get("event_id") if isinstance(data, dict) else None
            if event_id:
                return Receipt(provider_message_id=str(event_id), http_status=200)
        retry_after = _retry_after(response) if response.status == 429 else None
        raise classify.failure(self.display_name, response, _error_words(response), retry_after=retry_after)
