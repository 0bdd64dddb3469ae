"""/v1/channels: create, list, read, update, replace, delete."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from herald.adapters import registry
from herald.api.contract import ChannelPage, ChannelView, answers
from herald.api.errors import json_response
from herald.api.params import Limit, NextToken
from herald.api.request import as_sent, caller
from herald.auth.roles import Role
from herald.channels import service as channels
from herald.models.channel import ChannelWrite

router = Router()


def _kind_names(schema: dict[str, Any]) -> None:
    """The `kind` filter's enum, filled in when the OpenAPI document is made: naming every alias imports
    every adapter, which a cold start answering one request does not need (BENCHMARKS.md section 11)."""
    schema["enum"] = registry.names()


ChannelBody = Annotated[ChannelWrite, Body(description="The channel; `config` follows the kind's schema")]


@router.get("/v1/channels", summary="List channels, newest first", responses=answers(200, ChannelPage, "A page"))
def list_channels(  # type: ignore[no-untyped-def]
    kind: Annotated[str | None, Query(description="Only this kind (or alias)", json_schema_extra=_kind_names)] = None,
    enabled: Annotated[bool | None, Query(description="Only enabled (true) or disabled (false) channels")] = None,
    limit: Limit = 50,
    next_token: NextToken = None,
):
    principal = caller(router, Role.viewer)
    page = channels.list_channels(principal.tenant_id, kind=kind, enabled=enabled, limit=limit, token=next_token)
    return json_response(200, page)


@router.post("/v1/channels", summary="Create a channel", responses=answers(201, ChannelView, "Created", 413, 422))
def create_channel(body: ChannelBody):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(201, channels.create_channel(principal.tenant_id, as_sent(router)))


@router.get(
    "/v1/channels/<channel_id>",
    summary="Read one channel (secrets redacted)",
    responses=answers(200, ChannelView, "The channel", 404),
)
def get_channel(channel_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    return json_response(200, channels.get_channel(principal.tenant_id, channel_id))


@router.patch(
    "/v1/channels/<channel_id>",
    summary="Update a channel; config is merged key by key",
    responses=answers(200, ChannelView, "Updated", 404, 409, 413, 422),
)
def patch_channel(channel_id: str, body: ChannelBody):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(200, channels.update_channel(principal.tenant_id, channel_id, as_sent(router), replace=False))


@router.put(
    "/v1/channels/<channel_id>",
    summary="Replace a channel's name, enabled, events and config",
    responses=answers(200, ChannelView, "Replaced", 404, 409, 413, 422),
)
def put_channel(channel_id: str, body: ChannelBody):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(200, channels.update_channel(principal.tenant_id, channel_id, as_sent(router), replace=True))


@router.delete("/v1/channels/<channel_id>", summary="Delete a channel", responses=answers(204, None, "Deleted", 404))
def delete_channel(channel_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    channels.delete_channel(principal.tenant_id, channel_id)
    return Response(status_code=204, body="")
