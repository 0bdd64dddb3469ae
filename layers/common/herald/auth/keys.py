"""API key material: `hrld_` + 43 random URL-safe characters, stored only as a SHA-256 digest.

A fast hash is right here: the key has 256 bits of entropy, so there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "hrld_"
DISPLAY_CHARS = 12


def generate() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    return key[:DISPLAY_CHARS]


def looks_valid(key: str) -> bool:
    return key.startswith(PREFIX) and 20 <= len(key) <= 200 and key.isascii()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
