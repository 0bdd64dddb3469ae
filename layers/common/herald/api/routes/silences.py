"""/v1/silences: mute the events that match, for a while (Alertmanager's silences)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from herald.api.contract import SilencePage, SilenceView, answers
from herald.api.errors import json_response
from herald.api.params import Limit, NextToken
from herald.api.request import as_sent, caller
from herald.auth import service as auth
from herald.auth.roles import Role
from herald.models.silence import SilenceWrite
from herald.silences import service as silences
from herald.silences.matching import SilenceState

router = Router()


@router.get("/v1/silences", summary="List silences, newest first", responses=answers(200, SilencePage, "A page"))
def list_silences(  # type: ignore[no-untyped-def]
    state: Annotated[SilenceState | None, Query(description="Only silences in this state")] = None,
    limit: Limit = 50,
    next_token: NextToken = None,
):
    principal = caller(router, Role.viewer)
    return json_response(200, silences.list_silences(principal.tenant_id, state, limit, next_token))


@router.post(
    "/v1/silences",
    summary="Silence the events its matchers match, from startsAt to endsAt",
    responses=answers(201, SilenceView, "Created", 413, 422),
)
def create_silence(body: Annotated[SilenceWrite, Body()]):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    created = silences.create_silence(principal.tenant_id, auth.key_name(principal), as_sent(router))
    return json_response(201, created)


@router.get(
    "/v1/silences/<silence_id>", summary="Read one silence", responses=answers(200, SilenceView, "The silence", 404)
)
def get_silence(silence_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    return json_response(200, silences.get_silence(principal.tenant_id, silence_id))


@router.delete(
    "/v1/silences/<silence_id>",
    summary="Expire a silence now (it stays listed, as expired)",
    responses=answers(204, None, "Expired", 404),
)
def expire_silence(silence_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    silences.expire_silence(principal.tenant_id, silence_id)
    return Response(status_code=204, body="")
