"""Logger and metrics singletons shared by every function (Powertools)."""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

SERVICE = "herald"
NAMESPACE = "Herald"


class _QuietEmfProvider(AmazonCloudWatchEMFProvider):
    """Powertools' EMF provider, minus the "No application metrics to publish" warning.

    Herald emits its metrics at once (`single_metric`, or one document per delivery attempt), so most
    invocations end with nothing left to flush - and Powertools warned on every one of them.
    """

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        if self.metric_set or raise_on_empty_metrics:
            super().flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)
        else:
            self.clear_metrics()


logger = Logger(service=SERVICE)
metrics = Metrics(provider=_QuietEmfProvider(namespace=NAMESPACE, service=SERVICE))
