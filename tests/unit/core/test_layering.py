"""The packages of `herald` import one another one way only (STYLE.md 2, ARCHITECTURE.md).

Read from the source with `ast`, so a cycle hidden in a function-level import counts too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import herald

ROOT = Path(herald.__file__).parent


def _unit(module: str) -> str:
    """`herald.delivery.service` -> `delivery`; a top-level module (`herald.crypto`) is its own unit."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            # `from herald import crypto` names a unit in the imported names.
            if node.module == "herald":
                yield from (f"herald.{alias.name}" for alias in node.names)


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        here = _unit(".".join(("herald", *path.relative_to(ROOT).with_suffix("").parts)))
        for name in _imports(path):
            if name.startswith("herald.") and _unit(name) != here:
                graph.setdefault(here, set()).add(_unit(name))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == path[0]:
                found.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:  # each cycle once, from its smallest member
                walk(nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, [start])
    return found


def test_no_two_packages_import_each_other_directly_or_through_others():
    assert cycles(package_graph()) == []


def test_the_transport_imports_neither_adapters_nor_delivery():
    assert package_graph()["transport"] & {"adapters", "delivery", "channels", "routing", "api", "models"} == set()


def test_models_never_import_adapters():
    assert "adapters" not in package_graph()["models"]


def test_the_cycle_finder_finds_a_cycle_through_a_third_package():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
