"""schemathesis against the served OpenAPI document: every operation, a valid key, stateful links.

The run has a stack of its own (what it creates and deletes must not meet the other e2e tests), a
fixed seed and a bounded number of examples per operation; `make soak` runs it with many more
(HERALD_FUZZ_EXAMPLES). Its config (tests/e2e/fuzz/schemathesis.toml) says which checks run and why.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import ROOT, Stack, running_stack

FUZZ = Path(__file__).parent / "fuzz"
EXAMPLES = int(os.environ.get("HERALD_FUZZ_EXAMPLES", "10"))
RUN_SECONDS = 900 if EXAMPLES <= 10 else 3600


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("fuzz-stack")) as running:
        yield running


def tenant_of_its_own(stack: Stack) -> str:
    """An admin key of tenant `fuzz` (`make api-key`): what the fuzzer revokes or deletes is not what the
    module's other tests, with the stack's key of tenant `dev`, go on using."""
    env = {**os.environ, "HERALD_AWS_PORT": str(stack.aws_port)}
    minted = subprocess.run(
        [sys.executable, "-m", "local.api_key", "--tenant", "fuzz", "--role", "admin"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return minted.stdout.strip().splitlines()[-1]


@pytest.mark.timeout(RUN_SECONDS + 60)
def test_every_operation_holds_to_the_document(fuzz_stack: Stack, tmp_path: Path) -> None:
    document = requests.get(f"{fuzz_stack.base_url}/v1/openapi.json", timeout=10).json()
    key = tenant_of_its_own(fuzz_stack)
    operations = sum(len(methods) for methods in document["paths"].values())
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(FUZZ / "schemathesis.toml"),
        "run",
        f"{fuzz_stack.base_url}/v1/openapi.json",
        "--url",
        fuzz_stack.base_url,
        "--header",
        f"x-api-key: {key}",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        str(EXAMPLES),
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_SECONDS, check=False)
    output = run.stdout + run.stderr
    print(output[output.rfind("SUMMARY") :])  # the figures docs/RELIABILITY.md quotes (`pytest -s`)
    assert run.returncode == 0, output[-20000:]
    tested = re.search(r"Tested: (\d+)", output)
    assert tested is not None and int(tested.group(1)) == operations, output[-3000:]
    assert re.search(r"Stateful\b", output) and "Stateful (not applicable)" not in output, output[-3000:]
    assert "Unhandled error" not in fuzz_stack.text()


@pytest.mark.parametrize(("prefix", "server"), [("", "/"), ("/dev", "/dev")])
def test_the_document_says_where_it_was_served_from(fuzz_stack: Stack, prefix: str, server: str) -> None:
    """The local stack answers at / (as a custom domain would) and at the deployed shape /dev."""
    reply = requests.get(f"{fuzz_stack.base_url}{prefix}/v1/openapi.json", timeout=10)

    assert reply.status_code == 200
    served = reply.json()
    assert served["servers"] == [{"url": server}]
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert {**served, "servers": committed["servers"]} == committed


def test_methods_api_gateway_answers_itself_get_its_json_error(fuzz_stack: Stack) -> None:
    """TRACE is outside what a route's ANY covers: API Gateway's MISSING_AUTHENTICATION_TOKEN, in Herald's shape."""
    for path in ("/v1/health", "/v1/channels", "/v1/channels/ch_1"):
        answer = requests.request("TRACE", f"{fuzz_stack.base_url}{path}", timeout=10)
        assert (answer.status_code, answer.json()) == (404, {"error": "No such route.", "code": "not_found"})


def test_a_known_route_with_another_method_is_405_naming_the_allowed_ones(fuzz_stack: Stack) -> None:
    key = {"x-api-key": fuzz_stack.admin_key}
    answer = requests.put(f"{fuzz_stack.base_url}/v1/kinds", headers=key, timeout=10)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET"
    assert answer.json()["code"] == "method_not_allowed"
    answer = requests.post(f"{fuzz_stack.base_url}/v1/channels/ch_1", headers=key, json={}, timeout=10)
    assert (answer.status_code, answer.headers["Allow"]) == (405, "DELETE, GET, PATCH, PUT")
    # A query the allowed method declares does not turn the wrong method into a 400 about the query.
    answer = requests.put(f"{fuzz_stack.base_url}/v1/notifications?wait=true", headers=key, json={}, timeout=10)
    assert (answer.status_code, answer.headers["Allow"]) == (405, "POST")


@pytest.mark.parametrize(
    ("content_type", "status", "code"),
    [
        ("text/plain", 415, "unsupported_media_type"),
        ("multipart/form-data", 415, "unsupported_media_type"),
        ("application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ("application/json; charset=utf-8", 201, None),
    ],
)
def test_bodies_are_json_only(fuzz_stack: Stack, content_type: str, status: int, code: str | None) -> None:
    body = json.dumps({"name": "fuzz", "role": "viewer"})
    answer = requests.post(
        f"{fuzz_stack.base_url}/v1/api-keys",
        headers={"x-api-key": fuzz_stack.admin_key, "Content-Type": content_type},
        data=body,
        timeout=10,
    )
    assert answer.status_code == status, answer.text
    if code is not None:
        assert answer.json()["code"] == code
