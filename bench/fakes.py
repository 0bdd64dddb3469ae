"""In-memory stand-ins for the AWS seams of the sender path, so a benchmark measures Herald's own cost.

Each class has the functions Herald's services call on one module (the channel repository, the delivery
repository, the queue, KMS), keeps its state in a dict and does what the real one does to that state:
a claim takes a lease and counts the attempt, a record releases it, a sealed config really is AES-GCM
with a data key KMS "wrapped". `in_memory_aws()` puts them in place of the modules' functions for the
duration of a `with` block. Benchmarks only: tests run against moto and the local stack.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from herald import crypto, secrets
from herald.channels import repository as channel_repository
from herald.channels import service as channel_service
from herald.delivery import queue as delivery_queue
from herald.delivery import repository as delivery_repository
from herald.delivery.log_width import FIRST_SHARDS
from herald.delivery.repository import ClaimRefused
from herald.models.delivery import Attempt, Delivery, QueueMessage


class FakeKms:
    """GenerateDataKey and Decrypt: a fresh random data key, unwrapped again by its "ciphertext"."""

    def __init__(self) -> None:
        self._keys: dict[bytes, bytes] = {}
        self.calls: Counter[str] = Counter()

    def generate_data_key(self, **_: Any) -> dict[str, bytes]:
        self.calls["GenerateDataKey"] += 1
        plain, wrapped = os.urandom(32), os.urandom(48)
        self._keys[wrapped] = plain
        return {"Plaintext": plain, "CiphertextBlob": wrapped}

    def decrypt(self, *, CiphertextBlob: bytes, **_: Any) -> dict[str, bytes]:  # noqa: N803 - boto3's name
        self.calls["Decrypt"] += 1
        return {"Plaintext": self._keys[bytes(CiphertextBlob)]}


class FakeChannels:
    """herald.channels.repository: put_new, get, get_many, get_keys (a sender batch's channels)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], channel_repository.ChannelItem] = {}

    def put_new(self, channel: channel_repository.ChannelItem) -> None:
        self.items[(channel.tenant_id, channel.id)] = channel

    def get(self, tenant_id: str, channel_id: str) -> channel_repository.ChannelItem | None:
        return self.items.get((tenant_id, channel_id))

    def get_many(self, tenant_id: str, channel_ids: list[str]) -> dict[str, channel_repository.ChannelItem]:
        return {cid: item for cid in channel_ids if (item := self.items.get((tenant_id, cid))) is not None}

    def get_keys(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], channel_repository.ChannelItem]:
        return {key: item for key in keys if (item := self.items.get(key)) is not None}


class FakeDeliveries:
    """herald.delivery.repository: new_shard, put_many, get, claim, record_attempt, mark_final, with the same
    leases; every tenant's log is a new tenant's width."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Delivery] = {}
        self._leases: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def new_shard(self, tenant_id: str, delivery_id: str) -> int:
        return delivery_repository.shard(delivery_id, FIRST_SHARDS)

    def put_many(
        self, deliveries: list[Delivery], *, leases: list[str] | None = None, lease_seconds: float = 0.0
    ) -> list[Delivery]:
        if leases is not None:  # written claimed, as the repository's put_many does
            deliveries = [dataclasses.replace(d, attempt_count=d.attempt_count + 1) for d in deliveries]
        with self._lock:
            self.items.update({(d.tenant_id, d.id): d for d in deliveries})
            self._leases.update(
                {(d.tenant_id, d.id): lease for d, lease in zip(deliveries, leases or (), strict=False)}
            )
        return deliveries

    def get(self, tenant_id: str, delivery_id: str, *, consistent: bool = False) -> Delivery | None:
        return self.items.get((tenant_id, delivery_id))

    def claim(self, tenant_id: str, delivery_id: str, lease_id: str, lease_seconds: float) -> Delivery:
        key = (tenant_id, delivery_id)
        with self._lock:
            current = self.items.get(key)
            if current is None:
                raise ClaimRefused(None)
            if current.status not in ("queued", "retrying") or key in self._leases:
                raise ClaimRefused(current, lease_seconds)
            claimed = dataclasses.replace(current, attempt_count=current.attempt_count + 1)
            self.items[key], self._leases[key] = claimed, lease_id
            return claimed

    def record_attempt(
        self,
        delivery: Delivery,
        lease_id: str | None,
        attempt: Attempt,
        *,
        status: str,
        code: str | None,
        provider_message_id: str | None,
        not_before: float | None,
    ) -> None:
        key = (delivery.tenant_id, delivery.id)
        with self._lock:
            if lease_id is not None and self._leases.pop(key, None) != lease_id:
                raise RuntimeError(f"{delivery.id}: recorded without holding its lease")
            current = self.items[key]
            self.items[key] = dataclasses.replace(
                current,
                status=status,
                code=code,
                error=attempt.error,
                attempts=(*current.attempts, attempt.to_wire()),
                provider_message_id=provider_message_id or current.provider_message_id,
                not_before=not_before,
                updated_at=attempt.time,
            )

    def mark_final(self, delivery: Delivery, status: str, code: str, error: str) -> None:
        key = (delivery.tenant_id, delivery.id)
        with self._lock:
            self.items[key] = dataclasses.replace(self.items[key], status=status, code=code, error=error)


class FakeQueue:
    """herald.delivery.queue: enqueue, delay, dead_letter; every message kept in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[QueueMessage, int]] = []
        self.delayed: list[tuple[str, int]] = []
        self.dead: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def enqueue(self, messages: list[QueueMessage], delay_seconds: int = 0) -> int:
        with self._lock:
            self.sent += [(message, delay_seconds) for message in messages]
        return (len(messages) + delivery_queue.SQS_BATCH - 1) // delivery_queue.SQS_BATCH

    def delay(self, receipt_handle: str, seconds: int) -> None:
        with self._lock:
            self.delayed.append((receipt_handle, seconds))

    def dead_letter(self, body: str, reason: str, attempt_count: int | None = None) -> None:
        with self._lock:
            self.dead.append((body, reason))


@dataclasses.dataclass
class InMemoryAws:
    kms: FakeKms
    channels: FakeChannels
    deliveries: FakeDeliveries
    queue: FakeQueue


@contextmanager
def in_memory_aws() -> Iterator[InMemoryAws]:
    """The fakes in place of the repositories', the queue's and KMS's functions until the block ends."""
    fakes = InMemoryAws(FakeKms(), FakeChannels(), FakeDeliveries(), FakeQueue())
    sealer = crypto.Crypto("alias/herald-bench", kms=fakes.kms)
    swaps: list[tuple[Any, str, Any]] = [
        (crypto, "get_crypto", lambda: sealer),
        (channel_service, "get_crypto", lambda: sealer),
        (secrets, "get_crypto", lambda: sealer),
        *[
            (channel_repository, name, getattr(fakes.channels, name))
            for name in ("put_new", "get", "get_many", "get_keys")
        ],
        *[
            (delivery_repository, name, getattr(fakes.deliveries, name))
            for name in ("new_shard", "put_many", "get", "claim", "record_attempt", "mark_final")
        ],
        *[(delivery_queue, name, getattr(fakes.queue, name)) for name in ("enqueue", "delay", "dead_letter")],
    ]
    with ExitStack() as restore:
        for module, name, fake in swaps:
            original = getattr(module, name)
            setattr(module, name, fake)
            restore.callback(setattr, module, name, original)
        yield fakes
