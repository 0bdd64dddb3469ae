"""Calling an AWS messaging API (SES v2, SNS, End User Messaging SMS and Voice v2, EventBridge) as one attempt.

Adapters build the call's keyword arguments purely; this module makes the call through the client
`ctx.aws` gives (herald.aws.client: cached, bounded time-outs, botocore's standard retries) and turns
the answer into a Receipt or a classified DeliveryError (PROVIDERS.md section 17).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)

from herald.adapters.base import DeliveryContext
from herald.aws import Role
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.transport import classify
from herald.transport.wire import Receipt

SES = ("sesv2", "Amazon SES")
SNS = ("sns", "Amazon SNS")
SMS_VOICE = ("pinpoint-sms-voice-v2", "AWS End User Messaging")
EVENTBRIDGE = ("events", "Amazon EventBridge")
STS = ("sts", "AWS STS")

_UNREACHABLE = (EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError, ReadTimeoutError)


def call(ctx: DeliveryContext, api: tuple[str, str], operation: str, params: Mapping[str, Any]) -> Receipt:
    """`client.<operation>(**params)` on the AWS API `api` (client name, display name); `MessageId` → Receipt.

    Raises RetryableDeliveryError (throttling, 5xx, AWS unreachable) or PermanentDeliveryError (any
    other error AWS returns, or a request botocore refuses to send). Messages carry AWS's own words.
    """
    return receipt(answer(ctx, api, operation, params))


def answer(
    ctx: DeliveryContext,
    api: tuple[str, str],
    operation: str,
    params: Mapping[str, Any],
    *,
    role: Role | None = None,
    region: str = "",
) -> dict[str, Any]:
    """AWS's answer to `client.<operation>(**params)`, made as `role` in `region` when given (the
    customer's account, herald.aws.assumed_client), else with Herald's own credentials.

    Raises as `call`; a role STS will not hand over is a PermanentDeliveryError in STS's words.
    """
    service, label = api
    client = _client(ctx, service, role, region)
    try:
        return dict(getattr(client, operation)(**params))
    except ClientError as exc:
        raise classify.aws_failure(label, exc) from exc
    except _UNREACHABLE as exc:
        raise _unreachable(label, exc) from exc
    except ParamValidationError as exc:
        # botocore names the parameter and the rule; the values in these calls are not secrets.
        raise PermanentDeliveryError(
            f"{label} request refused before sending: {classify.short(str(exc))}", code="provider_rejected"
        ) from exc


def receipt(answer: Mapping[str, Any], message_id: str | None = None) -> Receipt:
    """AWS's `MessageId` (or the given id) and HTTP status as a Receipt."""
    status = answer.get("ResponseMetadata", {}).get("HTTPStatusCode")
    found = message_id or answer.get("MessageId")
    return Receipt(provider_message_id=str(found) if found else None, http_status=status)


def _client(ctx: DeliveryContext, service: str, role: Role | None, region: str) -> Any:
    if role is None:
        if ctx.aws is None:
            raise TypeError("AWS-backed adapters need ctx.aws (herald.aws.client)")
        return ctx.aws(service)
    if ctx.assume is None:
        raise TypeError("cross-account adapters need ctx.assume (herald.aws.assumed_client)")
    try:
        return ctx.assume(service, region, role)
    except ClientError as exc:
        # e.g. AccessDenied: the role's trust policy does not name Herald's account or this external id.
        raise classify.aws_failure(f"{STS[1]} (assuming {role.arn})", exc) from exc
    except _UNREACHABLE as exc:
        raise _unreachable(STS[1], exc) from exc


def _unreachable(label: str, exc: Exception) -> RetryableDeliveryError:
    return RetryableDeliveryError(f"{label} could not be reached ({type(exc).__name__})", code="provider_unreachable")
