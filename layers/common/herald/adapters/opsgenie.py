"""Opsgenie Alert API v2: create an alert with an alias, close it by that alias (PROVIDERS.md §7)."""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal, Self
from urllib.parse import quote, urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import Secret
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

# §7 "Create": the EU instance has its own host.
PUBLIC_HOSTS = {"us": "https://api.opsgenie.com", "eu": "https://api.eu.opsgenie.com"}
ALERTS_PATH = "/v2/alerts"
# §7 "Create – required/optional" limits.
MESSAGE_LIMIT = 130
ALIAS_LIMIT = 512  # a notification's dedup key (255) and monitor id (256) always fit
DESCRIPTION_LIMIT = 15_000
MAX_RESPONDERS = 50
MAX_TAGS = 20
TAG_LIMIT = 50
DETAILS_LIMIT = 8_000  # keys and values of `details` together
ENTITY_LIMIT = 512
NOTE_LIMIT = 25_000
SOURCE = "Herald"
# §7 severity → priority suggestion: critical P1, warning P3, info P5.
PRIORITY = {"critical": "P1", "warning": "P3", "info": "P5"}


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Region = Annotated[Literal["us", "eu"], BeforeValidator(_lower)]
Tag = Annotated[str, Field(min_length=1, max_length=TAG_LIMIT)]


class Responder(BaseModel):
    """Who Opsgenie notifies (§7 `responders`): a team, user, escalation or schedule, by id or by name."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    type: Annotated[Literal["team", "user", "escalation", "schedule"], BeforeValidator(_lower)]
    id: str | None = Field(None, min_length=1, max_length=256)
    name: str | None = Field(None, min_length=1, max_length=256)
    username: str | None = Field(None, min_length=1, max_length=256)

    @model_validator(mode="after")
    def _one_identifier(self) -> Self:
        """Raises ValueError unless exactly one identifier fits the type (users go by `username`, not `name`)."""
        given = [key for key in ("id", "name", "username") if getattr(self, key) is not None]
        allowed = ("id", "username") if self.type == "user" else ("id", "name")
        if len(given) != 1 or given[0] not in allowed:
            raise ValueError(f"An Opsgenie {self.type} responder needs exactly one of {' or '.join(allowed)}")
        return self


class OpsgenieConfig(ChannelConfig):
    """The key of an Opsgenie API integration, its region, and optional responders and tags."""

    api_key: Secret = Field(description="Opsgenie API key")
    region: Region = Field("us", description="Opsgenie region")
    responders: list[Responder] | None = Field(None, max_length=MAX_RESPONDERS, description="Opsgenie responders")
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS, description="Opsgenie tags")

    host_fields: ClassVar[tuple[str, ...]] = ("region",)
    recipient_fields: ClassVar[tuple[str, ...]] = ("responders",)

    def summary(self) -> str:
        return urlsplit(PUBLIC_HOSTS[self.region]).hostname or ""


def alias(n: Notification, ctx: RenderContext) -> str:
    """The dedup key, else the monitor id, else the delivery id: all well within ALIAS_LIMIT (256 at most).

    The create and the close compute the same alias, so the close finds the alert the create opened.
    """
    return n.dedup_key or (n.monitor.id if n.monitor and n.monitor.id else None) or ctx.delivery_id


def _details(n: Notification) -> dict[str, str]:
    """String→string pairs within the §7 total of 8,000 characters; what does not fit is cut or left out."""
    pairs = [("event", n.event), ("severity", n.severity)]
    pairs += [(name, value) for name, value in render.facts(n) if name != "Severity"]
    if url := render.link(n):
        pairs.append(("link", url))
    details: dict[str, str] = {}
    room = DETAILS_LIMIT
    for name, value in pairs:
        if name in details or len(name) + 1 > room:
            continue
        details[name] = render.truncate(value, room - len(name))
        room -= len(name) + len(details[name])
    return details


def create(n: Notification, config: OpsgenieConfig, ctx: RenderContext) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message": render.truncate(render.plain_headline(n), MESSAGE_LIMIT),
        "alias": alias(n, ctx),
        "priority": PRIORITY[n.severity],
        "source": SOURCE,
        "details": _details(n),
    }
    if description := render.truncate(render.plain_body(n), DESCRIPTION_LIMIT):
        body["description"] = description
    if n.monitor and n.monitor.name:
        body["entity"] = render.truncate(n.monitor.name, ENTITY_LIMIT)
    if config.responders:
        body["responders"] = [responder.model_dump(exclude_none=True) for responder in config.responders]
    if config.tags:
        body["tags"] = list(config.tags)
    return body


def close(n: Notification) -> dict[str, Any]:
    # §7 "Close body": optional user/source/note; the note says what recovered and after how long.
    note = render.truncate(f"{render.plain_headline(n)}\n{render.recovery_line(n) or ''}".strip(), NOTE_LIMIT)
    return {"source": SOURCE, "note": note}


def _error_words(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    message = str(data.get("message") or "")
    errors = data.get("errors")
    listed = "; ".join(f"{key}: {value}" for key, value in errors.items()) if isinstance(errors, dict) else ""
    words = f"{message} ({listed})" if message and listed else message or listed
    return words or None


def _period(response: HttpResponse) -> float | None:
    # §7: no Retry-After; back off at least X-RateLimit-Period-In-Sec.
    value = response.header("X-RateLimit-Period-In-Sec")
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None


class OpsgenieAdapter(HttpAdapter[OpsgenieConfig]):
    kind = "opsgenie"
    display_name = "Opsgenie"
    config_model = OpsgenieConfig

    def build_request(self, notification: Notification, config: OpsgenieConfig, ctx: RenderContext) -> OutboundRequest:
        """Firing: POST /v2/alerts. Resolved: POST /v2/alerts/{alias}/close?identifierType=alias (§7)."""
        base = ctx.endpoint(self.kind, PUBLIC_HOSTS[config.region]) + ALERTS_PATH
        headers = {"Authorization": f"GenieKey {config.api_key.get_secret_value()}"}
        if notification.resolved:
            url = f"{base}/{quote(alias(notification, ctx), safe='')}/close?identifierType=alias"
            return OutboundRequest.json("POST", url, close(notification), headers)
        return OutboundRequest.json("POST", base, create(notification, config, ctx), headers)

    def interpret(self, response: HttpResponse) -> Receipt:
        """202 is success (Opsgenie's `requestId` is recorded).

        Raises RetryableDeliveryError for 429 (delay from X-RateLimit-Period-In-Sec, else Retry-After) and
        5xx; PermanentDeliveryError otherwise, with Opsgenie's `message`.
        """
        data = response.json()
        if response.status == 202:
            request_id = data.get("requestId") if isinstance(data, dict) else None
            return Receipt(provider_message_id=str(request_id) if request_id else None, http_status=202)
        retry_after = _period(response) if response.status == 429 else None
        raise classify.failure(self.display_name, response, _error_words(data), retry_after=retry_after)
