"""The libraries a sender cannot do without, and no Herald code: the floor under SenderFunction's cold start.

Beside the minimal handler's boto3, Powertools Logger and one GetItem: the three clients a sender's first
batch makes (DynamoDB, SQS, KMS) from one session, Powertools Metrics, a pydantic model validating each
record, and urllib3's pool manager (the HTTP library of Herald's transport) with certifi's roots loaded: a
sender verifies receivers' certificates, and a pool loads its roots at its first HTTPS connection, which this
sample batch does not make. Benchmark 11 reports the sender against this floor too, so what Herald's own code
costs is told apart from what its libraries do.
"""

import os
import ssl
from typing import Any

import boto3
import certifi
import urllib3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

logger = Logger()
metrics = Metrics(namespace="HeraldBench", service="floor")
session = boto3.session.Session()
dynamodb, sqs, kms = (session.client(service) for service in ("dynamodb", "sqs", "kms"))
http = urllib3.PoolManager(ssl_context=ssl.create_default_context(cafile=certifi.where()))


class Record(BaseModel):
    messageId: str  # noqa: N815 - SQS's own field name
    body: str


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = [Record.model_validate(record) for record in event["Records"]]
    metrics.add_metric(name="Records", unit=MetricUnit.Count, value=len(records))
    found = dynamodb.get_item(TableName=os.environ["HERALD_TABLE_NAME"], Key={"pk": {"S": "-"}, "sk": {"S": "-"}})
    logger.info("Floor handler", extra={"records": len(records), "found": "Item" in found})
    return {"batchItemFailures": []}
