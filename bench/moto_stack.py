"""template.yaml's resources inside moto's in-process `mock_aws`, and a counter of the AWS calls Herald makes.

The resources come from local/provision.py (the local stack's own CloudFormation emulation), so the table,
queues and key are exactly what the template declares. Only used inside the bench's AWS child process.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.handlers
from moto import mock_aws

from herald import aws, crypto, settings
from herald.delivery import log_width
from herald.transport import http
from local import provision
from local import template as cfn
from local.api_key import environment_from_outputs
from local.constants import DUMMY_CREDENTIALS, REGION
from local.deployment import Deployment


def forget_process_state() -> None:
    """Drop every cached setting, client, data key and pooled connection: the next call starts cold."""
    settings.get_settings.cache_clear()
    aws.reset()
    crypto.get_crypto.cache_clear()
    http.get_session.cache_clear()
    log_width.forget()


@contextmanager
def herald_on_moto(parameters: dict[str, str] | None = None) -> Iterator[Deployment]:
    """Deploy template.yaml into mock_aws and point Herald's settings at it for the duration."""
    saved = dict(os.environ)
    os.environ.update(
        {
            **DUMMY_CREDENTIALS,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    try:
        with mock_aws():
            template = cfn.load(parameter_overrides=parameters or {})
            deployment = provision.deploy(template, provision.Aws(None))
            # The functions' environment, and the usage plan that minting an API key needs (as in the tests).
            outputs = provision.resolve_outputs(deployment)
            os.environ.update({**deployment.environment(), **environment_from_outputs(outputs, "template.yaml")})
            forget_process_state()
            yield deployment
    finally:
        os.environ.clear()
        os.environ.update(saved)
        forget_process_state()


class AwsCalls:
    """Counts AWS API calls (`service.Operation`), the seconds spent in them (summed over threads) and the
    boto3 clients created (`new-client.service`).

    The hooks go into botocore's built-in handlers, as moto installs its own, so every client created
    afterwards is counted - including clients that threads create at the same moment.
    """

    SECONDS = "seconds"  # key of the time spent in calls, in microseconds
    NEW_CLIENT = "new-client."
    READ = "items-read"  # items (or index keys) that DynamoDB Query and BatchGetItem calls answered

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        botocore.handlers.BUILTIN_HANDLERS.extend(
            [("before-call", self._before), ("after-call", self._after), ("creating-client-class", self._created)]
        )

    def _before(self, **kwargs: Any) -> None:
        model = kwargs["model"]
        # botocore hands the same request context to both hooks of one call, whatever the thread.
        kwargs["context"]["herald_bench_started"] = time.perf_counter()
        with self._lock:
            self._counts[f"{model.service_model.service_name}.{model.name}"] += 1

    def _after(self, **kwargs: Any) -> None:
        started = kwargs["context"].pop("herald_bench_started", None)
        parsed, name = kwargs.get("parsed") or {}, kwargs["model"].name
        read = int(parsed.get("Count", 0)) if name == "Query" else 0
        if name == "BatchGetItem":
            read = sum(len(items) for items in parsed.get("Responses", {}).values())
        with self._lock:
            if started is not None:
                self._counts[self.SECONDS] += int((time.perf_counter() - started) * 1e6)
            self._counts[self.READ] += read

    def _created(self, **kwargs: Any) -> None:
        service = str(kwargs.get("event_name", "")).rpartition(".")[2]
        with self._lock:
            self._counts[f"{self.NEW_CLIENT}{service}"] += 1

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self._counts)

    @classmethod
    def seconds(cls, calls: Counter[str]) -> float:
        return calls[cls.SECONDS] / 1e6

    @classmethod
    def clients(cls, calls: Counter[str]) -> int:
        return sum(count for name, count in calls.items() if name.startswith(cls.NEW_CLIENT))

    @staticmethod
    def by_service(calls: Counter[str], service: str) -> int:
        return sum(count for name, count in calls.items() if name.startswith(f"{service}."))

    @classmethod
    def api_calls(cls, calls: Counter[str]) -> dict[str, int]:
        return {
            name: count
            for name, count in calls.items()
            if name not in (cls.SECONDS, cls.READ) and not name.startswith(cls.NEW_CLIENT)
        }
