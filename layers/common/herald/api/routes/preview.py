"""Previews: the exact request a channel (or a kind and config) would send; nothing is sent."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from herald.api.contract import PreviewView, answers
from herald.api.errors import json_response
from herald.api.request import as_sent, caller
from herald.auth.roles import Role
from herald.models.api import ConfigPreviewRequest, PreviewRequest
from herald.preview import service as preview

router = Router()


@router.post(
    "/v1/channels/<channel_id>/preview",
    summary="The request this channel would send for a notification (or a sample), secrets masked; sends nothing",
    responses=answers(200, PreviewView, "The request(s), as they would be sent", 404, 409, 413, 422),
)
def preview_channel(channel_id: str, body: Annotated[PreviewRequest, Body()]):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(200, preview.preview_channel(principal.tenant_id, channel_id, as_sent(router)))


@router.post(
    "/v1/preview",
    summary="The request a kind and config (secrets may be left out) would send; sends nothing",
    responses=answers(200, PreviewView, "The request(s), as they would be sent", 413, 422),
)
def preview_config(body: Annotated[ConfigPreviewRequest, Body()]):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(200, preview.preview_config(principal.tenant_id, as_sent(router)))
