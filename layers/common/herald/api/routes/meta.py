"""Routes that describe Herald itself: health, the channel kinds, and the caller's own key."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from herald.api.contract import Health, KindList, WhoAmI, answers
from herald.api.errors import json_response
from herald.api.request import caller
from herald.auth import service as auth
from herald.auth.roles import Role
from herald.channels import service as channels

router = Router()


@router.get(
    "/v1/health",
    summary="Liveness check (no key needed)",
    security=[{}],
    responses=answers(200, Health, "Herald answers", keyed=False),
)
def health():  # type: ignore[no-untyped-def]
    return json_response(200, {"status": "ok"})


@router.get(
    "/v1/kinds",
    summary="Every channel kind with its config JSON Schema and secret fields",
    responses=answers(200, KindList, "Every kind"),
)
def list_kinds():  # type: ignore[no-untyped-def]
    caller(router, Role.viewer)
    return json_response(200, {"data": channels.list_kinds()})


@router.get(
    "/v1/whoami",
    summary="The calling key's tenant, role, id and name (what a console may offer it)",
    responses=answers(200, WhoAmI, "The caller"),
)
def whoami():  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    view = {"tenantId": principal.tenant_id, "role": principal.role.name, "keyId": principal.key_id}
    return json_response(200, {**view, "keyName": auth.key_name(principal)})
