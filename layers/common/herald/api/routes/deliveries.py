"""Sending and its log: channel tests, the test e-mail, ad-hoc notifications, /v1/deliveries."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from herald.api.errors import json_response
from herald.api.request import boolean, caller, idempotency_key, json_body, limit, query
from herald.auth.roles import Role
from herald.delivery import usecases

router = Router()


@router.post(
    "/v1/channels/<channel_id>/test", summary="Send a test notification now (200, or 502 with the provider's words)"
)
def test_channel(channel_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    ok, body = usecases.test_channel(principal.tenant_id, channel_id)
    return json_response(200 if ok else 502, body)


@router.post("/v1/test-email", summary="Send a test e-mail without a channel")
def test_email():  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    ok, body = usecases.test_email(principal.tenant_id, json_body(router))
    return json_response(200 if ok else 502, body)


@router.post("/v1/notifications", summary="Send a notification to 1-20 channels (202 queued; ?wait=true inline)")
def send_notification():  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    wait = boolean("wait", query(router, {"wait"}).get("wait")) or False
    key = idempotency_key(router)
    status, body = usecases.send_notification(principal.tenant_id, json_body(router), wait=wait, key=key)
    return json_response(status, body)


@router.get("/v1/deliveries", summary="The delivery log, newest first")
def list_deliveries():  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    params = query(router, {"channelId", "status", "limit", "nextToken"})
    page = usecases.list_deliveries(
        principal.tenant_id,
        channel_id=params.get("channelId"),
        status=params.get("status"),
        limit=limit(params.get("limit")),
        token=params.get("nextToken"),
    )
    return json_response(200, page)


@router.get("/v1/deliveries/<delivery_id>", summary="One delivery with every attempt")
def get_delivery(delivery_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    return json_response(200, usecases.get_delivery(principal.tenant_id, delivery_id))


@router.post(
    "/v1/deliveries/<delivery_id>/redrive",
    summary="Send a failed or unknown delivery again, with a fresh retry schedule (202; 409 otherwise)",
)
def redrive_delivery(delivery_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(202, usecases.redrive(principal.tenant_id, delivery_id))
