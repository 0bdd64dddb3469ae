"""Channel use cases: create, read, list, update, replace, delete, and load for delivery.

Services take plain dicts from the API and return plain dicts for it; they raise Herald errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from herald.adapters import registry
from herald.adapters.base import Adapter
from herald.adapters.validation import field_errors, parse_body
from herald.channels import repository
from herald.channels.repository import ChannelItem
from herald.crypto import context_for, get_crypto
from herald.errors import (
    ChannelNotFound,
    ConfigUnreadable,
    FieldError,
    InvalidRequest,
    ValidationFailed,
)
from herald.ids import new_id
from herald.models.channel import Channel, ChannelWrite
from herald.models.config import SECRET_PLACEHOLDER, ChannelConfig
from herald.models.template import ChannelTemplate
from herald.observability import by_kind, logger
from herald.providers import service as providers
from herald.secrets import (
    canonical_keys,
    carry_secrets,
    merge_patch,
    open_sealed,
    refuse_carried_secrets_on_new_host,
)
from herald.settings import get_settings
from herald.timeutil import iso
from herald.transport.egress import EgressPolicy, policy_from_settings


def _policy() -> EgressPolicy:
    return policy_from_settings(get_settings())


def adapter_for(name: Any) -> Adapter:
    """The adapter of a kind or alias. Raises InvalidRequest (400 unknown_kind) naming the known kinds."""
    adapter = registry.find(name) if isinstance(name, str) else None
    if adapter is None:
        known = ", ".join(sorted(registry.ADAPTERS))
        raise InvalidRequest(f"Unknown kind '{name}'. Known kinds: {known}.", code="unknown_kind")
    return adapter


def _validate_config(adapter: Adapter, tenant_id: str, data: dict[str, Any]) -> ChannelConfig:
    model = adapter.config_model
    try:
        config = model.model_validate(data, context={"egress": _policy(), "account": get_settings().account_id})
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc, model, "config")) from None
    for path in _placeholders(config.reveal(), "config"):
        raise ValidationFailed([FieldError(path, "Send the secret itself; •••••••• only keeps a stored value")])
    if (source := config.json_body_template()) is not None:
        from herald import templates  # Jinja2 loads only for a channel that has a template

        templates.validate_json_body_template(source, field="config.bodyTemplate")
    _require_credentials(tenant_id, config)
    return config


def _placeholders(value: Any, path: str) -> list[str]:
    if value == SECRET_PLACEHOLDER:
        return [path]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _placeholders(item, f"{path}.{key}")]
    return []


def _require_credentials(tenant_id: str, config: ChannelConfig) -> None:
    missing = config.missing_credentials()
    provider = config.provider()
    if not missing or provider is None:
        return
    stored = providers.load(tenant_id, provider)
    have = stored.reveal() if stored else {}
    absent = [name for name in missing if not have.get(name)]
    if absent:
        raise ValidationFailed(
            [
                FieldError(
                    f"config.{name}",
                    f"{_label(config, name)} is required: set it on the channel or store it once with "
                    f"PUT /v1/settings/providers/{provider}",
                )
                for name in absent
            ]
        )


def _label(config: ChannelConfig, wire_name: str) -> str:
    """The field's human name (its description), e.g. "Telegram bot token" for `botToken`."""
    for name, info in type(config).model_fields.items():
        if wire_name in (name, info.serialization_alias, to_camel(name)) and info.description:
            return info.description
    return wire_name


def validate_template(template: ChannelTemplate | None, kind: str) -> dict[str, Any] | None:
    """The template as stored. Raises ValidationFailed naming `template.<part>`, line and column."""
    if template is None:
        return None
    from herald import templates  # Jinja2 loads only for a channel that has a template

    templates.validate_template(template, kind)
    return template.to_wire()


def _seal(tenant_id: str, channel_id: str, config: ChannelConfig) -> bytes:
    return get_crypto().seal_json(config.reveal(), context_for(tenant_id, channel_id))


def _open(item: ChannelItem) -> ChannelConfig:
    """The stored config, decrypted and validated. Raises ConfigUnreadable naming what is wrong."""
    return open_sealed(
        registry.get(item.kind).config_model,
        item.sealed_config,
        context_for(item.tenant_id, item.id),
        prefix="config",
        what=f"config of channel {item.id}",
        repair=f"Replace it with PUT /v1/channels/{item.id} and the whole config.",
    )


def _view_of(item: ChannelItem) -> dict[str, Any]:
    """The channel's view; one whose config cannot be read shows `config: null` and `configError`."""
    try:
        return to_view(_domain(item, _open(item)))
    except ConfigUnreadable as exc:
        logger.warning("Channel config unreadable", extra={"channelId": item.id, "kind": item.kind})
        by_kind.add_metric(name="ChannelConfigUnreadable", kind=item.kind)
        return {**_view(item, None), "configError": exc.message}


def _domain(item: ChannelItem, config: ChannelConfig) -> Channel:
    return Channel(
        id=item.id,
        tenant_id=item.tenant_id,
        name=item.name,
        kind=item.kind,
        enabled=item.enabled,
        events=item.events,
        config=config,
        summary=item.summary,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=item.version,
        template=ChannelTemplate.model_validate(item.template) if item.template is not None else None,
    )


def to_view(channel: Channel) -> dict[str, Any]:
    """The API's view of a channel: camelCase, every secret replaced by the placeholder."""
    return _view(channel, channel.config.redacted())


def _view(source: Channel | ChannelItem, config: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": source.id,
        "name": source.name,
        "kind": source.kind,
        "enabled": source.enabled,
        "events": list(source.events) if source.events is not None else None,
        "config": config,
        "configSummary": source.summary,
        "template": _template_view(source.template),
        "createdAt": source.created_at,
        "updatedAt": source.updated_at,
    }


def _template_view(template: ChannelTemplate | dict[str, Any] | None) -> dict[str, Any] | None:
    return template.to_wire() if isinstance(template, ChannelTemplate) else template


def create_channel(tenant_id: str, body: Any) -> dict[str, Any]:
    """Validate, encrypt and store a new channel. Raises InvalidRequest (400), ValidationFailed (422)."""
    write = parse_body(ChannelWrite, body)
    kind_name = write.kind if write.kind is not None else write.type
    if kind_name is None:
        raise ValidationFailed([FieldError("kind", "kind is required")])
    adapter = adapter_for(kind_name)
    if write.config is None:
        raise ValidationFailed([FieldError("config", "config is required")])
    config = _validate_config(adapter, tenant_id, write.config)
    template = validate_template(write.template, adapter.kind)
    now = iso()
    channel_id = new_id("ch")
    item = ChannelItem(
        id=channel_id,
        tenant_id=tenant_id,
        name=write.name or adapter.display_name,
        kind=adapter.kind,
        enabled=True if write.enabled is None else write.enabled,
        events=tuple(write.events) if write.events is not None else None,
        sealed_config=_seal(tenant_id, channel_id, config),
        summary=config.summary(),
        created_at=now,
        updated_at=now,
        version=1,
        template=template,
    )
    repository.put_new(item)
    return to_view(_domain(item, config))


def load_channel(tenant_id: str, channel_id: str, prefetched: Prefetched | None = None) -> Channel:
    """The channel with its decrypted config. Raises ChannelNotFound (also for another tenant's id).

    A channel `prefetched` was asked for is taken from it (absent there: deleted), any other is read.
    """
    if prefetched is not None and (tenant_id, channel_id) in prefetched.asked:
        item = prefetched.found.get((tenant_id, channel_id))
    else:
        item = repository.get(tenant_id, channel_id)
    if item is None:
        raise ChannelNotFound(channel_id)
    return _domain(item, _open(item))


@dataclass(frozen=True)
class Prefetched:
    """Channels read together for a batch of deliveries, by (tenant, channel id)."""

    asked: frozenset[tuple[str, str]]
    found: Mapping[tuple[str, str], ChannelItem]


def prefetch(keys: Iterable[tuple[str, str]]) -> Prefetched:
    """Read the distinct channels of a batch at once (BatchGetItem) instead of one GetItem per delivery."""
    asked = frozenset(keys)
    return Prefetched(asked=asked, found=repository.get_keys(asked) if asked else {})


def load_for_delivery(tenant_id: str, channel_id: str, prefetched: Prefetched | None = None) -> Channel:
    """The channel with credentials it leaves to the tenant's provider settings filled in.

    Raises ChannelNotFound; ValidationFailed when the provider settings it relies on are gone.
    """
    channel = load_channel(tenant_id, channel_id, prefetched)
    return replace_config(channel, with_provider_credentials(tenant_id, channel.config))


def with_provider_credentials(tenant_id: str, config: ChannelConfig) -> ChannelConfig:
    provider = config.provider()
    if provider is None or not config.missing_credentials():
        return config
    stored = providers.load(tenant_id, provider)
    if stored is None:
        raise ValidationFailed(
            [
                FieldError(f"config.{name}", f"{name} is not set and no {provider} provider settings are stored")
                for name in config.missing_credentials()
            ]
        )
    merged = {**stored.reveal(), **config.reveal()}
    return type(config).model_validate(merged, context={"stored": True})


def replace_config(channel: Channel, config: ChannelConfig) -> Channel:
    from dataclasses import replace

    return channel if config is channel.config else replace(channel, config=config)


def get_channel(tenant_id: str, channel_id: str) -> dict[str, Any]:
    """Raises ChannelNotFound. A config that cannot be read is shown as `configError`."""
    item = repository.get(tenant_id, channel_id)
    if item is None:
        raise ChannelNotFound(channel_id)
    return _view_of(item)


def list_channels(
    tenant_id: str, *, kind: str | None, enabled: bool | None, limit: int, token: str | None
) -> dict[str, Any]:
    """A page of channels, newest first. `kind` may be an alias; it is normalised first."""
    normalised = adapter_for(kind).kind if kind is not None else None
    items, next_token = repository.list_page(tenant_id, limit, token, normalised, enabled)
    # A new container has none of the page's data keys: unwrap them together, not one KMS call after another.
    get_crypto().warm((item.sealed_config, context_for(item.tenant_id, item.id)) for item in items)
    # One unreadable config must not break the list: it shows its configError, the rest as usual.
    return {"data": [_view_of(item) for item in items], "nextToken": next_token}


def update_channel(tenant_id: str, channel_id: str, body: Any, *, replace: bool) -> dict[str, Any]:
    """PATCH (merge) or PUT (replace). Secrets left as •••••••• keep their value unless the host moves.

    Raises ChannelNotFound, InvalidRequest, ValidationFailed.
    """
    write = parse_body(ChannelWrite, body)
    stored_item = repository.get(tenant_id, channel_id)
    if stored_item is None:
        raise ChannelNotFound(channel_id)
    try:
        current_config: ChannelConfig | None = _open(stored_item)
    except ConfigUnreadable:
        if not replace or write.config is None:
            raise
        current_config = None  # PUT replaces an unreadable config whole: nothing can be carried over
    current = stored_item
    adapter = registry.get(current.kind)
    requested_kind = write.kind if write.kind is not None else write.type
    if requested_kind is not None and adapter_for(requested_kind).kind != current.kind:
        raise ValidationFailed([FieldError("kind", "A channel's kind cannot change; create a new channel")])
    if replace and write.config is None:
        raise ValidationFailed([FieldError("config", "config is required")])

    config = current_config
    if write.config is not None:
        stored = current_config.reveal() if current_config is not None else {}
        incoming = canonical_keys(adapter.config_model, write.config)
        candidate = incoming if replace else merge_patch(stored, incoming)
        filled, carried = carry_secrets(candidate, stored, "config")
        # Secrets the caller did not mention in a PATCH stay as they are; they are "carried" too.
        if not replace:
            carried += [
                f"config.{name}"
                for name in adapter.config_model.secret_fields()
                if name in stored and name not in incoming
            ]
        config = _validate_config(adapter, tenant_id, filled)
        if current_config is not None:
            refuse_carried_secrets_on_new_host(current_config, config, carried)
    if config is None:  # unreachable: an unreadable config is only replaced by a PUT with a config
        raise ConfigUnreadable(f"The stored config of channel {channel_id} can no longer be read.")

    def pick(value: Any, present: bool, keep: Any, default: Any) -> Any:
        if present:
            return value
        return default if replace else keep

    fields = write.model_fields_set
    name = pick(write.name, "name" in fields and write.name is not None, current.name, adapter.display_name)
    enabled = pick(write.enabled, "enabled" in fields and write.enabled is not None, current.enabled, True)
    events = pick(tuple(write.events) if write.events is not None else None, "events" in fields, current.events, None)
    template = pick(validate_template(write.template, current.kind), "template" in fields, current.template, None)
    item = ChannelItem(
        id=current.id,
        tenant_id=tenant_id,
        name=name,
        kind=current.kind,
        enabled=enabled,
        events=events,
        # An unchanged config keeps its sealed blob: no KMS call, no second read.
        sealed_config=stored_item.sealed_config if config is current_config else _seal(tenant_id, current.id, config),
        summary=config.summary(),
        created_at=current.created_at,
        updated_at=iso(),
        version=current.version + 1,
        template=template,
    )
    if not repository.replace(item, current.version):
        raise InvalidRequest("The channel changed while it was being updated; read it and try again.", code="conflict")
    return to_view(_domain(item, config))


def delete_channel(tenant_id: str, channel_id: str) -> None:
    """Raises ChannelNotFound."""
    if not repository.delete(tenant_id, channel_id):
        raise ChannelNotFound(channel_id)


def list_kinds() -> list[dict[str, Any]]:
    from herald import templates

    return [
        {
            "kind": adapter.kind,
            "displayName": adapter.display_name,
            "aliases": list(adapter.aliases),
            "configSchema": adapter.config_model.model_json_schema(by_alias=True),
            "secretFields": adapter.config_model.secret_fields(),
            "template": templates.describe(adapter.kind),
        }
        for adapter in registry.ADAPTERS.values()
    ]
