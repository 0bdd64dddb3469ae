"""Issue 13's proof: the local stack delivers to the receiver zoo and to real server software.

For each receiver: `/test` answers 200 (or 502 with the receiver's words); every queued delivery that got
a 2xx is `delivered` after one attempt, and arrived exactly once (counted by `webhook-id`, which is the
delivery id); after a reset or a hang-up, the next delivery succeeds on its first attempt. The stack runs
with HERALD_RETRY_SCHEDULE=1,1,1 and HERALD_EGRESS_ALLOW=127.0.0.1, and trusts the session's test CA
(HERALD_CA_BUNDLE) for `receiver.herald.test`, which its /etc/hosts maps to 127.0.0.1.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import TLS_NAME, wait_until
from tests.e2e.helpers import Herald
from tests.support.nginx import Nginx
from tests.support.pki import Pki
from tests.support.zoo import ERROR_WORDS, Behaviour, HttpServerProgram, ZooReceiver

pytestmark = pytest.mark.e2e

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
QUIET_SECONDS = 1.5  # after settling: time for a duplicate to show up if one were coming


def channel_for(herald: Herald, url: str) -> str:
    return herald.webhook(url, secret=SECRET)


def queue_and_settle(herald: Herald, channel: str, count: int, pause: float = 0.0) -> list[dict[str, Any]]:
    ids = []
    for _ in range(count):
        ids.append(herald.send([channel])["deliveries"][0]["deliveryId"])
        time.sleep(pause)
    return [herald.settled(delivery_id) for delivery_id in ids]


def assert_each_arrived_once(records: list[dict[str, Any]], counted: Callable[[], Counter[str]]) -> None:
    time.sleep(QUIET_SECONDS)
    counts = counted()
    assert {r["id"]: counts[r["id"]] for r in records} == {r["id"]: 1 for r in records}


@pytest.mark.parametrize(
    "behaviour",
    [
        Behaviour.HTTP10,
        Behaviour.CLOSE,
        Behaviour.IDLE,
        Behaviour.CONTINUE,
        Behaviour.CHUNKED,
        Behaviour.BIG,
        Behaviour.TRICKLE,
    ],
)
def test_a_2xx_receiver_gets_test_and_every_delivery_exactly_once(herald: Herald, behaviour: Behaviour):
    with ZooReceiver(behaviour) as receiver:
        channel = channel_for(herald, receiver.url())

        reply = herald.call("POST", f"/v1/channels/{channel}/test")
        # The idle receiver drops connections idle for 0.5 s: space the sends so each finds its one gone.
        records = queue_and_settle(herald, channel, 3, pause=1.0 if behaviour is Behaviour.IDLE else 0.0)

        assert reply.status_code == 200, reply.text
        assert [(r["status"], len(r["attempts"])) for r in records] == [("delivered", 1)] * 3
        assert_each_arrived_once(records, receiver.by_webhook_id)
        assert len(receiver.arrivals) == 4  # the test message and three deliveries, nothing more


@pytest.mark.parametrize("behaviour", [Behaviour.RESET, Behaviour.HANGUP])
def test_after_a_reset_or_hang_up_the_next_delivery_succeeds_on_its_first_attempt(herald: Herald, behaviour: Behaviour):
    # Request 1 (/test) succeeds; request 2, the first delivery's first attempt, is reset or hung up on.
    with ZooReceiver(behaviour, fail_on={2}) as receiver:
        channel = channel_for(herald, receiver.url())
        assert herald.call("POST", f"/v1/channels/{channel}/test").status_code == 200

        # One at a time, so that request 2 is the first delivery's first attempt.
        hit, *after = [queue_and_settle(herald, channel, 1)[0] for _ in range(3)]

        assert hit["status"] == "delivered"
        assert [a["status"] for a in hit["attempts"]] == ["retrying", "delivered"], hit["attempts"]
        assert "closed unexpectedly" in hit["attempts"][0]["error"]
        assert [(r["status"], len(r["attempts"])) for r in after] == [("delivered", 1)] * 2
        # The failed attempt reached the receiver; its retry is the only other copy.
        time.sleep(QUIET_SECONDS)
        counts = receiver.by_webhook_id()
        assert (counts[hit["id"]], counts[after[0]["id"]], counts[after[1]["id"]]) == (2, 1, 1)


def test_a_gzip_encoded_error_reaches_the_test_answer_in_the_receivers_words(herald: Herald):
    with ZooReceiver(Behaviour.GZIP_ERROR) as receiver:
        channel = channel_for(herald, receiver.url())

        reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 502, reply.text
    assert ERROR_WORDS in reply.json()["error"]


@pytest.mark.parametrize("behaviour", [Behaviour.MOVED, Behaviour.FOUND, Behaviour.TEMPORARY])
def test_a_redirect_fails_the_delivery_once_and_is_not_followed(herald: Herald, behaviour: Behaviour):
    with ZooReceiver(Behaviour.KEEPALIVE) as elsewhere, ZooReceiver(behaviour, redirect_to=elsewhere.url()) as receiver:
        channel = channel_for(herald, receiver.url())

        reply = herald.call("POST", f"/v1/channels/{channel}/test")
        [record] = queue_and_settle(herald, channel, 1)
        time.sleep(QUIET_SECONDS)

        assert reply.status_code == 502 and behaviour.value in reply.json()["error"]
        assert (record["status"], len(record["attempts"])) == ("failed", 1)
        assert (len(receiver.arrivals), len(elsewhere.arrivals)) == (2, 0)


def test_the_readme_tour_with_python_http_server_as_it_ships(herald: Herald):
    # README: "python3 -m http.server 8000 ... /test  # 200, or 502 with the receiver's words" (501 to POST).
    with HttpServerProgram() as server:
        channel = channel_for(herald, server.url())

        reply = herald.call("POST", f"/v1/channels/{channel}/test")
        [record] = queue_and_settle(herald, channel, 1)

        assert reply.status_code == 502, reply.text
        assert "returned 501" in reply.json()["error"] and "Unsupported method" in reply.json()["error"]
        # 501 is a server error, so retried on the schedule: one request per attempt, none lost on the way.
        assert (record["status"], record["code"], len(record["attempts"])) == ("failed", "attempts_exhausted", 4)
        assert {a["httpStatus"] for a in record["attempts"]} == {501}
        assert wait_until(lambda: len(server.request_lines()) == 5, 5), server.request_lines()


@pytest.mark.nginx
@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_nginx_with_two_requests_per_connection_gets_every_delivery_once(
    herald: Herald, tmp_path: Path, test_ca: Pki, tls: bool
):
    with Nginx(tmp_path, pki=test_ca if tls else None, keepalive_requests=2, keepalive_timeout="1s") as nginx:
        url = nginx.url("/hook", host=TLS_NAME) if tls else nginx.url("/hook")
        channel = channel_for(herald, url)

        reply = herald.call("POST", f"/v1/channels/{channel}/test")
        records = queue_and_settle(herald, channel, 5)
        time.sleep(1.5)  # nginx closes a kept connection idle for 1 s: the next send must not trip on it
        records += queue_and_settle(herald, channel, 1)
        time.sleep(QUIET_SECONDS)
        logged = nginx.wait_for_requests(7)

        assert reply.status_code == 200, reply.text
        assert [(r["status"], len(r["attempts"])) for r in records] == [("delivered", 1)] * 6
        counts = Counter(entry["webhook_id"] for entry in logged)
        assert {r["id"]: counts[r["id"]] for r in records} == {r["id"]: 1 for r in records}
        assert len(logged) == 7 and {entry["status"] for entry in logged} == {200}
        assert {entry["scheme"] for entry in logged} == {"https" if tls else "http"}
