"""Verify Herald's X-Herald-Signature-256 header (Python standard library only)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

TOLERANCE_SECONDS = 300


def signing_key(secret: str) -> bytes:
    """A `whsec_<base64>` secret is base64-decoded; any other secret is used as its UTF-8 bytes."""
    if secret.startswith("whsec_"):
        encoded = secret[len("whsec_") :]
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    return secret.encode()


def verify(secret: str, header: str | None, body: bytes, now: float | None = None) -> bool:
    """True when `header` (`t=<unix seconds>,v1=<hex>`) signs `body` (the raw bytes received) and t is fresh."""
    if not header:
        return False
    timestamp, signatures = "", []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value
        elif name == "v1":
            signatures.append(value)
    if not re.fullmatch(r"[0-9]{1,12}", timestamp):
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False  # too old (a replay) or too far in the future
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(signing_key(secret), signed, hashlib.sha256).hexdigest().encode()
    return any(hmac.compare_digest(expected, signature.encode()) for signature in signatures)
