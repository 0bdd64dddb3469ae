"""The API's CORS: none unless HERALD_CORS_ORIGIN names the one browser origin allowed."""

from __future__ import annotations

import pytest

from herald.api import app


def test_without_an_origin_there_is_no_cors(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HERALD_CORS_ORIGIN", raising=False)
    assert app._cors() is None


def test_the_named_origin_alone_is_allowed_with_the_headers_herald_reads(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HERALD_CORS_ORIGIN", "https://status.example.org")
    cors = app._cors()
    assert cors is not None
    headers = cors.to_dict("https://status.example.org")
    assert headers["Access-Control-Allow-Origin"] == "https://status.example.org"
    assert {"x-api-key", "authorization", "idempotency-key"} <= set(
        headers["Access-Control-Allow-Headers"].lower().split(",")
    )
    assert cors.to_dict("https://evil.example.net") == {}
