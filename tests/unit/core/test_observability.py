"""herald.observability: a handler that records no metric prints nothing about metrics; one that does, its
EMF; metrics by kind are written as one document per kind when the handler returns (up to 100 values each)."""

from __future__ import annotations

import json
import threading
import warnings
from typing import Any

import pytest
from aws_lambda_powertools.metrics import MetricUnit

from herald.observability import KindMetrics, by_kind, metrics

EMF_VALUES = 100  # at most this many values of one metric in one document (CloudWatch EMF)


@metrics.log_metrics
def _quiet(event: dict[str, Any], context: Any) -> str:
    return "done"


@metrics.log_metrics
def _counting(event: dict[str, Any], context: Any) -> str:
    metrics.add_metric(name="DeliverySucceeded", unit=MetricUnit.Count, value=1)
    return "done"


def test_given_no_metric_when_the_handler_returns_then_no_warning_and_no_output(capsys: pytest.CaptureFixture[str]):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _quiet({}, None) == "done"
    assert [str(w.message) for w in caught] == []
    captured = capsys.readouterr()
    assert "No application metrics" not in captured.out + captured.err
    assert captured.out == ""


def test_given_a_metric_when_the_handler_returns_then_it_is_flushed_as_emf(capsys: pytest.CaptureFixture[str]):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _counting({}, None)
    assert caught == []
    [line] = capsys.readouterr().out.splitlines()
    blob = json.loads(line)
    assert blob["DeliverySucceeded"] == [1.0]
    assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Herald"


# -- metrics by kind: one document per kind per invocation -------------------------------------------------


def _documents(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@metrics.log_metrics
def _sending(event: dict[str, Any], context: Any) -> str:
    for kind, latency in event["attempts"]:
        by_kind.add_metric(name="DeliverySucceeded", kind=kind)
        by_kind.add_metric(name="DeliveryLatency", kind=kind, value=latency, unit=MetricUnit.Milliseconds)
    if event.get("crash"):
        raise RuntimeError("the handler failed")
    return "done"


def test_given_attempts_of_two_kinds_when_the_handler_returns_then_one_document_per_kind_holds_every_value(
    capsys: pytest.CaptureFixture[str],
):
    _sending({"attempts": [("webhook", 5), ("slack", 7), ("webhook", 9), ("webhook", 11)]}, None)

    documents = {blob["kind"]: blob for blob in _documents(capsys)}
    assert sorted(documents) == ["slack", "webhook"]
    assert documents["webhook"]["DeliverySucceeded"] == [1.0, 1.0, 1.0]
    assert documents["webhook"]["DeliveryLatency"] == [5.0, 9.0, 11.0]
    assert documents["slack"]["DeliveryLatency"] == [7.0]
    [directive] = documents["slack"]["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Herald"
    assert directive["Dimensions"] == [["kind", "service"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "DeliverySucceeded": "Count",
        "DeliveryLatency": "Milliseconds",
    }


def test_given_a_handler_that_raises_then_its_metrics_by_kind_are_written_all_the_same(
    capsys: pytest.CaptureFixture[str],
):
    with pytest.raises(RuntimeError):
        _sending({"attempts": [("ntfy", 3)], "crash": True}, None)

    [document] = _documents(capsys)
    assert (document["kind"], document["DeliveryLatency"]) == ("ntfy", [3.0])
    _quiet({}, None)
    assert capsys.readouterr().out == ""  # written once, not again by the next invocation


def test_given_more_values_than_emf_takes_in_a_document_then_they_are_split_in_documents_of_100(
    capsys: pytest.CaptureFixture[str],
):
    tally = KindMetrics()
    for count in range(250):
        tally.add_metric(name="DeliveryLatency", kind="webhook", value=count)
    assert capsys.readouterr().out == ""  # nothing before the flush
    tally.flush()

    lists = [document["DeliveryLatency"] for document in _documents(capsys)]
    assert [len(values) for values in lists] == [EMF_VALUES, EMF_VALUES, 50]
    assert [value for values in lists for value in values] == [float(count) for count in range(250)]


def test_given_threads_adding_at_once_then_no_value_is_lost_or_written_twice(capsys: pytest.CaptureFixture[str]):
    tally = KindMetrics()
    threads, each = 8, 130
    start = threading.Barrier(threads, timeout=10)

    def add(thread: int) -> None:
        start.wait()
        for count in range(each):
            tally.add_metric(name="DeliveryLatency", kind="webhook", value=thread * 1000 + count)

    workers = [threading.Thread(target=add, args=(thread,)) for thread in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=10)
    tally.flush()

    documents = _documents(capsys)
    values = [value for document in documents for value in document["DeliveryLatency"]]
    assert sorted(values) == sorted(float(t * 1000 + c) for t in range(threads) for c in range(each))
    assert all(len(document["DeliveryLatency"]) <= EMF_VALUES for document in documents)
