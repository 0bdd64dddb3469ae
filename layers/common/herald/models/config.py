"""The base of every channel kind's config model: camelCase on the wire, secrets as SecretStr.

It lives here, not with the adapters, so that models (and channels, secrets, providers) can speak of a
config without importing any adapter.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import AliasChoices, AliasGenerator, BaseModel, ConfigDict, SecretStr
from pydantic.alias_generators import to_camel

SECRET_PLACEHOLDER = "••••••••"


def _validation_alias(name: str) -> AliasChoices:
    camel = to_camel(name)
    return AliasChoices(camel, name) if camel != name else AliasChoices(name)


class ChannelConfig(BaseModel):
    """Base of every kind's config: camelCase on the wire, snake_case accepted, unknown keys refused.

    Field `description`s double as the human name used in errors ("Slack webhook URL is required").
    """

    model_config = ConfigDict(
        alias_generator=AliasGenerator(validation_alias=_validation_alias, serialization_alias=to_camel),
        extra="forbid",
        str_strip_whitespace=True,
        frozen=True,
        # A config holds secrets: pydantic's error text must never quote what it was given.
        hide_input_in_errors=True,
        defer_build=True,
    )

    # Where secrets go, in Python names. A host field decides who is handed the stored secrets (a URL's
    # scheme, host and port, a region, a provider, the account a token belongs to): changing one needs
    # every secret sent again. A recipient field only names whom to notify at that same place, so stored
    # secrets stay when it changes.
    host_fields: ClassVar[tuple[str, ...]] = ()
    recipient_fields: ClassVar[tuple[str, ...]] = ()

    def json_body_template(self) -> str | None:
        """The template this config's request body is rendered from (a webhook's `custom` payload), if any."""
        return None

    def provider(self) -> str | None:
        """The tenant provider settings (`telegram`, `pushover`, `twilio`, `vonage`) this config draws on."""
        return None

    def missing_credentials(self) -> list[str]:
        """camelCase credential fields left out here, to be filled from the tenant's provider settings."""
        return []

    def summary(self) -> str:
        """A non-secret hint shown as `configSummary` (host, last 4 digits, chat id, topic, ...)."""
        return ""

    @classmethod
    def secret_fields(cls) -> list[str]:
        """camelCase names of the fields that are never returned."""
        return [to_camel(name) for name, info in cls.model_fields.items() if _is_secret(info.annotation)]

    def reveal(self) -> dict[str, Any]:
        """Every value in clear, camelCase: only for encryption at rest and for sending."""
        return _unwrap(self.model_dump(by_alias=True, exclude_none=True))

    def redacted(self) -> dict[str, Any]:
        """camelCase values with every secret replaced by the placeholder."""
        return _redact(self.model_dump(by_alias=True, exclude_none=True))

    def secret_values(self) -> list[str]:
        """Every secret value in clear (webhook header values too): what errors must never quote."""
        return _secrets(self.model_dump(exclude_none=True))


def wire_name(model: type[ChannelConfig], name: str) -> str:
    """The camelCase name a field has in bodies and responses (`from_` → `from`, `provider_name` → `provider`)."""
    return model.model_fields[name].serialization_alias or to_camel(name)


def _is_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    args = getattr(annotation, "__args__", ()) or ()
    return any(_is_secret(arg) for arg in args)


def _unwrap(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {key: _unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unwrap(item) for item in value]
    return value


def _secrets(value: Any) -> list[str]:
    if isinstance(value, SecretStr):
        return [value.get_secret_value()]
    if isinstance(value, dict):
        return [found for item in value.values() for found in _secrets(item)]
    if isinstance(value, list):
        return [found for item in value for found in _secrets(item)]
    return []


def _redact(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return SECRET_PLACEHOLDER
    if isinstance(value, dict):
        return {key: _redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item) for item in value]
    return value
