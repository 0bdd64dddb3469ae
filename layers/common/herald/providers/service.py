"""Provider settings use cases: store (admin), read redacted, and fill a channel's missing credentials."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from herald.adapters.providers import PROVIDER_SETTINGS
from herald.adapters.validation import field_errors
from herald.crypto import context_for, get_crypto
from herald.errors import ConfigUnreadable, ProviderNotFound, ValidationFailed
from herald.models.config import ChannelConfig
from herald.observability import logger
from herald.providers import repository
from herald.secrets import keep_placeholders, open_sealed
from herald.timeutil import iso


def _context(tenant_id: str, provider: str) -> dict[str, str]:
    return context_for(tenant_id, f"provider:{provider}")


def _model(provider: str) -> type[ChannelConfig]:
    model = PROVIDER_SETTINGS.get(provider)
    if model is None:
        raise ProviderNotFound(provider)
    return model


def load(tenant_id: str, provider: str) -> ChannelConfig | None:
    """The tenant's stored settings for a provider, decrypted, or None.

    Raises ConfigUnreadable when they no longer open (a blob moved from another item) or validate.
    """
    entry = repository.get(tenant_id, provider)
    return None if entry is None else _open(entry)


def _open(entry: repository.ProviderItem) -> ChannelConfig:
    return open_sealed(
        _model(entry.provider),
        entry.sealed_config,
        _context(entry.tenant_id, entry.provider),
        prefix="",
        what=f"{entry.provider} provider settings",
        repair=f"Replace them with PUT /v1/settings/providers/{entry.provider} and every field.",
    )


def _readable(tenant_id: str, provider: str) -> ChannelConfig | None:
    try:
        return load(tenant_id, provider)
    except ConfigUnreadable:
        return None  # a PUT with every field repairs them; a placeholder then has nothing to keep


def put_settings(tenant_id: str, provider: str, body: Any) -> dict[str, Any]:
    """Replace a provider's settings. Secrets left as the placeholder keep their stored value.

    Raises ProviderNotFound, ValidationFailed.
    """
    model = _model(provider)
    if not isinstance(body, dict):
        raise ValidationFailed([], "The body must be a JSON object of the provider's fields.")
    current = _readable(tenant_id, provider)
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
    """Every stored provider's settings, redacted; unreadable ones show `config: null` and `configError`."""
    out: list[dict[str, Any]] = []
    for entry in repository.list_all(tenant_id):
        view: dict[str, Any] = {"provider": entry.provider, "updatedAt": entry.updated_at}
        try:
            out.append({**view, "config": _open(entry).redacted()})
        except ConfigUnreadable as exc:
            logger.warning("Provider settings unreadable", extra={"provider": entry.provider})
            out.append({**view, "config": None, "configError": exc.message})
    return out
