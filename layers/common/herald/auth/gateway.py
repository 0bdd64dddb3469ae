"""The only API Gateway caller: tenants' usage keys and the usage plans that throttle them.

A usage key is API Gateway's own API key, one per tenant (not a Herald `hrld_` key): the authorizer
names it as `usageIdentifierKey`, and API Gateway applies the throttle and quota of the usage plan
the key belongs to.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from herald import aws
from herald.auth.models import Limits, UsageKey


def _client() -> Any:
    return aws.client("apigateway")


def create_key(name: str, value: str, description: str) -> UsageKey:
    created = _client().create_api_key(name=name, value=value, description=description, enabled=True)
    return UsageKey(id=created["id"], value=value)


def delete_key(key_id: str) -> None:
    _client().delete_api_key(apiKey=key_id)


def add_to_plan(plan_id: str, key_id: str) -> None:
    _client().create_usage_plan_key(usagePlanId=plan_id, keyId=key_id, keyType="API_KEY")


def remove_from_plan(plan_id: str, key_id: str) -> None:
    """Take the key out of the plan; a key that is not in it is fine."""
    try:
        _client().delete_usage_plan_key(usagePlanId=plan_id, keyId=key_id)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise


def find_plan(name: str) -> str | None:
    """The id of the usage plan called `name`, if there is one."""
    for page in _client().get_paginator("get_usage_plans").paginate():
        for plan in page.get("items", []):
            if plan.get("name") == name:
                return str(plan["id"])
    return None


def create_plan(name: str, description: str, like_plan_id: str, limits: Limits) -> str:
    """A usage plan on the same API stages as `like_plan_id`, with `limits`; its id."""
    stages = [
        {"apiId": stage["apiId"], "stage": stage["stage"]}
        for stage in _client().get_usage_plan(usagePlanId=like_plan_id).get("apiStages", [])
    ]
    args: dict[str, Any] = {
        "name": name,
        "description": description,
        "apiStages": stages,
        "throttle": {"rateLimit": limits.rate, "burstLimit": limits.burst},
    }
    if limits.daily_quota:
        args["quota"] = {"limit": limits.daily_quota, "period": "DAY"}
    return str(_client().create_usage_plan(**args)["id"])


def _number(value: float) -> str:
    return f"{value:g}"


def update_plan(plan_id: str, limits: Limits) -> None:
    operations = [
        {"op": "replace", "path": "/throttle/rateLimit", "value": _number(limits.rate)},
        {"op": "replace", "path": "/throttle/burstLimit", "value": str(limits.burst)},
    ]
    if limits.daily_quota:
        operations += [
            {"op": "replace", "path": "/quota/limit", "value": str(limits.daily_quota)},
            {"op": "replace", "path": "/quota/period", "value": "DAY"},
        ]
    elif _client().get_usage_plan(usagePlanId=plan_id).get("quota"):
        operations.append({"op": "remove", "path": "/quota"})
    _client().update_usage_plan(usagePlanId=plan_id, patchOperations=operations)
