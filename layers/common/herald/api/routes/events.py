"""/v1/events (a monitoring event, routed by rules) and /v1/rules."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from herald.api.errors import json_response
from herald.api.request import caller, idempotency_key, json_body, limit, query
from herald.auth.roles import Role
from herald.routing import ingest, rules

router = Router()


@router.post("/v1/events", summary="A monitoring event: routed by rules (or its channelIds) and queued")
def post_event():  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    body = json_body(router)
    event = ingest.parse_event(body, tenant_id=principal.tenant_id)
    key = idempotency_key(router) or event.id
    return json_response(202, ingest.ingest_once(principal.tenant_id, event, key, body))


@router.get("/v1/rules", summary="List routing rules")
def list_rules():  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    params = query(router, {"limit", "nextToken"})
    return json_response(
        200, rules.list_rules(principal.tenant_id, limit(params.get("limit")), params.get("nextToken"))
    )


@router.post("/v1/rules", summary="Create a routing rule")
def create_rule():  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(201, rules.create_rule(principal.tenant_id, json_body(router)))


@router.get("/v1/rules/<rule_id>", summary="Read one routing rule")
def get_rule(rule_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    return json_response(200, rules.get_rule(principal.tenant_id, rule_id))


@router.patch("/v1/rules/<rule_id>", summary="Update a routing rule")
def patch_rule(rule_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    return json_response(200, rules.update_rule(principal.tenant_id, rule_id, json_body(router)))


@router.delete("/v1/rules/<rule_id>", summary="Delete a routing rule")
def delete_rule(rule_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.editor)
    rules.delete_rule(principal.tenant_id, rule_id)
    return Response(status_code=204, body="")
