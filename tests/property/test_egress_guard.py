"""The outbound guard refuses every spelling of every forbidden address, at both of its moments.

`check_url` (create/update and before each send) must see through the spelling to the address a client
would connect to; `resolve` (send time) must refuse any forbidden answer a resolver gives for a name.
The resolver is the guard's own seam for DNS: a plain function, handed in here instead of real DNS.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from herald.errors import ForbiddenTarget
from herald.transport.egress import PRIVATE_RANGE, EgressPolicy, Target, is_forbidden_address
from tests.property.addresses import (
    PUBLIC_NAME_ANSWER,
    forbidden_answers,
    forbidden_v4,
    forbidden_v4_urls,
    forbidden_v6,
    forbidden_v6_urls,
    public_answers,
    public_v4,
    public_v6,
    reserved_urls,
    smuggled,
)

STRICT = EgressPolicy()


def refusal(url: str) -> str:
    with pytest.raises(ForbiddenTarget) as refused:
        STRICT.check_url(url)
    return refused.value.message


def seen_through(reason: str) -> bool:
    """The guard named the real target: a forbidden range, or a reserved name (0.0.0.0 is both)."""
    return reason == PRIVATE_RANGE or reason.startswith("Hostname ")


@given(forbidden_v4)
def test_every_forbidden_ipv4_address_is_forbidden(address: IPv4Address) -> None:
    assert is_forbidden_address(address)


@given(forbidden_v6)
def test_every_forbidden_ipv6_address_and_embedding_is_forbidden(address: IPv6Address) -> None:
    assert is_forbidden_address(address)


@given(forbidden_v4_urls)
@example("https://0x7f.1/hook")
@example("https://0177.0.0.1/hook")
@example("http://good@127.1/")
@example("https://%31%32%37%2e0.0.1/hook")
@example("https://１２７．０．０．１./hook")
@example("HTTPS://0XA9.0376.43518/latest/meta-data/")
def test_no_spelling_of_a_forbidden_ipv4_address_passes_the_url_check(url: str) -> None:
    assert seen_through(refusal(url)), url


@given(forbidden_v6_urls)
@example("https://[::FFFF:127.0.0.1]/")
@example("https://[0:0:0:0:0:ffff:a9fe:a9fe%25eth0]:8080/x")
@example("https://user@[fe80::1%251]/")
@example("https://[64:ff9b::10.0.0.1]/")
def test_no_spelling_of_a_forbidden_ipv6_address_passes_the_url_check(url: str) -> None:
    assert refusal(url) == PRIVATE_RANGE, url


@given(reserved_urls)
@example("https://LOCALHOST./")
@example("https://%6c%6f%63%61%6c%68%6f%73%74/hook")
@example("https://ｍｅｔａｄａｔａ．ｇｏｏｇｌｅ．ｉｎｔｅｒｎａｌ/")
def test_no_spelling_of_a_reserved_name_passes_the_url_check(url: str) -> None:
    assert refusal(url).startswith("Hostname "), url


@given(st.one_of(forbidden_v4_urls, forbidden_v6_urls, reserved_urls).flatmap(smuggled))
@example("https://127.0.0.\t1/")
@example("https://good.example\\@127.0.0.1/")
def test_a_forbidden_url_with_a_character_slipped_in_is_still_refused(url: str) -> None:
    refusal(url)


# An operator's exceptions are scoped by port: none of them opens the ports drawn below.
SCOPED = EgressPolicy(["10.1.0.0/16:9000", "[fd00::1]:9000", f"{PUBLIC_NAME_ANSWER}:9000"])


@given(
    policy=st.sampled_from([STRICT, SCOPED]),
    scheme=st.sampled_from(["https", "http"]),
    port=st.sampled_from([443, 80, 8443]),
    good=st.lists(public_answers, max_size=3),
    bad=forbidden_answers,
    where=st.integers(0, 3),
)
@example(policy=STRICT, scheme="https", port=443, good=["93.184.216.34"], bad="::ffff:169.254.169.254", where=1)
@example(policy=SCOPED, scheme="https", port=443, good=[], bad="10.1.2.3", where=0)
def test_a_name_with_any_forbidden_answer_is_refused_at_send_time(
    policy: EgressPolicy, scheme: str, port: int, good: list[str], bad: str, where: int
) -> None:
    # One forbidden answer among public ones is enough: a client might connect to it.
    target = Target(scheme, PUBLIC_NAME_ANSWER, port, "/hook")
    answers = [*good[:where], bad, *good[where:]]
    with pytest.raises(ForbiddenTarget) as refused:
        policy.resolve(target, lambda host, port: answers)
    assert refused.value.message == PRIVATE_RANGE


@given(st.one_of(forbidden_v4, forbidden_v6), st.sampled_from(["https", "http"]))
def test_an_address_target_is_refused_at_send_time_whatever_the_resolver_says(
    address: IPv4Address | IPv6Address, scheme: str
) -> None:
    # A stored URL is not judged again when read back; the send-time check must stand on its own, and an
    # IP literal is never looked up, so a resolver answering something public changes nothing.
    target = Target(scheme, str(address), 443, "/", ip=str(address))
    with pytest.raises(ForbiddenTarget):
        STRICT.resolve(target, lambda host, port: ["93.184.216.34"])


# -- the guard is not simply refusing everything ----------------------------------------------------------


@given(st.one_of(public_v4.map(str), public_v6.map(lambda a: f"[{a}]")), st.sampled_from(["", "/hook", ":8443/x"]))
def test_a_public_address_written_plainly_passes(host: str, rest: str) -> None:
    target = STRICT.check_url(f"https://{host}{rest}")
    assert STRICT.resolve(target) == [target.ip]


@given(st.lists(public_answers, min_size=1, max_size=4))
def test_a_name_whose_answers_are_all_public_resolves_to_them(answers: list[str]) -> None:
    target = STRICT.check_url(f"https://{PUBLIC_NAME_ANSWER}/hook")
    resolved = STRICT.resolve(target, lambda host, port: answers)
    assert set(resolved) == {str(IPv4Address(a) if "." in a else IPv6Address(a)) for a in answers}
