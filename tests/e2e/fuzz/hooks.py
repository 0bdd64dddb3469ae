"""schemathesis hooks: Herald's own checks on every answer the fuzzer gets."""

from __future__ import annotations

import json
from typing import Any

import schemathesis


@schemathesis.check
def errors_in_herald_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx and 5xx is JSON {error: str, code: str, details?}; a 502 is a provider's refusal, not a crash."""
    if response.status_code < 400:
        return None
    body = json.loads(response.content or b"null")
    assert isinstance(body, dict), f"{response.status_code} answered {body!r}, not a JSON object"
    assert isinstance(body.get("error"), str) and body["error"], f"{response.status_code} without `error`: {body}"
    assert isinstance(body.get("code"), str) and body["code"], f"{response.status_code} without `code`: {body}"
    assert body["code"] != "internal_error", f"Herald failed: {body}"
    if response.status_code == 502:
        assert "deliveryId" in body or "deliveries" in body, f"a 502 that is not a delivery's outcome: {body}"
    return None
