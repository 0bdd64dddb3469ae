"""TimerFunction: alert timers from the timer queue - escalation steps and reminders that came due."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from herald.observability import logger, metrics
from herald.routing import escalation


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return escalation.process_batch(event["Records"])
