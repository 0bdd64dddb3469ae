"""Tenant provider settings, and the provider credentials that sms, voice and whatsapp channels share.

A tenant stores a provider's credentials once (`PUT /v1/settings/providers/{telegram|pushover|twilio|vonage}`,
API.md section 8); a channel may then leave them out. The settings models here require every field; the
channel-side mixins make the same fields optional and `ProviderChannelConfig` says which are still missing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, Field, TypeAdapter, ValidationError, model_validator

from herald.models.config import ChannelConfig, wire_name
from herald.models.fields import PhoneNumber, Secret

# PROVIDERS.md section 15: AccountSid is `AC` + 32 hex; a Messaging Service SID (`MG…`) may replace `From`.
_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
_MESSAGING_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")
# Alphanumeric sender IDs (Twilio and Vonage, section 16a): at most 11 letters, digits or spaces, one letter at least.
_ALPHANUMERIC_SENDER = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")
_SHORT_CODE = re.compile(r"[0-9]{3,8}")
# Vonage writes numbers without `+` (section 16a: `447700900000`).
_BARE_NUMBER = re.compile(r"[1-9][0-9]{6,14}")

_E164 = TypeAdapter(PhoneNumber)


def is_e164(value: str) -> bool:
    try:
        _E164.validate_python(value)
    except ValidationError:
        return False
    return True


def is_messaging_service_sid(value: str) -> bool:
    return _MESSAGING_SERVICE_SID.fullmatch(value) is not None


def _account_sid(value: str) -> str:
    if not _ACCOUNT_SID.fullmatch(value):
        raise ValueError("Twilio account SID must be 'AC' followed by 32 hexadecimal characters")
    return value


def _twilio_sender(value: str) -> str:
    if is_e164(value) or is_messaging_service_sid(value) or _SHORT_CODE.fullmatch(value):
        return value
    if _ALPHANUMERIC_SENDER.fullmatch(value):
        return value
    raise ValueError(
        "Twilio sender must be an E.164 number, a short code, an alphanumeric sender ID (at most 11 characters) "
        "or a Messaging Service SID (MG…)"
    )


def _vonage_sender(value: str) -> str:
    if is_e164(value) or _BARE_NUMBER.fullmatch(value) or _ALPHANUMERIC_SENDER.fullmatch(value):
        return value
    raise ValueError("Vonage sender must be a phone number or an alphanumeric sender ID (at most 11 characters)")


TwilioAccountSid = Annotated[str, AfterValidator(_account_sid)]
TwilioSender = Annotated[str, Field(max_length=64), AfterValidator(_twilio_sender)]
VonageApiKey = Annotated[str, Field(min_length=1, max_length=64)]
VonageSender = Annotated[str, Field(max_length=32), AfterValidator(_vonage_sender)]


# -- the tenant's provider settings (every field required) -------------------------------------------------


class TelegramSettings(ChannelConfig):
    bot_token: Secret = Field(description="Telegram bot token")


class PushoverSettings(ChannelConfig):
    app_token: Secret = Field(description="Pushover application token")


class TwilioSettings(ChannelConfig):
    account_sid: TwilioAccountSid = Field(description="Twilio account SID")
    auth_token: Secret = Field(description="Twilio auth token")
    from_number: TwilioSender = Field(description="Twilio sender number")


class VonageSettings(ChannelConfig):
    api_key: VonageApiKey = Field(description="Vonage API key")
    api_secret: Secret = Field(description="Vonage API secret")
    # `from` is a Python keyword: the field has another name and keeps `from` on the wire.
    from_: VonageSender = Field(alias="from", description="Vonage sender")


PROVIDER_SETTINGS: Mapping[str, type[ChannelConfig]] = MappingProxyType(
    {
        "telegram": TelegramSettings,
        "pushover": PushoverSettings,
        "twilio": TwilioSettings,
        "vonage": VonageSettings,
    }
)


# -- channel-side credentials (optional: the tenant's settings may supply them) -----------------------------


class TwilioCredentials(ChannelConfig):
    account_sid: TwilioAccountSid | None = Field(None, description="Twilio account SID")
    auth_token: Secret | None = Field(None, description="Twilio auth token")
    from_number: TwilioSender | None = Field(None, description="Twilio sender number")


class VonageCredentials(ChannelConfig):
    api_key: VonageApiKey | None = Field(None, description="Vonage API key")
    api_secret: Secret | None = Field(None, description="Vonage API secret")
    from_: VonageSender | None = Field(None, alias="from", description="Vonage sender")


# Python names of each provider's credential fields; `aws` uses the function's IAM role and has none.
CREDENTIAL_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "twilio": ("account_sid", "auth_token", "from_number"),
        "vonage": ("api_key", "api_secret", "from_"),
    }
)


class ProviderChannelConfig(ChannelConfig):
    """A phone channel (sms, voice, whatsapp): a phone number, a provider and that provider's credentials.

    Subclasses narrow `provider_name` to the providers their kind supports and mix in the credential
    fields of those providers. Credentials of another provider than the chosen one are refused.
    """

    phone_number: PhoneNumber = Field(description="Phone number")
    # Named `provider_name` because `provider()` is the ChannelConfig method; `provider` on the wire.
    provider_name: str = Field("aws", alias="provider", description="Provider")

    # Each kind's host_fields are its provider and the account ids of the providers it mixes in: the
    # provider fixes the host, and a stored token never follows a channel to another account. Another
    # number is a recipient of the same account.
    recipient_fields: ClassVar[tuple[str, ...]] = ("phone_number",)

    @model_validator(mode="after")
    def _own_credentials_only(self) -> Self:
        foreign = [
            wire_name(type(self), name)
            for provider, names in CREDENTIAL_FIELDS.items()
            if provider != self.provider_name
            for name in names
            if getattr(self, name, None) is not None
        ]
        if foreign:
            raise ValueError(
                f"{', '.join(foreign)} cannot be used with provider '{self.provider_name}': "
                "set only the chosen provider's credentials"
            )
        return self

    def provider(self) -> str | None:
        return self.provider_name if self.provider_name in CREDENTIAL_FIELDS else None

    def missing_credentials(self) -> list[str]:
        names = CREDENTIAL_FIELDS.get(self.provider_name, ())
        return [wire_name(type(self), name) for name in names if getattr(self, name, None) is None]

    def summary(self) -> str:
        return f"…{self.phone_number[-4:]}"
