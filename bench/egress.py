"""Benchmark 4: EgressPolicy.check_url throughput on allowed and hostile URLs (no DNS: the static check)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.report import Section, Table
from bench.stats import interleaved
from herald.errors import ForbiddenTarget
from herald.transport.egress import EgressPolicy

ALLOWED = [
    "https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "https://discord.com/api/webhooks/123456789012345678/abcDEF_ghi-JKL",
    "https://prod-01.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=x",
    "https://events.pagerduty.com/v2/enqueue",
    "https://api.eu.opsgenie.com/v2/alerts",
    "https://hooks.example.com/ingest/7f9c?tenant=acme&sig=abc#frag",
    "https://bücher.example/hook/ü?q=ä",
    "https://8.8.8.8/hook",
    "https://[2606:4700:4700::1111]/hook",
    "https://api.telegram.org/bot123456:ABC/sendMessage",
    "https://ntfy.sh/herald-alerts",
]
# Near the 2,048-character limit: the per-character checks make this the costliest URL that passes.
LONG = ["https://hooks.example.com/" + "a" * 1900 + "?sig=x"]

HOSTILE = [
    "https://localhost/hook",
    "https://api.localhost/hook",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://0.0.0.0/hook",
    "https://127.0.0.1/hook",
    "https://127.1/hook",
    "https://2130706433/hook",
    "https://0x7f000001/hook",
    "https://0177.0.0.1/hook",
    "https://10.0.0.1/hook",
    "https://172.16.5.4/hook",
    "https://192.168.1.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/hook",
    "https://[::1]/hook",
    "https://[fe80::1]/hook",
    "https://[fd12:3456:789a::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[64:ff9b::a9fe:a9fe]/hook",
    "https://[2002:7f00:1::]/hook",
    "https://hooks.slack.com@127.0.0.1/hook",
    "https://%6c%6f%63%61%6c%68%6f%73%74/hook",
    "https://127。0。0。1/hook",
    "https://ｌｏｃａｌｈｏｓｔ/hook",
    "https:\\\\127.0.0.1\\hook",
    "http://hooks.slack.com/services/T/B/X",
    "file:///etc/passwd",
    "https:///nohost",
    "not a url",
    "https://example.com/" + "a" * 2100,
]

OPERATOR_ALLOW = ("10.0.0.0/8", "192.168.0.0/16", "fd00::/8", "hooks.internal.example")


def _checker(policy: EgressPolicy, urls: list[str]) -> Callable[[], int]:
    check = policy.check_url

    def run() -> int:
        refused = 0
        for url in urls:
            try:
                check(url)
            except ForbiddenTarget:
                refused += 1
        return refused

    return run


def _verify(policy: EgressPolicy) -> None:
    """The figures mean nothing if the lists are not what they claim to be."""
    wrongly_refused = [url[:60] for url in ALLOWED + LONG if _checker(policy, [url])()]
    wrongly_allowed = [url[:60] for url in HOSTILE if not _checker(policy, [url])()]
    if wrongly_refused or wrongly_allowed:
        raise RuntimeError(f"egress lists are off: refused {wrongly_refused}, allowed {wrongly_allowed}")


def run(quick: bool) -> Section:
    strict = EgressPolicy(())
    operator = EgressPolicy(OPERATOR_ALLOW)
    _verify(strict)
    mix = ALLOWED + LONG + HOSTILE
    lists = {"allowed": ALLOWED, "hostile": HOSTILE, "long allowed": LONG, "mix": mix}
    cases = {
        f"{policy_name}/{list_name}": _checker(policy, urls)
        for policy_name, policy in (("no allow-list", strict), ("4-entry allow-list", operator))
        for list_name, urls in lists.items()
    }
    samples = interleaved(cases, repeats=5 if quick else 15, max_seconds=4 if quick else 12)
    rows: list[list[Any]] = []
    raw: dict[str, Any] = {}
    for name, sample in samples.items():
        policy_name, list_name = name.split("/")
        per_url = sample.median / len(lists[list_name])
        rows.append([policy_name, list_name, len(lists[list_name]), per_url * 1e6, 1 / per_url])
        raw[name] = {"us_per_url": per_url * 1e6, "urls_per_second": 1 / per_url}
    hostile_ratio = raw["no allow-list/hostile"]["us_per_url"] / raw["no allow-list/allowed"]["us_per_url"]
    allow_ratio = raw["4-entry allow-list/mix"]["us_per_url"] / raw["no allow-list/mix"]["us_per_url"]
    table = Table(
        "check_url, µs per URL (median of interleaved repeats)",
        ["policy", "URLs", "count", "µs/URL", "URLs/s"],
        rows,
        [
            f"hostile/allowed cost ratio {hostile_ratio:.2f}; allow-list/no allow-list on the mix {allow_ratio:.2f}.",
            "hostile: disguised loopback/private/metadata addresses, reserved names, userinfo tricks, non-https.",
        ],
    )
    raw["hostile_over_allowed"] = hostile_ratio
    raw["allowlist_over_strict"] = allow_ratio
    return Section("egress", "4. Egress guard (EgressPolicy.check_url)", [table], data=raw)
