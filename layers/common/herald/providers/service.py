"""Provider settings use cases: store (admin), read redacted, and fill a channel's missing credentials."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from herald.adapters.providers import PROVIDER_SETTINGS
from herald.adapters.validation import field_errors
from herald.crypto import context_for, get_crypto
from herald.errors import ProviderNotFound, ValidationFailed
from herald.models.config import ChannelConfig
from herald.providers import repository
from herald.secrets import keep_placeholders
from herald.timeutil import iso


def _context(tenant_id: str, provider: str) -> dict[str, str]:
    return context_for(tenant_id, f"provider:{provider}")


def _model(provider: str) -> type[ChannelConfig]:
    model = PROVIDER_SETTINGS.get(provider)
    if model is None:
        raise ProviderNotFound(provider)
    return model


def load(tenant_id: str, provider: str) -> ChannelConfig | None:
    """The tenant's stored settings for a provider, decrypted, or None."""
    entry = repository.get(tenant_id, provider)
    if entry is None:
        return None
    model = _model(provider)
    return model.model_validate(get_crypto().open_json(entry.sealed_config, _context(tenant_id, provider)))


def put_settings(tenant_id: str, provider: str, body: Any) -> dict[str, Any]:
    """Replace a provider's settings. Secrets left as the placeholder keep their stored value.

    Raises ProviderNotFound, ValidationFailed.
    """
    model = _model(provider)
    if not isinstance(body, dict):
        raise ValidationFailed([], "The body must be a JSON object of the provider's fields.")
    current = load(tenant_id, provider)
    merged = keep_placeholders(body, current.reveal() if current else {}, model.secret_fields(), prefix="")
    try:
        config = model.model_validate(merged)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc, model, "")) from None
    updated_at = iso()
    sealed = get_crypto().seal_json(config.reveal(), _context(tenant_id, provider))
    repository.put(repository.ProviderItem(tenant_id, provider, sealed, updated_at))
    return {"provider": provider, "config": config.redacted(), "updatedAt": updated_at}


def list_settings(tenant_id: str) -> list[dict[str, Any]]:
    out = []
    for entry in repository.list_all(tenant_id):
        config = _model(entry.provider).model_validate(
            get_crypto().open_json(entry.sealed_config, _context(tenant_id, entry.provider))
        )
        out.append({"provider": entry.provider, "config": config.redacted(), "updatedAt": entry.updated_at})
    return out
