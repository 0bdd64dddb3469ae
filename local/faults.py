"""AWS calls that fail on purpose: the reliability tests' way to break DynamoDB and SQS under Herald.

A botocore `before-call` hook raises, for a chosen share of calls, the error the service itself sends
when it is overloaded (HTTP 503 `ServiceUnavailable`, or `code`: DynamoDB's 400 `ThrottlingException`).
It fires before the request leaves, so a failed call changed nothing on the service side: the failure
Herald sees is the one AWS documents for throttling and outages. (A response lost after the service
applied the write is not injected.)

In-process: `FaultInjector({"dynamodb": 0.2}).attach(client)`. In the local stack's emulated Lambdas:
`HERALD_LOCAL_FAULTS="dynamodb=0.2,sqs.ChangeMessageVisibility=0.5,seed=7"` attaches one injector to
every client the function creates (see local.worker); `limit=N` stops it after N faults per process.
Keys are a service (`dynamodb`) or a service and operation (`sqs.SendMessageBatch`); the more specific
one wins. Injected faults are counted by operation and, with HERALD_LOCAL_FAULTS_LOG=path, appended
there as JSON lines for the test to read.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError


class FaultInjector:
    """Fails `shares[service or service.Operation]` of the calls made through the clients it is attached to."""

    def __init__(
        self,
        shares: Mapping[str, float],
        *,
        seed: int | None = None,
        limit: int | None = None,
        log: Path | None = None,
        code: str = "ServiceUnavailable",
    ) -> None:
        self.shares = dict(shares)
        self.code = code  # the error AWS answers with: 503 ServiceUnavailable, or 400 ThrottlingException
        self.limit = limit
        self.injected: Counter[str] = Counter()
        self._random = random.Random(seed)  # noqa: S311 - which calls fail, not a secret
        self._lock = threading.Lock()
        self._log = log

    def attach(self, client: Any) -> None:
        # First: the fault pre-empts any other before-call handler (botocore stubs, caches).
        client.meta.events.register_first("before-call", self._before_call)

    def _share(self, service: str, operation: str) -> float:
        return self.shares.get(f"{service}.{operation}", self.shares.get(service, 0.0))

    def _before_call(self, model: Any, **_: Any) -> None:
        service, operation = model.service_model.service_name, model.name
        share = self._share(service, operation)
        if not share:
            return
        with self._lock:
            if self.limit is not None and sum(self.injected.values()) >= self.limit:
                return
            if self._random.random() >= share:
                return
            self.injected[f"{service}.{operation}"] += 1
        if self._log is not None:
            with self._log.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"service": service, "operation": operation}) + "\n")
        raise ClientError(
            {
                "Error": {"Code": self.code, "Message": "Injected fault (local.faults)"},
                "ResponseMetadata": {"HTTPStatusCode": 503 if self.code == "ServiceUnavailable" else 400},
            },
            operation,
        )


def parse(spec: str) -> tuple[dict[str, float], int | None, int | None]:
    """`"dynamodb=0.2,sqs.SendMessageBatch=1,seed=7,limit=3"` → ({...}, 7, 3). Raises ValueError."""
    shares: dict[str, float] = {}
    options: dict[str, int] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"HERALD_LOCAL_FAULTS: '{part}' is not name=value")
        if name.strip() in ("seed", "limit"):
            options[name.strip()] = int(value)
            continue
        share = float(value)
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"HERALD_LOCAL_FAULTS: the share for {name} must be between 0 and 1")
        shares[name.strip()] = share
    return shares, options.get("seed"), options.get("limit")


def install(spec: str, log: str = "") -> FaultInjector | None:
    """Attach one injector to every botocore client created from now on in this process."""
    shares, seed, limit = parse(spec)
    if not shares:
        return None
    import botocore.session

    injector = FaultInjector(shares, seed=seed, limit=limit, log=Path(log) if log else None)
    create_client = botocore.session.Session.create_client

    def create_client_with_faults(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = create_client(self, *args, **kwargs)
        injector.attach(client)
        return client

    botocore.session.Session.create_client = create_client_with_faults  # type: ignore[method-assign]
    return injector
