"""Twilio Programmable Messaging and Voice (PROVIDERS.md section 15): the request and the reading of the answer.

Used by sms and voice (provider `twilio`) and by whatsapp. Every call is a form-encoded POST under
`/2010-04-01/Accounts/{AccountSid}/` with HTTP Basic `AccountSid:AuthToken`; success is 201 with a `sid`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.providers import TwilioCredentials, is_messaging_service_sid
from herald.errors import PermanentDeliveryError
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

SERVICE = "Twilio"
TWILIO_API = "https://api.twilio.com"
BODY_LIMIT = 1600  # section 15a: `Body` ≤ 1,600 characters
TWIML_LIMIT = 4000  # section 15c: inline `Twiml` ≤ 4,000 characters
TOO_MANY_REQUESTS = 20429  # section 15a: account concurrency exceeded, "safe to retry after backing off"


@dataclass(frozen=True)
class TwilioAccount:
    """Complete credentials: the channel's own values, filled from the tenant's settings before sending."""

    account_sid: str
    auth_token: str = field(repr=False)
    sender: str

    @classmethod
    def of(cls, config: TwilioCredentials) -> TwilioAccount:
        """Raises PermanentDeliveryError when a credential is still missing (no channel value, no settings)."""
        if config.account_sid is None or config.auth_token is None or config.from_number is None:
            raise PermanentDeliveryError(
                "Twilio credentials are incomplete: set accountSid, authToken and fromNumber on the channel "
                "or store them with PUT /v1/settings/providers/twilio",
                code="missing_credentials",
            )
        return cls(config.account_sid, config.auth_token.get_secret_value(), config.from_number)


def _post(ctx: RenderContext, account: TwilioAccount, resource: str, form: dict[str, str]) -> OutboundRequest:
    base = ctx.endpoint("twilio", TWILIO_API)
    url = f"{base}/2010-04-01/Accounts/{quote(account.account_sid, safe='')}/{resource}"
    basic = base64.b64encode(f"{account.account_sid}:{account.auth_token}".encode()).decode()
    headers = {
        "Authorization": f"Basic {basic}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }
    return OutboundRequest("POST", url, headers, urlencode(form).encode())


def _sender(account: TwilioAccount, prefix: str) -> dict[str, str]:
    # A Messaging Service SID replaces `From` (section 15a) and picks the sender itself: no prefix.
    if is_messaging_service_sid(account.sender):
        return {"MessagingServiceSid": account.sender}
    return {"From": f"{prefix}{account.sender}"}


def message_request(
    ctx: RenderContext, account: TwilioAccount, to: str, body: str, *, prefix: str = ""
) -> OutboundRequest:
    """POST Messages.json with `To`, `From` (or `MessagingServiceSid`) and `Body` cut to 1,600 characters.

    `prefix` is `whatsapp:` for WhatsApp (section 15b); SMS has none.
    """
    form = {"To": f"{prefix}{to}", **_sender(account, prefix), "Body": render.truncate(body, BODY_LIMIT)}
    return _post(ctx, account, "Messages.json", form)


def template_request(
    ctx: RenderContext, account: TwilioAccount, to: str, content_sid: str, variables: str, *, prefix: str = ""
) -> OutboundRequest:
    """POST Messages.json with an approved template (`ContentSid` + `ContentVariables`) and no `Body` (15b)."""
    form = {"To": f"{prefix}{to}", **_sender(account, prefix), "ContentSid": content_sid, "ContentVariables": variables}
    return _post(ctx, account, "Messages.json", form)


def call_request(ctx: RenderContext, account: TwilioAccount, to: str, twiml: str) -> OutboundRequest:
    """POST Calls.json with inline `Twiml` (section 15c). The caller keeps `twiml` within TWIML_LIMIT."""
    if len(twiml) > TWIML_LIMIT:
        raise ValueError(f"TwiML is {len(twiml)} characters; Twilio accepts {TWIML_LIMIT}")
    return _post(ctx, account, "Calls.json", {"To": to, "From": account.sender, "Twiml": twiml})


def interpret(response: HttpResponse) -> Receipt:
    """201 (200 tolerated) with a `sid` is success, the sid recorded as the provider's message id.

    Raises RetryableDeliveryError for 429 / code 20429 / 5xx (honouring a Retry-After header when Twilio
    sends one), PermanentDeliveryError otherwise, with Twilio's `message` and `code` in the error.
    """
    data = response.json()
    body = data if isinstance(data, dict) else {}
    if response.status in (200, 201):
        sid = body.get("sid")
        if isinstance(sid, str) and sid:
            return Receipt(provider_message_id=sid, http_status=response.status)
        raise classify.failure(SERVICE, response, "the answer carries no sid", retryable=False)
    message, code = body.get("message"), body.get("code")
    detail = f"{message} (code {code})" if message and code else (str(message) if message else None)
    throttled = code == TOO_MANY_REQUESTS or response.status == 429
    raise classify.failure(SERVICE, response, detail, retryable=True if throttled else None)
