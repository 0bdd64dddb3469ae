"""What the API asks of delivery: test a channel, send a test e-mail, send a notification, read the log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from herald import idempotency
from herald.adapters import registry
from herald.adapters.validation import field_errors
from herald.channels import repository as channel_repository
from herald.channels import service as channels
from herald.delivery import repository, service
from herald.errors import ChannelNotFound, DeliveryNotFound, InvalidRequest, ValidationFailed
from herald.ids import new_id
from herald.models.api import SendRequest, TestEmailRequest
from herald.models.delivery import STATUSES
from herald.models.notification import Notification


def test_notification(display_name: str) -> Notification:
    return Notification(
        event="test",
        title="Test notification from Herald",
        body=f"If you can read this, your {display_name} channel works.",
        severity="info",
    )


def _test_result(outcome: service.Outcome, detail: str) -> tuple[bool, dict[str, Any]]:
    if outcome.success:
        return True, {
            "success": True,
            "detail": detail,
            "deliveryId": outcome.delivery_id,
            "providerMessageId": outcome.provider_message_id,
        }
    return False, {"success": False, "error": outcome.error, "code": outcome.code, "deliveryId": outcome.delivery_id}


def test_channel(tenant_id: str, channel_id: str) -> tuple[bool, dict[str, Any]]:
    """Send a test notification now, once (no retries). Raises ChannelNotFound."""
    read = channels.prefetch([(tenant_id, channel_id)])  # the attempt sends with the item read here
    channel = channels.load_channel(tenant_id, channel_id, read)
    adapter = registry.get(channel.kind)
    delivery = service.new_delivery(tenant_id, channel.id, channel.kind, test_notification(adapter.display_name))
    [outcome] = service.attempt_inline([delivery], allow_retry=False, prefetched=read)
    detail = (
        f"Test email sent to {channel.summary}"
        if channel.kind == "email"
        else f"Test message sent to {adapter.display_name}"
    )
    return _test_result(outcome, detail)


def test_email(tenant_id: str, body: Any) -> tuple[bool, dict[str, Any]]:
    """Send a test e-mail to an address without a channel. Raises ValidationFailed."""
    try:
        request = TestEmailRequest.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc, TestEmailRequest, "")) from None
    adapter = registry.get("email")
    config = adapter.config_model.model_validate({"addresses": [request.email]})
    delivery = service.new_delivery(tenant_id, None, "email", test_notification("email"))
    [claimed] = service.put_claimed([delivery])
    outcome = service.attempt_claimed(claimed, allow_retry=False, config=config)
    service.log_outcomes([outcome])
    return _test_result(outcome, f"Test email sent to {request.email}")


def send_notification(tenant_id: str, body: Any, *, wait: bool, key: str | None = None) -> tuple[int, dict[str, Any]]:
    """Queue (or, with wait, deliver now) one notification to 1-20 channels, once per idempotency `key`.

    A malformed body is a 422 before any lookup; an unknown channel id is a 404 for the whole request;
    a key used before with another body is a Conflict.
    """
    payload = {"body": body, "wait": wait}
    status, answer = idempotency.once(tenant_id, "notifications", key, payload, lambda: _send(tenant_id, body, wait))
    return status, answer


def _send(tenant_id: str, body: Any, wait: bool) -> tuple[int, dict[str, Any]]:
    if isinstance(body, dict) and "providerIds" in body and "channelIds" not in body:
        body = {**body, "channelIds": body.pop("providerIds")}
    try:
        request = SendRequest.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc, SendRequest, "")) from None
    try:
        notification = Notification.model_validate(request.notification)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc, Notification, "notification")) from None
    found = channel_repository.get_many(tenant_id, request.channel_ids)
    for channel_id in request.channel_ids:
        if channel_id not in found:
            raise ChannelNotFound(channel_id)
    notification_id = new_id("ntf")
    deliveries = [
        service.new_delivery(tenant_id, cid, found[cid].kind, notification, notification_id=notification_id)
        for cid in dict.fromkeys(request.channel_ids)
    ]
    entries = [{"channelId": d.channel_id, "kind": d.kind, "deliveryId": d.id, "status": "queued"} for d in deliveries]
    if not wait:
        service.store_and_enqueue(deliveries)
        return 202, {"id": notification_id, "deliveries": entries}
    read = {(tenant_id, cid): item for cid, item in found.items()}
    outcomes = service.attempt_inline(
        deliveries, allow_retry=True, prefetched=channels.Prefetched(asked=frozenset(read), found=read)
    )
    for entry, outcome in zip(entries, outcomes, strict=True):
        entry.update(status=outcome.status, **service.describe(outcome))
    status = 200 if any(outcome.success for outcome in outcomes) else 502
    return status, {"id": notification_id, "deliveries": entries}


def list_deliveries(
    tenant_id: str,
    *,
    channel_id: str | None,
    status: str | None,
    limit: int,
    token: str | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    if status is not None and status not in STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(STATUSES)}.", code="invalid_query")
    if since is not None and until is not None and until <= since:
        raise InvalidRequest("until: must be later than since.", code="invalid_query")
    items, next_token = repository.list_page(
        tenant_id, limit, token, channel_id=channel_id, status=status, since=since, until=until
    )
    return {"data": [d.to_wire() for d in items], "nextToken": next_token}


def get_delivery(tenant_id: str, delivery_id: str) -> dict[str, Any]:
    delivery = repository.get(tenant_id, delivery_id)
    if delivery is None:
        raise DeliveryNotFound(delivery_id)
    return delivery.to_wire()


def redrive(tenant_id: str, delivery_id: str) -> dict[str, Any]:
    """Queue a failed or unknown delivery again. Raises DeliveryNotFound, Conflict (not redrivable)."""
    return service.redrive(tenant_id, delivery_id).to_wire()
