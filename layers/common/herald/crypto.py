"""Envelope encryption with KMS: the only module that talks to KMS.

A KMS data key (AES-256) is generated per sealed object under the Herald key, with an encryption
context naming the tenant and the object; the object is sealed with AES-GCM using the same context
as associated data. A ciphertext copied to another item or tenant therefore fails to open.
Envelope rather than KMS Encrypt directly: configs may exceed KMS's 4 KiB plaintext limit.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from herald import aws
from herald.errors import DecryptionFailed
from herald.settings import get_settings

_VERSION = 1
_NONCE_BYTES = 12
WARM_AT_ONCE = 10  # KMS calls in flight when a page's data keys are unwrapped together


def context_for(tenant_id: str, object_id: str) -> dict[str, str]:
    return {"tenant": tenant_id, "object": object_id}


def _aad(context: Mapping[str, str]) -> bytes:
    return json.dumps(dict(sorted(context.items())), separators=(",", ":")).encode()


def _split(blob: bytes) -> tuple[bytes, bytes, bytes]:
    """A sealed blob's wrapped data key, nonce and ciphertext. Raises DecryptionFailed."""
    try:
        if blob[0] != _VERSION:
            raise DecryptionFailed("Unknown ciphertext version.")
        size = int.from_bytes(blob[1:3], "big")
        return blob[3 : 3 + size], blob[3 + size : 3 + size + _NONCE_BYTES], blob[3 + size + _NONCE_BYTES :]
    except IndexError as exc:
        raise DecryptionFailed("Ciphertext is truncated.") from exc


class _TtlCache[K, V]:
    """Values by key for `ttl_seconds`, the `max_entries` last used: plain data keys by (wrapped key, context),
    so a burst of sends costs one KMS call, not one each; and what sealed blobs open to."""

    def __init__(self, ttl_seconds: float = 300.0, max_entries: int = 512) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[K, threading.Lock] = {}

    def get(self, key: K) -> V | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None or hit[0] < time.monotonic():
                self._items.pop(key, None)
                return None
            self._items.move_to_end(key)
            return hit[1]

    def get_or_load(self, key: K, load: Callable[[], V]) -> V:
        """The cached value, or `load()`'s: loaded once however many threads miss it at the same moment
        (a sender batch of ten deliveries to one channel is one KMS call, not up to ten)."""
        hit = self.get(key)
        if hit is not None:
            return hit
        with self._lock:
            loading = self._loading.setdefault(key, threading.Lock())
        try:
            with loading:
                hit = self.get(key)
                if hit is None:
                    hit = load()
                    self.put(key, hit)
        finally:  # a load that raised leaves nothing behind either
            with self._lock:
                self._loading.pop(key, None)
        return hit

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + self._ttl, value)
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)


class Crypto:
    """Seal and open small documents under a KMS key, bound to an encryption context."""

    def __init__(self, key_id: str, kms: Any = None, cache_ttl_seconds: float = 300.0) -> None:
        self._key_id = key_id
        self._kms = kms
        self._cache: _TtlCache[tuple[bytes, bytes], bytes] = _TtlCache(cache_ttl_seconds)
        self._opened: _TtlCache[tuple[bytes, frozenset[tuple[str, str]], Callable[[Any], Any]], Any] = _TtlCache(
            cache_ttl_seconds
        )
        self.kms_calls = 0

    @property
    def kms(self) -> Any:
        if self._kms is None:
            self._kms = aws.client("kms")
        return self._kms

    def seal(self, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        """Encrypt; the result is one opaque blob to store as is."""
        self.kms_calls += 1
        data_key = self.kms.generate_data_key(KeyId=self._key_id, KeySpec="AES_256", EncryptionContext=dict(context))
        wrapped: bytes = data_key["CiphertextBlob"]
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(data_key["Plaintext"]).encrypt(nonce, plaintext, _aad(context))
        self._cache.put((wrapped, _aad(context)), data_key["Plaintext"])
        return bytes([_VERSION]) + len(wrapped).to_bytes(2, "big") + wrapped + nonce + sealed

    def open(self, blob: bytes, context: Mapping[str, str]) -> bytes:
        """Decrypt a blob made by `seal` with the same context. Raises DecryptionFailed otherwise."""
        wrapped, nonce, sealed = _split(blob)
        aad = _aad(context)
        plain_key = self._data_key(wrapped, context, aad)
        try:
            return AESGCM(plain_key).decrypt(nonce, sealed, aad)
        except InvalidTag as exc:
            raise DecryptionFailed("The stored secret could not be decrypted for this object.") from exc

    def _data_key(self, wrapped: bytes, context: Mapping[str, str], aad: bytes) -> bytes:
        def unwrap() -> bytes:
            try:
                self.kms_calls += 1
                plain: bytes = self.kms.decrypt(CiphertextBlob=wrapped, EncryptionContext=dict(context))["Plaintext"]
            except ClientError as exc:
                raise DecryptionFailed("The stored secret could not be decrypted for this object.") from exc
            return plain

        return self._cache.get_or_load((wrapped, aad), unwrap)

    def warm(self, blobs: Iterable[tuple[bytes, Mapping[str, str]]]) -> None:
        """Unwrap the data keys of several blobs at once, up to WARM_AT_ONCE KMS calls in flight: a page of
        channels on a new container waits about one KMS round trip per WARM_AT_ONCE keys, not one per channel.
        Keys already cached cost nothing; a key that cannot be unwrapped is left for `open` to report."""
        missing = []
        for blob, context in blobs:
            try:
                wrapped, _, _ = _split(blob)
            except DecryptionFailed:
                continue
            aad = _aad(context)
            if self._cache.get((wrapped, aad)) is None:
                missing.append((wrapped, context, aad))
        if len(missing) < 2:
            return

        def unwrap(key: tuple[bytes, Mapping[str, str], bytes]) -> None:
            with contextlib.suppress(DecryptionFailed, BotoCoreError, ClientError):
                self._data_key(*key)

        with ThreadPoolExecutor(max_workers=min(WARM_AT_ONCE, len(missing))) as pool:
            list(pool.map(unwrap, missing))

    def seal_json(self, document: Any, context: Mapping[str, str]) -> bytes:
        return self.seal(json.dumps(document, separators=(",", ":")).encode(), context)

    def open_json(self, blob: bytes, context: Mapping[str, str]) -> Any:
        return json.loads(self.open(blob, context))

    def open_as[T](self, blob: bytes, context: Mapping[str, str], read: Callable[[Any], T]) -> T:
        """`read(open_json(blob, context))`, kept as long as a data key is: a sender sending to a channel again
        and again opens and validates its config once, not at every delivery (bench 8: ~60 µs each).

        `read` must return an immutable value and be the same object at every call (it is part of the key);
        what it raises is not kept. The key is the blob itself, so a channel changed since is read anew.
        """
        key = (blob, frozenset(context.items()), read)
        return self._opened.get_or_load(key, lambda: read(self.open_json(blob, context)))


@cache
def get_crypto() -> Crypto:
    return Crypto(get_settings().kms_key_id)
