"""What Herald asks of AWS, counted with botocore's own event hooks on the clients Herald uses.

Scoped to a `with` block and to the clients given (bench/moto_stack.py's AwsCalls counts every client of
the process for as long as it lives, which suits a benchmark run, not a test among others)."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from typing import Any, Self

_ids = itertools.count()


def customer_clients(kind: str, config: dict[str, Any], tenant_id: str) -> list[Any]:
    """The client a cross-account channel (sns, eventbridge) of `tenant_id` sends through, made now (its role
    assumed, as the send will find it cached) so that AwsCalls can watch it; none for other kinds."""
    from herald import aws
    from herald.adapters import registry
    from herald.adapters.cross_account import CrossAccountConfig

    model = registry.get(kind).config_model
    if not issubclass(model, CrossAccountConfig):
        return []
    parsed = model.model_validate(config)
    service = "sns" if kind == "sns" else "events"
    return [aws.assumed_client(service, parsed.region, parsed.role(tenant_id))]  # type: ignore[attr-defined]


def herald_clients() -> list[Any]:
    """The process's cached DynamoDB, SQS and KMS clients (made now if they were not yet)."""
    from herald import aws, crypto, db

    return [db.table().client, aws.client("sqs"), crypto.get_crypto().kms]


def messaging_clients() -> list[Any]:
    """The cached clients of the AWS APIs that deliver (SES, SNS, End User Messaging SMS and Voice)."""
    from herald import aws
    from herald.adapters import aws_messaging

    return [aws.client(name) for name, _label in (aws_messaging.SES, aws_messaging.SNS, aws_messaging.SMS_VOICE)]


class AwsCalls:
    """Context manager: every call made through `clients` while inside, as `calls["dynamodb.UpdateItem"]`,
    the parameters each was asked with, and the DynamoDB items each index (None: the table) read: a
    Query's or Scan's ScannedCount, a BatchGetItem's or GetItem's items."""

    def __init__(self, clients: list[Any]) -> None:
        self.clients = clients
        self.calls: Counter[str] = Counter()
        self.items_read: Counter[str | None] = Counter()
        self.params: list[tuple[str, dict[str, Any]]] = []  # ("sesv2.SendEmail", its parameters), in order
        self._id = f"herald-calls-{next(_ids)}"
        self._lock = threading.Lock()  # the sender's threads call at the same moment

    def __enter__(self) -> Self:
        for client in self.clients:
            events = client.meta.events
            events.register("before-parameter-build", self._params, unique_id=f"{self._id}-params")
            events.register("before-call", self._before, unique_id=f"{self._id}-before")
            events.register("after-call", self._after, unique_id=f"{self._id}-after")
        return self

    def __exit__(self, *exc: object) -> None:
        for client in self.clients:
            events = client.meta.events
            events.unregister("before-parameter-build", unique_id=f"{self._id}-params")
            events.unregister("before-call", unique_id=f"{self._id}-before")
            events.unregister("after-call", unique_id=f"{self._id}-after")

    def _params(self, params: dict[str, Any], context: dict[str, Any], model: Any, **_: Any) -> None:
        context["herald_index"] = params.get("IndexName")
        with self._lock:
            self.params.append((f"{model.service_model.service_name}.{model.name}", dict(params)))

    def _before(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[f"{model.service_model.endpoint_prefix}.{model.name}"] += 1

    def _after(self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if model.name in ("Query", "Scan"):
            read = int(parsed.get("ScannedCount", 0))
        elif model.name == "BatchGetItem":
            read = sum(len(items) for items in parsed.get("Responses", {}).values())
        elif model.name == "GetItem":
            read = int("Item" in parsed)
        else:
            return
        with self._lock:
            self.items_read[context.get("herald_index")] += read

    def of(self, service: str) -> dict[str, int]:
        """The calls to one service, by operation."""
        return {name.split(".", 1)[1]: n for name, n in self.calls.items() if name.startswith(f"{service}.")}
