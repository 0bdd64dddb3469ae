"""A sealed config is opened and validated once per container (Crypto.open_as), and never stands in for
another: not for another object's or tenant's context, not for the channel after it changed."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from herald import crypto
from herald.errors import DecryptionFailed

OLD_SECRET, NEW_SECRET = "first-signing-secret", "second-signing-secret"


def _read(document: dict[str, Any], reads: list[dict[str, Any]]) -> tuple[tuple[str, Any], ...]:
    reads.append(document)
    return tuple(sorted(document.items()))


def test_a_blob_is_read_once_and_its_value_is_kept_for_its_own_context_only(aws):
    sealer = crypto.get_crypto()
    context = crypto.context_for("acme", "ch_one")
    blob = sealer.seal_json({"url": "https://hooks.example.com/in"}, context)
    reads: list[dict[str, Any]] = []

    def read(document: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
        return _read(document, reads)

    first = sealer.open_as(blob, context, read)
    assert sealer.open_as(blob, context, read) is first
    assert reads == [{"url": "https://hooks.example.com/in"}]

    # The same blob under another object's or another tenant's context still does not open.
    for elsewhere in (crypto.context_for("acme", "ch_two"), crypto.context_for("globex", "ch_one")):
        with pytest.raises(DecryptionFailed):
            sealer.open_as(blob, elsewhere, read)
    # The same document sealed again is another blob, read anew.
    sealer.open_as(sealer.seal_json({"url": "https://hooks.example.com/in"}, context), context, read)
    assert len(reads) == 2


def test_a_read_that_fails_is_not_kept(aws):
    sealer = crypto.get_crypto()
    context = crypto.context_for("acme", "ch_one")
    blob = sealer.seal_json({"url": "not a url"}, context)
    refused: list[dict[str, Any]] = []

    def strict(document: dict[str, Any]) -> Any:
        refused.append(document)
        raise ValueError("url: not a URL")  # a validator tightened since the config was stored

    for _ in range(2):
        with pytest.raises(ValueError, match="not a URL"):
            sealer.open_as(blob, context, strict)
    assert len(refused) == 2


def _signed_with(arrival: Any, secret: str) -> bool:
    expected = hmac.new(secret.encode(), arrival.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(arrival.headers["x-herald-signature"], f"sha256={expected}")


def test_a_channel_changed_between_deliveries_is_sent_with_its_new_config(api, key, loopback_receiver, deliver):
    config = {"url": loopback_receiver.url("/old"), "secret": OLD_SECRET}
    created = api.post("/v1/channels", key=key, body={"kind": "webhook", "name": "changing", "config": config})
    assert created.status == 201, created.text
    channel_id = created.json["id"]
    notification = {"channelIds": [channel_id], "notification": {"title": "t", "body": "b"}}

    assert api.post("/v1/notifications", key=key, body=notification).status == 202
    deliver()
    changed = {"config": {"url": loopback_receiver.url("/new"), "secret": NEW_SECRET}}
    assert api.patch(f"/v1/channels/{channel_id}", key=key, body=changed).status == 200
    assert api.post("/v1/notifications", key=key, body=notification).status == 202
    deliver()

    before, after = loopback_receiver.wait_for(2)
    assert (before.path, after.path) == ("/old", "/new")
    assert _signed_with(before, OLD_SECRET)
    assert _signed_with(after, NEW_SECRET)
    assert not _signed_with(after, OLD_SECRET)
