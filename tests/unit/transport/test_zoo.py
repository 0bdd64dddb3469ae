"""The guarded session against the receiver zoo: receivers that close, reset, hang up, time out idle
connections, speak HTTP/1.0, answer `100 Continue`, chunk, gzip, send 5 MB, trickle and redirect.

Each request carries its own `webhook-id`, so "sent exactly once" is counted at the receiver.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from herald.errors import RetryableDeliveryError
from herald.settings import Settings
from herald.transport import classify
from herald.transport.egress import EgressPolicy
from herald.transport.http import MAX_RESPONSE_BYTES, GuardedSession, session_from_settings
from herald.transport.wire import HttpResponse, OutboundRequest
from tests.support.pki import make_pki
from tests.support.zoo import ERROR_WORDS, OK_BODY, Behaviour, HttpServerProgram, ZooReceiver
from tests.unit.transport.receiver import Receiver

pytestmark = pytest.mark.timeout(60)

LOOPBACK = EgressPolicy(["127.0.0.1"])


@pytest.fixture
def session() -> Iterator[GuardedSession]:
    with GuardedSession(LOOPBACK, deadline=10.0) as guarded:
        yield guarded


def post(session: GuardedSession, url: str, number: int) -> HttpResponse:
    return session.send(OutboundRequest.json("POST", url, {"n": number}, {"webhook-id": f"msg_{number}"}))


@pytest.mark.parametrize(
    "behaviour",
    [
        Behaviour.HTTP10,
        Behaviour.CLOSE,
        Behaviour.KEEPALIVE,
        Behaviour.CONTINUE,
        Behaviour.CHUNKED,
        Behaviour.TRICKLE,
    ],
)
def test_every_send_to_a_2xx_receiver_succeeds_and_arrives_exactly_once(behaviour, session):
    with ZooReceiver(behaviour) as receiver:
        replies = [post(session, receiver.url(), n) for n in range(1, 5)]

        assert [r.status for r in replies] == [200] * 4
        assert {r.body for r in replies} == {b"x" * 200 if behaviour is Behaviour.TRICKLE else OK_BODY}
        assert receiver.by_webhook_id() == {f"msg_{n}": 1 for n in range(1, 5)}
        assert [a.json() for a in receiver.arrivals] == [{"n": n} for n in range(1, 5)]


@pytest.mark.parametrize("behaviour", [Behaviour.HTTP10, Behaviour.CLOSE])
def test_a_receiver_that_closes_after_each_answer_gets_a_new_connection_each_time(behaviour, session):
    with ZooReceiver(behaviour) as receiver:
        for n in range(1, 4):
            post(session, receiver.url(), n)

        assert receiver.connections == 3


def test_a_keep_alive_receiver_gets_one_connection_for_many_sends(session):
    with ZooReceiver(Behaviour.KEEPALIVE) as receiver:
        for n in range(1, 6):
            post(session, receiver.url(), n)

        assert receiver.connections == 1


def test_connections_the_receiver_timed_out_while_idle_are_not_used_again(session):
    with ZooReceiver(Behaviour.IDLE) as receiver:
        replies = []
        for n in range(1, 4):
            replies.append(post(session, receiver.url(), n))
            time.sleep(1.0)  # twice the receiver's 0.5 s idle timeout

        assert [r.status for r in replies] == [200] * 3
        assert receiver.by_webhook_id() == {"msg_1": 1, "msg_2": 1, "msg_3": 1}
        assert receiver.connections == 3


def test_a_5_mb_answer_is_read_up_to_the_cap_and_its_connection_not_reused(session):
    with ZooReceiver(Behaviour.BIG) as receiver:
        first, second = post(session, receiver.url(), 1), post(session, receiver.url(), 2)

        assert (first.status, len(first.body), second.status) == (200, MAX_RESPONSE_BYTES, 200)
        assert receiver.by_webhook_id() == {"msg_1": 1, "msg_2": 1}
        assert receiver.connections == 2


@pytest.mark.parametrize("behaviour", [Behaviour.RESET, Behaviour.HANGUP])
@pytest.mark.parametrize("failing", [1, 2], ids=["on-a-new-connection", "on-a-kept-connection"])
def test_a_reset_or_hang_up_fails_that_send_only_and_is_never_sent_again(behaviour, failing, session):
    with ZooReceiver(behaviour, fail_on={failing}) as receiver:
        outcomes: list[int | str] = []
        for n in range(1, 5):
            try:
                outcomes.append(post(session, receiver.url(), n).status)
            except RetryableDeliveryError as exc:
                outcomes.append(exc.code)

        expected: list[int | str] = [200] * 4
        expected[failing - 1] = "connection_reset"
        assert outcomes == expected
        # The failed request reached the receiver once and was not repeated; the next ones went through.
        assert receiver.by_webhook_id() == {f"msg_{n}": 1 for n in range(1, 5)}


def test_a_gzip_encoded_error_is_decoded_and_its_words_reach_the_error(session):
    with ZooReceiver(Behaviour.GZIP_ERROR) as receiver:
        reply = post(session, receiver.url(), 1)

    error = classify.failure("Webhook", reply)
    assert reply.status == 500
    assert ERROR_WORDS in error.message and error.retryable


@pytest.mark.parametrize("behaviour", [Behaviour.MOVED, Behaviour.FOUND, Behaviour.TEMPORARY])
def test_a_redirect_is_answered_and_not_followed(behaviour, session):
    with ZooReceiver(Behaviour.KEEPALIVE) as elsewhere, ZooReceiver(behaviour, redirect_to=elsewhere.url()) as receiver:
        reply = post(session, receiver.url(), 1)

        assert reply.status == int(behaviour.value)
        assert reply.header("Location") == elsewhere.url()
        assert classify.failure("Webhook", reply).code == "redirect_refused"
        assert (len(receiver.arrivals), len(elsewhere.arrivals)) == (1, 0)


def test_python_http_server_as_it_ships_answers_every_send():
    # HTTP/1.0, 501 to POST and a directory listing to GET, the connection closed after each answer.
    with GuardedSession(LOOPBACK, deadline=10.0) as session, HttpServerProgram() as server:
        posts = [post(session, server.url(), n) for n in range(1, 4)]
        listing = session.send(OutboundRequest("GET", server.url("/")))

        assert [r.status for r in posts] == [501, 501, 501]
        assert "Unsupported method ('POST')" in classify.failure("Webhook", posts[0]).message
        assert listing.status == 200 and b"Directory listing" in listing.body
        deadline = time.monotonic() + 5
        while len(server.request_lines()) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(server.request_lines()) == 4


def test_a_trickle_longer_than_the_deadline_is_cut_off_at_the_deadline():
    with GuardedSession(LOOPBACK, deadline=0.4) as session, ZooReceiver(Behaviour.TRICKLE) as receiver:
        started = time.monotonic()
        with pytest.raises(RetryableDeliveryError) as caught:
            post(session, receiver.url(), 1)
        took = time.monotonic() - started

    assert caught.value.code == "timeout"
    assert took < 0.9  # the 1 s trickle was not waited out (loose: the bound is the deadline, 0.4 s)


def test_herald_ca_bundle_adds_a_private_ca_to_the_default_roots(tmp_path: Path):
    pki = make_pki(tmp_path, "receiver.test")
    settings = Settings.from_env({"HERALD_EGRESS_ALLOW": "127.0.0.1", "HERALD_CA_BUNDLE": str(pki.ca_file)})
    plain = Settings.from_env({"HERALD_EGRESS_ALLOW": "127.0.0.1"})
    with Receiver(tls=pki.server_context()) as receiver:
        url = receiver.url("/", host="receiver.test")
        trusted = session_from_settings(settings, resolver=lambda host, port: ["127.0.0.1"])
        untrusting = session_from_settings(plain, resolver=lambda host, port: ["127.0.0.1"])
        with trusted, untrusting:
            assert trusted.send(OutboundRequest("GET", url)).status == 200
            with pytest.raises(RetryableDeliveryError) as caught:
                untrusting.send(OutboundRequest("GET", url))

    assert caught.value.code == "tls_failed"


@pytest.mark.parametrize("path", ["/trickle", "/trickle-headers"])
def test_a_trickling_https_receiver_is_cut_off_at_the_deadline_too(tmp_path: Path, path: str):
    pki = make_pki(tmp_path, "receiver.test")
    session = GuardedSession(
        LOOPBACK, deadline=0.5, resolver=lambda host, port: ["127.0.0.1"], ssl_context=pki.client_context()
    )
    with Receiver(tls=pki.server_context()) as server, session:
        started = time.monotonic()
        with pytest.raises(RetryableDeliveryError) as caught:
            session.send(OutboundRequest("GET", server.url(path, host="receiver.test")))
        took = time.monotonic() - started

    assert caught.value.code == "timeout"
    assert took < 2.0  # the receiver trickles for 8 s


def test_nothing_of_a_url_reaches_the_logs_even_at_debug_level(caplog, session):
    # urllib3 logs each request line at DEBUG and header-parsing trouble with the full URL at WARNING;
    # a Telegram bot token, say, lives in the path.
    token = "bot123456:AAE-5ecret-TOKEN"
    caplog.set_level(logging.DEBUG)
    with ZooReceiver(Behaviour.KEEPALIVE) as good, ZooReceiver(Behaviour.RESET) as bad:
        session.send(OutboundRequest("POST", good.url(f"/{token}/sendMessage?key={token}"), body=b"x"))
        with pytest.raises(RetryableDeliveryError):
            session.send(OutboundRequest("POST", bad.url(f"/{token}/sendMessage"), body=b"x"))

    assert len(good.arrivals) == 1
    assert token not in caplog.text
