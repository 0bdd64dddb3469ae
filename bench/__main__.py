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

from bench import coldstart, egress, layer, payloads, transport
from bench.lambda_env import ROOT
from bench.report import Section, render_section, write_json

AWS_SUITE_TIMEOUT_SECONDS = 150
NAMES = ("coldstart", "layer", "payloads", "egress", "transport", "crypto", "sender")


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


def _aws_suite(quick: bool, only: list[str]) -> list[Section]:
    """Crypto and sender run in a child: moto patches botocore process-wide and Herald logs to stdout."""
    with tempfile.TemporaryDirectory(prefix="herald-bench-") as scratch:
        out = Path(scratch) / "aws.json"
        command = [sys.executable, "-m", "bench.aws_suite", "--out", str(out), "--only", *only]
        done = subprocess.run(
            [*command, "--quick"] if quick else command,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=AWS_SUITE_TIMEOUT_SECONDS,
            check=False,
        )
        if not out.exists():
            raise RuntimeError(f"bench.aws_suite wrote no results (exit {done.returncode}):\n{done.stderr[-3000:]}")
        result = json.loads(out.read_text())
    if result.get("error"):
        raise RuntimeError(f"bench.aws_suite failed:\n{result['error']}")
    return [Section.from_dict(raw) for raw in result["sections"]]


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
    parser.add_argument("--quick", action="store_true", help="reduced runs (under 30 s), e.g. for CI")
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
    }
    sections: list[Section] = []
    for key, bench in local_benches.items():
        if key in wanted:
            sections.append(_timed(key, partial(bench, args.quick)))
            print(render_section(sections[-1]), flush=True)
    aws_wanted = [key for key in ("crypto", "sender") if key in wanted]
    if aws_wanted:
        aws_started = time.monotonic()
        try:
            for section in _aws_suite(args.quick, aws_wanted):
                sections.append(section)
                print(render_section(section), flush=True)
        except Exception:
            failed = Section(
                "aws", "5-6. crypto / sender: FAILED", notes=[traceback.format_exc()], data={"failed": True}
            )
            failed.seconds = time.monotonic() - aws_started
            sections.append(failed)
            print(render_section(failed), flush=True)

    total = time.monotonic() - started
    header["seconds"] = round(total, 1)
    print(f"Total {total:.0f} s.")
    if args.json:
        write_json(args.json, header, sections)
        print(f"Figures written to {args.json}.")
    return 1 if any(section.data.get("failed") for section in sections) else 0


if __name__ == "__main__":
    raise SystemExit(main())
