"""/v1/settings/providers: credentials stored once per tenant for Twilio, Vonage, Telegram, Pushover."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from herald.api.errors import json_response
from herald.api.request import caller, json_body, query
from herald.auth.roles import Role
from herald.providers import service as providers

router = Router()


@router.get("/v1/settings/providers", summary="Stored provider settings (secrets redacted)")
def list_providers():  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    query(router, set())
    return json_response(200, {"data": providers.list_settings(principal.tenant_id)})


@router.put("/v1/settings/providers/<provider>", summary="Store a provider's credentials for every channel")
def put_provider(provider: str):  # type: ignore[no-untyped-def]
    principal = caller(router, Role.admin)
    body = json_body(router)
    return json_response(200, providers.put_settings(principal.tenant_id, provider, body))
