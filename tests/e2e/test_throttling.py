"""Per-tenant throttling over the local stack: one tenant hammering the API is throttled, another is not.

The stack runs with a low default limit (TenantRateLimit=1, TenantBurstLimit=5, through
HERALD_LOCAL_PARAMETERS); the emulated API Gateway applies the usage plan of the key the authorizer names.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from tests.e2e.conftest import Stack, running_stack, wait_until
from tests.e2e.helpers import run_make
from tests.e2e.test_local_stack import gateway_body, make_api_key

pytestmark = pytest.mark.e2e

BURST = 5
# The API-wide ceiling stays far above: only the tenant's own plan may refuse these calls.
PARAMETERS = f"ApiRateLimit=1000 ApiBurstLimit=1000 TenantRateLimit=1 TenantBurstLimit={BURST}"
HAMMER_CALLS = 60  # at 1 request/s after a burst of 5, far more than the limit lets through
CALM_CALLS = BURST - 1  # within the burst: never throttled, however the calls fall in time


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("throttled"), HERALD_LOCAL_PARAMETERS=PARAMETERS) as running:
        yield running


@dataclass(frozen=True)
class Tenant:
    id: str
    key: str


def new_tenant(stack: Stack) -> Tenant:
    tenant = f"e2e-throttle-{uuid.uuid4().hex[:10]}"
    minted = make_api_key(stack, tenant, "viewer")
    assert minted.returncode == 0, minted.stderr
    return Tenant(tenant, minted.stdout.strip().splitlines()[-1])


def list_channels(stack: Stack, http: requests.Session, tenant: Tenant) -> requests.Response:
    return http.get(f"{stack.base_url}/v1/channels", headers={"x-api-key": tenant.key}, timeout=60)


def api_calls_of(stack: Stack, tenant: Tenant) -> int:
    """How many requests of the tenant reached the API function."""
    return sum(
        entry["event"]["requestContext"]["authorizer"].get("tenantId") == tenant.id
        for entry in stack.events.entries("ApiFunction")
    )


def test_a_tenant_hammering_is_throttled_while_another_is_served(stack: Stack, http: requests.Session) -> None:
    loud, calm = new_tenant(stack), new_tenant(stack)
    loud_replies: list[requests.Response] = []
    throttled = threading.Event()

    def hammer() -> None:
        for _ in range(HAMMER_CALLS):
            reply = list_channels(stack, http, loud)
            loud_replies.append(reply)
            if reply.status_code == 429:
                throttled.set()

    hammering = threading.Thread(target=hammer, daemon=True)
    hammering.start()
    try:
        # The calm tenant calls while the loud one is being refused.
        assert throttled.wait(timeout=60), [reply.status_code for reply in loud_replies]
        calm_replies = [list_channels(stack, http, calm) for _ in range(CALM_CALLS)]
    finally:
        hammering.join(timeout=120)
    assert not hammering.is_alive()

    assert [reply.status_code for reply in calm_replies] == [200] * CALM_CALLS
    statuses = [reply.status_code for reply in loud_replies]
    assert set(statuses) == {200, 429}, statuses
    assert statuses[:BURST] == [200] * BURST  # the burst first, then the rate
    refused = next(reply for reply in loud_replies if reply.status_code == 429)
    assert refused.json() == gateway_body("THROTTLED") and refused.json()["code"] == "throttled"
    assert refused.headers["Retry-After"] == "1"
    # A throttled request never reaches Herald.
    assert api_calls_of(stack, loud) == statuses.count(200)


def test_a_tenant_plan_of_its_own_lifts_the_limit(stack: Stack, http: requests.Session) -> None:
    tenant = new_tenant(stack)
    moved = run_make(stack, "tenant-plan", f"TENANT={tenant.id}", "RATE=1", "BURST=40")
    assert moved.returncode == 0, moved.stderr
    assert "its own usage plan" in moved.stdout

    # Four times the default burst, at once: the default plan would refuse most of them.
    statuses = [list_channels(stack, http, tenant).status_code for _ in range(4 * BURST)]

    assert statuses == [200] * (4 * BURST)


def test_a_tenant_without_a_usage_key_is_forbidden(stack: Stack, http: requests.Session) -> None:
    tenant = new_tenant(stack)
    assert list_channels(stack, http, tenant).status_code == 200
    gateway = stack.client("apigateway")
    [usage_key] = gateway.get_api_keys(nameQuery=f"herald-dev-{tenant.id}")["items"]
    gateway.delete_api_key(apiKey=usage_key["id"])  # the key the authorizer still names is gone

    replies: list[requests.Response] = []

    def refused() -> bool:
        replies.append(list_channels(stack, http, tenant))
        return replies[-1].status_code == 403

    # The gateway looks a key's plan up again after a second at most.
    assert wait_until(refused, 10, 0.5), [reply.status_code for reply in replies]
    assert replies[-1].json() == gateway_body("INVALID_API_KEY") and replies[-1].json()["code"] == "forbidden"
    # Only the calls it served before it noticed reached the function: the first one and any 200 since.
    assert api_calls_of(stack, tenant) == 1 + [reply.status_code for reply in replies].count(200)
    # The open routes need no usage key.
    assert http.get(f"{stack.base_url}/v1/health", timeout=60).status_code == 200
