"""Reusable config field types: secrets, guarded URLs, E.164 numbers, e-mail addresses.

URL fields are checked by the egress policy passed in the validation context
(`Model.model_validate(data, context={"egress": policy})`); without one the strict default applies.
`context={"stored": True}` reads a config back from the table without judging its URLs again here
(the guarded session judges every URL at send time, after DNS resolution).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, ValidationInfo

from herald.errors import ForbiddenTarget
from herald.transport.egress import EgressPolicy

_STRICT = EgressPolicy(())
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def _policy(info: ValidationInfo) -> EgressPolicy:
    context = info.context or {}
    policy = context.get("egress")
    return policy if isinstance(policy, EgressPolicy) else _STRICT


def _url_checker(label: str):  # type: ignore[no-untyped-def]
    def check(value: Any, info: ValidationInfo) -> Any:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(raw, str):
            raise ValueError(f"{label} must be a string")  # noqa: TRY004 - pydantic reports ValueError
        raw = raw.strip()
        if (info.context or {}).get("stored"):
            # Read back from the table: judged when written, and judged again at send time.
            return raw
        try:
            _policy(info).check_url(raw)
        except ForbiddenTarget as exc:
            raise ValueError(f"Invalid {label}: {exc.message}") from None
        return raw

    return check


def _e164(value: str) -> str:
    # E.164 syntax (+, country code, at most 15 digits) and a country code that exists. Deliberately
    # not the per-country length rules: seed bodies such as "+1234567890" must be accepted as they are.
    message = "Phone number must be in E.164 format"
    if not _E164.fullmatch(value):
        raise ValueError(message)
    import phonenumbers  # 35 ms of import only phone kinds need: not on every cold start

    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValueError(message) from None
    if phonenumbers.region_code_for_country_code(parsed.country_code or 0) == phonenumbers.UNKNOWN_REGION:
        raise ValueError(message)
    return value


def _email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email  # 40 ms: e-mail kinds only

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"Invalid email address: {exc}") from None


Secret = Annotated[SecretStr, Field(min_length=1, max_length=4096)]
"""A credential: stored encrypted, never returned, logged or put in an error."""

WebhookUrl = Annotated[SecretStr, BeforeValidator(_url_checker("webhook URL")), Field(max_length=2048)]
"""A URL that is itself the credential (Slack, Discord, Teams, Google Chat, webhook)."""

ServerUrl = Annotated[str, AfterValidator(_url_checker("server URL")), Field(max_length=2048)]
"""A public base URL of a self-hostable service (ntfy, Gotify, Matrix)."""

PhoneNumber = Annotated[str, AfterValidator(_e164)]
EmailAddress = Annotated[str, AfterValidator(_email), Field(max_length=254)]


# Characters that make a name lie about itself: controls (NUL, escape, line breaks, ...) and the
# bidirectional formatting marks that reorder what follows them ("Trojan Source").
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _display_name(value: str) -> str:
    for char in value:
        if unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS:
            raise ValueError(
                f"Name must not contain control or bidirectional-override characters (found U+{ord(char):04X})"
            )
    return value


# The same rule for the OpenAPI document (JSON Schema patterns are ECMA-262 regular expressions).
_DISPLAY_NAME_PATTERN = (
    "^[^\\x00-\\x1f\\x7f-\\x9f" + "".join(f"\\u{ord(c):04x}" for c in sorted(_BIDI_CONTROLS)) + "]*$"
)

DisplayName = Annotated[
    str,
    AfterValidator(_display_name),
    Field(min_length=1, max_length=120, json_schema_extra={"pattern": _DISPLAY_NAME_PATTERN}),
]
"""A name a person reads (channel, rule, API key): no control or bidirectional-override characters."""
