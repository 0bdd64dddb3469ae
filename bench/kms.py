"""Benchmark 5: envelope encryption under moto's KMS - seal/open cost and KMS calls for bursts of opens.

The data-key cache (herald.crypto._TtlCache) should turn 100 opens of one channel's config into one KMS
Decrypt; 100 different channels need 100 (each sealed object has its own data key), and a page of them
(GET /v1/channels?limit=100 on a new container) unwraps those keys together (Crypto.warm).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.moto_stack import AwsCalls
from bench.report import Section, Table
from bench.stats import median
from herald import aws
from herald.crypto import WARM_AT_ONCE, Crypto, context_for
from herald.settings import get_settings

TENANT = "bench"
BURST = 100
ROUND_TRIP_MS = 5.0  # added to each Decrypt in the page rows: a KMS call across the network
CONFIG = {
    "url": "https://hooks.example.com/ingest/7f9c2b",
    "method": "POST",
    "headers": {"Authorization": "Bearer bench-token-0123456789abcdef"},
    "secret": "whsec_c2VjcmV0LWtleS1mb3ItYmVuY2g=",
}


def _timed(fn: Callable[[], object], runs: int) -> list[float]:
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        values.append(time.perf_counter() - started)
    return values


def run(quick: bool, calls: AwsCalls) -> Section:
    key_id = get_settings().kms_key_id

    def fresh() -> Crypto:
        # A new instance is a sender with an empty data-key cache; the client is Herald's (counted) one.
        return Crypto(key_id, kms=aws.client("kms"))

    sealer = fresh()
    context = context_for(TENANT, "ch_same")
    blob = sealer.seal_json(CONFIG, context)
    if fresh().open_json(blob, context) != CONFIG:
        raise RuntimeError("open(seal(x)) is not x")
    runs = 10 if quick else 30
    seal = _timed(lambda: sealer.seal_json(CONFIG, context), runs)
    open_cold = _timed(lambda: fresh().open_json(blob, context), runs)
    warm = fresh()
    warm.open_json(blob, context)
    open_warm = _timed(lambda: warm.open_json(blob, context), runs * 10)

    distinct = [(context_for(TENANT, f"ch_{i:03d}"), i) for i in range(BURST)]
    blobs = [(sealer.seal_json({**CONFIG, "url": f"{CONFIG['url']}/{i}"}, ctx), ctx) for ctx, i in distinct]

    def burst(
        opener: Crypto, items: list[tuple[bytes, dict[str, str]]], *, warm: bool = False
    ) -> tuple[float, int, int]:
        """Wall seconds to open every item (after warming their keys together, with `warm`), and Decrypts made."""
        before = calls.snapshot()
        started = time.perf_counter()
        if warm:
            opener.warm(items)
        for sealed, ctx in items:
            opener.open_json(sealed, ctx)
        elapsed = time.perf_counter() - started
        decrypts = (calls.snapshot() - before)["kms.Decrypt"]
        return elapsed, opener.kms_calls, decrypts

    def page(round_trip_ms: float) -> tuple[tuple[float, int, int], tuple[float, int, int]]:
        """A page of BURST distinct channels opened by a fresh container, one Decrypt after another and after
        Crypto.warm (as GET /v1/channels does), with `round_trip_ms` added to each Decrypt (the network)."""

        def wait(**_: Any) -> None:
            time.sleep(round_trip_ms / 1000)

        events = aws.client("kms").meta.events
        if round_trip_ms:
            events.register("before-call.kms.Decrypt", wait)
        try:
            return burst(fresh(), blobs), burst(fresh(), blobs, warm=True)
        finally:
            events.unregister("before-call.kms.Decrypt", wait)

    def rows(round_trip_ms: float, measured: tuple[tuple[float, int, int], tuple[float, int, int]]) -> list[Any]:
        label = f"{BURST} distinct channels" + (f", +{round_trip_ms:g} ms a Decrypt" if round_trip_ms else "")
        return [
            [name, calls_made, hooked, seconds * 1000, seconds * 1000 / BURST]
            for name, (seconds, calls_made, hooked) in zip((label, f"{label}, warm() first"), measured, strict=True)
        ]

    same_s, same_calls, same_hooked = burst(fresh(), [(blob, context)] * BURST)
    in_process = page(0)
    distinct_s, distinct_calls, distinct_hooked = in_process[0]
    pages = [*rows(0, in_process), *rows(ROUND_TRIP_MS, page(ROUND_TRIP_MS))]

    cost = Table(
        f"Seal and open one channel config ({len(str(CONFIG))} bytes), median of {runs} runs",
        ["operation", "KMS calls", "median ms"],
        [
            ["seal (GenerateDataKey + AES-GCM)", 1, median(seal) * 1000],
            ["open, fresh sender (Decrypt + AES-GCM)", 1, median(open_cold) * 1000],
            ["open, data key cached (AES-GCM only)", 0, median(open_warm) * 1000],
        ],
        [f"cached open is {median(open_cold) / median(open_warm):.0f}x cheaper than a Decrypt under moto."],
    )
    bursts = Table(
        f"Burst of {BURST} opens by a fresh sender",
        ["burst", "KMS Decrypt (crypto count)", "KMS Decrypt (botocore hook)", "wall ms", "ms per open"],
        [
            ["same channel config", same_calls, same_hooked, same_s * 1000, same_s * 1000 / BURST],
            *pages,
        ],
        [
            f"distinct/same wall-time ratio {distinct_s / same_s:.1f}.",
            "moto answers KMS in-process: a real Decrypt adds a network round trip (typically a few ms); the"
            f" +{ROUND_TRIP_MS:g} ms rows add one (a sleep per call). warm() unwraps up to {WARM_AT_ONCE} keys at"
            f" once; serial/warm() wall time: {pages[0][3] / pages[1][3]:.1f}x under moto,"
            f" {pages[2][3] / pages[3][3]:.1f}x with the round trip.",
        ],
    )
    data: dict[str, Any] = {
        "seal_ms": median(seal) * 1000,
        "open_fresh_ms": median(open_cold) * 1000,
        "open_cached_ms": median(open_warm) * 1000,
        "burst_same": {"kms_calls": same_calls, "hooked_decrypts": same_hooked, "wall_ms": same_s * 1000},
        "burst_distinct": {
            "kms_calls": distinct_calls,
            "hooked_decrypts": distinct_hooked,
            "wall_ms": distinct_s * 1000,
        },
        "page_wall_ms": {row[0]: row[3] for row in pages},
    }
    return Section("crypto", "5. Crypto (KMS envelope encryption, moto)", [cost, bursts], data=data)
