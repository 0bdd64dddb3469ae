"""SenderFunction: delivers a batch of up to ten queued deliveries, reporting partial failures."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from herald.delivery import worker
from herald.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return worker.process_batch(event["Records"], remaining_ms=context.get_remaining_time_in_millis)
