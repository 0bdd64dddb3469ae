"""What deploying template.yaml locally produced: functions, APIs, event sources and physical names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.template import Physical, Template


@dataclass(frozen=True)
class FunctionSpec:
    """One AWS::Serverless::Function with its Globals applied and every value resolved."""

    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str
    runtime: str
    timeout: int
    memory: int
    environment: Mapping[str, str]
    layer_dirs: tuple[Path, ...]
    log_group: str
    # EventInvokeConfig: tries of an asynchronous invocation, and where one that failed them all goes.
    async_attempts: int = 3
    on_failure_queue_url: str | None = None


@dataclass(frozen=True)
class Authorizer:
    """A Lambda authorizer of an AWS::Serverless::Api (REQUEST payload)."""

    name: str
    function: str
    identity_headers: tuple[str, ...]
    identity_query_strings: tuple[str, ...]
    ttl_seconds: int


@dataclass(frozen=True)
class Route:
    """One `Api` event: a resource path and method served by a function, with or without an authorizer."""

    path: str
    method: str
    function: str
    authorizer: str | None
    # Auth.ApiKeyRequired: the call must carry a key of a usage plan on this stage.
    api_key_required: bool = False


@dataclass(frozen=True)
class Throttle:
    """A token bucket's settings: requests per second and how many may come at once."""

    rate: float
    burst: int


@dataclass(frozen=True)
class GatewayResponse:
    status: int | None
    body: str | None
    headers: Mapping[str, str]


@dataclass(frozen=True)
class ApiSpec:
    logical_id: str
    api_id: str
    stage: str
    authorizers: Mapping[str, Authorizer]
    gateway_responses: Mapping[str, GatewayResponse]
    stage_variables: Mapping[str, str]
    routes: tuple[Route, ...]
    # Where a usage plan's key comes from: the x-api-key header (HEADER) or the authorizer (AUTHORIZER).
    api_key_source: str = "HEADER"
    # MethodSettings for every resource and method: the stage-wide ceiling above every usage plan.
    stage_throttle: Throttle | None = None


@dataclass(frozen=True)
class SqsSource:
    """An SQS event source mapping."""

    function: str
    event: str
    queue_arn: str
    queue_url: str
    batch_size: int
    batching_window_seconds: float
    report_batch_item_failures: bool


@dataclass(frozen=True)
class SnsSource:
    """An SNS subscription of a function; locally the topic delivers to `queue_url`, which the stack polls."""

    function: str
    event: str
    topic_arn: str
    subscription_arn: str
    queue_url: str


@dataclass(frozen=True)
class RuleSource:
    """An EventBridge rule targeting a function; locally its target is `queue_url`, which the stack polls."""

    function: str
    event: str
    rule_name: str
    rule_arn: str
    event_bus: str
    queue_url: str


@dataclass
class Deployment:
    template: Template
    physical: dict[str, Physical] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    apis: dict[str, ApiSpec] = field(default_factory=dict)
    sqs_sources: list[SqsSource] = field(default_factory=list)
    sns_sources: list[SnsSource] = field(default_factory=list)
    rule_sources: list[RuleSource] = field(default_factory=list)
    # (RestApiId, function, event properties) of every `Api` event, gathered while functions are created.
    api_events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def ref(self, logical_id: str) -> str:
        return self.physical[logical_id].ref

    def attribute(self, logical_id: str, name: str) -> Any:
        return self.physical[logical_id].attributes[name]

    def environment(self) -> dict[str, str]:
        """Every function's template environment in one mapping (for tests that run handlers in-process).

        Raises ValueError when two functions give one variable different values: one process cannot
        be both.
        """
        merged: dict[str, str] = {}
        for spec in self.functions.values():
            for name, value in spec.environment.items():
                if merged.setdefault(name, value) != value:
                    raise ValueError(f"functions disagree on {name}; run them in separate processes")
        return merged
