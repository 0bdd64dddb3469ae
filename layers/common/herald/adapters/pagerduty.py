"""PagerDuty Events API v2: `trigger` opens an alert, `resolve` with its `dedup_key` closes it (PROVIDERS.md §6)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, BeforeValidator, Field, model_validator

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import Secret
from herald.models.notification import Notification
from herald.timeutil import iso
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

# §6 "Method / URL": the host follows the account's service region.
PUBLIC_HOSTS = {"us": "https://events.pagerduty.com", "eu": "https://events.eu.pagerduty.com"}
ENQUEUE_PATH = "/v2/enqueue"
# §6 "Required" / "Optional": summary ≤ 1024 characters, dedup_key ≤ 255.
SUMMARY_LIMIT = 1024
DEDUP_KEY_LIMIT = 255
SOURCE_LIMIT = 255  # our choice: a host name or a monitor name, never a paragraph
# §6 severities are critical/error/warning/info; Herald's three map onto their namesakes.
SEVERITY = {"critical": "critical", "warning": "warning", "info": "info"}
CLIENT = "Herald"
LINK_TEXT = "Open in monitoring"


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Region = Annotated[Literal["us", "eu"], BeforeValidator(_lower)]
_ROUTING_KEY_SPELLINGS = ("routingKey", "routing_key")
_INTEGRATION_KEY_SPELLINGS = ("integrationKey", "integration_key")


class PagerDutyConfig(ChannelConfig):
    """The Integration Key of an Events API v2 integration, and the region of the PagerDuty account."""

    # The alias choices tell PATCH merging that `routingKey` is this field; `_routing_key` renames it first.
    integration_key: Secret = Field(
        validation_alias=AliasChoices(*_INTEGRATION_KEY_SPELLINGS, *_ROUTING_KEY_SPELLINGS),
        description="PagerDuty integration key",
    )
    region: Region = Field("us", description="PagerDuty region")

    host_fields: ClassVar[tuple[str, ...]] = ("region",)

    @model_validator(mode="before")
    @classmethod
    def _routing_key(cls, data: Any) -> Any:
        """`routingKey` (PagerDuty's own name) is `integrationKey`: renamed before validation, so that every
        error names `integrationKey` with its description.

        Raises ValueError when both are given.
        """
        if not isinstance(data, dict):
            return data
        given = {key: data[key] for key in _ROUTING_KEY_SPELLINGS if key in data}
        if not given:
            return data
        if any(key in data for key in _INTEGRATION_KEY_SPELLINGS) or len(given) > 1:
            raise ValueError("Set integrationKey or routingKey, not both")
        rest = {key: value for key, value in data.items() if key not in given}
        return {**rest, "integrationKey": next(iter(given.values()))}

    def summary(self) -> str:
        return urlsplit(PUBLIC_HOSTS[self.region]).hostname or ""


def dedup_key(n: Notification, ctx: RenderContext) -> str:
    """The notification's dedup key, else its monitor's id, else the delivery id; hashed when too long.

    A trigger and its resolve compute the same key, so the resolve closes what the trigger opened.
    """
    key = n.dedup_key or (n.monitor.id if n.monitor and n.monitor.id else None) or ctx.delivery_id
    return key if len(key) <= DEDUP_KEY_LIMIT else hashlib.sha256(key.encode()).hexdigest()


def _source(n: Notification) -> str:
    # §6: `source` is "hostname/FQDN/unique location" of the affected system.
    if n.monitor and n.monitor.url and (host := urlsplit(n.monitor.url).hostname):
        return host
    if n.monitor and n.monitor.name:
        return render.truncate(n.monitor.name, SOURCE_LIMIT)
    return CLIENT


def _summary(n: Notification) -> str:
    first_line = n.body.strip().split("\n", 1)[0].strip() if n.body else ""
    text = f"{render.plain_headline(n)} — {first_line}" if first_line else render.plain_headline(n)
    return render.truncate(text, SUMMARY_LIMIT)


def _custom_details(n: Notification) -> dict[str, Any]:
    details: dict[str, Any] = {"event": n.event}
    if n.body:
        details["body"] = n.body
    for name, value in render.facts(n):
        if name != "Severity":  # already `payload.severity`
            details.setdefault(name, value)
    if n.details:
        details.setdefault("details", n.details)
    return details


def trigger(n: Notification, config: PagerDutyConfig, ctx: RenderContext) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "summary": _summary(n),
        "source": _source(n),
        "severity": SEVERITY[n.severity],
        "timestamp": iso(n.occurred_at),
        "class": n.event,
        "custom_details": _custom_details(n),
    }
    if n.monitor and n.monitor.name:
        payload["component"] = render.truncate(n.monitor.name, SOURCE_LIMIT)
    event: dict[str, Any] = {
        "routing_key": config.integration_key.get_secret_value(),
        "event_action": "trigger",
        "dedup_key": dedup_key(n, ctx),
        "payload": payload,
        "client": CLIENT,
    }
    if url := render.link(n):
        event["links"] = [{"href": url, "text": LINK_TEXT}]
        event["client_url"] = url
    return event


def resolve(n: Notification, config: PagerDutyConfig, ctx: RenderContext) -> dict[str, Any]:
    # §6 "Ack/resolve body": only these three; a payload is neither needed nor shown.
    return {
        "routing_key": config.integration_key.get_secret_value(),
        "event_action": "resolve",
        "dedup_key": dedup_key(n, ctx),
    }


def _error_words(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    message = str(data.get("message") or data.get("status") or "")
    errors = data.get("errors")
    listed = "; ".join(str(item) for item in errors) if isinstance(errors, list) else ""
    words = f"{message}: {listed}" if message and listed else message or listed
    return words or None


class PagerDutyAdapter(HttpAdapter[PagerDutyConfig]):
    kind = "pagerduty"
    display_name = "PagerDuty"
    config_model = PagerDutyConfig

    def build_request(self, notification: Notification, config: PagerDutyConfig, ctx: RenderContext) -> OutboundRequest:
        """POST /v2/enqueue on the region's host (§6): `trigger` while firing, `resolve` once resolved."""
        url = ctx.endpoint(self.kind, PUBLIC_HOSTS[config.region]) + ENQUEUE_PATH
        build = resolve if notification.resolved else trigger
        return OutboundRequest.json("POST", url, build(notification, config, ctx))

    def interpret(self, response: HttpResponse) -> Receipt:
        """202 is success (the answered `dedup_key` is recorded).

        Raises RetryableDeliveryError for 429 and 5xx, PermanentDeliveryError otherwise (400 with
        PagerDuty's `message` and `errors`).
        """
        data = response.json()
        if response.status == 202:
            key = data.get("dedup_key") if isinstance(data, dict) else None
            return Receipt(provider_message_id=str(key) if key else None, http_status=202)
        raise classify.failure(self.display_name, response, _error_words(data))
