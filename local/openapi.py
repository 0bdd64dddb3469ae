"""`make openapi`: write docs/openapi.json, the document the API serves at /v1/openapi.json (servers `/`).

tests/unit/api/test_openapi_document.py fails when the committed file and the code disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from local import template as template_module

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def generate() -> str:
    """The served document at the root, pretty-printed for review and diffs."""
    for directory in template_module.load().layer_directories():
        if str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
    from herald.api import app

    return json.dumps(json.loads(app.served_document("")), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    COMMITTED.write_text(generate(), encoding="utf-8")
    print(f"Wrote {COMMITTED.relative_to(Path.cwd()) if COMMITTED.is_relative_to(Path.cwd()) else COMMITTED}")


if __name__ == "__main__":
    main()
