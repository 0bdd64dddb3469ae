"""/v1/alerts: what is firing, its escalation step and reminders, and acknowledging it."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from herald.api.contract import AlertPage, AlertView, answers
from herald.api.errors import json_response
from herald.api.params import Limit, NextToken
from herald.api.request import caller
from herald.auth.roles import Role
from herald.routing import escalation

router = Router()
AlertState = Annotated[Literal["firing", "resolved"], Query(description="firing (open alerts) or resolved")]


@router.get("/v1/alerts", summary="List alerts: open ones by default", responses=answers(200, AlertPage, "A page"))
def list_alerts(state: AlertState = "firing", limit: Limit = 50, next_token: NextToken = None):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    return json_response(200, escalation.list_alerts(principal.tenant_id, state, limit, next_token))


@router.post(
    "/v1/alerts/<dedup_key>/ack",
    summary="Acknowledge a firing alert: no further escalation steps or reminders",
    responses=answers(200, AlertView, "Acknowledged (the first acknowledgement stands)", 404),
)
def acknowledge(dedup_key: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(200, escalation.acknowledge(principal.tenant_id, dedup_key, principal.key_id))
