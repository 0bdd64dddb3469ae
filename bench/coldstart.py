"""Benchmark 1: cold start per Lambda function - importing functions/<name>/app.py in a fresh Python.

Two set-ups side by side, interleaved round by round:

- "dev tree": the layer's source (layers/common) and the venv's packages, every module with a cached .pyc
  (the bench's own PYTHONPYCACHEPREFIX, filled by a warm-up run, so the working tree is not touched).
- "as built": the dependencies of `.aws-sam/build/CommonLayer` and a copy of the herald package, neither
  with .pyc files and none written (PYTHONDONTWRITEBYTECODE) - what Lambda runs: the built layer holds no
  .pyc (benchmark 2 counts them) and /opt is read-only, so every cold start compiles every layer module it
  imports. boto3 comes from the venv with its .pyc (in Lambda it comes with the runtime). Without a build,
  only herald is compiled from source.

Each child imports the handler module (cwd = CodeUri, like /var/task), reports the import time and its
peak RSS (ru_maxrss); the parent also times the whole process (interpreter start included).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import lambda_env
from bench.report import Section, Table
from bench.stats import median
from local.deployment import FunctionSpec

BUILT_LAYER = lambda_env.ROOT / ".aws-sam" / "build" / "CommonLayer" / "python"
CHILD_TIMEOUT_SECONDS = 60

_CHILD = """
import importlib, json, resource, sys, time
started = time.perf_counter()
module = importlib.import_module(sys.argv[1])
elapsed = time.perf_counter() - started
assert callable(getattr(module, sys.argv[2]))
print(json.dumps({
    "import_s": elapsed,
    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "modules": len(sys.modules),
    "pydantic": getattr(sys.modules.get("pydantic"), "__file__", None),
    "herald": getattr(sys.modules.get("herald"), "__file__", None),
}))
"""

# `import time: self [us] | cumulative | imported package`
_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


class Setup:
    """Where a child finds the layer, and whether it may use .pyc files."""

    def __init__(self, name: str, paths: list[Path], pycache: Path | None, expect: dict[str, Path]) -> None:
        self.name = name
        self.paths = paths
        self.pycache = pycache  # where .pyc files are cached; None: none are written
        self.expect = expect  # module → directory its file must come from (proves the set-up is real)

    def env(self, spec: FunctionSpec) -> dict[str, str]:
        env = lambda_env.environment(spec)
        env["PYTHONPATH"] = ":".join(str(path) for path in self.paths)
        if self.pycache is None:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            # The bench's own cache, so the working tree is left as it was.
            env["PYTHONPYCACHEPREFIX"] = str(self.pycache)
        return env


def _setups(scratch: Path) -> list[Setup]:
    source = lambda_env.ROOT / "layers" / "common"
    dev = Setup("dev tree", [source], scratch / "pycache", {"herald": source})
    # A copy of herald without __pycache__: compiled on every import, like a freshly unzipped layer.
    copy = scratch / "layer"
    shutil.copytree(source / "herald", copy / "herald", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if (BUILT_LAYER / "herald").is_dir():
        # The layer exactly as `make build` leaves it (herald and its bytecode included), read-only.
        built = Setup("as built", [BUILT_LAYER], None, {"herald": BUILT_LAYER, "pydantic": BUILT_LAYER})
    elif BUILT_LAYER.is_dir():
        built = Setup("as built", [copy, BUILT_LAYER], None, {"herald": copy, "pydantic": BUILT_LAYER})
    else:
        built = Setup("herald without .pyc", [copy], None, {"herald": copy})
    return [dev, built]


def _run_child(spec: FunctionSpec, setup: Setup, importtime: bool = False) -> tuple[dict[str, Any], float, str]:
    module, _, attribute = spec.handler.rpartition(".")
    flags = ["-X", "importtime"] if importtime else []
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-c", _CHILD, module, attribute],
        cwd=spec.code_dir,
        env=setup.env(spec),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_SECONDS,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{spec.logical_id} import failed ({setup.name}):\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for name, directory in setup.expect.items():
        if not str(result.get(name) or "").startswith(str(directory)):
            raise RuntimeError(f"{setup.name}: {name} was imported from {result.get(name)}, not {directory}")
    return result, wall, done.stderr


def _group(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "herald" else parts[0]


def _importtime(stderr: str) -> dict[str, float]:
    """Self time (ms) summed per top-level package (herald per sub-package): shares that add up."""
    totals: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if match:
            totals[_group(match.group(4))] += int(match.group(1)) / 1000
    return dict(totals)


def run(quick: bool) -> Section:
    specs = lambda_env.functions()
    if quick:
        specs = [spec for spec in specs if spec.logical_id in ("ApiFunction", "SenderFunction")]
    runs = 3 if quick else 7
    with tempfile.TemporaryDirectory(prefix="herald-bench-") as scratch:
        setups = _setups(Path(scratch))
        if quick:
            setups = setups[:1]
        for spec in specs:  # warm-up: writes the dev tree's .pyc files and fills the page cache
            for setup in setups:
                _run_child(spec, setup)
        samples: dict[tuple[str, str], list[tuple[dict[str, Any], float]]] = defaultdict(list)
        for round_number in range(runs):
            order = setups if round_number % 2 == 0 else setups[::-1]
            for spec in specs:
                for setup in order:
                    result, wall, _ = _run_child(spec, setup)
                    samples[(spec.logical_id, setup.name)].append((result, wall))
        profiles = _profiles(specs, setups, 1 if quick else 3)

    rows: list[list[Any]] = []
    raw: dict[str, Any] = {}
    for spec in specs:
        base = None
        for setup in setups:
            values = samples[(spec.logical_id, setup.name)]
            import_ms = median([result["import_s"] * 1000 for result, _ in values])
            wall_ms = median([wall * 1000 for _, wall in values])
            rss_mb = median([result["maxrss_kb"] / 1024 for result, _ in values])
            modules = int(median([result["modules"] for result, _ in values]))
            base = base or import_ms
            rows.append([spec.logical_id, setup.name, import_ms, import_ms / base, wall_ms, rss_mb, modules])
            raw[f"{spec.logical_id}/{setup.name}"] = {
                "import_ms": import_ms,
                "process_ms": wall_ms,
                "peak_rss_mb": rss_mb,
                "modules": modules,
                "import_ms_runs": [round(result["import_s"] * 1000, 1) for result, _ in values],
            }
    tables = [
        Table(
            f"Import of the handler module in a fresh interpreter, median of {runs} runs",
            ["function", "set-up", "import ms", "x dev tree", "process ms", "peak RSS MB", "modules"],
            rows,
            [
                "process ms: spawn to exit (interpreter start + import); peak RSS: ru_maxrss after import.",
                _setup_note(setups, quick),
            ],
        )
    ]
    for (function, setup_name), shares in profiles.items():
        total = sum(shares.values())
        top = sorted(shares.items(), key=lambda item: item[1], reverse=True)[:10]
        tables.append(
            Table(
                f"-X importtime, {function} ({setup_name}): top 10 packages by self time",
                ["package", "ms", "% of import"],
                [[name, ms, ms / total * 100] for name, ms in top],
                [f"all imports: {total:.0f} ms (importtime's own overhead included)"],
            )
        )
        raw[f"importtime/{function}/{setup_name}"] = dict(top) | {"total_ms": total}
    return Section("coldstart", "1. Cold start per Lambda function", tables, data=raw)


def _setup_note(setups: list[Setup], quick: bool) -> str:
    if quick:
        return "--quick: API and sender, dev tree only; the as-built set-up and the other functions run without it."
    if setups[-1].name == "as built":
        return "as built: layer deps from .aws-sam/build (no .pyc), herald copied without .pyc, nothing cached."
    return "No .aws-sam/build/CommonLayer: herald alone compiled from source; `make build` to measure the layer."


def _profiles(specs: list[FunctionSpec], setups: list[Setup], runs: int) -> dict[tuple[str, str], dict[str, float]]:
    """Median per-package self time over `runs` runs of `-X importtime`, for the API and the sender."""
    wanted = [spec for spec in specs if spec.logical_id in ("ApiFunction", "SenderFunction")]
    profiles: dict[tuple[str, str], dict[str, float]] = {}
    for spec in wanted:
        for setup in setups:
            runs_shares = [_importtime(_run_child(spec, setup, importtime=True)[2]) for _ in range(runs)]
            names = {name for shares in runs_shares for name in shares}
            profiles[(spec.logical_id, setup.name)] = {
                name: median([shares.get(name, 0.0) for shares in runs_shares]) for name in names
            }
    return profiles
