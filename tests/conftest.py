"""Suite-wide: cases that need a program the machine may lack (nginx, chromium) run wherever it is installed,
and the run says so plainly where it is not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.support.browser import chromium_binary
from tests.support.nginx import nginx_binary


@dataclass(frozen=True)
class Program:
    marker: str  # the cases marked with it need the program
    name: str
    find: Callable[[], str | None]
    install: str


PROGRAMS = (
    Program("nginx", "nginx", nginx_binary, "apt-get install nginx-light"),
    Program("browser", "chromium", chromium_binary, "apt-get install chromium"),
)
_MISSING: dict[str, list[str]] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for program in PROGRAMS:
        if program.find() is not None:
            continue
        dropped = [item for item in items if item.get_closest_marker(program.marker) is not None]
        if dropped:
            _MISSING[program.name] = [item.nodeid for item in dropped]
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for item in items if item.get_closest_marker(program.marker) is None]


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = []
    for program in PROGRAMS:
        found = program.find()
        missing = f"NOT INSTALLED - the {program.name} cases will not run ({program.install})"
        lines.append(f"{program.name}: {found or missing}")
    return lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for program in PROGRAMS:
        if program.find() is not None:
            continue
        # Under pytest-xdist the workers collect, so the controller knows only that the program is missing.
        nodeids = _MISSING.get(program.name, [])
        terminalreporter.write_sep("=", f"{program.name} is not installed", yellow=True)
        terminalreporter.write_line(
            f"{len(nodeids) or 'The'} {program.name} cases were not run ({program.install}, then make test)"
            + (":" if nodeids else ".")
        )
        for nodeid in nodeids:
            terminalreporter.write_line(f"  {nodeid}")
