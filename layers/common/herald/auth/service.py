"""API key use cases: mint, list, revoke, and resolve a presented key to a Principal."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from herald.auth import keys, repository, usage
from herald.auth.models import ApiKey, CreatedKey, Grant, Principal
from herald.auth.roles import Role
from herald.errors import ApiKeyNotFound, Conflict, Unauthorized
from herald.ids import new_id
from herald.settings import get_settings
from herald.timeutil import iso

_cache: dict[str, tuple[float, Grant]] = {}
_cache_lock = threading.Lock()


def key_from_headers(headers: Mapping[str, str] | None) -> str:
    """The key from `x-api-key` or `Authorization: Bearer <key>` (header names case-insensitive)."""
    lowered = {name.lower(): value for name, value in (headers or {}).items() if isinstance(value, str)}
    if value := lowered.get("x-api-key", "").strip():
        return value
    scheme, _, token = lowered.get("authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    raise Unauthorized("Missing API key: send it as x-api-key or Authorization: Bearer.")


def authenticate(key: str) -> Grant:
    """The tenant and role of a key, and the tenant's usage key (None before it has one).

    Raises Unauthorized for a malformed, unknown or revoked key.

    Results are kept for at most HERALD_AUTH_CACHE_SECONDS (≤30 s), so a revoked key stops
    working within that time.
    """
    if not keys.looks_valid(key):
        raise Unauthorized("Unknown API key.")
    digest = keys.digest(key)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(digest)
    if hit and hit[0] > now:
        return hit[1]
    record = repository.find_key_by_digest(digest)
    if record is None:
        with _cache_lock:
            _cache.pop(digest, None)
        raise Unauthorized("Unknown API key.")
    principal = Principal(tenant_id=record.tenant_id, role=record.role, key_id=record.id)
    grant = Grant(principal=principal, usage_key=repository.usage_key_value(record.tenant_id))
    with _cache_lock:
        _cache[digest] = (now + min(30, get_settings().auth_cache_seconds), grant)
    repository.touch_key(record.tenant_id, record.id)
    return grant


def forget_cached_keys() -> None:
    with _cache_lock:
        _cache.clear()


def ensure_tenant(tenant_id: str) -> None:
    repository.put_tenant(tenant_id)


def create_api_key(tenant_id: str, role: str | Role, name: str, key: str | None = None) -> CreatedKey:
    """Mint a key for a tenant (created if new, with its usage key on the default usage plan).

    `key` lets `make dev` reuse HERALD_DEV_API_KEY. Raises ValueError for a malformed key, and
    NotConfigured when a new tenant needs a usage key and HERALD_USAGE_PLAN_ID is not set.
    """
    parsed_role = role if isinstance(role, Role) else Role.parse(role)
    full = key or keys.generate()
    if not keys.looks_valid(full):
        raise ValueError("An API key must start with hrld_ and be 20-200 ASCII characters long.")
    repository.put_tenant(tenant_id)
    usage.ensure_usage_key(tenant_id)
    record = ApiKey(
        id=new_id("key"),
        tenant_id=tenant_id,
        role=parsed_role,
        name=name,
        prefix=keys.display_prefix(full),
        created_at=iso(),
    )
    repository.put_key(record, keys.digest(full))
    return CreatedKey(
        id=record.id,
        tenant_id=tenant_id,
        role=parsed_role,
        name=name,
        prefix=record.prefix,
        created_at=record.created_at,
        key=full,
    )


def list_api_keys(tenant_id: str, limit: int, token: str | None) -> tuple[list[ApiKey], str | None]:
    return repository.list_keys(tenant_id, limit, token)


DELETE_TRIES = 5


def key_name(principal: Principal) -> str:
    """The name of the caller's key (what `createdBy` records); its id when the key is gone meanwhile."""
    key = repository.get_key(principal.tenant_id, principal.key_id)
    return key.name if key else principal.key_id


def delete_api_key(tenant_id: str, key_id: str) -> None:
    """Revoke a key. Raises ApiKeyNotFound (also for another tenant's key), and Conflict for the
    tenant's last admin key: without one, nobody could mint keys or manage the tenant again."""
    for _ in range(DELETE_TRIES):
        version = repository.keys_version(tenant_id)
        keys = repository.all_keys(tenant_id)
        key = next((k for k in keys if k.id == key_id), None)
        if key is None:
            raise ApiKeyNotFound(key_id)
        if key.role == Role.admin and sum(k.role == Role.admin for k in keys) <= 1:
            raise Conflict(
                "This is the tenant's last admin key; create another admin key before revoking it.",
                code="last_admin_key",
            )
        # Two admins revoking each other at once: the version lets only one of them through.
        if repository.delete_key_if_unchanged(tenant_id, key_id, version):
            return
    raise Conflict("Keys of this tenant are changing; try again.", code="keys_changing")
