"""SMS through Amazon SNS (default), Twilio or Vonage (PROVIDERS.md sections 17b, 15a, 16a).

One short text: the plain headline, the body on one line, the link. It is kept within three
concatenated segments and in GSM-7 whenever its characters allow, because a single character outside
GSM-7 (even the `…` ellipsis) makes the whole message UCS-2 and more than doubles the segments billed.
A resolved notification is a new text starting `RESOLVED:` with the downtime (no provider can close an SMS).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from herald.adapters import aws_messaging, render, twilio, vonage
from herald.adapters.base import Adapter, AwsCall, DeliveryContext, RenderContext, Wire
from herald.adapters.providers import ProviderChannelConfig, TwilioCredentials, VonageCredentials
from herald.models.notification import Notification
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

# GSM 03.38: the basic character set (one septet each) and the extension table (two septets each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
# A part of a concatenated SMS carries 153 GSM-7 septets or 67 UCS-2 units (sections 15a, 16a, 17b).
GSM7_SEGMENT = 153
UCS2_SEGMENT = 67
# Our choice: an alert fits three parts; SNS and Twilio would take 1,600 characters (sections 17b, 15a).
MAX_SEGMENTS = 3
GSM7_ELLIPSIS = "..."
SNS_SMS_TYPE = "Transactional"  # section 17b: critical messages, higher delivery reliability

Provider = Literal["aws", "twilio", "vonage"]


# Bases listed last-first so the schema reads phoneNumber, provider, Twilio's fields, Vonage's fields.
class SmsConfig(VonageCredentials, TwilioCredentials, ProviderChannelConfig):
    provider_name: Provider = Field("aws", alias="provider", description="SMS provider")

    host_fields: ClassVar[tuple[str, ...]] = ("provider_name", "account_sid", "api_key")


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def units(text: str, gsm: bool) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) that `text` takes in an SMS."""
    if gsm:
        return sum(2 if char in GSM7_EXTENSION else 1 for char in text)
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, gsm: bool, capacity: int) -> str:
    """`text` cut to `capacity` units with a visible ellipsis that keeps the encoding (`...` in GSM-7)."""
    if units(text, gsm) <= capacity:
        return text
    ellipsis = GSM7_ELLIPSIS if gsm else render.ELLIPSIS
    room = capacity - units(ellipsis, gsm)
    kept: list[str] = []
    used = 0
    for char in text:
        cost = units(char, gsm)
        if used + cost > room:
            break
        kept.append(char)
        used += cost
    return "".join(kept).rstrip() + ellipsis


def sms_text(n: Notification) -> str:
    """The whole text message: at most MAX_SEGMENTS parts, the link kept whole when it takes half or less."""
    lines = [render.plain_headline(n)]
    if n.resolved and (down := render.downtime(n)):
        lines.append(f"Down for {down}.")
    if body := " ".join(n.body.split()):
        lines.append(body)
    message = "\n".join(lines)
    link = render.link(n)
    gsm = is_gsm7(message + (link or ""))
    capacity = MAX_SEGMENTS * (GSM7_SEGMENT if gsm else UCS2_SEGMENT)
    if link and units(link, gsm) + 1 <= capacity // 2:
        return f"{fit(message, gsm, capacity - units(link, gsm) - 1)}\n{link}"
    return fit(message, gsm, capacity)


class SmsAdapter(Adapter[SmsConfig]):
    kind: ClassVar[str] = "sms"
    display_name: ClassVar[str] = "SMS"
    config_model: ClassVar[type[SmsConfig]] = SmsConfig

    def build_publish(self, notification: Notification, config: SmsConfig) -> dict[str, Any]:
        """Keyword arguments of `sns.publish` for provider `aws` (section 17b). Pure."""
        return {
            "PhoneNumber": config.phone_number,
            "Message": sms_text(notification),
            "MessageAttributes": {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": SNS_SMS_TYPE}},
        }

    def build_request(self, notification: Notification, config: SmsConfig, ctx: RenderContext) -> OutboundRequest:
        """The HTTP request for provider `twilio` or `vonage`. Pure.

        Raises PermanentDeliveryError when credentials are still missing; ValueError for provider `aws`
        (sent through SNS, see build_publish).
        """
        text = sms_text(notification)
        if config.provider_name == "twilio":
            return twilio.message_request(ctx, twilio.TwilioAccount.of(config), config.phone_number, text)
        if config.provider_name == "vonage":
            account = vonage.VonageAccount.of(config)
            return vonage.sms_request(ctx, account, config.phone_number, text, unicode=not is_gsm7(text))
        raise ValueError("provider 'aws' sends through SNS: use build_publish")

    def plan(self, notification: Notification, config: SmsConfig, ctx: RenderContext) -> list[Wire]:
        if config.provider_name == "aws":
            return [AwsCall(aws_messaging.SNS, "publish", self.build_publish(notification, config))]
        return [self.build_request(notification, config, ctx)]

    def interpret(self, response: HttpResponse, config: SmsConfig) -> Receipt:
        """Receipt of a Twilio or Vonage answer; raises the classified DeliveryError otherwise."""
        return vonage.interpret(response) if config.provider_name == "vonage" else twilio.interpret(response)

    def send(self, notification: Notification, config: SmsConfig, ctx: DeliveryContext) -> Receipt:
        """Raises RetryableDeliveryError / PermanentDeliveryError with the provider's own words."""
        if config.provider_name == "aws":
            return aws_messaging.call(ctx, aws_messaging.SNS, "publish", self.build_publish(notification, config))
        if ctx.http is None:
            raise TypeError("SmsAdapter.send needs ctx.http (the guarded session)")
        return self.interpret(ctx.http.send(self.build_request(notification, config, ctx)), config)
