"""Grafana OnCall (Grafana Cloud IRM) inbound webhook: an alert by `alert_uid`, `state: ok` resolves it.

The service's request format, read 2026-12-03 from "Inbound Webhook integrations for Grafana OnCall"
(https://grafana.com/docs/oncall/latest/configure/integrations/references/webhook/, and the same page of
Grafana Cloud IRM: .../irm/configure/integrations/webhooks/incoming-webhooks/oncall-webhooks):

    POST https://oncall-prod-us-central-0.grafana.net/oncall/integrations/v1/formatted_webhook/{token}/
    Content-Type: application/json
    {"alert_uid": "08d6891a-835c-e661-39fa-96b6a9e26552", "title": "The whole system is down",
     "image_url": "", "state": "alerting", "link_to_upstream_details": "", "message": "Smth happened. Oh no!"}

The integration's URL (Webhook or Formatted Webhook) is the credential. Every field is optional; `alert_uid`
groups the alerts of one alert group, and `state` `ok` auto-resolves that group (`alerting` otherwise).
Success is 200 with the JSON string "Ok." (grafana/oncall engine/apps/integrations/views.py); a URL of
another integration type is a 400 with text, an unknown token a 403 `{"detail": …}`, the integration's
rate limit a 429.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.adapters.pagerduty import dedup_key
from herald.models.config import ChannelConfig
from herald.models.fields import WebhookUrl
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

# The page documents no limits; ours keep the title a headline and the payload small.
TITLE_LIMIT = 1024
MESSAGE_LIMIT = 10_000


class GrafanaOnCallConfig(ChannelConfig):
    """The URL of a Grafana OnCall Webhook or Formatted Webhook integration."""

    webhook_url: WebhookUrl = Field(
        validation_alias=AliasChoices(
            "webhookUrl", "webhook_url", "url", "integrationUrl", "integration_url", "grafanaOncallURL"
        ),
        description="Grafana OnCall webhook URL",
    )

    host_fields: ClassVar[tuple[str, ...]] = ("webhook_url",)

    def summary(self) -> str:
        return urlsplit(self.webhook_url.get_secret_value()).hostname or ""


def alert(n: Notification, ctx: RenderContext) -> dict[str, Any]:
    """The Formatted Webhook's fields; `alert_uid` is the dedup key, so the recovery resolves the same group."""
    body: dict[str, Any] = {
        "alert_uid": dedup_key(n, ctx),
        "title": render.truncate(render.plain_headline(n), TITLE_LIMIT),
        "state": "ok" if n.resolved else "alerting",
        "message": render.truncate(render.plain_body(n), MESSAGE_LIMIT),
        # What a plain Webhook integration's templates can route on; a Formatted Webhook ignores them.
        "severity": n.severity,
        "event": n.event,
    }
    if url := render.link(n):
        body["link_to_upstream_details"] = url
    return body


def _error_words(response: HttpResponse) -> str | None:
    data = response.json()
    if isinstance(data, dict) and data.get("detail"):
        return str(data["detail"])
    return None


class GrafanaOnCallAdapter(HttpAdapter[GrafanaOnCallConfig]):
    kind = "grafanaoncall"
    display_name = "Grafana OnCall"
    aliases = ("grafana_oncall", "oncall")
    config_model = GrafanaOnCallConfig

    def build_request(
        self, notification: Notification, config: GrafanaOnCallConfig, ctx: RenderContext
    ) -> OutboundRequest:
        return OutboundRequest.json("POST", config.webhook_url.get_secret_value(), alert(notification, ctx))

    def interpret(self, response: HttpResponse) -> Receipt:
        """Any 2xx is success (OnCall answers 200 "Ok." and gives no id).

        Raises RetryableDeliveryError for 429 (Retry-After when given) and 5xx; PermanentDeliveryError
        otherwise, with OnCall's `detail` or its text.
        """
        if 200 <= response.status < 300:
            return Receipt(http_status=response.status)
        raise classify.failure(self.display_name, response, _error_words(response))
