"""SAM resources the local stack runs itself: layers, functions with their event sources, and REST APIs.

Event sources become the plumbing the pollers read: an SQS event source mapping names its queue; an
SNS subscription or EventBridge rule delivers to an internal queue standing in for the function.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local.aws import Aws
from local.constants import ACCOUNT_ID, REGION
from local.deployment import (
    ApiSpec,
    Authorizer,
    Deployment,
    FunctionSpec,
    GatewayResponse,
    Route,
    RuleSource,
    SnsSource,
    SqsSource,
    Throttle,
)
from local.resources import attribute_text, create_queue, physical_name, unexpected
from local.template import Physical, TemplateError

# SAM's default when an authorizer sets no ReauthorizeEvery.
_DEFAULT_AUTHORIZER_TTL = 300


def layer(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """A layer is its content directory, put on the functions' sys.path. Raises TemplateError."""
    unexpected(
        logical_id,
        props,
        {
            "ContentUri", "LayerName", "Description", "CompatibleRuntimes", "CompatibleArchitectures",
            "RetentionPolicy", "LicenseInfo",
        },
    )  # fmt: skip
    content = props["ContentUri"]
    if not isinstance(content, str):
        raise TemplateError(f"{logical_id}: only a local ContentUri directory can be run locally")
    name = props.get("LayerName") or physical_name(deployment, logical_id)
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{name}:1"
    return Physical(ref=arn, attributes={"ContentDir": str(deployment.template.directory / content)})


def _api_id(deployment: Deployment, logical_id: str) -> str:
    """A stable 10-character id shaped like API Gateway's."""
    digest = hashlib.sha256(f"{deployment.template.stack_name}/{logical_id}".encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[byte % len(alphabet)] for byte in digest[:10])


_API_IGNORED = {
    "Name", "Description", "TracingEnabled", "Tags", "EndpointConfiguration", "OpenApiVersion",
    "AccessLogSetting", "CacheClusterEnabled", "CacheClusterSize", "MinimumCompressionSize", "AlwaysDeploy",
}  # fmt: skip


def api(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """A REST API's id; its routes are joined by finish_apis. Raises TemplateError for what is not emulated."""
    # Cors, BinaryMediaTypes, DefinitionBody, ... change what the gateway does; refuse rather than ignore them.
    unexpected(
        logical_id,
        props,
        _API_IGNORED | {"StageName", "Auth", "GatewayResponses", "Variables", "MethodSettings", "ApiKeySourceType"},
    )
    api_id = _api_id(deployment, logical_id)
    return Physical(
        ref=api_id,
        attributes={"RootResourceId": api_id[:6], "ApiId": api_id},
        generated={"Stage": str(props["StageName"])},
    )


_SQS_EVENT_KNOWN = {
    "Queue", "BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "Enabled", "ScalingConfig",
}  # fmt: skip

_FUNCTION_KNOWN = {
    "CodeUri", "Handler", "Runtime", "Timeout", "MemorySize", "Environment", "Layers", "Events", "Architectures",
    "Tracing", "Description", "Policies", "FunctionName", "Role", "ReservedConcurrentExecutions", "Tags",
    "LoggingConfig", "EphemeralStorage", "EventInvokeConfig",
}  # fmt: skip


def function(aws: Aws, deployment: Deployment, logical_id: str, props: dict[str, Any]) -> Physical:
    """Record the function's spec and create its event sources' plumbing. Raises TemplateError."""
    unexpected(logical_id, props, _FUNCTION_KNOWN)
    template = deployment.template
    code_uri = props.get("CodeUri")
    if not isinstance(code_uri, str) or not (template.directory / code_uri).is_dir():
        raise TemplateError(f"{logical_id}: CodeUri must be a local directory, not {code_uri!r}")
    name = props.get("FunctionName") or physical_name(deployment, logical_id)
    environment = {
        key: attribute_text(value) for key, value in ((props.get("Environment") or {}).get("Variables") or {}).items()
    }
    layer_dirs = []
    for arn in props.get("Layers") or []:
        owner = next((lid for lid, found in deployment.physical.items() if found.ref == arn), None)
        if owner is None or "ContentDir" not in deployment.physical[owner].attributes:
            raise TemplateError(f"{logical_id}: layer {arn} is not a layer of this template")
        layer_dirs.append(Path(deployment.physical[owner].attributes["ContentDir"]))
    spec = FunctionSpec(
        logical_id=logical_id,
        name=name,
        arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
        code_dir=template.directory / code_uri,
        handler=str(props["Handler"]),
        runtime=str(props.get("Runtime", "")),
        timeout=int(props.get("Timeout", 3)),
        memory=int(props.get("MemorySize", 128)),
        environment=environment,
        layer_dirs=tuple(layer_dirs),
        log_group=f"/aws/lambda/{name}",
        **_invoke_config(aws, logical_id, props.get("EventInvokeConfig") or {}),
    )
    deployment.functions[logical_id] = spec
    for event_name, event in (props.get("Events") or {}).items():
        _event_source(aws, deployment, spec, event_name, event)
    return Physical(ref=name, attributes={"Arn": spec.arn})


def _invoke_config(aws: Aws, logical_id: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """EventInvokeConfig: retries of asynchronous invocations and an SQS on-failure destination."""
    where = f"{logical_id}.EventInvokeConfig"
    unexpected(where, config, {"MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig"})
    unexpected(f"{where}.DestinationConfig", config.get("DestinationConfig") or {}, {"OnFailure"})
    found: dict[str, Any] = {"async_attempts": int(config.get("MaximumRetryAttempts", 2)) + 1}
    on_failure = (config.get("DestinationConfig") or {}).get("OnFailure")
    if on_failure:
        if on_failure.get("Type") != "SQS":
            raise TemplateError(f"{where}: only an SQS on-failure destination is emulated")
        name = str(on_failure["Destination"]).rsplit(":", 1)[-1]
        found["on_failure_queue_url"] = aws.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
    return found


# ---- event sources


def _event_source(aws: Aws, deployment: Deployment, spec: FunctionSpec, name: str, event: dict[str, Any]) -> None:
    kind, props = event["Type"], event.get("Properties") or {}
    where = f"{spec.logical_id}.Events.{name}"
    if kind == "Api":
        unexpected(where, props, {"Path", "Method", "RestApiId", "Auth"})
        unexpected(f"{where}.Auth", props.get("Auth") or {}, {"Authorizer", "ApiKeyRequired"})
        if "RestApiId" not in props:
            raise TemplateError(f"{where}: the implicit ServerlessRestApi is not emulated; set RestApiId")
        # Joined to their API once every function exists (see _finish_apis).
        deployment.api_events.append((str(props["RestApiId"]), spec.logical_id, props))
    elif kind == "SQS":
        # ScalingConfig is accepted, not emulated: the local poller runs one batch at a time anyway.
        unexpected(where, props, _SQS_EVENT_KNOWN)
        if props.get("Enabled", True) is False:
            return
        queue_arn = str(props["Queue"])
        url = aws.client("sqs").get_queue_url(QueueName=queue_arn.rsplit(":", 1)[-1])["QueueUrl"]
        deployment.sqs_sources.append(
            SqsSource(
                function=spec.logical_id,
                event=name,
                queue_arn=queue_arn,
                queue_url=url,
                batch_size=int(props.get("BatchSize", 10)),
                batching_window_seconds=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                report_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
            )
        )
    elif kind == "SNS":
        unexpected(where, props, {"Topic", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy"})
        deployment.sns_sources.append(_sns_source(aws, deployment, spec, name, props))
    elif kind in ("EventBridgeRule", "CloudWatchEvent"):
        unexpected(where, props, {"Pattern", "EventBusName", "RuleName", "State", "RetryPolicy", "DeadLetterConfig"})
        deployment.rule_sources.append(_rule_source(aws, deployment, spec, name, props))
    else:
        raise TemplateError(f"{where}: event type {kind} is not emulated by the local stack")


def _inbox(aws: Aws, deployment: Deployment, spec: FunctionSpec, name: str) -> Physical:
    """The internal queue that stands in for a push delivery to the function (SNS, EventBridge)."""
    # Hidden while the function runs (like an invocation in flight); failures shorten it for the retry.
    attributes = {"VisibilityTimeout": spec.timeout + 5, "MessageRetentionPeriod": 3600}
    return create_queue(aws, f"{deployment.template.stack_name}-{spec.logical_id}-{name}", attributes)


def _sns_source(aws: Aws, deployment: Deployment, spec: FunctionSpec, name: str, props: dict[str, Any]) -> SnsSource:
    inbox = _inbox(aws, deployment, spec, name)
    attributes = {}
    if "FilterPolicy" in props:
        attributes["FilterPolicy"] = attribute_text(props["FilterPolicy"])
    if "FilterPolicyScope" in props:
        attributes["FilterPolicyScope"] = str(props["FilterPolicyScope"])
    if "RedrivePolicy" in props:
        # Recorded on the subscription; locally SNS delivers to an SQS inbox, which never refuses, so
        # this redrive never fires here (the function's own failures go to its on-failure destination).
        attributes["RedrivePolicy"] = attribute_text(props["RedrivePolicy"])
    subscription = aws.client("sns").subscribe(
        TopicArn=str(props["Topic"]),
        Protocol="sqs",
        Endpoint=inbox.attributes["Arn"],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )
    return SnsSource(
        function=spec.logical_id,
        event=name,
        topic_arn=str(props["Topic"]),
        subscription_arn=subscription["SubscriptionArn"],
        queue_url=inbox.ref,
    )


def _rule_source(aws: Aws, deployment: Deployment, spec: FunctionSpec, name: str, props: dict[str, Any]) -> RuleSource:
    inbox = _inbox(aws, deployment, spec, name)
    events = aws.client("events")
    bus = str(props.get("EventBusName", "default"))
    rule_name = str(props.get("RuleName") or f"{deployment.template.stack_name}-{spec.logical_id}{name}")
    rule_arn = events.put_rule(
        Name=rule_name,
        EventPattern=attribute_text(props["Pattern"]),
        State=str(props.get("State", "ENABLED")),
        EventBusName=bus,
    )["RuleArn"]
    target: dict[str, Any] = {"Id": spec.logical_id[:64], "Arn": inbox.attributes["Arn"]}
    # Recorded on the target; locally the target is an SQS inbox, which never refuses, so neither fires
    # here (the function's own failures go to its on-failure destination).
    if "RetryPolicy" in props:
        target["RetryPolicy"] = dict(props["RetryPolicy"])
    if "DeadLetterConfig" in props:
        target["DeadLetterConfig"] = {"Arn": str(props["DeadLetterConfig"]["Arn"])}
    events.put_targets(Rule=rule_name, EventBusName=bus, Targets=[target])
    return RuleSource(
        function=spec.logical_id, event=name, rule_name=rule_name, rule_arn=rule_arn, event_bus=bus, queue_url=inbox.ref
    )


# ---- APIs


def _gateway_responses(props: Mapping[str, Any]) -> dict[str, GatewayResponse]:
    responses: dict[str, GatewayResponse] = {}
    for kind, body in (props.get("GatewayResponses") or {}).items():
        templates = body.get("ResponseTemplates") or {}
        headers = (body.get("ResponseParameters") or {}).get("Headers") or {}
        responses[kind] = GatewayResponse(
            status=int(body["StatusCode"]) if "StatusCode" in body else None,
            body=templates.get("application/json", next(iter(templates.values()), None)),
            # Header values are mapping expressions; static ones are quoted ('value').
            headers={name: str(value).strip("'") for name, value in headers.items()},
        )
    return responses


def _stage_throttle(logical_id: str, props: Mapping[str, Any]) -> Throttle | None:
    """The throttle of MethodSettings' `/*` `*` entry; other settings (tracing, metrics) are not emulated."""
    for setting in props.get("MethodSettings") or []:
        if setting.get("ResourcePath") == "/*" and setting.get("HttpMethod") == "*":
            if "ThrottlingRateLimit" not in setting or "ThrottlingBurstLimit" not in setting:
                return None
            return Throttle(rate=float(setting["ThrottlingRateLimit"]), burst=int(setting["ThrottlingBurstLimit"]))
        if any(name.startswith("Throttling") for name in setting):
            raise TemplateError(f"{logical_id}: only a stage-wide (/* and *) throttle is emulated")
    return None


def _authorizers(deployment: Deployment, logical_id: str, auth: Mapping[str, Any]) -> dict[str, Authorizer]:
    by_arn = {spec.arn: spec.logical_id for spec in deployment.functions.values()}
    found: dict[str, Authorizer] = {}
    for name, body in (auth.get("Authorizers") or {}).items():
        if body.get("FunctionPayloadType", "TOKEN") != "REQUEST":
            raise TemplateError(f"{logical_id}: authorizer {name} - only REQUEST Lambda authorizers are emulated")
        function = by_arn.get(str(body.get("FunctionArn")))
        if function is None:
            raise TemplateError(f"{logical_id}: authorizer {name} does not name a function of this template")
        identity = body.get("Identity") or {}
        found[name] = Authorizer(
            name=name,
            function=function,
            identity_headers=tuple(identity.get("Headers") or ()),
            identity_query_strings=tuple(identity.get("QueryStrings") or ()),
            ttl_seconds=int(identity.get("ReauthorizeEvery", _DEFAULT_AUTHORIZER_TTL)),
        )
    return found


def finish_apis(deployment: Deployment) -> None:
    """Join every `Api` event to its REST API, with authorizers and gateway responses. Raises TemplateError."""
    template = deployment.template
    pending = deployment.api_events
    for logical_id, resource in template.resources.items():
        if resource.type != "AWS::Serverless::Api":
            continue
        props = template.resolve(resource.properties, deployment.physical)
        auth = props.get("Auth") or {}
        authorizers = _authorizers(deployment, logical_id, auth)
        default = auth.get("DefaultAuthorizer")
        if default is not None and default not in authorizers:
            raise TemplateError(f"{logical_id}: DefaultAuthorizer {default} is not declared")
        api_id = deployment.ref(logical_id)
        key_source = str(props.get("ApiKeySourceType", "HEADER"))
        if key_source not in ("HEADER", "AUTHORIZER"):
            raise TemplateError(f"{logical_id}: ApiKeySourceType must be HEADER or AUTHORIZER, not {key_source}")
        routes = []
        for rest_api_id, function, event in pending:
            if rest_api_id != api_id:
                continue
            event_auth = event.get("Auth") or {}
            chosen = event_auth.get("Authorizer", default)
            routes.append(
                Route(
                    path=str(event["Path"]),
                    method=str(event["Method"]).upper(),
                    function=function,
                    authorizer=None if chosen in (None, "NONE") else str(chosen),
                    api_key_required=bool(event_auth.get("ApiKeyRequired", auth.get("ApiKeyRequired", False))),
                )
            )
        deployment.apis[logical_id] = ApiSpec(
            logical_id=logical_id,
            api_id=api_id,
            stage=str(props["StageName"]),
            authorizers=authorizers,
            gateway_responses=_gateway_responses(props),
            stage_variables={str(k): str(v) for k, v in (props.get("Variables") or {}).items()},
            routes=tuple(routes),
            api_key_source=key_source,
            stage_throttle=_stage_throttle(logical_id, props),
        )
    orphans = {rest_api_id for rest_api_id, _, _ in pending} - {api.api_id for api in deployment.apis.values()}
    if orphans:
        raise TemplateError(f"Api events name unknown APIs: {', '.join(sorted(orphans))}")
