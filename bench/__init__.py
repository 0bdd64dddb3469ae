"""Herald's benchmarks: cold starts, layer size, payload building, egress guard, crypto and the sender.

Run from the repository root: `python -m bench` (about 2-3 minutes), `python -m bench --quick` (under 30 s),
`--json results.json` to keep the raw figures. Figures and their meaning are recorded in docs/BENCHMARKS.md.
Speed is measured here only, never asserted in tests: machines are shared and noisy, so every benchmark runs
its cases side by side (interleaved) and reports medians and ratios.
"""

import sys
from pathlib import Path

# The layer's source is importable as `herald`, as /opt/python is in Lambda (`make bench` sets no PYTHONPATH).
_LAYER = str(Path(__file__).resolve().parents[1] / "layers" / "common")
if _LAYER not in sys.path:
    sys.path.insert(0, _LAYER)
