"""`python -m bench [--quick] [--json PATH] [--only NAME ...]`: run the benchmarks and print their tables."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from bench import coldstart, egress, firstinvoke, layer, local_stack, payloads, transport
from bench.lambda_env import ROOT
from bench.report import Section, render_section, write_json

CHILD_TIMEOUT_SECONDS = 1500
AWS_NAMES = ("crypto", "sender", "calls", "fanout")
PEER_NAMES = ("peers", "throughput", "head_of_line")
NAMES = ("coldstart", "firstinvoke", "layer", "payloads", "egress", "transport", *PEER_NAMES, *AWS_NAMES, "local")


def _machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line), ""
        )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _child_suite(module: str, quick: bool, only: list[str]) -> list[Section]:
    """Benchmarks that run in a child: moto patches botocore process-wide, the peers' fakes replace Herald's
    repositories, and Herald logs to stdout (discarded)."""
    with tempfile.TemporaryDirectory(prefix="herald-bench-") as scratch:
        out = Path(scratch) / "child.json"
        command = [sys.executable, "-m", module, "--out", str(out), "--only", *only]
        done = subprocess.run(
            [*command, "--quick"] if quick else command,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=CHILD_TIMEOUT_SECONDS,
            check=False,
        )
        if not out.exists():
            raise RuntimeError(f"{module} wrote no results (exit {done.returncode}):\n{done.stderr[-3000:]}")
        result = json.loads(out.read_text())
    if result.get("error"):
        raise RuntimeError(f"{module} failed:\n{result['error']}")
    return [Section.from_dict(raw) for raw in result["sections"]]


def _children(quick: bool, wanted: list[str]) -> list[Section]:
    sections: list[Section] = []
    for module, names in (("bench.peers", PEER_NAMES), ("bench.aws_suite", AWS_NAMES)):
        chosen = [key for key in names if key in wanted]
        if not chosen:
            continue
        started = time.monotonic()
        try:
            found = _child_suite(module, quick, chosen)
        except Exception:
            failed = Section(module, f"{module}: FAILED", notes=[traceback.format_exc()], data={"failed": True})
            failed.seconds = time.monotonic() - started
            found = [failed]
        for section in found:
            sections.append(section)
            print(render_section(section), flush=True)
    return sections


def _timed(key: str, run: Callable[[], Section]) -> Section:
    started = time.monotonic()
    try:
        section = run()
    except Exception:
        section = Section(key, f"{key}: FAILED", notes=[traceback.format_exc()], data={"failed": True})
    section.seconds = time.monotonic() - started
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced runs (about 2-3 minutes), e.g. for CI")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every figure to this JSON file")
    parser.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME", help=f"any of: {', '.join(NAMES)}")
    args = parser.parse_args(argv)
    wanted = list(args.only or NAMES)
    started = time.monotonic()
    header = {
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": _machine(),
        "quick": args.quick,
    }
    machine = header["machine"]
    print(f"{header['command']}  |  {header['date']}  |  {machine['cpus']} CPUs, {machine['cpu_model']}")
    print(f"Python {machine['python']} on {machine['platform']}\n", flush=True)

    local_benches: dict[str, Callable[[bool], Section]] = {
        "coldstart": coldstart.run,
        "layer": layer.run,
        "payloads": payloads.run,
        "egress": egress.run,
        "transport": transport.run,
        "firstinvoke": firstinvoke.run,
    }
    sections: list[Section] = []
    for key, bench in local_benches.items():
        if key in wanted:
            sections.append(_timed(key, partial(bench, args.quick)))
            print(render_section(sections[-1]), flush=True)
    sections += _children(args.quick, wanted)
    if "local" in wanted:
        sections.append(_timed("local", partial(local_stack.run, args.quick)))
        print(render_section(sections[-1]), flush=True)

    total = time.monotonic() - started
    header["seconds"] = round(total, 1)
    print(f"Total {total:.0f} s.")
    if args.json:
        write_json(args.json, header, sections)
        print(f"Figures written to {args.json}.")
    return 1 if any(section.data.get("failed") for section in sections) else 0


if __name__ == "__main__":
    raise SystemExit(main())
