"""Benchmarks 5, 6, 13 and 14 in their own process: moto patches botocore process-wide, and Herald's Powertools logger
and metrics write to stdout, which the parent discards. Results go to the JSON file named by --out.

`python -m bench.aws_suite --out results.json [--quick]` (normally started by `python -m bench`).
"""

from __future__ import annotations

import argparse
import json
import time
import traceback
from pathlib import Path

from bench import calls as aws_calls
from bench import kms, sender
from bench.moto_stack import AwsCalls, herald_on_moto
from bench.report import Section


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", default=["crypto", "sender", "calls", "fanout"])
    args = parser.parse_args()
    sections: list[Section] = []
    error = None
    try:
        with herald_on_moto({"EgressAllow": "127.0.0.1"}):
            calls = AwsCalls()  # before Herald creates any client, so every one is counted
            benches = (
                ("crypto", kms.run),
                ("sender", sender.run),
                ("calls", aws_calls.run_calls),
                ("fanout", aws_calls.run_fanout),
            )
            for key, bench in benches:
                if key not in args.only:
                    continue
                started = time.monotonic()
                section = bench(args.quick, calls)
                section.seconds = time.monotonic() - started
                sections.append(section)
    except Exception:
        error = traceback.format_exc()
    args.out.write_text(json.dumps({"sections": [s.to_dict() for s in sections], "error": error}, default=str))
    return 1 if error else 0


if __name__ == "__main__":
    raise SystemExit(main())
