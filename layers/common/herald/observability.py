"""Logger and metrics singletons shared by every function (Powertools)."""

from __future__ import annotations

import threading

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

SERVICE = "herald"
NAMESPACE = "Herald"


class KindMetrics:
    """Metrics by channel kind, gathered over an invocation and written when its handler's `log_metrics`
    flushes: one EMF document per kind seen, each metric with its list of values. Thread-safe.

    A document per delivery attempt cost every delivery ~70 µs and a line of output (bench 8); a sender
    batch now writes one per kind. EMF takes up to 100 values of a metric in a document: Powertools writes a
    document each time a list reaches that, and the rest at the end.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kinds: dict[str, dict[str, tuple[MetricUnit, list[float]]]] = {}

    def add_metric(self, *, name: str, kind: str, value: float = 1, unit: MetricUnit = MetricUnit.Count) -> None:
        with self._lock:
            _, values = self._kinds.setdefault(kind, {}).setdefault(name, (unit, []))
            values.append(value)

    def flush(self) -> None:
        with self._lock:
            kinds, self._kinds = self._kinds, {}
        for kind, named in kinds.items():
            document = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
            document.add_dimension(name="kind", value=kind)
            for name, (unit, values) in named.items():
                for value in values:
                    document.add_metric(name=name, unit=unit, value=value)
            if document.metric_set:  # empty when Powertools has just written a list of 100
                document.flush_metrics()


class _HeraldEmfProvider(AmazonCloudWatchEMFProvider):
    """Powertools' EMF provider that also writes the invocation's metrics by kind, minus the "No
    application metrics to publish" warning (most invocations have no metric of the function's own)."""

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        by_kind.flush()
        if self.metric_set or raise_on_empty_metrics:
            super().flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)
        else:
            self.clear_metrics()


logger = Logger(service=SERVICE)
by_kind = KindMetrics()
metrics = Metrics(provider=_HeraldEmfProvider(namespace=NAMESPACE, service=SERVICE))
