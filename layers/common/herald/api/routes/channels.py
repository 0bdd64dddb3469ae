"""/v1/channels: create, list, read, update, replace, delete."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from herald.api.errors import json_response
from herald.api.request import boolean, caller, json_body, limit, query
from herald.auth.roles import Role
from herald.channels import service as channels

router = Router()


@router.get("/v1/channels", summary="List channels, newest first")
def list_channels():  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    params = query(router, {"kind", "enabled", "limit", "nextToken"})
    page = channels.list_channels(
        principal.tenant_id,
        kind=params.get("kind"),
        enabled=boolean("enabled", params.get("enabled")),
        limit=limit(params.get("limit")),
        token=params.get("nextToken"),
    )
    return json_response(200, page)


@router.post("/v1/channels", summary="Create a channel")
def create_channel():  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(201, channels.create_channel(principal.tenant_id, json_body(router)))


@router.get("/v1/channels/<channel_id>", summary="Read one channel (secrets redacted)")
def get_channel(channel_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    return json_response(200, channels.get_channel(principal.tenant_id, channel_id))


@router.patch("/v1/channels/<channel_id>", summary="Update a channel; config is merged key by key")
def patch_channel(channel_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    body = json_body(router)
    return json_response(200, channels.update_channel(principal.tenant_id, channel_id, body, replace=False))


@router.put("/v1/channels/<channel_id>", summary="Replace a channel's name, enabled, events and config")
def put_channel(channel_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    body = json_body(router)
    return json_response(200, channels.update_channel(principal.tenant_id, channel_id, body, replace=True))


@router.delete("/v1/channels/<channel_id>", summary="Delete a channel")
def delete_channel(channel_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    channels.delete_channel(principal.tenant_id, channel_id)
    return Response(status_code=204, body="")
