"""`make api-key TENANT=t ROLE=r [STACK=s]`: mint an API key; the key is the last line of stdout.

A new tenant also gets its usage plan key (API Gateway's own API key) on the default usage plan.
Both ways read the stack's outputs (TableName, KeyAlias, UsagePlanId) and call the same herald.auth.service the API
uses: with --stack, a deployed CloudFormation stack's, with the caller's normal AWS credentials;
without it, the running local stack's (it leaves them in local/.state/ for its emulator's port).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from local import template as template_module
from local.aws import Aws
from local.constants import DUMMY_CREDENTIALS, REGION, LocalConfig, state_file
from local.emulator import answers

KEY_NAME = "make api-key"


class ApiKeyError(Exception):
    """The key could not be minted; the message says what to do."""


def use_environment(environment: Mapping[str, str]) -> None:
    """Point this process's herald package at `environment` (settings and clients are cached)."""
    for directory in template_module.load().layer_directories():
        if str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
    os.environ.update(environment)
    from herald import aws
    from herald.settings import get_settings

    get_settings.cache_clear()
    aws.reset()


def mint(tenant: str, role: str, name: str, key: str | None = None) -> Any:
    """Create the tenant if new and a key for it. Raises ValueError for an unknown role or malformed key."""
    from herald.auth import service

    service.ensure_tenant(tenant)
    return service.create_api_key(tenant, role, name, key=key)


def local_environment(config: LocalConfig) -> dict[str, str]:
    """The running local stack's table and key, and the emulator's endpoint and credentials.

    Raises ApiKeyError when no local stack runs on HERALD_AWS_PORT.
    """
    return {**environment_from_outputs(local_outputs(config), "the local stack"), **emulator_environment(config)}


def local_outputs(config: LocalConfig) -> dict[str, str]:
    """The resolved template Outputs the running local stack left in local/.state/. Raises ApiKeyError."""
    if not answers(config.aws_endpoint):
        raise ApiKeyError(
            f"No local stack answers on {config.aws_endpoint}: start it with `make dev` "
            "(or set HERALD_AWS_PORT to the port it uses)."
        )
    os.environ.pop("AWS_PROFILE", None)  # a real profile must not sign requests to the emulator
    not_herald = ApiKeyError(f"The emulator on {config.aws_endpoint} is not a Herald local stack of this checkout.")
    try:
        outputs: dict[str, str] = json.loads(state_file(config.aws_port).read_text(encoding="utf-8"))["outputs"]
    except (OSError, ValueError, KeyError):
        raise not_herald from None
    try:  # the file may be left over from a stack that did not stop cleanly
        Aws(config.aws_endpoint).client("dynamodb").describe_table(TableName=outputs.get("TableName", ""))
    except ClientError:
        raise not_herald from None
    return outputs


def emulator_environment(config: LocalConfig) -> dict[str, str]:
    """What points boto3 (and herald.aws) at the local stack's emulator."""
    return {
        **DUMMY_CREDENTIALS,
        "AWS_ENDPOINT_URL": config.aws_endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }


def stack_environment(stack: str) -> dict[str, str]:
    """HERALD_TABLE_NAME and HERALD_KMS_KEY_ID from a deployed stack's outputs. Raises ApiKeyError."""
    return environment_from_outputs(stack_outputs(stack), f"Stack {stack}")


def stack_outputs(stack: str) -> dict[str, str]:
    """A deployed CloudFormation stack's outputs, with the caller's AWS credentials. Raises ApiKeyError."""
    import boto3

    try:
        stacks = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except (BotoCoreError, ClientError) as exc:
        raise ApiKeyError(f"Could not read stack {stack}: {exc}") from exc
    return {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}


def environment_from_outputs(outputs: Mapping[str, str], stack: str) -> dict[str, str]:
    """The settings key minting needs, from a stack's outputs. Raises ApiKeyError when one is missing."""
    missing = {"TableName", "KeyAlias", "UsagePlanId"} - set(outputs)
    if missing:
        raise ApiKeyError(
            f"{stack} has no output {', '.join(sorted(missing))}; is it a Herald stack, deployed from this version?"
        )
    return {
        "HERALD_TABLE_NAME": outputs["TableName"],
        "HERALD_KMS_KEY_ID": outputs["KeyAlias"],
        "HERALD_USAGE_PLAN_ID": outputs["UsagePlanId"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make api-key", description="Mint a Herald API key.")
    parser.add_argument("--tenant", required=True, help="tenant id (created when new)")
    parser.add_argument("--role", required=True, help="viewer, editor or admin")
    parser.add_argument("--stack", help="a deployed CloudFormation stack; without it, the running local stack")
    parser.add_argument("--name", default=KEY_NAME, help="a label for the key")
    args = parser.parse_args(argv)
    try:
        environment = stack_environment(args.stack) if args.stack else local_environment(LocalConfig.from_env())
        use_environment(environment)
        created = mint(args.tenant, args.role, args.name)
    except (ApiKeyError, ValueError) as exc:
        print(f"make api-key: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:
        print(f"make api-key: AWS refused the request: {exc}", file=sys.stderr)
        return 1
    where = f"stack {args.stack}" if args.stack else f"the local stack ({os.environ['AWS_ENDPOINT_URL']})"
    role = getattr(created.role, "name", created.role)
    article = "an" if str(role)[:1].lower() in "aeiou" else "a"
    print(f"Minted {article} {role} key for tenant '{created.tenant_id}' on {where} (id {created.id}):")
    print(created.key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
