"""Calling an AWS messaging API (SES v2, SNS, End User Messaging SMS and Voice v2) as one delivery attempt.

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
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.transport import classify
from herald.transport.wire import Receipt

SES = ("sesv2", "Amazon SES")
SNS = ("sns", "Amazon SNS")
SMS_VOICE = ("pinpoint-sms-voice-v2", "AWS End User Messaging")

_UNREACHABLE = (EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError, ReadTimeoutError)


def call(ctx: DeliveryContext, api: tuple[str, str], operation: str, params: Mapping[str, Any]) -> Receipt:
    """`client.<operation>(**params)` on the AWS API `api` (client name, display name); `MessageId` → Receipt.

    Raises RetryableDeliveryError (throttling, 5xx, AWS unreachable) or PermanentDeliveryError (any
    other error AWS returns, or a request botocore refuses to send). Messages carry AWS's own words.
    """
    if ctx.aws is None:
        raise TypeError("AWS-backed adapters need ctx.aws (herald.aws.client)")
    service, label = api
    try:
        answer = getattr(ctx.aws(service), operation)(**params)
    except ClientError as exc:
        raise classify.aws_failure(label, exc) from exc
    except _UNREACHABLE as exc:
        raise RetryableDeliveryError(
            f"{label} could not be reached ({type(exc).__name__})", code="provider_unreachable"
        ) from exc
    except ParamValidationError as exc:
        # botocore names the parameter and the rule; the values in these calls are not secrets.
        raise PermanentDeliveryError(
            f"{label} request refused before sending: {classify.short(str(exc))}", code="provider_rejected"
        ) from exc
    status = answer.get("ResponseMetadata", {}).get("HTTPStatusCode")
    message_id = answer.get("MessageId")
    return Receipt(provider_message_id=str(message_id) if message_id else None, http_status=status)
