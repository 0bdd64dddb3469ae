"""Auth domain: who is calling (Principal) and a key's stored record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from herald.auth.roles import Role


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    role: Role
    key_id: str

    def to_context(self) -> dict[str, str]:
        """The authorizer context API Gateway hands to the API function (string values only)."""
        return {"tenantId": self.tenant_id, "role": self.role.name, "keyId": self.key_id}

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> Principal:
        return cls(
            tenant_id=str(context["tenantId"]), role=Role.parse(str(context["role"])), key_id=str(context["keyId"])
        )


@dataclass(frozen=True)
class ApiKey:
    id: str
    tenant_id: str
    role: Role
    name: str
    prefix: str
    created_at: str
    last_used_at: str | None = None


@dataclass(frozen=True)
class CreatedKey:
    """A key just minted: the only moment the full key exists outside the caller's hands."""

    id: str
    tenant_id: str
    role: Role
    name: str
    prefix: str
    created_at: str
    key: str


@dataclass(frozen=True)
class UsageKey:
    """A tenant's API Gateway API key (not a Herald `hrld_` key): what its usage plan meters."""

    id: str
    value: str = field(repr=False)  # not a Herald secret, but never logged


@dataclass(frozen=True)
class TenantUsage:
    """The tenant's usage key and the usage plan it is in (the default one or the tenant's own)."""

    key: UsageKey
    plan_id: str


@dataclass(frozen=True)
class Limits:
    """A usage plan's throttle (requests per second, token bucket size) and optional daily quota."""

    rate: float
    burst: int
    daily_quota: int | None = None


@dataclass(frozen=True)
class Grant:
    """What the authorizer answers for a key: who is calling, and the usage key API Gateway meters."""

    principal: Principal
    usage_key: str | None = field(default=None, repr=False)
