"""Debian's chromium for the console's browser tests (tests/e2e/test_console.py): Playwright drives it through
`executable_path`, since Playwright's own browser downloads are not available everywhere the suite runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def chromium_binary() -> str | None:
    """Path of the chromium executable, or None when it is not installed."""
    found = shutil.which("chromium")
    if found:
        return found
    fallback = Path("/usr/bin/chromium")
    return str(fallback) if fallback.is_file() and os.access(fallback, os.X_OK) else None
