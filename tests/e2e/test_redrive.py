"""Issue 16 point 3 over the local stack: `make redrive` gives every delivery in the DLQ another round.

A stack of its own (the session stack's DLQ holds other suites' failures): a webhook receiver that
fails every try sends its delivery to the DLQ; the receiver heals; `make redrive` moves it back, and
it is delivered once, its log saying `redriven`, the DLQ empty.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.e2e.conftest import Receiver, Stack, start_stack, wait_until
from tests.e2e.helpers import Herald, header, run_make

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def own_stack(tmp_path) -> Iterator[Stack]:
    stack = start_stack(tmp_path)  # retry schedule 1,1,1: four tries, then failed
    try:
        stack.wait_ready()
        yield stack
    finally:
        if stack.interrupt() is None:
            stack.kill()


def in_dlq(stack: Stack) -> int:
    """Messages in the DLQ, visible or being handled."""
    sqs = stack.client("sqs")
    url = sqs.get_queue_url(QueueName="herald-local-DeadLetterQueue")["QueueUrl"]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


def test_a_failed_delivery_in_the_dlq_is_delivered_once_after_make_redrive(own_stack: Stack, receiver: Receiver):
    with requests.Session() as http:
        http.trust_env = False
        herald = Herald(own_stack, http)
        receiver.program(default=500)
        channel = herald.webhook(f"{receiver.url}/hook", secret=SECRET)
        delivery_id = herald.send([channel])["deliveries"][0]["deliveryId"]
        failed = herald.settled(delivery_id)
        assert wait_until(lambda: in_dlq(own_stack) == 1, 20), "the failed delivery left no message in the DLQ"
        tries = len(receiver.requests)

        receiver.program(default=200)  # the receiver heals
        redrive = run_make(own_stack, "redrive")
        delivered = herald.settled(delivery_id)
        again = run_make(own_stack, "redrive")

    assert (failed["status"], tries) == ("failed", 4)
    assert redrive.returncode == 0, redrive.stderr
    assert redrive.stdout.startswith("Redrove 1 deliveries; deleted 0 copies"), redrive.stdout
    assert delivered["status"] == "delivered", delivered
    statuses = [entry["status"] for entry in delivered["attempts"]]
    assert statuses == ["retrying", "retrying", "retrying", "failed", "redriven", "delivered"]
    assert len(receiver.requests) == tries + 1  # delivered once, with the same webhook-id as every try
    assert {header(request, "webhook-id") for request in receiver.requests} == {delivery_id}
    assert in_dlq(own_stack) == 0
    assert (again.returncode, again.stdout.split(";")[0]) == (0, "Redrove 0 deliveries"), again.stdout + again.stderr
