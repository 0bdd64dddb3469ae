"""The web console's files (static/, plain JS and CSS written here) and the headers every one is served with.

The API function serves them at /console (docs/ARCHITECTURE.md, "The console"): same origin as /v1, so the
browser needs no CORS and the policy below can say `connect-src 'self'`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

STATIC = Path(__file__).parent / "static"
INDEX = "index.html"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
_NAME = re.compile(r"[a-z0-9-]+\.(?:html|js|css|svg)")
# A stage or base path mapping as API Gateway hands it on: path segments of URL-safe characters only.
_BASE = re.compile(r"(?:/[A-Za-z0-9._~-]+)*")

# No inline script or style anywhere, nothing from another origin, no framing, no plugins, no forms posting away.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Small files that change with each release: revalidate rather than serve a stale console.
    "Cache-Control": "no-cache",
}


@dataclass(frozen=True)
class Asset:
    content_type: str
    body: str


def asset(name: str, base_path: str = "") -> Asset | None:
    """The console file `name` (None when there is none); the index names its files under `base_path`."""
    found = _files().get(name)
    if found is None:
        return None
    if name != INDEX:
        return found
    base = base_path if _BASE.fullmatch(base_path) else ""
    return Asset(found.content_type, found.body.replace("{{base}}", html.escape(base)))


@cache
def _files() -> dict[str, Asset]:
    # Only the files shipped in static/, by exact name: no path from a request ever reaches the filesystem.
    return {
        path.name: Asset(_TYPES[path.suffix], path.read_text(encoding="utf-8"))
        for path in sorted(STATIC.iterdir())
        if _NAME.fullmatch(path.name)
    }
