"""Splunk On-Call (VictorOps) REST endpoint integration: an alert by `entity_id`, RECOVERY resolves it.

The service's request format (PROVIDERS.md §22, read 2026-12-03; sources there:
help.victorops.com/knowledge-base/victorops-restendpoint-integration and the REST Endpoint Integration Guide):

    POST https://alert.victorops.com/integrations/generic/20131114/alert/{REST_API_KEY}/{routing_key}
    Content-Type: application/json
    {"message_type": "CRITICAL", "entity_id": "alert-123", "entity_display_name": "[CRITICAL] DB down",
     "state_message": "connection refused on db-1", "monitoring_tool": "Herald", "state_start_time": 1778833800}

Only `message_type` is required: CRITICAL opens an incident, WARNING may (per the routing's settings), INFO is
a timeline entry only, RECOVERY resolves the incident of the same `entity_id`. Success is 200
`{"result":"success","entity_id":"…"}`; a bad key or routing key is a 4xx `{"result":"failure","message":"…"}`;
429 is the rate limit. The key is a path segment: it never appears in an error (classify quotes no URL).
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

from pydantic import AliasChoices, Field

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.adapters.pagerduty import dedup_key
from herald.models.config import ChannelConfig
from herald.models.fields import Secret
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

PUBLIC_HOST = "https://alert.victorops.com"
ALERT_PATH = "/integrations/generic/20131114/alert"
# §22: Herald's severities onto the message types; INFO only writes the timeline, so an info never pages.
MESSAGE_TYPE = {"critical": "CRITICAL", "warning": "WARNING", "info": "INFO"}
RECOVERY = "RECOVERY"
MONITORING_TOOL = "Herald"
# §22 documents no limits; ours keep an alert readable and its payload small (the timeline shows it whole).
DISPLAY_NAME_LIMIT = 1024
STATE_MESSAGE_LIMIT = 10_000
ROUTING_KEY_PATTERN = r"^[A-Za-z0-9._~-]+$"  # one path segment, as the integration's routing keys are


class SplunkOnCallConfig(ChannelConfig):
    """The REST endpoint integration's API key and the routing key that picks the escalation."""

    # `restApiKey` / `REST_API_KEY` is how the integration page names it; `apiKey` is the short form.
    api_key: Secret = Field(
        validation_alias=AliasChoices("apiKey", "api_key", "restApiKey", "rest_api_key", "REST_API_KEY"),
        description="Splunk On-Call REST API key",
    )
    routing_key: str = Field(
        min_length=1,
        max_length=256,
        pattern=ROUTING_KEY_PATTERN,
        description="Splunk On-Call routing key",
    )

    host_fields: ClassVar[tuple[str, ...]] = ()
    recipient_fields: ClassVar[tuple[str, ...]] = ("routing_key",)

    def summary(self) -> str:
        return f"{urlsplit(PUBLIC_HOST).hostname} · {self.routing_key}"


def alert(n: Notification, ctx: RenderContext) -> dict[str, Any]:
    """The alert (or its recovery) for `entity_id` = the notification's dedup key (as PagerDuty's `dedup_key`)."""
    body: dict[str, Any] = {
        "message_type": RECOVERY if n.resolved else MESSAGE_TYPE[n.severity],
        "entity_id": dedup_key(n, ctx),
        "entity_display_name": render.truncate(render.plain_headline(n), DISPLAY_NAME_LIMIT),
        "state_message": render.truncate(render.plain_body(n), STATE_MESSAGE_LIMIT) or render.plain_headline(n),
        "monitoring_tool": MONITORING_TOOL,
        "state_start_time": int(n.occurred_at.timestamp()),
    }
    if url := render.link(n):
        body["alert_url"] = url
    return body


def _error_words(data: Any) -> str | None:
    if isinstance(data, dict) and (message := data.get("message") or data.get("result")):
        return str(message)
    return None


class SplunkOnCallAdapter(HttpAdapter[SplunkOnCallConfig]):
    kind = "splunkoncall"
    display_name = "Splunk On-Call"
    aliases = ("victorops", "splunk_oncall")
    config_model = SplunkOnCallConfig

    def build_request(
        self, notification: Notification, config: SplunkOnCallConfig, ctx: RenderContext
    ) -> OutboundRequest:
        """POST to the REST endpoint with the key and routing key as path segments (§22)."""
        key = quote(config.api_key.get_secret_value(), safe="")
        url = f"{ctx.endpoint(self.kind, PUBLIC_HOST)}{ALERT_PATH}/{key}/{quote(config.routing_key, safe='')}"
        return OutboundRequest.json("POST", url, alert(notification, ctx))

    def interpret(self, response: HttpResponse) -> Receipt:
        """200 with `result: success` is success (its `entity_id` is recorded).

        Raises RetryableDeliveryError for 429 and 5xx, PermanentDeliveryError otherwise with the service's
        `message` (a 200 without `success` too: nothing confirms the alert).
        """
        data = response.json()
        if response.status == 200 and isinstance(data, dict) and str(data.get("result")).lower() == "success":
            entity = data.get("entity_id")
            return Receipt(provider_message_id=str(entity) if entity else None, http_status=200)
        raise classify.failure(self.display_name, response, _error_words(data))
