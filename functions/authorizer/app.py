"""AuthorizerFunction: API key (x-api-key or Authorization: Bearer) → tenant, role and usage plan key."""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import APIGatewayAuthorizerRequestEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from herald.auth import service
from herald.errors import Unauthorized
from herald.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@event_source(data_class=APIGatewayAuthorizerRequestEvent)
def handler(event: APIGatewayAuthorizerRequestEvent, context: LambdaContext) -> dict[str, Any]:
    try:
        grant = service.authenticate(service.key_from_headers(event.headers))
    except Unauthorized:
        # API Gateway turns exactly this message into its 401 (UNAUTHORIZED gateway response).
        raise Exception("Unauthorized") from None  # noqa: TRY002
    # Allow every /v1 route for this key: roles are enforced per route by the API function.
    arn = event.parsed_arn
    resource = f"arn:aws:execute-api:{arn.region}:{arn.aws_account_id}:{arn.api_id}/{arn.stage}/*/*"
    answer: dict[str, Any] = {
        "principalId": grant.principal.key_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource}],
        },
        "context": grant.principal.to_context(),
    }
    # API Gateway throttles the call by this key's usage plan; without one it answers 403 itself.
    if grant.usage_key:
        answer["usageIdentifierKey"] = grant.usage_key
    return answer
