"""What the sender tells CloudWatch about each attempt: one EMF document per attempt, every metric by kind."""

from __future__ import annotations

import json
from typing import Any

import pytest

from herald.settings import get_settings
from tests.support.zoo import Behaviour, ZooReceiver

SECRET = "whsec_0cM7Vh3zQ2pL8sT1uY6wN4xR9aK5dF2g"


def documents(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The EMF documents (namespace Herald) the sender printed."""
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    return [blob for blob in lines if blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Herald"]


def notify(api: Any, key: str, url: str) -> None:
    created = api.post(
        "/v1/channels", key=key, body={"kind": "webhook", "name": "m", "config": {"url": url, "secret": SECRET}}
    )
    assert created.status == 201, created.text
    body = {"channelIds": [created.json["id"]], "notification": {"title": "t", "body": "b"}}
    assert api.post("/v1/notifications", key=key, body=body).status == 202


def attempt_documents(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [blob for blob in documents(capsys) if "DeliveryLatency" in blob]


def test_a_delivered_attempt_is_one_document_of_success_latency_and_failure_rate(
    api, key, loopback_receiver, deliver, capsys
):
    notify(api, key, loopback_receiver.url())
    capsys.readouterr()
    deliver()

    [blob] = attempt_documents(capsys)
    [directive] = blob["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == [["kind", "service"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "DeliverySucceeded": "Count",
        "DeliveryLatency": "Milliseconds",
        "DeliveryFailure": "Count",
    }
    assert (blob["kind"], blob["DeliverySucceeded"], blob["DeliveryFailure"]) == ("webhook", [1.0], [0.0])
    assert blob["DeliveryLatency"][0] >= 0


def test_a_failed_attempt_counts_as_a_failure_and_a_retried_one_not_yet(api, key, aws, monkeypatch, deliver, capsys):
    from herald.transport import http

    monkeypatch.setenv("HERALD_EGRESS_ALLOW", "127.0.0.1")
    get_settings.cache_clear()
    http.get_session.cache_clear()
    seen: list[dict[str, Any]] = []
    # A redirect is refused: final at once. Network trouble: retried later.
    for behaviour in (Behaviour.MOVED, Behaviour.RESET):
        with ZooReceiver(behaviour) as receiver:
            notify(api, key, receiver.url())
            capsys.readouterr()
            deliver()
            seen += attempt_documents(capsys)
    http.get_session.cache_clear()

    failed, retried = seen
    assert (failed["DeliveryFailed"], failed["DeliveryFailure"]) == ([1.0], [1.0])
    assert "DeliverySucceeded" not in failed
    assert retried["DeliveryRetried"] == [1.0]
    assert "DeliveryFailure" not in retried  # the rate counts finished deliveries only
