"""The guarded session against real receivers on 127.0.0.1 (allow-listed by IP), every wait bounded."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import herald
from herald.errors import DeliveryError, PermanentDeliveryError, RetryableDeliveryError
from herald.settings import get_settings
from herald.transport.egress import EgressPolicy
from herald.transport.http import MAX_RESPONSE_BYTES, GuardedSession, get_session
from herald.transport.wire import OutboundRequest
from tests.support.pki import make_pki
from tests.unit.transport.receiver import Receiver, free_port

LOOPBACK_ONLY = EgressPolicy(["127.0.0.1"])
TOKEN = "tok-5ecret-XYZZY"
PUBLIC_IP = "93.184.216.34"

pytestmark = pytest.mark.timeout(30)


class ScriptedResolver:
    """Answers each lookup with the next list of addresses (the last one repeats) and counts lookups."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


def failing_resolver(host: str, port: int) -> list[str]:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server


@pytest.fixture
def session() -> Iterator[GuardedSession]:
    with GuardedSession(LOOPBACK_ONLY, deadline=5.0) as guarded:
        yield guarded


def test_given_a_post_when_sent_then_method_path_body_and_headers_arrive(receiver, session):
    request = OutboundRequest.json("POST", receiver.url("/hook?x=1"), {"text": "héllo"}, headers={"X-Custom": "42"})

    response = session.send(request)

    assert response.status == 200
    assert response.body == b"ok"
    assert response.header("x-reply") == "a"
    (seen,) = receiver.requests
    assert (seen.method, seen.path) == ("POST", "/hook?x=1")
    assert seen.body == '{"text":"héllo"}'.encode()
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["x-custom"] == "42"
    assert seen.headers["content-length"] == str(len(seen.body))
    assert seen.headers["host"] == f"127.0.0.1:{receiver.port}"


def test_the_user_agent_is_herald_and_framing_headers_cannot_be_overridden(receiver, session):
    hostile = {"User-Agent": "curl", "Host": "evil.example", "Transfer-Encoding": "chunked", "Connection": "close"}

    session.send(OutboundRequest("POST", receiver.url("/"), hostile, b"abc"))

    (seen,) = receiver.requests
    assert seen.headers["user-agent"] == f"Herald/{herald.__version__}"
    assert seen.headers["host"] == f"127.0.0.1:{receiver.port}"
    assert "transfer-encoding" not in seen.headers
    assert seen.body == b"abc"


def test_at_most_64_kib_of_an_answer_is_read(receiver, session):
    response = session.send(OutboundRequest("GET", receiver.url("/big")))

    assert response.status == 200
    assert len(response.body) == MAX_RESPONSE_BYTES == 64 * 1024


def test_a_redirect_is_returned_not_followed(session):
    with Receiver() as first, Receiver() as second:
        first.redirect_to = second.url("/landing")

        response = session.send(OutboundRequest("POST", first.url("/redirect"), body=b"{}"))

        assert response.status == 302
        assert response.header("Location") == second.url("/landing")
        assert second.requests == []
        assert second.connections == 0


@pytest.mark.parametrize("path", ["/trickle", "/trickle-headers"])
def test_a_trickling_receiver_is_cut_off_at_the_total_deadline(receiver, path):
    with GuardedSession(LOOPBACK_ONLY, deadline=1.0, read_timeout=5.0) as session:
        started = time.monotonic()

        with pytest.raises(RetryableDeliveryError) as caught:
            session.send(OutboundRequest("GET", receiver.url(path)))

        elapsed = time.monotonic() - started
    assert caught.value.code == "timeout"
    assert 0.9 <= elapsed < 2.5


def test_a_silent_receiver_times_out(session):
    # A listening socket that never accepts: the connect succeeds (backlog), no answer ever comes.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with GuardedSession(LOOPBACK_ONLY, deadline=5.0, read_timeout=0.5) as quick:
            started = time.monotonic()
            with pytest.raises(RetryableDeliveryError) as caught:
                quick.send(OutboundRequest("GET", f"http://127.0.0.1:{port}/"))
    assert caught.value.code == "timeout"
    assert time.monotonic() - started < 2.0


def test_connections_are_reused_across_deliveries(receiver, session):
    for number in range(5):
        assert session.send(OutboundRequest.json("POST", receiver.url("/"), {"n": number})).status == 200

    assert len(receiver.requests) == 5
    assert receiver.connections == 1


def test_a_connection_the_receiver_dropped_is_not_reused(receiver, session):
    assert session.send(OutboundRequest("GET", receiver.url("/drop-after"))).status == 200
    deadline = time.monotonic() + 2
    while receiver.connections < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # let the receiver's close reach us

    assert session.send(OutboundRequest("GET", receiver.url("/"))).status == 200
    assert receiver.connections == 2


def test_concurrent_sends_each_get_an_answer(receiver, session):
    results: list[int] = []
    lock = threading.Lock()

    def send(number: int) -> None:
        status = session.send(OutboundRequest.json("POST", receiver.url("/"), {"n": number})).status
        with lock:
            results.append(status)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert results == [200] * 8
    assert sorted(seen.body for seen in receiver.requests) == sorted(b'{"n":%d}' % n for n in range(8))


def test_given_a_name_allowed_by_ip_when_sent_then_the_checked_address_is_used_with_the_name_as_host(receiver):
    resolver = ScriptedResolver(["127.0.0.1"], ["10.9.9.9"])  # a second lookup would answer elsewhere
    with GuardedSession(LOOPBACK_ONLY, resolver=resolver) as session:
        response = session.send(OutboundRequest("POST", receiver.url("/hook", host="receiver.test"), body=b"x"))

    assert response.status == 200
    assert resolver.calls == [("receiver.test", receiver.port)]
    (seen,) = receiver.requests
    assert seen.headers["host"] == f"receiver.test:{receiver.port}"


def test_given_a_rebinding_name_when_sent_then_the_private_answer_is_refused_and_nothing_arrives(receiver):
    # Public when the channel was checked, loopback when it is sent (the loopback address is NOT allowed).
    resolver = ScriptedResolver([PUBLIC_IP], ["127.0.0.1"])
    policy = EgressPolicy()
    target = policy.check_url(f"https://receiver.test:{receiver.port}/hook")
    assert policy.resolve(target, resolver) == [PUBLIC_IP]

    with GuardedSession(policy, resolver=resolver) as session, pytest.raises(PermanentDeliveryError) as caught:
        session.send(OutboundRequest("POST", f"https://receiver.test:{receiver.port}/hook", body=b"x"))

    assert caught.value.code == "forbidden_target"
    assert "private/internal" in caught.value.message
    assert receiver.connections == 0
    assert receiver.requests == []


def test_one_forbidden_address_among_public_ones_refuses_the_send(receiver):
    resolver = ScriptedResolver([PUBLIC_IP, "127.0.0.1"])
    with GuardedSession(EgressPolicy(), resolver=resolver) as session, pytest.raises(PermanentDeliveryError) as caught:
        session.send(OutboundRequest("GET", f"https://receiver.test:{receiver.port}/"))

    assert caught.value.code == "forbidden_target"
    assert receiver.connections == 0


@pytest.mark.parametrize(
    ("url", "policy"),
    [
        ("http://127.0.0.1:{port}/", EgressPolicy()),  # loopback, not allowed
        ("http://localhost:{port}/", LOOPBACK_ONLY),  # reserved name, even with its address allowed
        ("https://[::ffff:127.0.0.1]:{port}/", EgressPolicy()),
        ("https://2130706433:{port}/", EgressPolicy()),
        ("http://receiver.test:{port}/", EgressPolicy()),  # plain http to a name that is not allowed
    ],
)
def test_forbidden_targets_are_refused_before_any_connection(receiver, url, policy):
    session = GuardedSession(policy, resolver=ScriptedResolver(["127.0.0.1"]))
    with session, pytest.raises(PermanentDeliveryError) as caught:
        session.send(OutboundRequest("GET", url.format(port=receiver.port)))

    assert caught.value.code == "forbidden_target"
    assert receiver.connections == 0


class CountingPolicy(EgressPolicy):
    def __init__(self, allow: list[str]) -> None:
        super().__init__(allow)
        self.judged: list[str] = []

    def check_url(self, url: str):  # type: ignore[no-untyped-def]
        self.judged.append(url)
        return super().check_url(url)


def test_a_remembered_url_is_still_resolved_and_judged_on_every_send(receiver):
    # The URL's static check is made once; the answer of the name is judged at each send all the same:
    # allowed loopback twice, then a private address that is not allowed.
    resolver = ScriptedResolver(["127.0.0.1"], ["127.0.0.1"], ["10.0.0.7"])
    policy = CountingPolicy(["127.0.0.1"])
    url = f"http://receiver.test:{receiver.port}/hook"
    with GuardedSession(policy, resolver=resolver) as session:
        assert session.send(OutboundRequest("POST", url, body=b"1")).status == 200
        assert session.send(OutboundRequest("POST", url, body=b"2")).status == 200
        with pytest.raises(PermanentDeliveryError) as caught:
            session.send(OutboundRequest("POST", url, body=b"3"))

    assert caught.value.code == "forbidden_target"
    assert policy.judged == [url]
    assert len(resolver.calls) == 3
    assert [seen.body for seen in receiver.requests] == [b"1", b"2"]


def test_a_refused_url_is_refused_at_every_send_not_remembered(receiver):
    policy = CountingPolicy([])  # loopback not allowed
    url = f"http://127.0.0.1:{receiver.port}/"
    with GuardedSession(policy) as session:
        for _ in range(3):
            with pytest.raises(PermanentDeliveryError):
                session.send(OutboundRequest("GET", url))

    assert policy.judged == [url] * 3
    assert receiver.connections == 0


def test_a_refused_connection_is_retryable():
    with GuardedSession(LOOPBACK_ONLY) as session, pytest.raises(RetryableDeliveryError) as caught:
        session.send(OutboundRequest("GET", f"http://127.0.0.1:{free_port()}/"))

    assert caught.value.code == "connection_refused"


def test_a_receiver_that_hangs_up_is_retryable(receiver, session):
    with pytest.raises(RetryableDeliveryError) as caught:
        session.send(OutboundRequest("POST", receiver.url("/hangup"), body=b"x"))

    assert caught.value.code == "connection_reset"
    assert len(receiver.requests) == 1  # a fresh connection that fails is not tried again


def test_a_kept_connection_the_receiver_hangs_up_on_fails_once_and_is_not_sent_again(receiver, session):
    # The receiver may have acted on a request it hung up on: sending it again here could deliver it
    # twice. The attempt fails (the queue's schedule decides), and the next send uses a fresh connection.
    assert session.send(OutboundRequest("GET", receiver.url("/hangup-on-reuse"))).status == 200

    with pytest.raises(RetryableDeliveryError) as caught:
        session.send(OutboundRequest("GET", receiver.url("/hangup-on-reuse")))
    response = session.send(OutboundRequest("GET", receiver.url("/hangup-on-reuse")))

    assert caught.value.code == "connection_reset"
    assert (response.status, response.body) == (200, b"first")
    assert receiver.connections == 2
    assert len(receiver.requests) == 3


def test_a_name_that_does_not_resolve_is_retryable():
    session = GuardedSession(EgressPolicy(), resolver=failing_resolver)
    with session, pytest.raises(RetryableDeliveryError) as caught:
        session.send(OutboundRequest("GET", "https://nowhere.example/"))

    assert caught.value.code == "dns_failed"


def test_a_header_with_a_line_break_is_refused_without_quoting_it(receiver, session):
    with pytest.raises(PermanentDeliveryError) as caught:
        session.send(OutboundRequest("GET", receiver.url("/"), {"X-Token": f"{TOKEN}\r\nX-Injected: 1"}))

    assert caught.value.code == "invalid_request"
    assert TOKEN not in str(caught.value)
    assert receiver.requests == []


def _error_for(case: str, receiver: Receiver) -> DeliveryError:
    secret_tail = f"/hook/{TOKEN}?token={TOKEN}&sig={TOKEN}"
    sends = {
        "refused": (LOOPBACK_ONLY, ScriptedResolver(["127.0.0.1"]), f"http://127.0.0.1:{free_port()}{secret_tail}"),
        "forbidden": (EgressPolicy(), ScriptedResolver(["127.0.0.1"]), f"https://127.0.0.1{secret_tail}"),
        "rebound": (EgressPolicy(), ScriptedResolver(["127.0.0.1"]), f"https://receiver.test{secret_tail}"),
        "dns": (EgressPolicy(), failing_resolver, f"https://receiver.test{secret_tail}"),
        "userinfo": (EgressPolicy(), failing_resolver, f"https://user:{TOKEN}@receiver.test/"),
        "hangup": (LOOPBACK_ONLY, ScriptedResolver(["127.0.0.1"]), receiver.url(f"/hangup?token={TOKEN}")),
        "timeout": (LOOPBACK_ONLY, ScriptedResolver(["127.0.0.1"]), receiver.url(f"/trickle?token={TOKEN}")),
    }
    policy, resolver, url = sends[case]
    with GuardedSession(policy, resolver=resolver, deadline=1.0) as session:
        try:
            session.send(OutboundRequest("POST", url, {"Authorization": f"Bearer {TOKEN}"}, b"{}"))
        except DeliveryError as exc:
            return exc
    raise AssertionError(f"{case}: the send did not fail")


@pytest.mark.parametrize("case", ["refused", "forbidden", "rebound", "dns", "userinfo", "hangup", "timeout"])
def test_errors_never_carry_the_path_query_userinfo_or_headers(receiver, case):
    error = _error_for(case, receiver)

    for text in (str(error), repr(error), error.message, str(error.args)):
        assert TOKEN not in text
        assert "/hook" not in text
    # No low-level exception (which may quote the request) is chained for a traceback to print.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_https_is_pinned_to_the_checked_address_with_sni_and_certificate_on_the_name(tmp_path: Path):
    pki = make_pki(tmp_path, "receiver.test")
    server_names: list[str | None] = []
    tls = pki.server_context()
    tls.sni_callback = lambda sock, name, ctx: server_names.append(name)
    resolver = ScriptedResolver(["127.0.0.1"])
    session = GuardedSession(LOOPBACK_ONLY, resolver=resolver, ssl_context=pki.client_context())
    with Receiver(tls=tls) as server, session:
        response = session.send(OutboundRequest("POST", server.url("/hook", host="receiver.test"), body=b"x"))

    assert response.status == 200
    assert server_names == ["receiver.test"]
    assert server.requests[0].headers["host"] == f"receiver.test:{server.port}"


def test_https_refuses_a_certificate_for_another_name(tmp_path: Path):
    pki = make_pki(tmp_path, "someone-else.test")
    session = GuardedSession(LOOPBACK_ONLY, resolver=ScriptedResolver(["127.0.0.1"]), ssl_context=pki.client_context())
    with Receiver(tls=pki.server_context()) as server, session, pytest.raises(RetryableDeliveryError) as caught:
        session.send(OutboundRequest("POST", server.url("/hook", host="receiver.test"), body=b"x"))

    assert caught.value.code == "tls_failed"
    assert server.requests == []


def test_https_with_the_default_trust_store_refuses_a_private_ca(tmp_path: Path):
    pki = make_pki(tmp_path, "receiver.test")
    session = GuardedSession(LOOPBACK_ONLY, resolver=ScriptedResolver(["127.0.0.1"]))
    with Receiver(tls=pki.server_context()) as server, session, pytest.raises(RetryableDeliveryError) as caught:
        session.send(OutboundRequest("GET", server.url("/", host="receiver.test")))

    assert caught.value.code == "tls_failed"
    assert server.requests == []


def test_get_session_is_one_cached_session_built_from_settings(monkeypatch, receiver):
    monkeypatch.setenv("HERALD_EGRESS_ALLOW", "127.0.0.1")
    monkeypatch.setenv("HERALD_DELIVERY_DEADLINE_SECONDS", "1")
    get_settings.cache_clear()
    get_session.cache_clear()
    try:
        session = get_session()
        assert get_session() is session
        assert session.send(OutboundRequest("GET", receiver.url("/"))).status == 200
        started = time.monotonic()
        with pytest.raises(RetryableDeliveryError):
            session.send(OutboundRequest("GET", receiver.url("/trickle")))
        assert time.monotonic() - started < 2.5
    finally:
        get_session().close()
        get_settings.cache_clear()
        get_session.cache_clear()
