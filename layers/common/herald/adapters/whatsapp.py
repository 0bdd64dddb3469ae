"""WhatsApp through Twilio: Messages.json with `whatsapp:` on To and From (PROVIDERS.md section 15b).

Free-form `Body` reaches a person only inside WhatsApp's 24-hour customer-service window; alerts outside
it need an approved template. A channel with `contentSid` (an `HX…` Content template) is sent as that
template with three variables: {{1}} the headline, {{2}} the details, {{3}} the link.
"""

from __future__ import annotations

import json
from typing import ClassVar, Literal, Self

from pydantic import Field, model_validator

from herald.adapters import render, twilio
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.adapters.providers import ProviderChannelConfig, TwilioCredentials, is_e164, is_messaging_service_sid
from herald.models.notification import Notification
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

PREFIX = "whatsapp:"  # section 15b
# Our choice, inside WhatsApp's 1,024-character template body: each variable one line of at most 300.
TEMPLATE_VARIABLE_LIMIT = 300
NO_VALUE = "-"  # template variables may not be empty


class WhatsAppConfig(TwilioCredentials, ProviderChannelConfig):
    provider_name: Literal["twilio"] = Field("twilio", alias="provider", description="WhatsApp provider")
    content_sid: str | None = Field(None, pattern=r"^HX[0-9a-fA-F]{32}$", description="Twilio Content template SID")

    host_fields: ClassVar[tuple[str, ...]] = ("provider_name", "account_sid")

    @model_validator(mode="after")
    def _whatsapp_sender(self) -> Self:
        sender = self.from_number
        if sender is not None and not (is_e164(sender) or is_messaging_service_sid(sender)):
            raise ValueError("fromNumber must be the E.164 number of a WhatsApp sender or a Messaging Service SID")
        return self


def whatsapp_text(n: Notification) -> str:
    """Bold headline, body, facts; the link on the last line, kept whole. At most 1,600 characters (15a)."""
    headline, _, rest = render.plain_text(n, with_link=False).partition("\n")
    text = f"*{headline}*\n{rest}" if rest else f"*{headline}*"
    link = render.link(n)
    if link and len(link) < twilio.BODY_LIMIT // 2:
        return f"{render.truncate(text, twilio.BODY_LIMIT - len(link) - 1)}\n{link}"
    return render.truncate(text, twilio.BODY_LIMIT)


def _one_line(text: str) -> str:
    # Template variables refuse newlines, tabs and runs of spaces.
    return render.truncate(" ".join(text.split()), TEMPLATE_VARIABLE_LIMIT) or NO_VALUE


def template_variables(n: Notification) -> str:
    """`ContentVariables`: a JSON object string of the three template variables."""
    down = render.downtime(n) if n.resolved else None
    details = " ".join(part for part in (f"Down for {down}." if down else "", n.body) if part)
    values = {"1": _one_line(render.headline(n)), "2": _one_line(details), "3": _one_line(render.link(n) or "")}
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


class WhatsAppAdapter(HttpAdapter[WhatsAppConfig]):
    kind: ClassVar[str] = "whatsapp"
    display_name: ClassVar[str] = "WhatsApp"
    config_model: ClassVar[type[WhatsAppConfig]] = WhatsAppConfig

    def build_request(self, notification: Notification, config: WhatsAppConfig, ctx: RenderContext) -> OutboundRequest:
        """Raises PermanentDeliveryError when the Twilio credentials are still missing."""
        account = twilio.TwilioAccount.of(config)
        if config.content_sid:
            variables = template_variables(notification)
            return twilio.template_request(
                ctx, account, config.phone_number, config.content_sid, variables, prefix=PREFIX
            )
        return twilio.message_request(ctx, account, config.phone_number, whatsapp_text(notification), prefix=PREFIX)

    def interpret(self, response: HttpResponse) -> Receipt:
        return twilio.interpret(response)
