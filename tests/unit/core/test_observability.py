"""herald.observability: a handler that records no metric prints nothing about metrics; one that does, its EMF."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from aws_lambda_powertools.metrics import MetricUnit

from herald.observability import metrics


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
