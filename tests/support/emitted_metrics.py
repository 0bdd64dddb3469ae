"""The CloudWatch metrics Herald's code emits (namespace Herald), read from its source (ast).

A metric is emitted by `single_metric(name=...)`, several in one document by `add_metric(name=...)`,
or by kind by `by_kind.add_metric(name=..., kind=...)` - directly with a literal name, or through a small
wrapper (`_metric(name, kind)`) whose callers pass the name as a literal or through a variable bound to an
expression of literals (`{"delivered": "DeliverySucceeded"}.get(status, "DeliveryFailed")`). Its
dimensions are the `add_dimension(name=...)` calls in the same `with` block (for `add_metric`, the same
function; `kind` for `by_kind`), plus `service`, which Powertools adds; handlers with
`capture_cold_start_metric=True` emit ColdStart by function_name.
"""

from __future__ import annotations

import ast
from functools import cache

from tests.support.aws_calls import PACKAGE_ROOT, ROOT

COLD_START = ("ColdStart", frozenset({"function_name", "service"}))


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in node.keywords if kw.arg == name), None)


def _dimensions(block: ast.With) -> frozenset[str]:
    names = {"service"}
    for node in ast.walk(block):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_dimension":
            value = _keyword(node, "name")
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                names.add(value.value)
    return frozenset(names)


def _literals(node: ast.expr) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _bound_literals(function: ast.AST, name: str) -> set[str]:
    """String literals of every expression assigned to `name` inside `function`."""
    found: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            found |= _literals(node.value)
    return found


def _emitted_in(tree: ast.Module) -> dict[str, frozenset[str]]:
    emitted: dict[str, frozenset[str]] = {}
    wrappers: dict[str, tuple[int, frozenset[str]]] = {}  # function name → (index of its name param, dims)
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        params = [arg.arg for arg in function.args.args]
        for call in ast.walk(function):
            # Several metrics in one document (EphemeralMetrics): the function's add_dimension calls are theirs;
            # by kind (observability.by_kind): the call's `kind=`.
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "add_metric":
                name = _keyword(call, "name")
                dims = _dimensions(function) | ({"kind"} if _keyword(call, "kind") is not None else set())
                if isinstance(name, ast.Constant) and isinstance(name.value, str):
                    emitted[name.value] = dims
                elif isinstance(name, ast.Name) and name.id in params:
                    wrappers[function.name] = (params.index(name.id), dims)
        for block in ast.walk(function):
            if not isinstance(block, ast.With):
                continue
            for item in block.items:
                call = item.context_expr
                if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "single_metric"):
                    continue
                name = _keyword(call, "name")
                if isinstance(name, ast.Constant) and isinstance(name.value, str):
                    emitted[name.value] = _dimensions(block)
                elif isinstance(name, ast.Name) and name.id in params:
                    wrappers[function.name] = (params.index(name.id), _dimensions(block))
    for function in ast.walk(tree):
        for call in ast.walk(function):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in wrappers):
                continue
            index, dims = wrappers[call.func.id]
            if len(call.args) <= index:
                continue
            argument = call.args[index]
            names = _literals(argument) if isinstance(argument, ast.Constant) else set()
            if isinstance(argument, ast.Name) and isinstance(function, ast.FunctionDef):
                names = _bound_literals(function, argument.id)
            for name in names:
                if name[:1].isupper():  # metric names are PascalCase; the mapping's keys are statuses
                    emitted[name] = dims
    return emitted


@cache
def emitted_metrics() -> dict[str, frozenset[str]]:
    """Metric name → dimension names, for every metric the code emits in namespace Herald."""
    emitted: dict[str, frozenset[str]] = {}
    for path in sorted((PACKAGE_ROOT / "herald").rglob("*.py")):
        emitted |= _emitted_in(ast.parse(path.read_text()))
    for handler in sorted((ROOT / "functions").glob("*/app.py")):
        for node in ast.walk(ast.parse(handler.read_text())):
            flag = _keyword(node, "capture_cold_start_metric") if isinstance(node, ast.Call) else None
            if isinstance(flag, ast.Constant) and flag.value is True:
                emitted[COLD_START[0]] = COLD_START[1]
    return emitted
