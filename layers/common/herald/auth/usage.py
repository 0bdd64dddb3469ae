"""Per-tenant throttling: each tenant's usage key (API Gateway API key) and the usage plan it is in.

Every tenant gets one usage key on the default plan (HERALD_USAGE_PLAN_ID, the template's
TenantUsagePlan) when it is created; `make tenant-plan` moves it to a plan of its own and back.
"""

from __future__ import annotations

import secrets

from herald.auth import gateway, repository
from herald.auth.models import Limits, TenantUsage
from herald.errors import NotConfigured, TenantNotFound
from herald.settings import get_settings


def _default_plan() -> str:
    plan = get_settings().usage_plan_id
    if not plan:
        raise NotConfigured("HERALD_USAGE_PLAN_ID is not set: it is the stack's UsagePlanId output.")
    return plan


def ensure_usage_key(tenant_id: str) -> TenantUsage:
    """The tenant's usage key, created on the default plan if it has none.

    Raises TenantNotFound without the tenant item, NotConfigured without HERALD_USAGE_PLAN_ID, and
    botocore's ClientError when AWS refuses.
    """
    found = repository.tenant_usage(tenant_id)
    if found is not None:
        return found
    plan = _default_plan()
    stage = get_settings().stage
    key = gateway.create_key(
        name=f"herald-{stage}-{tenant_id}",
        # Alphanumeric and 48 characters: API Gateway wants at least 20.
        value=secrets.token_hex(24),
        description=f"Herald tenant {tenant_id}: meters its calls against its usage plan.",
    )
    try:
        gateway.add_to_plan(plan, key.id)
        recorded = repository.put_usage_key(tenant_id, key, plan)
    except Exception:
        gateway.delete_key(key.id)
        raise
    if not recorded:  # another call gave the tenant its key first (keep that one), or there is no tenant
        gateway.delete_key(key.id)
        found = repository.tenant_usage(tenant_id)
        if found is None:
            raise TenantNotFound(tenant_id)
        return found
    return TenantUsage(key=key, plan_id=plan)


def own_plan_name(tenant_id: str) -> str:
    return f"herald-{get_settings().stage}-tenant-{tenant_id}"


def set_tenant_limits(tenant_id: str, limits: Limits | None) -> str:
    """Put the tenant's usage key on a plan of its own with `limits`, or back on the default plan (None).

    The tenant's own plan is created on the default plan's API stages the first time, updated after.
    Returns the plan's id. Raises TenantNotFound, NotConfigured, botocore's ClientError.
    """
    if not repository.tenant_exists(tenant_id):
        raise TenantNotFound(tenant_id)
    usage = ensure_usage_key(tenant_id)
    if limits is None:
        target = _default_plan()
    else:
        name = own_plan_name(tenant_id)
        target = gateway.find_plan(name) or gateway.create_plan(
            name, f"Herald tenant {tenant_id}'s own limits (make tenant-plan).", _default_plan(), limits
        )
        gateway.update_plan(target, limits)
    if target != usage.plan_id:
        # A key can be in one plan per API stage: out of the old one first (calls meanwhile get 403).
        gateway.remove_from_plan(usage.plan_id, usage.key.id)
        gateway.add_to_plan(target, usage.key.id)
        repository.set_usage_plan(tenant_id, target)
    return target
