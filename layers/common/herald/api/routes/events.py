"""/v1/events (a monitoring event, routed by rules) and /v1/rules."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from herald.api.contract import Accepted, RulePage, RuleView, answers
from herald.api.errors import json_response
from herald.api.params import IdempotencyKey, Limit, NextToken
from herald.api.request import as_sent, caller
from herald.auth.roles import Role
from herald.idempotency import check_key
from herald.models.event import MonitoringEvent, RuleWrite
from herald.routing import ingest, rules

router = Router()
RuleBody = Annotated[RuleWrite, Body()]


@router.post(
    "/v1/events",
    summary="A monitoring event: routed by rules (or its channelIds) and queued",
    responses=answers(202, Accepted, "Queued", 409, 413, 422),
)
def post_event(  # type: ignore[no-untyped-def]
    body: Annotated[MonitoringEvent, Body(description="The event; `tenantId` is always the key's tenant")],
    idempotency_key: IdempotencyKey = None,
):
    principal = caller(router, Role.editor)
    sent = as_sent(router)
    event = ingest.parse_event(sent, tenant_id=principal.tenant_id)
    key = check_key(idempotency_key) if idempotency_key is not None else event.id
    return json_response(202, ingest.ingest_once(principal.tenant_id, event, key, sent))


@router.get("/v1/rules", summary="List routing rules", responses=answers(200, RulePage, "A page"))
def list_rules(limit: Limit = 50, next_token: NextToken = None):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    return json_response(200, rules.list_rules(principal.tenant_id, limit, next_token))


@router.post("/v1/rules", summary="Create a routing rule", responses=answers(201, RuleView, "Created", 413, 422))
def create_rule(body: RuleBody):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(201, rules.create_rule(principal.tenant_id, as_sent(router)))


@router.get("/v1/rules/<rule_id>", summary="Read one routing rule", responses=answers(200, RuleView, "The rule", 404))
def get_rule(rule_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    return json_response(200, rules.get_rule(principal.tenant_id, rule_id))


@router.patch(
    "/v1/rules/<rule_id>", summary="Update a routing rule", responses=answers(200, RuleView, "Updated", 404, 413, 422)
)
def patch_rule(rule_id: str, body: RuleBody):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(200, rules.update_rule(principal.tenant_id, rule_id, as_sent(router)))


@router.delete("/v1/rules/<rule_id>", summary="Delete a routing rule", responses=answers(204, None, "Deleted", 404))
def delete_rule(rule_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    rules.delete_rule(principal.tenant_id, rule_id)
    return Response(status_code=204, body="")
