"""The libraries an API function cannot do without, and no Herald code: the floor under ApiFunction's cold start.

Beside the minimal handler's boto3, one DynamoDB client and Powertools Logger: Powertools Metrics, its REST
resolver with validated, documented routes (pydantic models in and out, as every Herald route), and
urllib3 (the API's `/test` sends through Herald's transport). Invoked with the API's sample event, GET /v1/health.
"""

from typing import Any

import boto3
import urllib3  # noqa: F401 - imported, as the API's /test sends through Herald's transport
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

logger = Logger()
metrics = Metrics(namespace="HeraldBench", service="floor")
dynamodb = boto3.client("dynamodb")
resolver = APIGatewayRestResolver(enable_validation=True)


class Health(BaseModel):
    status: str


@resolver.get("/v1/health")
def health() -> Health:
    return Health(status="ok")


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    return resolver.resolve(event, context)
