"""The AWS API calls Herald's code makes, read from its source (ast), as IAM action names.

A function reaches the herald modules its handler imports, transitively (lazy imports included, and
`importlib.import_module` of a package's modules by name). In each module a call
`<receiver>.<operation>(...)` counts when the module obtains a client or table of a service
(`aws.client("sqs")`, `db.table()`) and `<operation>` is one of that service's operations in botocore's own
model; `aws_messaging.call(ctx, aws_messaging.SES, "send_email", ...)` names its service and operation
outright (`aws_messaging.answer(..., role=...)` is made as a customer's role, which the customer grants, not
Herald's). This over-approximates per function (a module's every call counts for each function that imports
it), which is the safe side for "is this granted action ever used".
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import botocore.session
from botocore import xform_name

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_ROOT = ROOT / "layers" / "common"

# botocore service name → IAM service prefix.
IAM_PREFIX = {
    "dynamodb": "dynamodb",
    "sqs": "sqs",
    "kms": "kms",
    "sesv2": "ses",
    "sns": "sns",
    "pinpoint-sms-voice-v2": "sms-voice",
    "apigateway": "apigateway",
    "sts": "sts",
}

# Calls of a table that are not client operations (boto3's batch writer) and the client operations they make.
RESOURCE_METHODS = {"batch_writer": "BatchWriteItem"}

# Libraries Herald hands a client to, and the operations they make with it (from their source).
LIBRARY_CALLS = {
    # aws_lambda_powertools/utilities/idempotency/persistence/dynamodb.py
    "DynamoDBPersistenceLayer": ("dynamodb", ("GetItem", "PutItem", "UpdateItem", "DeleteItem")),
}

# Expressions that yield a DynamoDB table (`herald.aws.Table`) rather than naming a service.
TABLE_GETTERS = {"table"}

# Classes whose calls are made for their callers, where they are counted (`db.table().get_item(...)`):
# `herald.aws.Table` fills in a table's name and nothing else; counting its `scan` would grant every function.
PASS_THROUGH = {"herald.aws": "Table"}


# API operations IAM authorises under other actions: a batch as its single form, a transaction as the
# item actions inside it.
IAM_ACTIONS = {
    "SendMessageBatch": ("SendMessage",),
    "ChangeMessageVisibilityBatch": ("ChangeMessageVisibility",),
    "DeleteMessageBatch": ("DeleteMessage",),
    "TransactWriteItems": ("PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"),
    "TransactGetItems": ("GetItem",),
}


@dataclass(frozen=True)
class Call:
    action: str  # IAM action, e.g. "dynamodb:GetItem"
    module: str
    line: int
    operation: str  # the API operation that needs it, e.g. "TransactWriteItems"


@cache
def operations(service: str) -> dict[str, str]:
    """snake_case method name → API operation name, from botocore's model of `service`."""
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


def module_path(module: str) -> Path | None:
    base = PACKAGE_ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _dynamic_imports(node: ast.Call) -> list[str]:
    """`importlib.import_module(f"herald.adapters.{name}")`: every module of that package (the registry's
    adapters, imported when their kind is first used), the safe side again."""
    func, args = node.func, node.args
    if not (isinstance(func, ast.Attribute) and func.attr == "import_module" and args):
        return []
    first = args[0].values[0] if isinstance(args[0], ast.JoinedStr) and args[0].values else None
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.endswith(".")):
        return []
    package = first.value.removesuffix(".")
    folder = PACKAGE_ROOT.joinpath(*package.split("."))
    return [f"{package}.{path.stem}" for path in sorted(folder.glob("*.py")) if path.stem != "__init__"]


def _imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield from _dynamic_imports(node)
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def reached_modules(entry: Path) -> set[str]:
    """The herald modules `entry` (a handler file) imports, directly or through each other."""
    seen: set[str] = set()
    pending = [name for name in _imports(ast.parse(entry.read_text()), "", False) if name.startswith("herald")]
    while pending:
        name = pending.pop()
        path = module_path(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        # Importing a.b.c runs a/__init__ and a/b/__init__ too.
        pending.extend(name.rsplit(".", depth)[0] for depth in range(1, name.count(".") + 1))
        found = _imports(ast.parse(path.read_text()), name, path.name == "__init__.py")
        pending.extend(found_name for found_name in found if found_name.startswith("herald"))
    return seen


def _string_arg(node: ast.Call, index: int) -> str | None:
    if len(node.args) > index and isinstance(node.args[index], ast.Constant):
        value = node.args[index].value
        return value if isinstance(value, str) else None
    return None


def _messaging_apis() -> dict[str, str]:
    """herald.adapters.aws_messaging's API constants (SES = ("sesv2", ...)) → botocore service."""
    tree = ast.parse(module_path("herald.adapters.aws_messaging").read_text())  # type: ignore[union-attr]
    apis = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple):
            first = node.value.elts[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                apis[node.targets[0].id] = first.value  # type: ignore[attr-defined]
    return apis


@cache
def module_calls(module: str) -> list[Call]:
    """The AWS actions one herald module calls."""
    path = module_path(module)
    if path is None:
        return []
    tree = ast.parse(path.read_text())
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.name == PASS_THROUGH.get(module)
        for inner in ast.walk(node)
    }
    services: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name == "client" and (service := _string_arg(node, 0)):
                services.add(service)
            elif name in TABLE_GETTERS:
                services.add("dynamodb")
    messaging = _messaging_apis()
    found: list[Call] = []

    def add(service: str, operation: str, line: int) -> None:
        for action in IAM_ACTIONS.get(operation, (operation,)):
            found.append(Call(f"{IAM_PREFIX[service]}:{action}", module, line, operation))

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Name) and node.id in LIBRARY_CALLS:
            service, names = LIBRARY_CALLS[node.id]
            for operation in names:
                add(service, operation, node.lineno)
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        method, receiver = node.func.attr, node.func.value
        if method == "call" and len(node.args) >= 3 and isinstance(node.args[1], ast.Attribute):
            service = messaging.get(node.args[1].attr)
            operation = _string_arg(node, 2)
            if service and operation:
                add(service, operations(service)[operation], node.lineno)
            continue
        # A constructor's result (AESGCM(key).decrypt) is not a client.
        if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and receiver.func.id[:1].isupper():
            continue
        for service in sorted(services):
            if method == "get_paginator" and (paged := _string_arg(node, 0)):
                add(service, operations(service)[paged], node.lineno)
            elif service == "dynamodb" and method in RESOURCE_METHODS:
                add(service, RESOURCE_METHODS[method], node.lineno)
            elif method in operations(service):
                add(service, operations(service)[method], node.lineno)
    return found


@cache
def function_calls(handler: Path) -> list[Call]:
    """Every AWS action the function whose handler is `handler` may call."""
    return [call for module in sorted(reached_modules(handler)) for call in module_calls(module)]
