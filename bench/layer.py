"""Benchmark 2: size of the built CommonLayer (`make build`) and its 10 largest packages.

A "package" is a distribution: every file its dist-info RECORD lists (code, data, metadata) counted once.
Files no RECORD lists (the herald package itself) are grouped by their top-level name.
"""

from __future__ import annotations

import csv
import filecmp
import io
import time
import zipfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.lambda_env import ROOT
from bench.report import Section, Table

BUILD = ROOT / ".aws-sam" / "build"
LAYER = BUILD / "CommonLayer" / "python"
SOURCE = ROOT / "layers" / "common"
# Lambda quotas: 250 MB unzipped for a function and all its layers; 50 MB for a zip uploaded directly.
UNZIPPED_LIMIT_MB = 250


def _owners(layer: Path) -> dict[Path, str]:
    """File → distribution name, from every *.dist-info/RECORD."""
    owners: dict[Path, str] = {}
    for record in layer.glob("*.dist-info/RECORD"):
        name = record.parent.name.split("-")[0]
        with record.open(newline="") as handle:
            for row in csv.reader(handle):
                if row:
                    owners[(layer / row[0]).resolve()] = name
    return owners


def _zipped_bytes(files: list[Path], root: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(root))
    return buffer.tell()


def _stale(layer: Path) -> list[str]:
    """herald modules whose built copy differs from layers/common (the build predates the source)."""
    changed = []
    for source in sorted((SOURCE / "herald").rglob("*.py")):
        built = layer / source.relative_to(SOURCE)
        if not built.exists() or not filecmp.cmp(source, built, shallow=False):
            changed.append(str(source.relative_to(SOURCE)))
    return changed


def run(quick: bool) -> Section:
    if not LAYER.is_dir():
        return Section(
            "layer",
            "2. Layer package size",
            notes=[
                "No .aws-sam/build/CommonLayer here. Produce it with `make build` (sam build; needs python3.13 on"
                " PATH), then run `python -m bench --only layer`.",
            ],
            data={"built": False},
        )
    owners = _owners(LAYER)
    sizes: dict[str, int] = defaultdict(int)
    files = [path for path in LAYER.rglob("*") if path.is_file()]
    for path in files:
        owner = owners.get(path.resolve()) or path.relative_to(LAYER).parts[0]
        sizes[owner] += path.stat().st_size
    total = sum(sizes.values())
    pyc = sum(1 for path in files if path.suffix == ".pyc")
    native = sum(path.stat().st_size for path in files if path.suffix == ".so")
    zipped = None if quick else _zipped_bytes(files, LAYER.parent)
    stale = _stale(LAYER)
    built_at = datetime.fromtimestamp((BUILD / "template.yaml").stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")

    mb = 1024 * 1024
    top = sorted(sizes.items(), key=lambda item: item[1], reverse=True)[:10]
    rows: list[list[Any]] = [[name, size / mb, size / total * 100] for name, size in top]
    summary = Table(
        f"CommonLayer built {built_at}",
        ["measure", "value"],
        [
            ["unzipped MB", total / mb],
            ["zipped MB (deflate)", zipped / mb if zipped is not None else "(skipped with --quick)"],
            ["files", len(files)],
            [".pyc files", pyc],
            ["native .so MB", native / mb],
            [f"share of the {UNZIPPED_LIMIT_MB} MB unzipped limit %", total / mb / UNZIPPED_LIMIT_MB * 100],
        ],
        [
            f"herald in the build differs from layers/common in {len(stale)} modules: rebuild (`make build`) "
            "for current figures."
            if stale
            else "herald in the build matches layers/common."
        ],
    )
    largest = Table("10 largest packages (distribution = its RECORD files)", ["package", "MB", "% of layer"], rows)
    return Section(
        "layer",
        "2. Layer package size",
        [summary, largest],
        data={
            "built": True,
            "built_at": built_at,
            "unzipped_bytes": total,
            "zipped_bytes": zipped,
            "files": len(files),
            "pyc_files": pyc,
            "stale_modules": stale,
            "largest": dict(top),
            "measured_at": time.time(),
        },
    )
