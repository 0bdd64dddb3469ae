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
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

from tests.e2e.conftest import Stack, running_stack

_TICK = os.sysconf("SC_CLK_TCK")


def _role(arguments: str) -> str | None:
    if "local.moto_server" in arguments:
        return "moto"
    if "--logical-id" in arguments:
        return arguments.split("--logical-id ")[1].split(maxsplit=1)[0].removesuffix("Function")
    if arguments.endswith("-m local"):
        return "stack"
    return None


def cpu_seconds() -> dict[str, float]:
    """CPU time (user + system) of each of the stack's processes, summed by role."""
    listing = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True, check=True).stdout
    seconds: dict[str, float] = {}
    for line in listing.splitlines():
        pid, _, arguments = line.strip().partition(" ")
        if (role := _role(arguments.strip())) is None:
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        seconds[role] = seconds.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / _TICK
    return seconds


def measure(call: Callable[[], requests.Response], runs: int) -> tuple[float, dict[str, float]]:
    """Median latency (ms) and CPU ms per request by role (the client's own included)."""
    call()
    before, client, latencies = cpu_seconds(), time.process_time(), []
    for _ in range(runs):
        started = time.perf_counter()
        answer = call()
        latencies.append((time.perf_counter() - started) * 1000)
        if answer.status_code >= 300:
            raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")
    after = cpu_seconds()
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
            latency, spent = measure(call, args.runs)
            parts = ", ".join(f"{role} {ms:.1f}" for role, ms in sorted(spent.items(), key=lambda kv: -kv[1]))
            print(f"{operation:16s} median {latency:6.1f} ms | CPU {sum(spent.values()):6.1f} ms: {parts}")


if __name__ == "__main__":
    main()
