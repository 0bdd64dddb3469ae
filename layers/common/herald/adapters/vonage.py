"""Vonage legacy SMS API (PROVIDERS.md section 16a): the request and the reading of the answer.

The legacy API is used because it is what Vonage API keys and secrets work with unchanged; its catch is
that most failures come back as HTTP 200 with a non-zero per-message `status`, so 200 alone is not success.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from herald.adapters.base import RenderContext
from herald.adapters.providers import VonageCredentials
from herald.errors import PermanentDeliveryError
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

SERVICE = "Vonage"
VONAGE_API = "https://rest.nexmo.com"
# Section 16a status codes: 1 Throttled (back off and retry), 5 Internal Error (retry), 10 Too Many Existing
# Binds (back off). Every other non-zero status is permanent.
THROTTLED = "1"
RETRYABLE_STATUSES = frozenset({THROTTLED, "5", "10"})


@dataclass(frozen=True)
class VonageAccount:
    api_key: str
    api_secret: str = field(repr=False)
    sender: str

    @classmethod
    def of(cls, config: VonageCredentials) -> VonageAccount:
        """Raises PermanentDeliveryError when a credential is still missing (no channel value, no settings)."""
        if config.api_key is None or config.api_secret is None or config.from_ is None:
            raise PermanentDeliveryError(
                "Vonage credentials are incomplete: set apiKey, apiSecret and from on the channel "
                "or store them with PUT /v1/settings/providers/vonage",
                code="missing_credentials",
            )
        return cls(config.api_key, config.api_secret.get_secret_value(), config.from_)


def sms_request(ctx: RenderContext, account: VonageAccount, to: str, text: str, *, unicode: bool) -> OutboundRequest:
    """POST /sms/json, form-encoded: credentials in the body, numbers without `+` (section 16a).

    `unicode` selects `type=unicode`; without it Vonage sends GSM-7 and mangles other characters.
    """
    form = {
        "api_key": account.api_key,
        "api_secret": account.api_secret,
        "from": account.sender.removeprefix("+"),
        "to": to.removeprefix("+"),
        "text": text,
        "type": "unicode" if unicode else "text",
    }
    url = f"{ctx.endpoint('vonage', VONAGE_API)}/sms/json"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    return OutboundRequest("POST", url, headers, urlencode(form).encode())


def interpret(response: HttpResponse) -> Receipt:
    """Success only when HTTP is 200 and every `messages[].status` is "0"; the first `message-id` is recorded.

    Raises RetryableDeliveryError for status 1 (throttled), 5, 10, HTTP 429 and 5xx; PermanentDeliveryError
    for any other status, with Vonage's `error-text`.
    """
    if response.status != 200:
        raise classify.failure(SERVICE, response)
    data = response.json()
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        raise classify.failure(SERVICE, response, "the answer has no message status", retryable=False)
    for message in messages:
        status = str(message.get("status", ""))
        if status != "0":
            words = message.get("error-text") or "no error text"
            error = classify.failure(
                SERVICE, response, f"status {status}: {words}", retryable=status in RETRYABLE_STATUSES
            )
            if status == THROTTLED:
                error.code = "rate_limited"
            raise error
    first = messages[0].get("message-id")
    return Receipt(provider_message_id=str(first) if first else None, http_status=response.status)
