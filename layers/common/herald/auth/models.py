"""Auth domain: who is calling (Principal) and a key's stored record."""

from __future__ import annotations

from dataclasses import dataclass
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
