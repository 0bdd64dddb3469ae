"""Logger and metrics singletons shared by every function (Powertools)."""

from aws_lambda_powertools import Logger, Metrics

SERVICE = "herald"
NAMESPACE = "Herald"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
