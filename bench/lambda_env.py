"""The Lambda functions of template.yaml and the environment each one runs with, without any AWS.

Resource references (table, queue, key alias) resolve to placeholder names: importing a function must not
need them, since nothing may call AWS at import time.
"""

from __future__ import annotations

from pathlib import Path

from local import template as cfn
from local.constants import ACCOUNT_ID, REGION
from local.deployment import FunctionSpec
from local.runtime import function_environment

ROOT = Path(__file__).resolve().parents[1]


def _placeholders(template: cfn.Template) -> dict[str, cfn.Physical]:
    physical = {}
    for logical_id in template.resources:
        name = f"herald-bench-{logical_id}"
        arn = f"arn:aws:bench:{REGION}:{ACCOUNT_ID}:{name}"
        physical[logical_id] = cfn.Physical(ref=name, attributes={"Arn": arn, "QueueName": name})
    return physical


def functions() -> list[FunctionSpec]:
    """Every AWS::Serverless::Function with Globals applied, as the local stack would run it."""
    template = cfn.load()
    physical = _placeholders(template)
    layer_dirs = tuple(template.layer_directories())
    specs = []
    for logical_id, resource in template.resources.items():
        if resource.type != "AWS::Serverless::Function":
            continue
        props = template.resolve(resource.properties, physical)
        name = f"herald-bench-{logical_id}"
        specs.append(
            FunctionSpec(
                logical_id=logical_id,
                name=name,
                arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
                code_dir=template.directory / str(props["CodeUri"]),
                handler=str(props["Handler"]),
                runtime=str(props.get("Runtime", "")),
                timeout=int(props.get("Timeout", 3)),
                memory=int(props.get("MemorySize", 128)),
                environment={key: str(value) for key, value in (props.get("Environment") or {})["Variables"].items()},
                layer_dirs=layer_dirs,
                log_group=f"/aws/lambda/{name}",
            )
        )
    return specs


def environment(spec: FunctionSpec) -> dict[str, str]:
    """Lambda's variables, the template's HERALD_* and POWERTOOLS_* values, region and dummy credentials."""
    return function_environment(spec, endpoint_url=None)
