"""The least a Python Lambda function on this stack does: boto3, one client, Powertools' Logger, one call.

Benchmark 11 compares every Herald function's cold start (import + first invoke) with this one's.
"""

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger

logger = Logger()
dynamodb = boto3.client("dynamodb")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    found = dynamodb.get_item(TableName=os.environ["HERALD_TABLE_NAME"], Key={"pk": {"S": "-"}, "sk": {"S": "-"}})
    logger.info("Minimal handler", extra={"found": "Item" in found})
    return {"statusCode": 200}
