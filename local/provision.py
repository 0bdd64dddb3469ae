"""Create template.yaml's resources in an AWS emulator (moto_server, or moto's in-process mock in tests).

Resources are created in dependency order, like CloudFormation; each creation yields the `Ref` and
`Fn::GetAtt` values later resources resolve against. A resource type without a handler here is an
error: the local stack never silently skips part of the template.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from local import resources, serverless
from local.aws import Aws
from local.deployment import Deployment
from local.template import Physical, Template, TemplateError

_HANDLERS: dict[str, Callable[[Aws, Deployment, str, dict[str, Any]], Physical]] = {
    "AWS::DynamoDB::Table": resources.table,
    "AWS::SQS::Queue": resources.queue,
    "AWS::SQS::QueuePolicy": resources.queue_policy,
    "AWS::SNS::Topic": resources.topic,
    "AWS::SNS::TopicPolicy": resources.topic_policy,
    "AWS::SES::ConfigurationSet": resources.ses_configuration_set,
    "AWS::SES::ConfigurationSetEventDestination": resources.ses_event_destination,
    "AWS::IAM::Role": resources.role,
    "AWS::ApiGateway::Account": resources.apigateway_account,
    "AWS::CloudWatch::Alarm": resources.alarm,
    "AWS::CloudWatch::Dashboard": resources.dashboard,
    "AWS::KMS::Key": resources.key,
    "AWS::KMS::Alias": resources.alias,
    "AWS::Logs::LogGroup": resources.log_group,
    "AWS::ApiGateway::UsagePlan": resources.usage_plan,
    "AWS::Serverless::LayerVersion": serverless.layer,
    "AWS::Serverless::Api": serverless.api,
    "AWS::Serverless::Function": serverless.function,
}


def deploy(template: Template, aws: Aws, *, sender_identities: tuple[str, ...] = ()) -> Deployment:
    """Create every resource of `template` through `aws` and describe what was made.

    `sender_identities` are e-mail addresses verified in SES besides the SenderEmail parameter.
    Raises TemplateError for a resource type, property or event source the local stack does not emulate.
    """
    unsupported = sorted({r.type for r in template.resources.values() if r.type not in _HANDLERS})
    if unsupported:
        raise TemplateError(f"resource types not emulated by the local stack: {', '.join(unsupported)}")
    deployment = Deployment(template=template)
    for logical_id in template.order:
        resource = template.resources[logical_id]
        properties = template.resolve(resource.properties, deployment.physical)
        deployment.physical[logical_id] = _HANDLERS[resource.type](aws, deployment, logical_id, properties)
    serverless.finish_apis(deployment)
    _verify_senders(aws, (str(template.parameters.get("SenderEmail", "")), *sender_identities))
    return deployment


def resolve_outputs(deployment: Deployment) -> dict[str, str]:
    """The template's Outputs, resolved against what was deployed (as CloudFormation reports them)."""
    template = deployment.template
    outputs: dict[str, str] = {}
    for name, output in template.outputs.items():
        condition = output.get("Condition")
        if condition is None or template.conditions.get(condition, False):
            outputs[name] = str(template.resolve(output["Value"], deployment.physical))
    return outputs


def _verify_senders(aws: Aws, addresses: tuple[str, ...]) -> None:
    """SES only sends from verified identities; verify the sender address and its domain in the emulator."""
    ses = aws.client("ses")
    for address in {address for address in addresses if "@" in address}:
        ses.verify_email_identity(EmailAddress=address)
        ses.verify_domain_identity(Domain=address.rsplit("@", 1)[1])
