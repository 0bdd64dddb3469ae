"""OneSignal: create a push notification for one targeting mode (PROVIDERS.md §10)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, Field, model_validator

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import Secret
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

PUBLIC_API = "https://api.onesignal.com"
# §10: a push is both a title and a text; APNs and FCM cap a whole push at about 4 KB, so stay well inside.
HEADING_LIMIT = 256
CONTENTS_LIMIT = 1024
# OneSignal keeps one notification per collapse_id on a device; longer ids are refused, so long keys are hashed.
COLLAPSE_ID_LIMIT = 64
# §10 priority: 10 = high (wakes the device), 5 = normal.
HIGH_PRIORITY = 10
NORMAL_PRIORITY = 5
MAX_TARGETS = 2000

# Retries of one delivery must carry the same idempotency_key (§10: "never retry without one").
_IDEMPOTENCY_NAMESPACE = uuid.UUID("6f0b8d1e-54a1-4c4e-9a43-2b9f3c1d7e10")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _app_id(value: str) -> str:
    if not _UUID.fullmatch(value):
        raise ValueError("OneSignal app ID must be a UUID")
    return value.lower()


Target = Annotated[str, Field(min_length=1, max_length=256)]
Targets = Annotated[list[Target], Field(min_length=1, max_length=MAX_TARGETS)]


class OneSignalConfig(ChannelConfig):
    """An app, its App API key and exactly one of subscription ids, external ids or segments."""

    app_id: Annotated[str, AfterValidator(_app_id)] = Field(description="OneSignal app ID")
    api_key: Secret = Field(description="OneSignal API key")
    subscription_ids: Targets | None = Field(None, description="OneSignal subscription IDs")
    external_ids: Targets | None = Field(None, description="OneSignal external IDs")
    segments: Targets | None = Field(None, description="OneSignal segments")

    host_fields: ClassVar[tuple[str, ...]] = ("app_id",)
    recipient_fields: ClassVar[tuple[str, ...]] = ("subscription_ids", "external_ids", "segments")

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        """Raises ValueError unless exactly one targeting mode is set (§10: do not mix modes)."""
        modes = [self.subscription_ids, self.external_ids, self.segments]
        if sum(mode is not None for mode in modes) != 1:
            raise ValueError("Exactly one of subscriptionIds, externalIds or segments is required")
        return self

    def targets(self) -> list[str]:
        return self.subscription_ids or self.external_ids or self.segments or []

    def summary(self) -> str:
        first, *rest = self.targets()
        return f"{first} (+{len(rest)} more)" if rest else first


def idempotency_key(delivery_id: str) -> str:
    """A UUID derived from the delivery id: every retry of a delivery sends the same one."""
    return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, delivery_id))


def collapse_id(dedup_key: str) -> str:
    if len(dedup_key) <= COLLAPSE_ID_LIMIT:
        return dedup_key
    return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, f"collapse:{dedup_key}"))


def _targeting(config: OneSignalConfig) -> dict[str, Any]:
    if config.subscription_ids is not None:
        return {"include_subscription_ids": list(config.subscription_ids)}
    if config.external_ids is not None:
        return {"include_aliases": {"external_id": list(config.external_ids)}, "target_channel": "push"}
    return {"included_segments": list(config.segments or [])}


def payload(n: Notification, config: OneSignalConfig, ctx: RenderContext) -> dict[str, Any]:
    contents = render.plain_body(n, with_link=False) or n.title
    body: dict[str, Any] = {
        "app_id": config.app_id,
        **_targeting(config),
        "headings": {"en": render.truncate(render.headline(n), HEADING_LIMIT)},
        "contents": {"en": render.truncate(contents, CONTENTS_LIMIT)},
        "priority": HIGH_PRIORITY if n.severity == "critical" and not n.resolved else NORMAL_PRIORITY,
        "idempotency_key": idempotency_key(ctx.delivery_id),
        "data": {"event": n.event, "severity": n.severity, "status": n.status},
    }
    if link := render.link(n):
        body["url"] = link
    if n.dedup_key:
        # The resolve replaces the alert on the device instead of piling up beside it.
        body["collapse_id"] = collapse_id(n.dedup_key)
        body["data"]["dedupKey"] = n.dedup_key
    return body


def _error_words(data: Any) -> str | None:
    errors = data.get("errors") if isinstance(data, dict) else None
    if not errors:
        return None
    if isinstance(errors, list):
        return "; ".join(str(item) for item in errors)
    return json.dumps(errors, ensure_ascii=False, separators=(",", ":"))


class OneSignalAdapter(HttpAdapter[OneSignalConfig]):
    kind = "onesignal"
    display_name = "OneSignal"
    config_model = OneSignalConfig

    def build_request(self, notification: Notification, config: OneSignalConfig, ctx: RenderContext) -> OutboundRequest:
        url = ctx.endpoint(self.kind, PUBLIC_API) + "/notifications?c=push"
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Authorization": f"Key {config.api_key.get_secret_value()}",
        }
        return OutboundRequest.json("POST", url, payload(notification, config, ctx), headers)

    def interpret(self, response: HttpResponse) -> Receipt:
        """Receipt with the notification id. A 200 without an id sent nothing: that is a permanent failure
        with OneSignal's `errors`. Other statuses raise the classified error (429 honours Retry-After)."""
        data = response.json()
        if response.status == 200:
            notification_id = data.get("id") if isinstance(data, dict) else None
            if notification_id:
                return Receipt(provider_message_id=str(notification_id), http_status=200)
            words = _error_words(data) or "no notification id in the response: nothing was sent"
            raise classify.failure(self.display_name, response, words, retryable=False)
        raise classify.failure(self.display_name, response, _error_words(data))
