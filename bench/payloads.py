"""Benchmark 3: µs per pure payload build, for every channel kind (and provider variant) in the registry."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench.report import Section, Table
from bench.samples import VARIANTS, notification_wire
from bench.stats import Sample, interleaved, median
from herald.adapters import registry
from herald.adapters.base import RenderContext
from herald.models.notification import Notification
from herald.transport.wire import OutboundRequest


def _builder(kind: str, config: dict[str, Any], method: str, notification: Notification) -> Callable[[], Any]:
    adapter = registry.get(kind)
    parsed = adapter.config_model.model_validate(config)
    build = getattr(adapter, method or "build_request")
    ctx = RenderContext(
        delivery_id="dlv_bench0000000000000000",
        attempt=1,
        now=datetime(2026, 11, 23, 8, 41, 9, tzinfo=UTC),
        sender_email="alerts@example.com",
    )
    # build_publish / build_voice_message take no context (the AWS SDK call needs none).
    if "ctx" in inspect.signature(build).parameters:
        return lambda: build(notification, parsed, ctx)
    return lambda: build(notification, parsed)


def _size(built: Any) -> int:
    if isinstance(built, OutboundRequest):
        return len(built.body) + len(built.url)
    return len(repr(built).encode())


def run(quick: bool) -> Section:
    typical_wire, long_wire = notification_wire(long=False), notification_wire(long=True)
    typical, long = Notification.model_validate(typical_wire), Notification.model_validate(long_wire)
    missing = sorted(set(registry.ADAPTERS) - {kind for kind, *_ in VARIANTS})
    if missing:
        raise RuntimeError(f"bench/samples.py has no config for kinds {missing}: add them")

    cases: dict[str, Callable[[], Any]] = {}
    sizes: dict[str, int] = {}
    for kind, variant, config, method in VARIANTS:
        for shape, notification in (("typical", typical), ("long", long)):
            build = _builder(kind, config, method, notification)
            sizes[f"{kind}/{variant}/{shape}"] = _size(build())
            cases[f"{kind}/{variant}/{shape}"] = build
    # What every attempt also pays before building: the stored notification read back into the model.
    cases["validate/typical"] = lambda: Notification.model_validate(typical_wire)
    cases["validate/long"] = lambda: Notification.model_validate(long_wire)

    started = time.monotonic()
    samples = interleaved(cases, repeats=5 if quick else 15, max_seconds=6 if quick else 25)
    elapsed = time.monotonic() - started

    def us(name: str) -> float:
        return samples[name].median * 1e6

    rows: list[list[Any]] = []
    raw: dict[str, Any] = {}
    for kind, variant, _, method in VARIANTS:
        base = f"{kind}/{variant}"
        t, lg = us(f"{base}/typical"), us(f"{base}/long")
        rows.append([kind, variant or "-", method or "build_request", t, lg, lg / t, sizes[f"{base}/long"]])
        raw[base] = _raw(samples, base) | {"long_bytes": sizes[f"{base}/long"]}
    t, lg = us("validate/typical"), us("validate/long")
    rows.append(["(Notification.model_validate)", "-", "per attempt", t, lg, lg / t, None])
    raw["validate"] = _raw(samples, "validate")
    noise = [sample.noise_pct for sample in samples.values() if sample.noise_pct == sample.noise_pct]
    repeats = len(next(iter(samples.values())).per_call)
    table = Table(
        "µs per call, median of interleaved repeats (each repeat times a ~5 ms batch of calls)",
        ["kind", "variant", "builder", "typical µs", "long µs", "long/typical", "long bytes"],
        rows,
        [
            "typical: 60-character body, 4 fields; long: 16 KiB body, 25 fields (the model's maxima).",
            f"{repeats} repeats per case in {elapsed:.1f} s; median quartile spread ±{median(noise):.0f}%.",
        ],
    )
    return Section("payloads", "3. Payload building (pure adapters)", [table], data=raw)


def _raw(samples: dict[str, Sample], base: str) -> dict[str, Any]:
    return {
        shape: {"median_us": samples[f"{base}/{shape}"].median * 1e6, "loops": samples[f"{base}/{shape}"].loops}
        for shape in ("typical", "long")
    }
