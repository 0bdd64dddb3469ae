"""/v1/settings/providers: credentials stored once per tenant for Twilio, Vonage, Telegram, Pushover."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from herald.api.contract import ProviderList, ProviderView, answers
from herald.api.errors import json_response
from herald.api.examples import TWILIO
from herald.api.request import as_sent, caller
from herald.auth.roles import Role
from herald.providers import service as providers

router = Router()


@router.get(
    "/v1/settings/providers",
    summary="Stored provider settings (secrets redacted)",
    responses=answers(200, ProviderList, "Every stored provider"),
)
def list_providers():  # type: ignore[no-untyped-def]
    principal = caller(router, Role.viewer)
    return json_response(200, {"data": providers.list_settings(principal.tenant_id)})


@router.put(
    "/v1/settings/providers/<provider>",
    summary="Store a provider's credentials for every channel",
    responses=answers(200, ProviderView, "Stored", 404, 413, 422),
)
def put_provider(  # type: ignore[no-untyped-def]
    provider: str,
    body: Annotated[
        dict[str, Any],
        Body(
            description="The provider's fields, as in its kind's config schema",
            openapi_examples={
                "twilio": {"value": TWILIO},
                "telegram": {"value": {"botToken": "7012345678:AAFtgQn3kR8vYcJb2LpZ0xWmE5sTdHu4iOq"}},
            },
        ),
    ],
):
    principal = caller(router, Role.admin)
    return json_response(200, providers.put_settings(principal.tenant_id, provider, as_sent(router)))
