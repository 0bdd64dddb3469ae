"""What a benchmark hands back (sections of tables plus raw numbers) and how it is printed."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)


@dataclass
class Section:
    """One benchmark's result. `data` holds the raw figures written to --json."""

    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Section:
        tables = [Table(**table) for table in raw.get("tables", [])]
        return cls(**{**raw, "tables": tables})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_table(table: Table) -> str:
    text = [[cell(value) for value in row] for row in table.rows]
    widths = [len(name) for name in table.columns]
    for row in text:
        widths = [max(width, len(value)) for width, value in zip(widths, row, strict=True)]

    # Figures to the right, words to the left.
    numeric = [all(isinstance(row[i], int | float) or row[i] is None for row in table.rows) for i in range(len(widths))]

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [table.title, line(table.columns), line(["-" * width for width in widths])]
    out += [line(row) for row in text]
    out += [f"  * {note}" for note in table.notes]
    return "\n".join(out)


def render_section(section: Section) -> str:
    bar = "=" * max(40, len(section.title) + 4)
    out = [bar, f"{section.title}  ({section.seconds:.1f} s)", bar]
    for table in section.tables:
        out += [render_table(table), ""]
    out += [f"- {note}" for note in section.notes]
    return "\n".join(out).rstrip() + "\n"


def write_json(path: Path, header: dict[str, Any], sections: list[Section]) -> None:
    document = {**header, "sections": [section.to_dict() for section in sections]}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
