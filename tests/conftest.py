"""Suite-wide: the nginx cases run wherever nginx is installed, and the run says so plainly where it is not."""

from __future__ import annotations

import pytest

from tests.support.nginx import nginx_binary

_NGINX_MISSING: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if nginx_binary() is not None:
        return
    wanted = [item for item in items if item.get_closest_marker("nginx") is None]
    dropped = [item for item in items if item.get_closest_marker("nginx") is not None]
    if dropped:
        _NGINX_MISSING.extend(item.nodeid for item in dropped)
        config.hook.pytest_deselected(items=dropped)
        items[:] = wanted


def pytest_report_header(config: pytest.Config) -> str:
    found = nginx_binary()
    return (
        f"nginx: {found}"
        if found
        else "nginx: NOT INSTALLED - the nginx cases will not run (apt-get install nginx-light)"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _NGINX_MISSING:
        terminalreporter.write_sep("=", "nginx is not installed", yellow=True)
        terminalreporter.write_line(
            f"{len(_NGINX_MISSING)} nginx cases were not run (apt-get install nginx-light, then make test):"
        )
        for nodeid in _NGINX_MISSING:
            terminalreporter.write_line(f"  {nodeid}")
