"""A page of channels on a new container: its data keys are unwrapped together, once each, and what cannot be
opened is still reported per channel."""

from __future__ import annotations

import threading
from typing import Any

from herald import crypto
from tests.support.calls import AwsCalls, herald_clients

CHANNELS = 12


def _webhook(api: Any, key: str, number: int) -> str:
    body = {"kind": "webhook", "name": f"hook {number}", "config": {"url": f"https://hooks.example.com/{number}"}}
    created = api.post("/v1/channels", key=key, body=body)
    assert created.status == 201, created.text
    return str(created.json["id"])


def test_a_new_container_unwraps_a_page_s_data_keys_together_and_once_each(api, key):
    created = {_webhook(api, key, number) for number in range(CHANNELS)}
    crypto.get_crypto.cache_clear()  # a fresh container: no data key in its cache yet
    kms = crypto.get_crypto().kms
    # The first two Decrypts wait for each other (5 s at most): one after another, the first waits alone.
    together = threading.Barrier(2, timeout=5)
    waited: list[bool] = []
    lock = threading.Lock()

    def hold(**_: Any) -> None:
        with lock:
            first_two = len(waited) < 2
            waited.append(False)
        if first_two:
            try:
                together.wait()
                waited.append(True)
            except threading.BrokenBarrierError:
                pass

    kms.meta.events.register("before-call.kms.Decrypt", hold)
    try:
        with AwsCalls(herald_clients()) as calls:
            listed = api.get("/v1/channels", key=key, query={"limit": "100"})
    finally:
        kms.meta.events.unregister("before-call.kms.Decrypt", hold)

    assert listed.status == 200, listed.text
    shown = {channel["id"]: channel for channel in listed.json["data"]}
    assert set(shown) == created
    assert all(channel["config"] is not None and "configError" not in channel for channel in shown.values())
    assert calls.of("kms") == {"Decrypt": CHANNELS}  # once per channel, though several threads asked
    assert waited.count(True) == 2  # two were in flight at once

    with AwsCalls(herald_clients()) as again:
        assert api.get("/v1/channels", key=key, query={"limit": "100"}).status == 200
    assert again.of("kms") == {}  # warm: every key is cached
