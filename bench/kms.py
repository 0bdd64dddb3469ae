"""Benchmark 5: envelope encryption under moto's KMS - seal/open cost and KMS calls for bursts of opens.

The data-key cache (herald.crypto._KeyCache) should turn 100 opens of one channel's config into one KMS
Decrypt; 100 different channels need 100 (each sealed object has its own data key).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.moto_stack import AwsCalls
from bench.report import Section, Table
from bench.stats import median
from herald import aws
from herald.crypto import Crypto, context_for
from herald.settings import get_settings

TENANT = "bench"
BURST = 100
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

    def burst(opener: Crypto, items: list[tuple[bytes, dict[str, str]]]) -> tuple[float, int, int]:
        before = calls.snapshot()
        started = time.perf_counter()
        for sealed, ctx in items:
            opener.open_json(sealed, ctx)
        elapsed = time.perf_counter() - started
        decrypts = (calls.snapshot() - before)["kms.Decrypt"]
        return elapsed, opener.kms_calls, decrypts

    same_s, same_calls, same_hooked = burst(fresh(), [(blob, context)] * BURST)
    distinct_s, distinct_calls, distinct_hooked = burst(fresh(), blobs)

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
            [
                f"{BURST} distinct channels",
                distinct_calls,
                distinct_hooked,
                distinct_s * 1000,
                distinct_s * 1000 / BURST,
            ],
        ],
        [
            f"distinct/same wall-time ratio {distinct_s / same_s:.1f}.",
            "moto answers KMS in-process: a real Decrypt adds a network round trip (typically a few ms).",
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
    }
    return Section("crypto", "5. Crypto (KMS envelope encryption, moto)", [cost, bursts], data=data)
