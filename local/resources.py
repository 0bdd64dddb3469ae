"""AWS resources of the template, created in the emulator: DynamoDB, SQS, SNS, KMS, CloudWatch Logs, and
API Gateway usage plans (the local gateway reads their throttles from the emulator); and what is there to
be looked at rather than to act locally - SES configuration sets, IAM roles, CloudWatch alarms and dashboards.

Each handler takes the resource's resolved properties and returns its `Ref` and `Fn::GetAtt` values.
A property a handler does not know is an error, never silently dropped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from local.aws import Aws
from local.constants import ACCOUNT_ID, REGION
from local.deployment import Deployment
from local.template import Physical, TemplateError


def unexpected(logical_id: str, properties: Mapping[str, Any], known: set[str]) -> None:
    extra = set(properties) - known
    if extra:
        raise TemplateError(f"{logical_id}: properties {', '.join(sorted(extra))} are not emulated locally")


def physical_name(deployment: Deployment, logical_id: str) -> str:
    return f"{deployment.template.stack_name}-{logical_id}"


def attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _tags(properties: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"Key": str(tag["Key"]), "Value": str(tag["Value"])} for tag in properties.get("Tags") or []]


def table(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """A DynamoDB table with its TTL and point-in-time recovery. Raises TemplateError for a property not emulated."""
    unexpected(
        logical_id,
        props,
        {
            "TableName", "AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes", "ProvisionedThroughput", "StreamSpecification", "SSESpecification",
            "TimeToLiveSpecification", "PointInTimeRecoverySpecification", "Tags", "DeletionProtectionEnabled",
            "TableClass",
        },
    )  # fmt: skip
    name = props.get("TableName") or physical_name(deployment, logical_id)
    args: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput", "TableClass"):
        if key in props:
            args[key] = props[key]
    if "StreamSpecification" in props:
        args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    if sse := props.get("SSESpecification"):
        args["SSESpecification"] = {"Enabled": bool(sse.get("SSEEnabled"))} | {
            key: sse[key] for key in ("SSEType", "KMSMasterKeyId") if key in sse
        }
    if tags := _tags(props):
        args["Tags"] = tags
    dynamodb = aws.client("dynamodb")
    description = dynamodb.create_table(**args)["TableDescription"]
    if ttl := props.get("TimeToLiveSpecification"):
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": bool(ttl.get("Enabled")), "AttributeName": ttl["AttributeName"]},
        )
    if (props.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled"):
        dynamodb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    attributes = {"Arn": description["TableArn"]}
    if "LatestStreamArn" in description:
        attributes["StreamArn"] = description["LatestStreamArn"]
    return Physical(ref=name, attributes=attributes)


_QUEUE_ATTRIBUTES = {
    "VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "RedriveAllowPolicy", "SqsManagedSseEnabled",
    "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "FifoQueue", "ContentBasedDeduplication",
    "DeduplicationScope", "FifoThroughputLimit",
}  # fmt: skip


def create_queue(aws: Aws, name: str, attributes: Mapping[str, Any], tags: Mapping[str, str] | None = None) -> Physical:
    sqs = aws.client("sqs")
    args: dict[str, Any] = {
        "QueueName": name,
        "Attributes": {key: attribute_text(value) for key, value in attributes.items()},
    }
    if tags:
        args["tags"] = dict(tags)
    url = sqs.create_queue(**args)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return Physical(ref=url, attributes={"Arn": arn, "QueueName": name, "QueueUrl": url})


def queue(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """An SQS queue with its attributes (redrive policy, ...). Raises TemplateError for a property not emulated."""
    unexpected(logical_id, props, _QUEUE_ATTRIBUTES | {"QueueName", "Tags"})
    default_name = physical_name(deployment, logical_id) + (".fifo" if props.get("FifoQueue") else "")
    name = props.get("QueueName") or default_name
    attributes = {key: value for key, value in props.items() if key in _QUEUE_ATTRIBUTES}
    shorter = os.environ.get("HERALD_LOCAL_VISIBILITY_TIMEOUT", "").strip()
    if shorter and "VisibilityTimeout" in attributes:
        # A test knob: a crashed batch comes back in seconds instead of the template's minutes.
        attributes["VisibilityTimeout"] = int(shorter)
    return create_queue(aws, name, attributes, {tag["Key"]: tag["Value"] for tag in _tags(props)})


def queue_policy(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """An SQS queue policy, set on each of its queues (moto keeps it; it does not enforce it)."""
    unexpected(logical_id, props, {"Queues", "PolicyDocument"})
    sqs = aws.client("sqs")
    for url in props["Queues"]:
        sqs.set_queue_attributes(QueueUrl=str(url), Attributes={"Policy": attribute_text(props["PolicyDocument"])})
    return Physical(ref=logical_id, attributes={})


def topic(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """An SNS topic and its inline subscriptions. Raises TemplateError for a property not emulated."""
    unexpected(
        logical_id,
        props,
        {
            "TopicName", "DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication", "Subscription",
            "Tags",
        },
    )  # fmt: skip
    sns = aws.client("sns")
    name = props.get("TopicName") or physical_name(deployment, logical_id)
    attributes = {
        key: attribute_text(props[key])
        for key in ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication")
        if key in props
    }
    arn = sns.create_topic(Name=name, Attributes=attributes, Tags=_tags(props))["TopicArn"]
    for subscription in props.get("Subscription") or []:
        sns.subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])
    return Physical(ref=arn, attributes={"TopicArn": arn, "TopicName": name})


def key(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """A KMS key, with rotation when the template enables it. Raises TemplateError for a property not emulated."""
    unexpected(
        logical_id,
        props,
        {
            "Description", "KeyPolicy", "KeyUsage", "KeySpec", "EnableKeyRotation", "Enabled", "MultiRegion",
            "PendingWindowInDays", "RotationPeriodInDays", "Tags",
        },
    )  # fmt: skip
    kms = aws.client("kms")
    args: dict[str, Any] = {
        key: props[key] for key in ("Description", "KeyUsage", "KeySpec", "MultiRegion") if key in props
    }
    if "KeyPolicy" in props:
        args["Policy"] = attribute_text(props["KeyPolicy"])
    if tags := _tags(props):
        args["Tags"] = [{"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in tags]
    metadata = kms.create_key(**args)["KeyMetadata"]
    if props.get("EnableKeyRotation"):
        kms.enable_key_rotation(KeyId=metadata["KeyId"])
    if props.get("Enabled") is False:
        kms.disable_key(KeyId=metadata["KeyId"])
    return Physical(ref=metadata["KeyId"], attributes={"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]})


def alias(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """A KMS alias. Raises TemplateError for a property not emulated."""
    unexpected(logical_id, props, {"AliasName", "TargetKeyId"})
    aws.client("kms").create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
    return Physical(ref=props["AliasName"])


def log_group(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """A CloudWatch Logs group with its retention. Raises TemplateError for a property not emulated."""
    unexpected(logical_id, props, {"LogGroupName", "RetentionInDays", "KmsKeyId", "LogGroupClass", "Tags"})
    logs = aws.client("logs")
    name = props.get("LogGroupName") or physical_name(deployment, logical_id)
    logs.create_log_group(logGroupName=name)
    if "RetentionInDays" in props:
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(props["RetentionInDays"]))
    return Physical(ref=name, attributes={"Arn": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}:*"})


def usage_plan(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """An API Gateway usage plan on the template's API stages. Raises TemplateError for a property not emulated."""
    unexpected(logical_id, props, {"UsagePlanName", "Description", "ApiStages", "Throttle", "Quota", "Tags"})
    args: dict[str, Any] = {
        "name": props.get("UsagePlanName") or physical_name(deployment, logical_id),
        "description": str(props.get("Description", "")),
        "apiStages": [],
    }
    for stage in props.get("ApiStages") or []:
        unexpected(f"{logical_id}.ApiStages", stage, {"ApiId", "Stage"})
        args["apiStages"].append({"apiId": str(stage["ApiId"]), "stage": str(stage["Stage"])})
    if throttle := props.get("Throttle"):
        unexpected(f"{logical_id}.Throttle", throttle, {"RateLimit", "BurstLimit"})
        args["throttle"] = {"rateLimit": float(throttle["RateLimit"]), "burstLimit": int(throttle["BurstLimit"])}
    if quota := props.get("Quota"):
        unexpected(f"{logical_id}.Quota", quota, {"Limit", "Period", "Offset"})
        args["quota"] = {"limit": int(quota["Limit"]), "period": str(quota["Period"])} | (
            {"offset": int(quota["Offset"])} if "Offset" in quota else {}
        )
    if tags := _tags(props):
        args["tags"] = {tag["Key"]: tag["Value"] for tag in tags}
    return Physical(ref=str(aws.client("apigateway").create_usage_plan(**args)["id"]))


def topic_policy(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """An SNS topic policy, set on each of its topics (moto keeps it; it does not enforce it)."""
    unexpected(logical_id, props, {"Topics", "PolicyDocument"})
    sns = aws.client("sns")
    for arn in props["Topics"]:
        sns.set_topic_attributes(
            TopicArn=str(arn), AttributeName="Policy", AttributeValue=attribute_text(props["PolicyDocument"])
        )
    return Physical(ref=logical_id)


def ses_configuration_set(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """An SES configuration set (its options are not emulated: nothing bounces locally)."""
    unexpected(
        logical_id,
        props,
        {
            "Name", "ReputationOptions", "SendingOptions", "DeliveryOptions", "TrackingOptions",
            "SuppressionOptions", "VdmOptions",
        },
    )  # fmt: skip
    name = props.get("Name") or physical_name(deployment, logical_id)
    aws.client("ses").create_configuration_set(ConfigurationSet={"Name": name})
    return Physical(ref=name)


def ses_event_destination(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """An SES configuration set's event destination, recorded in the emulator."""
    unexpected(logical_id, props, {"ConfigurationSetName", "EventDestination"})
    destination = {"Name": logical_id, **props["EventDestination"]}
    aws.client("ses").create_configuration_set_event_destination(
        ConfigurationSetName=str(props["ConfigurationSetName"]), EventDestination=destination
    )
    return Physical(ref=logical_id)


def role(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """An IAM role (moto does not enforce IAM; the role exists to be named)."""
    unexpected(
        logical_id,
        props,
        {"AssumeRolePolicyDocument", "ManagedPolicyArns", "Policies", "RoleName", "Path", "Description", "Tags"},
    )
    name = props.get("RoleName") or physical_name(deployment, logical_id)
    created = aws.client("iam").create_role(
        RoleName=name, AssumeRolePolicyDocument=attribute_text(props["AssumeRolePolicyDocument"])
    )["Role"]
    return Physical(ref=name, attributes={"Arn": created["Arn"], "RoleId": created["RoleId"]})


def apigateway_account(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """The account's API Gateway logging role."""
    unexpected(logical_id, props, {"CloudWatchRoleArn"})
    operation = {"op": "replace", "path": "/cloudwatchRoleArn", "value": str(props["CloudWatchRoleArn"])}
    aws.client("apigateway").update_account(patchOperations=[operation])
    return Physical(ref=logical_id)


_ALARM_PROPERTIES = {
    "AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
    "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit",
    "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
    "EvaluateLowSampleCountPercentile", "Metrics", "ThresholdMetricId", "Tags",
}  # fmt: skip


def alarm(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """A CloudWatch alarm, created in the emulator (which never evaluates it)."""
    unexpected(logical_id, props, _ALARM_PROPERTIES)
    name = props.get("AlarmName") or physical_name(deployment, logical_id)
    args = {key: value for key, value in props.items() if key not in ("AlarmName", "Tags")}
    if "Threshold" in args:
        args["Threshold"] = float(args["Threshold"])
    for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if key in args:
            args[key] = int(args[key])
    aws.client("cloudwatch").put_metric_alarm(AlarmName=name, **args)
    return Physical(ref=name, attributes={"Arn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{name}"})


def dashboard(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """A CloudWatch dashboard. Raises TemplateError when its body is not JSON."""
    unexpected(logical_id, props, {"DashboardName", "DashboardBody"})
    name = props.get("DashboardName") or physical_name(deployment, logical_id)
    try:
        json.loads(str(props["DashboardBody"]))
    except ValueError as exc:
        raise TemplateError(f"{logical_id}: DashboardBody is not JSON ({exc})") from exc
    aws.client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=str(props["DashboardBody"]))
    return Physical(ref=name)
