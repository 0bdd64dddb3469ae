"""Issue 6's proof: events through SNS, EventBridge and the API reach real receivers, routed by rules."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Receiver, Stack, wait_until

pytestmark = pytest.mark.e2e


class Api:
    def __init__(self, stack: Stack, http: requests.Session) -> None:
        self.stack, self.http = stack, http

    def call(self, method: str, path: str, body: Any = None) -> requests.Response:
        return self.http.request(
            method, f"{self.stack.base_url}{path}", json=body, headers={"x-api-key": self.stack.admin_key}, timeout=60
        )

    def channel(self, kind: str, config: dict[str, Any], **extra: Any) -> str:
        reply = self.call("POST", "/v1/channels", {"kind": kind, "config": config, **extra})
        assert reply.status_code == 201, reply.text
        return reply.json()["id"]

    def rule(self, channel_ids: list[str], match: dict[str, Any] | None = None) -> str:
        reply = self.call("POST", "/v1/rules", {"name": "e2e", "match": match or {}, "channelIds": channel_ids})
        assert reply.status_code == 201, reply.text
        return reply.json()["id"]


@pytest.fixture
def api(stack: Stack, http: requests.Session) -> Api:
    return Api(stack, http)


def monitor(name: str = "My API") -> dict[str, str]:
    return {"id": f"mon_{uuid.uuid4().hex[:10]}", "name": name, "url": "https://api.example.com", "type": "HTTPS"}


def publish_sns(stack: Stack, *messages: str) -> None:
    sns = stack.client("sns")
    for message in messages:
        sns.publish(TopicArn=stack.outputs["AlertsTopicArn"], Message=message)


def put_eventbridge(stack: Stack, detail_type: str, detail: dict[str, Any]) -> None:
    result = stack.client("events").put_events(
        Entries=[{"Source": "herald.monitor", "DetailType": detail_type, "Detail": json.dumps(detail)}]
    )
    assert result["FailedEntryCount"] == 0


def test_sns_and_eventbridge_events_reach_the_receivers_their_rules_choose(api: Api, stack: Stack, receiver: Receiver):
    down_only = api.channel("webhook", {"url": f"{receiver.url}/down-only"})
    recoveries = api.channel("webhook", {"url": f"{receiver.url}/recoveries"}, events=["monitor.recovery"])
    muted = api.channel("webhook", {"url": f"{receiver.url}/muted"}, enabled=False)
    api.rule([down_only], {"events": ["monitor.down"]})
    api.rule([recoveries, muted])
    watched = monitor()
    publish_sns(
        stack,
        json.dumps(
            {
                "tenantId": "dev",
                "type": "monitor.down",
                "monitor": watched,
                "details": {"statusCode": 503, "error": "Service Unavailable", "region": "eu-west"},
            }
        ),
    )
    [down] = receiver.wait_for(1)
    assert down.path == "/down-only"
    assert down.json()["notification"]["title"] == "My API is down — 503 Service Unavailable from eu-west"
    put_eventbridge(stack, "monitor.recovery", {"tenantId": "dev", "monitor": watched})
    _, recovered = receiver.wait_for(2)
    assert recovered.path == "/recoveries"
    assert recovered.json()["notification"]["status"] == "resolved"
    time.sleep(2)
    assert [r.path for r in receiver.requests] == ["/down-only", "/recoveries"]


def test_down_then_recovery_to_pagerduty_triggers_then_resolves_the_same_dedup_key(
    api: Api, stack: Stack, providers: Receiver
):
    providers.reset()
    providers.program(default=202, body=b'{"status": "success", "message": "Event processed", "dedup_key": "k"}')
    pagerduty = api.channel("pagerduty", {"integrationKey": "0123456789abcdef0123456789abcdef"})
    api.rule([pagerduty])
    watched = monitor("Checkout")
    publish_sns(
        stack,
        json.dumps(
            {"tenantId": "dev", "type": "monitor.down", "monitor": watched, "occurredAt": "2026-05-15T08:30:00Z"}
        ),
    )
    trigger = wait_until(lambda: [r for r in providers.requests if r.path.startswith("/pagerduty")], 30)
    assert trigger, "PagerDuty got no trigger"
    publish_sns(
        stack,
        json.dumps(
            {"tenantId": "dev", "type": "monitor.recovery", "monitor": watched, "occurredAt": "2026-05-15T08:42:05Z"}
        ),
    )
    both = wait_until(
        lambda: len(got := [r for r in providers.requests if r.path.startswith("/pagerduty")]) >= 2 and got, 30
    )
    assert both, "PagerDuty got no resolve"
    first, second = both[0].json(), both[1].json()
    assert both[0].path == "/pagerduty/v2/enqueue"
    assert (first["event_action"], second["event_action"]) == ("trigger", "resolve")
    assert first["dedup_key"] == second["dedup_key"] == watched["id"]
    assert first["payload"]["severity"] == "critical"
    logged = api.call("GET", f"/v1/deliveries?channelId={pagerduty}").json()["data"]
    assert [d["status"] for d in logged] == ["delivered", "delivered"]


def test_recovery_text_names_the_downtime(api: Api, stack: Stack, receiver: Receiver):
    hook = api.channel("webhook", {"url": f"{receiver.url}/hook"})
    api.rule([hook])
    watched = monitor("Billing")
    api.call("POST", "/v1/events", {"type": "monitor.down", "monitor": watched, "occurredAt": "2026-05-15T08:30:00Z"})
    api.call(
        "POST", "/v1/events", {"type": "monitor.recovery", "monitor": watched, "occurredAt": "2026-05-15T08:42:05Z"}
    )
    # Deliveries of one batch go out concurrently: the two may arrive in either order.
    [up] = [r for r in receiver.wait_for(2) if r.json()["notification"]["status"] == "resolved"]
    assert up.json()["notification"]["title"] == "Billing is up again after 12m 5s down"
    assert up.json()["notification"]["downtimeSeconds"] == 725


def test_a_batch_with_one_malformed_sns_message_still_delivers_the_rest(api: Api, stack: Stack, receiver: Receiver):
    hook = api.channel("webhook", {"url": f"{receiver.url}/hook"})
    api.rule([hook], {"monitorIds": ["mon_batch_1", "mon_batch_2"]})
    publish_sns(
        stack,
        "this is not json",
        json.dumps({"tenantId": "dev", "type": "monitor.down", "monitor": {"id": "mon_batch_1", "name": "A"}}),
        json.dumps({"tenantId": "dev", "type": "monitor.exploded"}),
        json.dumps({"tenantId": "dev", "type": "monitor.down", "monitor": {"id": "mon_batch_2", "name": "B"}}),
    )
    got = receiver.wait_for(2, timeout=30)
    assert sorted(r.json()["monitor"]["id"] for r in got) == ["mon_batch_1", "mon_batch_2"]
