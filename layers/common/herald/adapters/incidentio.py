"""incident.io Alert Events V2 (HTTP alert source): `firing` by `deduplication_key`, `resolved` closes it.

The service's request format (PROVIDERS.md §23, read 2026-12-03; sources there:
docs.incident.io/api-reference/alert-events-v2/createhttp and docs.incident.io/api-reference/introduction):

    POST https://api.incident.io/v2/alert_events/http/{alert_source_config_id}
    Authorization: Bearer {alert_source_token}
    Content-Type: application/json
    {"title": "[CRITICAL] DB down", "status": "firing", "deduplication_key": "alert-123",
     "description": "connection refused on db-1", "source_url": "https://status.example/alert/123",
     "metadata": {"severity": "critical"}}

`title`, `status` (firing | resolved) and `deduplication_key` are required; a repeated `firing` with the same
key updates the one alert, `resolved` with it resolves the alert. `description` is Markdown. Success is 202
`{"status":"success","message":"Event accepted for processing","deduplication_key":"…"}`; errors are
`{"type":…,"status":4xx,"errors":[{"code":…,"message":…,"source":{"field":…}}]}` (401 token, 404 source,
422 validation); 429 is the API's rate limit (1,200 requests a minute per key).
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from pydantic import AliasChoices, Field

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.gotify import escape_markdown
from herald.adapters.httpbase import HttpAdapter
from herald.adapters.pagerduty import dedup_key
from herald.models.config import ChannelConfig
from herald.models.fields import Secret
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

PUBLIC_HOST = "https://api.incident.io"
EVENTS_PATH = "/v2/alert_events/http"
# §23 documents no lengths; ours keep the alert's title a headline and its description within reason.
TITLE_LIMIT = 1024
DESCRIPTION_LIMIT = 10_000
SOURCE_ID_PATTERN = r"^[A-Za-z0-9]+$"  # the alert source's id, a ULID such as 01GW2G3V0S59R238FAHPDS1R66


class IncidentIoConfig(ChannelConfig):
    """The HTTP alert source's config id (the last segment of its URL) and its token."""

    alert_source_config_id: str = Field(
        validation_alias=AliasChoices(
            "alertSourceConfigId", "alert_source_config_id", "alertSourceId", "alert_source_id", "sourceId"
        ),
        min_length=1,
        max_length=64,
        pattern=SOURCE_ID_PATTERN,
        description="incident.io alert source config ID",
    )
    token: Secret = Field(
        validation_alias=AliasChoices("token", "alertSourceToken", "alert_source_token", "bearerToken"),
        description="incident.io alert source token",
    )

    host_fields: ClassVar[tuple[str, ...]] = ("alert_source_config_id",)

    def summary(self) -> str:
        return f"{urlsplit(PUBLIC_HOST).hostname} · {self.alert_source_config_id}"


def _description(n: Notification, limit: int) -> str:
    lines = [escape_markdown(n.body)] if n.body else []
    if recovered := render.recovery_line(n):
        lines.append(recovered)
    lines += [
        f"**{escape_markdown(name)}:** {escape_markdown(value)}"
        for name, value in render.facts(n)
        if name not in ("Severity", "Downtime")
    ]
    return render.truncate("\n\n".join(lines), limit)


def _metadata(n: Notification) -> dict[str, Any]:
    metadata: dict[str, Any] = {"severity": n.severity, "event": n.event}
    if n.monitor and n.monitor.name:
        metadata["monitor"] = n.monitor.name
    for item in n.fields:
        metadata.setdefault(item.label, item.value)
    return metadata


def event(n: Notification, ctx: RenderContext) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": render.truncate(n.title, TITLE_LIMIT),
        "status": "resolved" if n.resolved else "firing",
        "deduplication_key": dedup_key(n, ctx),
        "metadata": _metadata(n),
    }
    if description := _description(n, DESCRIPTION_LIMIT):
        body["description"] = description
    if url := render.link(n):
        body["source_url"] = url
    return body


def _error_word(error: dict[str, Any]) -> str:
    """`field: message` (§23 `errors[].source.field`), or the message alone."""
    source = error.get("source")
    field = source.get("field") if isinstance(source, dict) else None
    message = str(error.get("message") or error.get("code") or "")
    return f"{field}: {message}" if field and message else message


def _error_words(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    errors = data.get("errors")
    listed = [error for error in errors if isinstance(error, dict)] if isinstance(errors, list) else []
    words = [_error_word(error) for error in listed]
    return "; ".join(word for word in words if word) or (str(data["type"]) if data.get("type") else None)


class IncidentIoAdapter(HttpAdapter[IncidentIoConfig]):
    kind = "incidentio"
    display_name = "incident.io"
    aliases = ("incident_io", "incident.io")
    config_model = IncidentIoConfig

    def build_request(
        self, notification: Notification, config: IncidentIoConfig, ctx: RenderContext
    ) -> OutboundRequest:
        """POST the event to the alert source's endpoint with its token as a Bearer header (§23), never `?token=`."""
        url = f"{ctx.endpoint(self.kind, PUBLIC_HOST)}{EVENTS_PATH}/{quote(config.alert_source_config_id, safe='')}"
        headers = {"Authorization": f"Bearer {config.token.get_secret_value()}"}
        return OutboundRequest.json("POST", url, event(notification, ctx), headers)

    def interpret(self, response: HttpResponse) -> Receipt:
        """202 is success (the answered `deduplication_key` is recorded).

        Raises RetryableDeliveryError for 429 (Retry-After when given) and 5xx; PermanentDeliveryError otherwise,
        with each of incident.io's `errors` as `field: message`.
        """
        data = response.json()
        if response.status == 202:
            key = data.get("deduplication_key") if isinstance(data, dict) else None
            return Receipt(provider_message_id=str(key) if key else None, http_status=202)
        raise classify.failure(self.display_name, response, _error_words(data))
