"""moto_server, with DynamoDB's writes made atomic as they are in AWS.

moto's server answers each request on its own thread, and its DynamoDB backend reads, checks the
condition and writes an item without a lock: two conditional updates racing on one item can both
succeed, which DynamoDB never allows. Herald's claim of a delivery (and every other conditional write)
depends on that guarantee, so the local stack runs moto with one lock around DynamoDB's item writes.

In front of moto sits what it lacks and a user would try: SMS and Voice v2's SendVoiceMessage (local.sms_voice).
"""

from __future__ import annotations

import functools
import sys
import threading
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import main

from local import sms_voice

_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")


def make_writes_atomic() -> None:
    lock = threading.RLock()
    for name in _WRITES:
        original = getattr(DynamoDBBackend, name)

        @functools.wraps(original)
        def locked(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        setattr(DynamoDBBackend, name, locked)


def answer_sms_voice() -> None:
    moto_call = DomainDispatcherApplication.__call__

    def call(self: DomainDispatcherApplication, environ: dict[str, Any], start_response: Any) -> Any:
        if sms_voice.handles(environ):
            return sms_voice.app(environ, start_response)
        return moto_call(self, environ, start_response)

    DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign]


if __name__ == "__main__":
    make_writes_atomic()
    answer_sms_voice()
    sys.exit(main(sys.argv[1:]))
