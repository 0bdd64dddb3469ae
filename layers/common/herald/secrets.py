"""Config updates that keep stored secrets: merge, the `••••••••` placeholder, and the new-host rule;
and scrubbing secrets out of what a provider said."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from functools import cache, partial
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import AliasChoices, ValidationError

from herald.adapters.validation import field_errors
from herald.crypto import get_crypto
from herald.errors import ConfigUnreadable, DecryptionFailed, FieldError, ValidationFailed
from herald.models.config import SECRET_PLACEHOLDER, ChannelConfig, wire_name

_MISSING = object()


def canonical_keys(model: type[ChannelConfig], data: dict[str, Any]) -> dict[str, Any]:
    """Top-level keys renamed to their camelCase wire names (`bot_token` → `botToken`, `routingKey` → ...)."""
    names: dict[str, str] = {}
    for field_name, info in model.model_fields.items():
        wire = wire_name(model, field_name)
        names[field_name] = wire
        names[wire] = wire
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            for choice in alias.choices:
                if isinstance(choice, str):
                    names[choice] = wire
        elif isinstance(alias, str):
            names[alias] = wire
    return {names.get(key, key): value for key, value in data.items()}


def merge_patch(stored: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """JSON merge patch (RFC 7396): objects merge key by key, `null` removes, anything else replaces."""
    merged = dict(stored)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_patch(merged[key], value)
        else:
            merged[key] = value
    return merged


def keep_placeholders(
    incoming: dict[str, Any], stored: dict[str, Any], secret_fields: list[str], prefix: str = "config"
) -> dict[str, Any]:
    """Replace every `••••••••` with the stored value at the same place; refuse one with nothing stored."""
    merged, _carried = carry_secrets(incoming, stored, prefix)
    return merged


def carry_secrets(incoming: dict[str, Any], stored: dict[str, Any], prefix: str) -> tuple[dict[str, Any], list[str]]:
    """(config with placeholders filled in, the paths whose stored secret was carried over)."""
    carried: list[str] = []
    errors: list[FieldError] = []

    def walk(value: Any, old: Any, path: str) -> Any:
        if isinstance(value, str) and value == SECRET_PLACEHOLDER:
            if old is _MISSING or not isinstance(old, str):
                errors.append(FieldError(path, "No stored secret to keep here: send the value itself"))
                return value
            carried.append(path)
            return old
        if isinstance(value, dict):
            previous = old if isinstance(old, dict) else {}
            return {key: walk(item, previous.get(key, _MISSING), f"{path}.{key}") for key, item in value.items()}
        return value

    result = {
        key: walk(value, stored.get(key, _MISSING), f"{prefix}.{key}" if prefix else key)
        for key, value in incoming.items()
    }
    if errors:
        raise ValidationFailed(errors)
    return result, carried


def refuse_carried_secrets_on_new_host(before: ChannelConfig, after: ChannelConfig, carried: list[str]) -> None:
    """Stored secrets never follow a channel to a new host: they must be supplied again.

    Only the kind's `host_fields` count; a new recipient at the same host (`recipient_fields`) keeps them.
    Raises ValidationFailed naming every carried secret, its message naming the host fields that changed.
    """
    if not carried:
        return
    moved = [name for name in after.host_fields if getattr(before, name, None) != getattr(after, name, None)]
    if moved:
        where = ", ".join(wire_name(type(after), name) for name in moved)
        raise ValidationFailed(
            [
                FieldError(path, f"The destination changed ({where}): supply this secret again instead of ••••••••")
                for path in carried
            ]
        )


# A run this long that also occurs in a secret is masked: a provider quoting a token cut short, or one
# piece of a webhook URL, is still the secret. Shorter runs are ordinary words.
MIN_SECRET_RUN = 8
MIN_WHOLE_SECRET = 4


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by the placeholder: whole, URL-quoted, in base64 (Basic auth),
    or any piece of it of MIN_SECRET_RUN characters or more. A URL's scheme and host are not secret."""
    forms = sorted({form for secret in secrets for form in _forms(secret)}, key=len, reverse=True)
    for form in forms:
        if len(form) >= MIN_WHOLE_SECRET:
            text = text.replace(form, SECRET_PLACEHOLDER)
    kept: list[str] = []
    start = 0
    while start < len(text):
        end = start + MIN_SECRET_RUN
        if end <= len(text) and any(text[start:end] in form for form in forms):
            while end < len(text) and any(text[start : end + 1] in form for form in forms):
                end += 1
            kept.append(SECRET_PLACEHOLDER)
            start = end
        else:
            kept.append(text[start])
            start += 1
    return "".join(kept)


def _forms(secret: str) -> set[str]:
    parts = {secret}
    url = urlsplit(secret)
    if url.scheme in ("http", "https") and url.hostname:
        # The host is the channel's public summary; what follows it (and any userinfo) is the credential.
        parts = {url.password or "", url.username or "", secret.split(url.netloc, 1)[1]} - {""}
    forms = set()
    for part in parts:
        forms |= {part, quote(part, safe=""), quote(part, safe=":/")}
        for shift in range(3):  # base64 of a text holding the part, at each of the three alignments
            encoded = base64.b64encode(b"\0" * shift + part.encode()).decode()
            forms.add(encoded[4 if shift else 0 : -4])
    return forms - {""}


@cache
def _stored[C: ChannelConfig](model: type[C]) -> Callable[[Any], C]:
    """The validation of a stored `model` document: one object per model, as Crypto.open_as keys on it."""
    return partial(model.model_validate, context={"stored": True})


def open_sealed(
    model: type[ChannelConfig], sealed: bytes, context: dict[str, str], *, prefix: str, what: str, repair: str
) -> ChannelConfig:
    """A stored config, decrypted and validated. Raises ConfigUnreadable naming `what` and why, then `repair`."""
    try:
        return get_crypto().open_as(sealed, context, _stored(model))
    except DecryptionFailed:
        problem = "it cannot be decrypted"
    except ValidationError as exc:
        problem = "; ".join(f"{error.field}: {error.message}" for error in field_errors(exc, model, prefix))
    raise ConfigUnreadable(f"The stored {what} can no longer be read ({problem}). {repair}")
