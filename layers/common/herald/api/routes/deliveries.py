"""Sending and its log: channel tests, the test e-mail, ad-hoc notifications, /v1/deliveries."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from herald.api.contract import Accepted, DeliveryPage, DeliveryStatus, DeliveryView, SendResult, answers, with_failure
from herald.api.errors import json_response
from herald.api.params import IdempotencyKey, Instant, Limit, NextToken
from herald.api.request import as_sent, caller
from herald.auth.roles import Role
from herald.delivery import usecases
from herald.idempotency import check_key
from herald.models.api import SendRequest, TestEmailRequest

router = Router()


@router.post(
    "/v1/channels/<channel_id>/test",
    summary="Send a test notification now (200, or 502 with the provider's words)",
    responses=with_failure(answers(200, SendResult, "Delivered", 404, 409), SendResult),
)
def test_channel(channel_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    ok, body = usecases.test_channel(principal.tenant_id, channel_id)
    return json_response(200 if ok else 502, body)


@router.post(
    "/v1/test-email",
    summary="Send a test e-mail without a channel",
    responses=with_failure(answers(200, SendResult, "Sent", 413, 422), SendResult),
)
def test_email(body: Annotated[TestEmailRequest, Body()]):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    ok, result = usecases.test_email(principal.tenant_id, as_sent(router))
    return json_response(200 if ok else 502, result)


@router.post(
    "/v1/notifications",
    summary="Send a notification to 1-20 channels (202 queued; ?wait=true inline)",
    responses=with_failure(
        {**answers(202, Accepted, "Queued", 404, 409, 413, 422), **answers(200, SendResult, "Sent (wait=true)")},
        SendResult,
    ),
)
def send_notification(  # type: ignore[no-untyped-def]
    body: Annotated[SendRequest, Body()],
    wait: Annotated[bool, Query(description="Send now and answer with the outcome")] = False,
    idempotency_key: IdempotencyKey = None,
):
    principal = caller(router, Role.editor)
    key = None if idempotency_key is None else check_key(idempotency_key)
    status, result = usecases.send_notification(principal.tenant_id, as_sent(router), wait=wait, key=key)
    return json_response(status, result)


@router.get("/v1/deliveries", summary="The delivery log, newest first", responses=answers(200, DeliveryPage, "A page"))
def list_deliveries(  # type: ignore[no-untyped-def]
    *,
    channel_id: Annotated[str | None, Query(alias="channelId", max_length=64, description="Only this channel")] = None,
    status: Annotated[DeliveryStatus | None, Query(description="Only deliveries in this status")] = None,
    since: Annotated[
        Instant | None, Query(description="Only deliveries created at or after this time (ISO 8601 with offset)")
    ] = None,
    until: Annotated[
        Instant | None, Query(description="Only deliveries created before this time (ISO 8601 with offset)")
    ] = None,
    limit: Limit = 50,
    next_token: NextToken = None,
):
    principal = caller(router, Role.viewer)
    page = usecases.list_deliveries(
        principal.tenant_id,
        channel_id=channel_id,
        status=status,
        limit=limit,
        token=next_token,
        since=since,
        until=until,
    )
    return json_response(200, page)


@router.get(
    "/v1/deliveries/<delivery_id>",
    summary="One delivery with every attempt",
    responses=answers(200, DeliveryView, "The delivery", 404),
)
def get_delivery(delivery_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    return json_response(200, usecases.get_delivery(principal.tenant_id, delivery_id))


@router.post(
    "/v1/deliveries/<delivery_id>/redrive",
    summary="Send a failed or unknown delivery again, with a fresh retry schedule (202; 409 otherwise)",
    responses=answers(202, DeliveryView, "Queued again", 404, 409),
)
def redrive_delivery(delivery_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(202, usecases.redrive(principal.tenant_id, delivery_id))
