"""What the sender tells CloudWatch about its attempts: every metric by kind, one EMF document per kind per
invocation with a value for each attempt, and one log line per batch naming each delivery's outcome."""

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


def notify(api: Any, key: str, url: str, channels: int = 1) -> None:
    ids = []
    for number in range(channels):
        body = {"kind": "webhook", "name": f"m{number}", "config": {"url": url, "secret": SECRET}}
        created = api.post("/v1/channels", key=key, body=body)
        assert created.status == 201, created.text
        ids.append(created.json["id"])
    body = {"channelIds": ids, "notification": {"title": "t", "body": "b"}}
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


def test_a_batch_of_attempts_is_one_document_with_a_value_for_each(api, key, loopback_receiver, deliver, capsys):
    notify(api, key, loopback_receiver.url(), channels=3)
    capsys.readouterr()
    deliver()

    [blob] = attempt_documents(capsys)
    assert (blob["kind"], blob["DeliverySucceeded"], blob["DeliveryFailure"]) == ("webhook", [1.0] * 3, [0.0] * 3)
    assert len(blob["DeliveryLatency"]) == 3
    assert len(loopback_receiver.arrivals) == 3


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


def _processed(log_lines: Any) -> list[list[dict[str, Any]]]:
    """The `deliveries` of every "Deliveries processed" line Herald logged."""
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines() if line.startswith('{"level"')]
    return [line["deliveries"] for line in lines if line["message"] == "Deliveries processed"]


def test_a_batch_logs_one_line_naming_each_delivery_and_what_became_of_it(
    api, key, aws, monkeypatch, deliver, log_lines
):
    from herald.transport import http

    monkeypatch.setenv("HERALD_EGRESS_ALLOW", "127.0.0.1")
    get_settings.cache_clear()
    http.get_session.cache_clear()
    with ZooReceiver(Behaviour.KEEPALIVE) as fine, ZooReceiver(Behaviour.MOVED) as moved:
        ids = []
        for url in (fine.url(), fine.url(), moved.url()):
            body = {"kind": "webhook", "name": "m", "config": {"url": url, "secret": SECRET}}
            created = api.post("/v1/channels", key=key, body=body)
            assert created.status == 201, created.text
            ids.append(created.json["id"])
        sent = api.post(
            "/v1/notifications", key=key, body={"channelIds": ids, "notification": {"title": "t", "body": "b"}}
        )
        assert sent.status == 202, sent.text
        deliveries = {entry["channelId"]: entry["deliveryId"] for entry in sent.json["deliveries"]}
        deliver()
    http.get_session.cache_clear()

    [line] = _processed(log_lines)
    by_id = {entry["deliveryId"]: entry for entry in line}
    assert set(by_id) == set(deliveries.values())
    for channel_id, delivery_id in deliveries.items():
        entry = by_id[delivery_id]
        assert (entry["kind"], entry["attempt"]) == ("webhook", 1)
        if channel_id == ids[2]:  # a redirect is refused: failed at once
            assert (entry["status"], entry["httpStatus"]) == ("failed", 301)
            assert entry["code"]
        else:
            assert (entry["status"], entry["httpStatus"]) == ("delivered", 200)
            assert "code" not in entry
    assert '"message":"Delivery attempt"' not in log_lines.getvalue()  # no line per attempt besides it


def test_a_test_send_logs_its_delivery_on_one_line_too(api, key, loopback_receiver, log_lines):
    body = {"kind": "webhook", "name": "m", "config": {"url": loopback_receiver.url(), "secret": SECRET}}
    created = api.post("/v1/channels", key=key, body=body)
    assert created.status == 201, created.text

    tested = api.post(f"/v1/channels/{created.json['id']}/test", key=key)

    assert tested.status == 200, tested.text
    [[entry]] = _processed(log_lines)
    assert entry == {
        "deliveryId": tested.json["deliveryId"],
        "kind": "webhook",
        "attempt": 1,
        "status": "delivered",
        "httpStatus": 200,
    }
