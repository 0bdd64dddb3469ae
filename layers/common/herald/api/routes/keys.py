"""/v1/api-keys: an admin mints, lists and revokes the tenant's keys."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, ConfigDict, Field

from herald.api.contract import KeyPage, NewKeyView, answers
from herald.api.errors import json_response
from herald.api.params import Limit, NextToken
from herald.api.request import caller
from herald.auth import service as auth
from herald.auth.models import ApiKey
from herald.auth.roles import Role
from herald.models.fields import DisplayName

router = Router()


class KeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "status page", "role": "editor"}]}
    )
    name: DisplayName = Field(description="Key name")
    role: Literal["viewer", "editor", "admin"] = Field(description="Role")


def _view(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "role": key.role.name,
        "prefix": key.prefix,
        "createdAt": key.created_at,
        "lastUsedAt": key.last_used_at,
    }


@router.get(
    "/v1/api-keys",
    summary="List this tenant's API keys (never the keys themselves)",
    responses=answers(200, KeyPage, "A page"),
)
def list_keys(limit: Limit = 50, next_token: NextToken = None):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.admin)
    keys, token = auth.list_api_keys(principal.tenant_id, limit, next_token)
    return json_response(200, {"data": [_view(key) for key in keys], "nextToken": token})


@router.post(
    "/v1/api-keys",
    summary="Mint an API key; the full key is in this answer only",
    responses=answers(201, NewKeyView, "Minted", 413, 422),
)
def create_key(wanted: Annotated[KeyCreate, Body()]):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.admin)
    created = auth.create_api_key(principal.tenant_id, Role.parse(wanted.role), wanted.name)
    view = _view(ApiKey(created.id, created.tenant_id, created.role, created.name, created.prefix, created.created_at))
    return json_response(201, {**view, "key": created.key})


@router.delete(
    "/v1/api-keys/<key_id>",
    summary="Revoke an API key (stops working within 30 s)",
    responses=answers(204, None, "Revoked", 404, 409),
)
def delete_key(key_id: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.admin)
    auth.delete_api_key(principal.tenant_id, key_id)
    return Response(status_code=204, body="")
