"""E-mail through the customer's own Twilio SendGrid account: v3 Mail Send with their API key, instead of SES.

SOURCES (read 2026-12-03):
- https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send: `POST https://api.sendgrid.com/v3/mail/send`
  (EU regional subusers: `https://api.eu.sendgrid.com`), `Authorization: Bearer <API key>`, JSON with
  `personalizations` (each with `to: [{email}]`), `from: {email, name}`, `reply_to: {email}`, `subject` and
  `content: [{type, value}]` with `text/plain` before `text/html`.
- https://docs.sendgrid.com/api-reference/mail-send/limitations: at most 1,000 recipients per request; the
  `from` address takes no Unicode.
- https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/responses and .../errors:
  202 "Request accepted" (sandbox mode answers 200), 4xx/5xx with `{"errors": [{"field", "message", "help"}]}`;
  403 when `from` is not a verified Sender Identity.
- https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits: 429 with
  `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (a Unix time) and no Retry-After.

The mail is the `email` kind's: same subject, text and HTML parts (escaped as there), same address checks,
sent from the channel's own verified sender. A resolved notification is a new mail headed RESOLVED.
"""

from __future__ import annotations

import math
import time
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, BeforeValidator, Field

from herald.adapters import email
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.fields import DisplayName, EmailAddress, Secret
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

PUBLIC_HOSTS = {"us": "https://api.sendgrid.com", "eu": "https://api.eu.sendgrid.com"}
SEND_PATH = "/v3/mail/send"
TEXT_PLAIN = "text/plain"
TEXT_HTML = "text/html"


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Region = Annotated[Literal["us", "eu"], BeforeValidator(_lower)]


class SendGridConfig(email.EmailConfig):
    """Recipients as the e-mail kind takes them, a SendGrid API key and a sender verified in that account."""

    # The e-mail kind's checks and its limit of 50 recipients (SendGrid takes 1,000; `to` is SendGrid's name).
    addresses: list[EmailAddress] = Field(
        validation_alias=AliasChoices("addresses", "toEmails", "to_emails", "address", "email", "to"),
        description="Email address",
    )
    api_key: Secret = Field(validation_alias=AliasChoices("apiKey", "api_key"), description="SendGrid API key")
    # SendGrid refuses mail from an address that is not one of the account's verified senders, so the
    # channel names one; Herald's own SES sender is not theirs.
    from_email: EmailAddress = Field(
        validation_alias=AliasChoices("fromEmail", "from_email", "from"), description="Sender email address"
    )
    from_name: DisplayName | None = Field(None, description="Sender name")
    region: Region = Field("us", description="SendGrid region")

    host_fields: ClassVar[tuple[str, ...]] = ("region",)

    def summary(self) -> str:
        return f"{super().summary()} via {urlsplit(PUBLIC_HOSTS[self.region]).hostname}"


def mail(n: Notification, config: SendGridConfig) -> dict[str, Any]:
    """The v3 Mail Send body: one envelope to every address, the e-mail kind's subject and both parts. Pure."""
    sender: dict[str, str] = {"email": config.from_email}
    if config.from_name:
        sender["name"] = config.from_name
    body: dict[str, Any] = {
        "personalizations": [{"to": [{"email": address} for address in config.addresses]}],
        "from": sender,
        "subject": email.subject(n),
        "content": [
            {"type": TEXT_PLAIN, "value": email.text_body(n)},
            {"type": TEXT_HTML, "value": email.html_body(n)},
        ],
    }
    if config.reply_to:
        body["reply_to"] = {"email": config.reply_to}
    return body


def _error_words(data: Any) -> str | None:
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return None
    words = [
        f"{item['field']}: {item['message']}" if item.get("field") else str(item["message"])
        for item in errors
        if isinstance(item, dict) and item.get("message")
    ]
    return "; ".join(words) or None


def _until_reset(response: HttpResponse) -> float | None:
    # No Retry-After: X-RateLimit-Reset is the Unix time the refresh period ends.
    value = response.header("X-RateLimit-Reset")
    try:
        reset = float(value) if value else None
    except ValueError:
        return None
    return max(0.0, reset - time.time()) if reset is not None and math.isfinite(reset) else None


class SendGridAdapter(HttpAdapter[SendGridConfig]):
    kind = "sendgrid"
    display_name = "SendGrid"
    config_model = SendGridConfig

    def build_request(self, notification: Notification, config: SendGridConfig, ctx: RenderContext) -> OutboundRequest:
        """POST /v3/mail/send on the region's host with the API key as bearer token."""
        url = ctx.endpoint(self.kind, PUBLIC_HOSTS[config.region]) + SEND_PATH
        headers = {"Authorization": f"Bearer {config.api_key.get_secret_value()}"}
        return OutboundRequest.json("POST", url, mail(notification, config), headers)

    def interpret(self, response: HttpResponse) -> Receipt:
        """202 (200 in sandbox mode) is success; the `X-Message-Id` header is recorded.

        Raises RetryableDeliveryError for 429 (delay until X-RateLimit-Reset, else Retry-After) and 5xx;
        PermanentDeliveryError otherwise (401 bad key, 403 unverified sender, 400), with SendGrid's `errors`.
        """
        if response.status in (200, 202):
            return Receipt(provider_message_id=response.header("X-Message-Id"), http_status=response.status)
        retry_after = _until_reset(response) if response.status == 429 else None
        raise classify.failure(self.display_name, response, _error_words(response.json()), retry_after=retry_after)
