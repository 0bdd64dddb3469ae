"""Where the local API's time goes: CPU per request, by process, for each operation of the load mix.

`python -m bench.api_cpu [--channels 300] [--runs 40] [--log 0]` starts a private local stack, gives its
tenant `--channels` channels (list pages and their index scans grow with them) and `--log` deliveries in
its log (written straight to the emulator's table, as a send writes them), then sends `--runs` requests of
each operation of tests/e2e/test_load.py's mix one after another, and reads each process's CPU time from
/proc before and after: the gateway (`stack`), the AWS emulator (`moto`), each function's containers, and
this client. CPU time, unlike latency, hardly moves when other work shares the machine, so the figures
say what one request costs and what rate two cores can hold at best (docs/RELIABILITY.md, "Load").
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

from tests.e2e.conftest import Stack, running_stack


def measure(stack: Stack, call: Callable[[], requests.Response], runs: int) -> tuple[float, dict[str, float]]:
    """Median latency (ms) and CPU ms per request by role (the client's own included)."""
    call()
    before, client, latencies = stack.cpu_seconds(), time.process_time(), []
    for _ in range(runs):
        started = time.perf_counter()
        answer = call()
        latencies.append((time.perf_counter() - started) * 1000)
        if answer.status_code >= 300:
            raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")
    after = stack.cpu_seconds()
    spent = {role: (after[role] - before.get(role, 0.0)) * 1000 / runs for role in after}
    spent["client"] = (time.process_time() - client) * 1000 / runs
    return statistics.median(latencies), {role: ms for role, ms in spent.items() if ms > 0.05}


def _seed_log(stack: Stack, tenant: str, channel: str, count: int) -> None:
    """`count` queued deliveries of `channel` in the stack's table, the items a send writes."""
    from herald.delivery import repository, service, usecases

    notification = usecases.test_notification("ntfy")
    table = stack.resource("dynamodb").Table(stack.outputs["TableName"])
    with table.batch_writer() as batch:
        for _ in range(count):
            batch.put_item(Item=repository.to_item(service.new_delivery(tenant, channel, "ntfy", notification)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channels", type=int, default=300)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--log", type=int, default=0, help="deliveries in the tenant's log")
    args = parser.parse_args()
    with running_stack(Path(tempfile.mkdtemp()), HERALD_LOCAL_CONTAINERS="2") as stack:
        http, base, headers = requests.Session(), stack.base_url, {"x-api-key": stack.admin_key}

        def create(topic: str) -> requests.Response:
            body = {"name": "cpu", "kind": "ntfy", "config": {"topic": topic}}
            return http.post(f"{base}/v1/channels", json=body, headers=headers, timeout=30)

        channel = ""
        for number in range(args.channels):
            channel = create(f"cpu-{number}").json()["id"]
        tenant = http.get(f"{base}/v1/whoami", headers=headers, timeout=30).json()["tenantId"]
        _seed_log(stack, tenant, channel, args.log)
        mix: dict[str, Callable[[], requests.Response]] = {
            "read channel": lambda: http.get(f"{base}/v1/channels/{channel}", headers=headers, timeout=30),
            "list channels": lambda: http.get(f"{base}/v1/channels?limit=20", headers=headers, timeout=30),
            "list deliveries": lambda: http.get(f"{base}/v1/deliveries?limit=20", headers=headers, timeout=30),
            "create channel": lambda: create("cpu-more"),
            "rename channel": lambda: http.patch(
                f"{base}/v1/channels/{channel}", json={"name": "renamed"}, headers=headers, timeout=30
            ),
        }
        print(f"{args.channels} channels, {args.log} deliveries, {args.runs} requests each; CPU ms per request")
        for operation, call in mix.items():
            latency, spent = measure(stack, call, args.runs)
            parts = ", ".join(f"{role} {ms:.1f}" for role, ms in sorted(spent.items(), key=lambda kv: -kv[1]))
            print(f"{operation:16s} median {latency:6.1f} ms | CPU {sum(spent.values()):6.1f} ms: {parts}")


if __name__ == "__main__":
    main()
