"""What a function's cold start imports: only what its first request needs (BENCHMARKS.md section 11).

Each handler is imported in a fresh interpreter (this one has everything loaded already).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

_IMPORTED = """
import json, sys
import app
print(json.dumps(sorted(sys.modules)))
"""


def imported_by(function: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTED],
        cwd=ROOT / "functions" / function,
        env={"PYTHONPATH": str(ROOT / "layers" / "common"), "PATH": "", "AWS_DEFAULT_REGION": "us-east-1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(done.stdout))


def test_the_api_imports_no_kinds_adapter_and_not_the_openapi_models():
    """The kind filter's enum (every kind and alias) and the security schemes are only needed to make the
    OpenAPI document, and /v1/docs shows that document: a cold start answering a request imports neither
    the 35 adapters nor Powertools' OpenAPI models (~40 ms)."""
    imported = imported_by("api")

    assert "herald.adapters.registry" in imported and "aws_lambda_powertools.event_handler" in imported
    kinds = {"herald.adapters.webhook", "herald.adapters.slack", "herald.adapters.email", "herald.adapters.sns"}
    assert not kinds & imported
    assert "aws_lambda_powertools.event_handler.openapi.models" not in imported


def test_the_sender_imports_no_kinds_adapter_before_its_first_delivery():
    imported = imported_by("sender")

    assert "herald.delivery.worker" in imported
    assert not {module for module in imported if module.startswith("herald.adapters.")} - {
        "herald.adapters.base",
        "herald.adapters.registry",
        "herald.adapters.providers",
        "herald.adapters.render",
        "herald.adapters.validation",
    }
