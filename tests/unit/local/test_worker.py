"""local.worker: HERALD_LOCAL_HOSTS, the emulated environment's /etc/hosts."""

from __future__ import annotations

import socket

import pytest

from local import worker


@pytest.fixture
def resolved(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every host the real getaddrinfo is asked for; the patched function is restored after the test."""
    seen: list = []

    def fake(host, port, *args, **kwargs):
        seen.append(host)
        return [("resolved", host, port, args, kwargs)]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return seen


def test_listed_names_resolve_to_their_address(resolved: list) -> None:
    worker._install_hosts("rebind.example.com=10.0.0.5, other.test = 192.168.1.1 ")
    assert socket.getaddrinfo("rebind.example.com", 443)[0][1] == "10.0.0.5"
    assert socket.getaddrinfo("other.test", 80)[0][1] == "192.168.1.1"
    assert resolved == ["10.0.0.5", "192.168.1.1"]


def test_names_match_case_insensitively_and_without_the_trailing_dot(resolved: list) -> None:
    worker._install_hosts("Rebind.Example.COM.=10.0.0.5")
    for host in ("rebind.example.com", "REBIND.example.com.", "Rebind.Example.Com"):
        assert socket.getaddrinfo(host, 443)[0][1] == "10.0.0.5"


def test_other_names_and_arguments_pass_through(resolved: list) -> None:
    worker._install_hosts("a.test=10.0.0.1")
    assert socket.getaddrinfo("b.test", 80, socket.AF_INET, type=socket.SOCK_STREAM) == [
        ("resolved", "b.test", 80, (socket.AF_INET,), {"type": socket.SOCK_STREAM})
    ]
    assert socket.getaddrinfo(b"a.test", 80)[0][1] == b"a.test"
    assert socket.getaddrinfo(None, 80)[0][1] is None
    assert socket.getaddrinfo("sub.a.test", 80)[0][1] == "sub.a.test"


def test_ipv6_address(resolved: list) -> None:
    worker._install_hosts("v6.test=::1")
    assert socket.getaddrinfo("v6.test", 80)[0][1] == "::1"


@pytest.mark.parametrize("mapping", ["", "   ", ",", "noequals", "=10.0.0.1", "name=", " = "])
def test_nothing_usable_leaves_the_resolver_alone(resolved: list, mapping: str) -> None:
    before = socket.getaddrinfo
    worker._install_hosts(mapping)
    assert socket.getaddrinfo is before


def test_malformed_entries_are_skipped_and_the_rest_kept(resolved: list) -> None:
    worker._install_hosts("bad,=x,y=,good.test=10.1.1.1,,")
    assert socket.getaddrinfo("good.test", 1)[0][1] == "10.1.1.1"
    assert socket.getaddrinfo("bad", 1)[0][1] == "bad"
    assert socket.getaddrinfo("y", 1)[0][1] == "y"


def test_a_later_entry_for_the_same_name_wins(resolved: list) -> None:
    worker._install_hosts("a.test=10.0.0.1,A.test=10.0.0.2")
    assert socket.getaddrinfo("a.test", 1)[0][1] == "10.0.0.2"
