"""IngestFunction: monitoring events from SNS (herald-alerts) and EventBridge (herald.monitor)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from herald import idempotency
from herald.observability import logger, metrics
from herald.routing import ingest


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register(context)
    if "Records" in event:
        messages = [(record["Sns"]["MessageId"], record["Sns"]["Message"]) for record in event["Records"]]
        return ingest.ingest_raw_messages(messages, source="sns")
    return ingest.ingest_raw_messages([(event.get("id", ""), event)], source="eventbridge")
