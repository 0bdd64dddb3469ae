"""Benchmark 11: cold start to the first answer, each function against a minimal handler.

A fresh interpreter imports the function's handler (cwd = CodeUri, the dev tree's layer with bytecode
cached, as benchmark 1's "dev tree") and invokes it once with its sample event from events/, against the
template's resources in a moto_server (the local stack's emulator). The same for bench/minimal/app.py:
boto3, one DynamoDB client, Powertools' Logger and one GetItem, run with the sender's environment.
Rounds interleaved; medians of 5 (2 with --quick). Goal: at most 1.2x the minimal handler for the sender
and the API. Each of those two is also run beside its floor (bench/minimal/floor_*.py): the libraries it
cannot do without and no Herald code, so that what Herald's own code adds is told apart from its libraries.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.lambda_env import ROOT
from bench.report import Section, Table
from bench.stats import median
from local import provision
from local import template as cfn
from local.aws import Aws
from local.deployment import FunctionSpec
from local.emulator import Emulator
from local.runtime import function_environment
from tests.e2e.conftest import free_port

GOAL = 1.2
CHILD_TIMEOUT_SECONDS = 60
EVENTS = {
    "ApiFunction": "api-health.json",
    "AuthorizerFunction": "authorizer-request.json",
    "IngestFunction": "ingest-sns.json",
    "SenderFunction": "sender-sqs.json",
}
MINIMAL = "minimal handler"
# function -> (its floor: the libraries it cannot do without and no Herald code, the floor's handler)
FLOORS = {
    "SenderFunction": ("sender's floor", "floor_sender.handler"),
    "ApiFunction": ("API's floor", "floor_api.handler"),
}

_CHILD = """
import importlib, json, sys, time, uuid
started = time.perf_counter()
handler = getattr(importlib.import_module(sys.argv[1]), sys.argv[2])
imported = time.perf_counter()

class Context:
    function_name = "herald-bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:herald-bench"
    memory_limit_in_mb = 128
    aws_request_id = str(uuid.uuid4())
    log_group_name = "/aws/lambda/herald-bench"
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 60_000

event = json.loads(open(sys.argv[3]).read())
before = time.perf_counter()
try:
    handler(event, Context())
except Exception as exc:
    if str(exc) != "Unauthorized":  # the authorizer's answer to an unknown key, as API Gateway expects it
        raise
done = time.perf_counter()
print("BENCH " + json.dumps({"import_s": imported - started, "invoke_s": done - before}))
"""


def _run(spec: FunctionSpec, event: Path, env: dict[str, str]) -> dict[str, float]:
    module, _, attribute = spec.handler.rpartition(".")
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, module, attribute, str(event)],
        cwd=spec.code_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_SECONDS,
        check=False,
    )
    found = [line for line in done.stdout.splitlines() if line.startswith("BENCH ")]
    if done.returncode != 0 or not found:
        raise RuntimeError(f"{spec.logical_id}: the first invoke failed:\n{done.stderr[-2000:]}")
    return {key: float(value) for key, value in json.loads(found[-1][6:]).items()}


def run(quick: bool) -> Section:
    runs = 2 if quick else 5
    with tempfile.TemporaryDirectory(prefix="herald-bench-first-") as scratch:
        emulator = Emulator(free_port())
        emulator.start()
        try:
            emulator.wait_ready()
            deployment = provision.deploy(cfn.load(), Aws(emulator.endpoint))
            specs = dict(deployment.functions)
            if quick:
                specs = {name: specs[name] for name in ("ApiFunction", "SenderFunction")}
            sender = deployment.functions["SenderFunction"]
            # bench/minimal's handlers: name -> (handler, the function whose sample event it is invoked with)
            baselines = {MINIMAL: ("app.handler", "SenderFunction")} | {
                floor: (handler, function) for function, (floor, handler) in FLOORS.items()
            }
            for name, (handler, _) in baselines.items():
                specs[name] = dataclasses.replace(
                    sender, logical_id=name, code_dir=ROOT / "bench" / "minimal", handler=handler
                )
            sample_of = {name: function for name, (_, function) in baselines.items()}
            events = {
                name: ROOT / "events" / EVENTS.get(sample_of.get(name, name), EVENTS["SenderFunction"])
                for name in specs
            }
            envs = {}
            for name, spec in specs.items():
                env = function_environment(spec, endpoint_url=emulator.endpoint)
                # The dev tree's layer, its bytecode in the bench's own cache (the work tree is left alone).
                env.update(PYTHONPATH=str(ROOT / "layers" / "common"), PYTHONPYCACHEPREFIX=str(Path(scratch) / "pyc"))
                envs[name] = env
            for name, spec in specs.items():  # warm-up: bytecode written, page cache filled
                _run(spec, events[name], envs[name])
            samples: dict[str, list[dict[str, float]]] = {name: [] for name in specs}
            names = list(specs)
            for round_number in range(runs):
                shift = round_number % len(names)
                for name in names[shift:] + names[:shift]:
                    samples[name].append(_run(specs[name], events[name], envs[name]))
        finally:
            emulator.stop()

    def figure(name: str, key: str) -> float:
        return median([sample[key] for sample in samples[name]]) * 1000

    def total(name: str) -> float:
        return figure(name, "import_s") + figure(name, "invoke_s")

    base = total(MINIMAL)
    floors = {floor for floor, _ in FLOORS.values()}
    rows: list[list[Any]] = []
    data: dict[str, Any] = {}
    for name in [MINIMAL, *sorted(floors), *[n for n in names if n != MINIMAL and n not in floors]]:
        imported, invoked = figure(name, "import_s"), figure(name, "invoke_s")
        ratio = (imported + invoked) / base
        goal = "yes" if ratio <= GOAL else "NO"
        over_floor = (imported + invoked) / total(FLOORS[name][0]) if name in FLOORS else None
        shown_goal = goal if name in FLOORS else ""
        rows.append([name, imported, invoked, imported + invoked, ratio, over_floor or "", shown_goal])
        data[name] = {"import_ms": imported, "first_invoke_ms": invoked, "ratio": ratio, "runs": samples[name]}
        if over_floor is not None:
            data[name]["ratio_to_floor"] = over_floor
    failing = [row[0] for row in rows if row[0] in ("ApiFunction", "SenderFunction") and row[4] > GOAL]
    notes = [
        f"x minimal: (import + first invoke) / the minimal handler's; goal <= {GOAL} for SenderFunction and "
        "ApiFunction.",
        "floor: the libraries the function cannot do without (boto3 and its clients, Powertools, pydantic, "
        "urllib3) and no Herald code (bench/minimal/floor_*.py); x floor is what Herald's own code adds.",
        "first invoke: the sample event of events/ (the sender's names deliveries that do not exist: claim, "
        "read, dead-letter); AWS is a moto_server on 127.0.0.1, several ms a call (more than AWS in-region).",
    ]
    if failing:
        floored = [f"{name} (its floor alone {total(FLOORS[name][0]) / base:.2f}x)" for name in failing]
        notes.append("ABOVE GOAL: " + ", ".join(floored) + "; docs/BENCHMARKS.md says where the time goes.")
    table = Table(
        f"Fresh interpreter: import of the handler, then its first invoke; median of {runs} interleaved runs",
        ["function", "import ms", "first invoke ms", "total ms", "x minimal", "x floor", f"<= {GOAL}x"],
        rows,
        notes,
    )
    return Section("firstinvoke", "11. Cold start to the first answer vs a minimal handler", [table], data=data)
