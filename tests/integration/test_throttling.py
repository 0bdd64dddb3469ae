"""Per-tenant throttling: each tenant's usage key on a usage plan, and the authorizer naming it (moto)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from herald.auth import repository, usage
from herald.auth import service as auth
from herald.auth.models import Limits
from herald.errors import TenantNotFound
from local.deployment import Throttle
from local.throttle import KeyPlan, UsagePlans
from tests.integration.conftest import LocalAws
from tests.support.api import LambdaContext, load_handler

EVENT = Path(__file__).resolve().parents[2] / "events" / "authorizer-request.json"


def _authorize(key: str) -> dict[str, Any]:
    event = json.loads(EVENT.read_text())
    event["headers"]["x-api-key"] = key
    event["multiValueHeaders"]["x-api-key"] = [key]
    return load_handler("authorizer").handler(event, LambdaContext())  # type: ignore[no-any-return]


def _tenant_item(aws: LocalAws, tenant: str) -> dict[str, Any]:
    item = aws.client("dynamodb").get_item(
        TableName=aws.table_name, Key={"pk": {"S": f"T#{tenant}"}, "sk": {"S": "TENANT"}}
    )
    return {name: next(iter(value.values())) for name, value in item["Item"].items()}


def _plan_key_ids(aws: LocalAws, plan_id: str) -> set[str]:
    return {key["id"] for key in aws.client("apigateway").get_usage_plan_keys(usagePlanId=plan_id)["items"]}


def _plans(aws: LocalAws) -> UsagePlans:
    api = next(iter(aws.deployment.apis.values()))
    return UsagePlans(aws.client("apigateway"), api.api_id, api.stage)


@pytest.fixture(autouse=True)
def _fresh_authorizer_cache() -> None:
    auth.forget_cached_keys()


def test_a_new_tenant_gets_one_usage_key_on_the_default_plan(aws: LocalAws) -> None:
    auth.create_api_key("acme", "admin", "first")
    auth.create_api_key("acme", "viewer", "second")  # a second key of the tenant: no second usage key
    auth.create_api_key("globex", "admin", "other")

    acme, globex = _tenant_item(aws, "acme"), _tenant_item(aws, "globex")
    default_plan = aws.env["HERALD_USAGE_PLAN_ID"]
    assert acme["usagePlanId"] == globex["usagePlanId"] == default_plan
    assert _plan_key_ids(aws, default_plan) == {acme["usageKeyId"], globex["usageKeyId"]}
    stored = aws.client("apigateway").get_api_key(apiKey=acme["usageKeyId"], includeValue=True)
    assert stored["value"] == acme["usageKey"] != globex["usageKey"]
    assert stored["enabled"] and stored["name"] == "herald-dev-acme"
    assert len(aws.client("apigateway").get_api_keys()["items"]) == 2


def test_the_default_plan_is_on_the_api_stage_with_the_template_limits(aws: LocalAws) -> None:
    auth.create_api_key("acme", "admin", "first")
    acme = _tenant_item(aws, "acme")
    # The local gateway's view of it: the template's TenantRateLimit / TenantBurstLimit defaults.
    assert _plans(aws).plan_of(acme["usageKey"]) == KeyPlan(key_id=acme["usageKeyId"], throttle=Throttle(20, 40))
    assert _plans(aws).plan_of("an unknown key value, long enough") is None


def test_the_authorizer_answers_the_tenants_usage_key(aws: LocalAws) -> None:
    acme_key = auth.create_api_key("acme", "editor", "k").key
    globex_key = auth.create_api_key("globex", "editor", "k").key

    acme, globex = _authorize(acme_key), _authorize(globex_key)

    assert acme["usageIdentifierKey"] == _tenant_item(aws, "acme")["usageKey"]
    assert globex["usageIdentifierKey"] == _tenant_item(aws, "globex")["usageKey"]
    assert acme["context"]["tenantId"] == "acme"
    assert acme["usageIdentifierKey"] not in json.dumps(acme["context"])


def test_a_tenant_without_a_usage_key_gets_none_until_an_operator_gives_it_one(aws: LocalAws) -> None:
    # A tenant from before per-tenant throttling: its keys exist, its usage key does not.
    auth.create_api_key("acme", "admin", "k")
    old_key = auth.create_api_key("old", "admin", "k").key
    aws.client("dynamodb").update_item(
        TableName=aws.table_name,
        Key={"pk": {"S": "T#old"}, "sk": {"S": "TENANT"}},
        UpdateExpression="REMOVE usageKeyId, usageKey, usagePlanId",
    )
    assert "usageIdentifierKey" not in _authorize(old_key)

    usage.set_tenant_limits("old", None)  # make tenant-plan TENANT=old
    auth.forget_cached_keys()

    assert _authorize(old_key)["usageIdentifierKey"] == _tenant_item(aws, "old")["usageKey"]


def test_a_tenant_plan_of_its_own_and_back(aws: LocalAws) -> None:
    auth.create_api_key("acme", "admin", "k")
    auth.create_api_key("globex", "admin", "k")
    acme = _tenant_item(aws, "acme")
    default_plan = aws.env["HERALD_USAGE_PLAN_ID"]

    own = usage.set_tenant_limits("acme", Limits(rate=2, burst=3, daily_quota=1000))

    assert own != default_plan
    assert _plan_key_ids(aws, own) == {acme["usageKeyId"]}
    assert acme["usageKeyId"] not in _plan_key_ids(aws, default_plan)
    assert _tenant_item(aws, "acme")["usagePlanId"] == own
    plan = aws.client("apigateway").get_usage_plan(usagePlanId=own)
    assert plan["name"] == "herald-dev-tenant-acme" and plan["quota"] == {"limit": 1000, "period": "DAY"}
    assert _plans(aws).plan_of(acme["usageKey"]) == KeyPlan(acme["usageKeyId"], Throttle(2, 3))
    # globex is untouched.
    assert _plans(aws).plan_of(_tenant_item(aws, "globex")["usageKey"]).throttle == Throttle(20, 40)  # type: ignore[union-attr]

    # Again: the same plan, new limits, no quota.
    assert usage.set_tenant_limits("acme", Limits(rate=5, burst=8)) == own
    assert _plans(aws).plan_of(acme["usageKey"]) == KeyPlan(acme["usageKeyId"], Throttle(5, 8))
    assert "quota" not in aws.client("apigateway").get_usage_plan(usagePlanId=own)

    assert usage.set_tenant_limits("acme", None) == default_plan
    assert acme["usageKeyId"] in _plan_key_ids(aws, default_plan)
    assert _plan_key_ids(aws, own) == set()
    assert repository.tenant_usage("acme") is not None


def test_a_plan_for_an_unknown_tenant_is_refused(aws: LocalAws) -> None:
    with pytest.raises(TenantNotFound):
        usage.set_tenant_limits("nobody", Limits(rate=1, burst=1))
    assert aws.client("apigateway").get_api_keys()["items"] == []


def test_no_usage_key_outlives_a_tenant_that_does_not_exist(aws: LocalAws) -> None:
    with pytest.raises(TenantNotFound):
        usage.ensure_usage_key("nobody")
    assert aws.client("apigateway").get_api_keys()["items"] == []
