"""Voice calls that read the alert aloud: AWS End User Messaging SMS and Voice v2 (default) or Twilio.

PROVIDERS.md sections 17c (`send_voice_message`, SSML) and 15c (Calls.json with inline TwiML).

Resolved notifications place no call. Section 15c says calls are not sent for resolves, and it is the
right call for people too: a phone ringing at night to say that nothing needs doing wakes the person
on call for no action, and a recovery is news that can wait for the channels made for reading (e-mail,
chat, SMS). `send` therefore returns an empty Receipt for a resolved notification without calling anyone;
a user who wants recoveries elsewhere routes `monitor.recovery` to another channel.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Self
from xml.sax.saxutils import escape

from pydantic import Field, model_validator

from herald.adapters import aws_messaging, render, twilio
from herald.adapters.base import Adapter, AwsCall, DeliveryContext, RenderContext, Wire
from herald.adapters.providers import ProviderChannelConfig, TwilioCredentials, is_e164
from herald.errors import PermanentDeliveryError
from herald.models.notification import Notification
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

# Our choice: about half a minute of speech, read twice. With XML escaping (at most 5 characters for one)
# it stays inside TwiML's 4,000 (section 15c) and, said twice, inside SSML's 6,000 (section 17c).
SPOKEN_LIMIT = 500
SSML_LIMIT = 6000  # section 17c: SSML MessageBody ≤ 6,000 characters including tags
VOICE_ID = "JOANNA"  # section 17c: an Amazon Polly voice from the VoiceId enum
TWILIO_VOICE = "alice"  # section 15c example
REPEAT = 2  # said twice: the first words are often missed while the phone is lifted
PAUSE = '<break time="1s"/>'

# Characters XML 1.0 refuses anywhere in a document (its `Char` production); tab and line breaks are allowed.
_NOT_XML = frozenset({*map(chr, range(0x20)), "\ufffe", "\uffff"} - set("\t\n\r"))

SEVERITY_WORDS = {"critical": "Critical alert", "warning": "Warning", "info": "Notice"}

# Section 17c: OriginationIdentity is a phone number, its id or ARN, a pool id or ARN.
_ORIGINATION = r"^[A-Za-z0-9_:/+-]+$"


class VoiceConfig(TwilioCredentials, ProviderChannelConfig):
    provider_name: Literal["aws", "twilio"] = Field("aws", alias="provider", description="Voice provider")
    origination_identity: str | None = Field(
        None, min_length=1, max_length=256, pattern=_ORIGINATION, description="Origination phone number or pool"
    )

    host_fields: ClassVar[tuple[str, ...]] = ("provider_name", "account_sid")

    @model_validator(mode="after")
    def _provider_fields(self) -> Self:
        if self.origination_identity is not None and self.provider_name != "aws":
            raise ValueError("originationIdentity is for provider 'aws'; Twilio calls come from fromNumber")
        if self.from_number is not None and not is_e164(self.from_number):
            raise ValueError("fromNumber must be an E.164 phone number: Twilio places calls from a number")
        return self


def spoken_duration(seconds: int) -> str:
    """12345 → '3 hours, 25 minutes and 45 seconds': words a speech engine reads naturally."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    units = [(hours, "hour"), (minutes, "minute"), (secs, "second")]
    parts = [f"{value} {name}{'' if value == 1 else 's'}" for value, name in units if value]
    if not parts:
        return "less than a second"
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _sentence(text: str) -> str:
    # Control characters are not speech, and XML (TwiML, SSML) cannot carry them even escaped.
    text = " ".join("".join(char for char in text if char not in _NOT_XML).split())
    return text if not text or text[-1] in ".!?" else f"{text}."


def spoken_text(n: Notification) -> str:
    """What the call says once: severity (or 'Resolved'), title, downtime or body. No links, no emoji."""
    if n.resolved:
        parts = ["Resolved.", _sentence(n.title)]
        if n.downtime_seconds is not None:
            parts.append(f"It was down for {spoken_duration(n.downtime_seconds)}.")
    else:
        parts = [f"{SEVERITY_WORDS[n.severity]}.", _sentence(n.title), _sentence(n.body)]
    return render.truncate(" ".join(part for part in parts if part), SPOKEN_LIMIT)


def twiml(n: Notification) -> str:
    said = escape(spoken_text(n))
    return f'<Response><Say voice="{TWILIO_VOICE}" loop="{REPEAT}">{said}</Say></Response>'


def ssml(n: Notification) -> str:
    said = escape(spoken_text(n))
    return f"<speak>{PAUSE.join([said] * REPEAT)}</speak>"


class VoiceAdapter(Adapter[VoiceConfig]):
    kind: ClassVar[str] = "voice"
    display_name: ClassVar[str] = "Voice call"
    aliases: ClassVar[tuple[str, ...]] = ("phone",)
    config_model: ClassVar[type[VoiceConfig]] = VoiceConfig

    def build_voice_message(self, notification: Notification, config: VoiceConfig) -> dict[str, Any]:
        """Keyword arguments of `send_voice_message` for provider `aws` (section 17c). Pure.

        Raises PermanentDeliveryError when the channel has no originationIdentity (AWS requires one).
        """
        if config.origination_identity is None:
            raise PermanentDeliveryError(
                "AWS voice calls need an origination phone number or pool: set originationIdentity on the channel",
                code="missing_credentials",
            )
        return {
            "DestinationPhoneNumber": config.phone_number,
            "OriginationIdentity": config.origination_identity,
            "MessageBody": ssml(notification),
            "MessageBodyTextType": "SSML",
            "VoiceId": VOICE_ID,
        }

    def build_request(self, notification: Notification, config: VoiceConfig, ctx: RenderContext) -> OutboundRequest:
        """The Calls.json request for provider `twilio`. Pure. Raises PermanentDeliveryError without credentials."""
        if config.provider_name != "twilio":
            raise ValueError("provider 'aws' calls through End User Messaging: use build_voice_message")
        return twilio.call_request(ctx, twilio.TwilioAccount.of(config), config.phone_number, twiml(notification))

    def plan(self, notification: Notification, config: VoiceConfig, ctx: RenderContext) -> list[Wire]:
        """Nothing for a resolved notification (no call is placed); else the call, as `send` makes it."""
        if notification.resolved:
            return []
        if config.provider_name == "aws":
            params = self.build_voice_message(notification, config)
            return [AwsCall(aws_messaging.SMS_VOICE, "send_voice_message", params)]
        return [self.build_request(notification, config, ctx)]

    def interpret(self, response: HttpResponse) -> Receipt:
        return twilio.interpret(response)

    def send(self, notification: Notification, config: VoiceConfig, ctx: DeliveryContext) -> Receipt:
        """Places the call (none for a resolved notification, see the module docstring).

        Raises RetryableDeliveryError / PermanentDeliveryError with the provider's own words.
        """
        if notification.resolved:
            return Receipt()
        if config.provider_name == "aws":
            params = self.build_voice_message(notification, config)
            return aws_messaging.call(ctx, aws_messaging.SMS_VOICE, "send_voice_message", params)
        if ctx.http is None:
            raise TypeError("VoiceAdapter.send needs ctx.http (the guarded session)")
        return self.interpret(ctx.http.send(self.build_request(notification, config, ctx)))
