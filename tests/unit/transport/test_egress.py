"""The egress (SSRF) guard: static URL checks, address rules, the allow-list and send-time resolution. No I/O."""

from __future__ import annotations

import socket
from ipaddress import IPv4Address, IPv6Address, ip_address

import pytest

from herald.errors import ForbiddenTarget
from herald.settings import Settings
from herald.transport.egress import (
    HTTPS_ONLY,
    PRIVATE_RANGE,
    UNRESOLVABLE,
    EgressPolicy,
    Target,
    UnresolvableHost,
    is_forbidden_address,
    policy_from_settings,
)

STRICT = EgressPolicy()


def hostname(name: str) -> str:
    return f"Hostname '{name}' is not allowed"


def invalid(why: str) -> str:
    return f"URL is not valid: {why}"


# (url, the exact reason it is refused with)
HOSTILE: list[tuple[str, str]] = [
    # reserved names, named as given
    ("https://localhost/hook", hostname("localhost")),
    ("https://LOCALHOST/hook", hostname("LOCALHOST")),
    ("https://localhost./hook", hostname("localhost.")),
    ("https://localhost:8443/hook", hostname("localhost")),
    ("https://api.localhost/hook", hostname("api.localhost")),
    ("https://printer.local/hook", hostname("printer.local")),
    ("https://metadata.google.internal/computeMetadata/v1/", hostname("metadata.google.internal")),
    ("https://Metadata.Google.Internal./x", hostname("Metadata.Google.Internal.")),
    ("https://0.0.0.0/hook", hostname("0.0.0.0")),
    ("https://0/hook", hostname("0")),
    ("https://ｌｏｃａｌｈｏｓｔ/hook", hostname("ｌｏｃａｌｈｏｓｔ")),
    ("https://%6c%6f%63%61%6c%68%6f%73%74/hook", hostname("localhost")),
    ("https://good.example@localhost/", hostname("localhost")),
    # loopback, private and other non-global IPv4, canonical
    ("https://127.0.0.1/hook", PRIVATE_RANGE),
    ("https://127.255.255.254:443/hook", PRIVATE_RANGE),
    ("https://10.0.0.1/hook", PRIVATE_RANGE),
    ("https://172.16.5.4/hook", PRIVATE_RANGE),
    ("https://172.31.255.255/hook", PRIVATE_RANGE),
    ("https://192.168.1.1/hook", PRIVATE_RANGE),
    ("https://169.254.169.254/latest/meta-data/", PRIVATE_RANGE),
    ("https://100.64.0.1/hook", PRIVATE_RANGE),
    ("https://100.127.255.254/hook", PRIVATE_RANGE),
    ("https://0.1.2.3/hook", PRIVATE_RANGE),
    ("https://192.0.0.8/hook", PRIVATE_RANGE),
    ("https://192.0.2.10/hook", PRIVATE_RANGE),
    ("https://198.18.0.1/hook", PRIVATE_RANGE),
    ("https://198.51.100.7/hook", PRIVATE_RANGE),
    ("https://203.0.113.5/hook", PRIVATE_RANGE),
    ("https://224.0.0.1/hook", PRIVATE_RANGE),
    ("https://239.255.255.250/hook", PRIVATE_RANGE),
    ("https://240.0.0.1/hook", PRIVATE_RANGE),
    ("https://255.255.255.255/hook", PRIVATE_RANGE),
    # the same addresses spelled so that a naive check misses them
    ("https://127.1/hook", PRIVATE_RANGE),
    ("https://127.0.1/hook", PRIVATE_RANGE),
    ("https://2130706433/hook", PRIVATE_RANGE),
    ("https://0x7f000001/hook", PRIVATE_RANGE),
    ("https://0X7F000001/hook", PRIVATE_RANGE),
    ("https://0177.0.0.1/hook", PRIVATE_RANGE),
    ("https://0x7f.0.0.1/hook", PRIVATE_RANGE),
    ("https://0xa9.0xfe.0xa9.0xfe/", PRIVATE_RANGE),
    ("https://2852039166/latest", PRIVATE_RANGE),
    ("https://012.0.0.1/hook", PRIVATE_RANGE),
    ("https://127.0.0.1./hook", PRIVATE_RANGE),
    ("https://127。0。0。1/hook", PRIVATE_RANGE),
    ("https://１２７．０．０．１/hook", PRIVATE_RANGE),
    ("https://127%2e0%2e0%2e1/hook", PRIVATE_RANGE),
    ("https://%31%32%37.0.0.1/hook", PRIVATE_RANGE),
    ("https://hooks.slack.com@127.0.0.1/hook", PRIVATE_RANGE),
    ("https://user:pass@169.254.169.254/", PRIVATE_RANGE),
    ("https://a@b@10.0.0.1/", PRIVATE_RANGE),
    # IPv6, and IPv4 embedded in IPv6
    ("https://[::1]/hook", PRIVATE_RANGE),
    ("https://[0:0:0:0:0:0:0:1]:8443/hook", PRIVATE_RANGE),
    ("https://[::]/hook", PRIVATE_RANGE),
    ("https://[fe80::1]/hook", PRIVATE_RANGE),
    ("https://[fe80::1%25eth0]/hook", PRIVATE_RANGE),
    ("https://[FE80::ABCD]/hook", PRIVATE_RANGE),
    ("https://[fc00::1]/hook", PRIVATE_RANGE),
    ("https://[fd12:3456:789a::1]/hook", PRIVATE_RANGE),
    ("https://[fec0::1]/hook", PRIVATE_RANGE),
    ("https://[ff02::1]/hook", PRIVATE_RANGE),
    ("https://[2001:db8::1]/hook", PRIVATE_RANGE),
    ("https://[100::1]/hook", PRIVATE_RANGE),
    ("https://[::ffff:127.0.0.1]/hook", PRIVATE_RANGE),
    ("https://[::ffff:7f00:1]/hook", PRIVATE_RANGE),
    ("https://[::ffff:169.254.169.254]/hook", PRIVATE_RANGE),
    ("https://[::ffff:8.8.8.8]/hook", PRIVATE_RANGE),  # mapped is never a real destination
    ("https://[::127.0.0.1]/hook", PRIVATE_RANGE),  # IPv4-compatible
    ("https://[::ffff:0:a00:1]/hook", PRIVATE_RANGE),  # IPv4-translated
    ("https://[64:ff9b::7f00:1]/hook", PRIVATE_RANGE),
    ("https://[64:ff9b::a9fe:a9fe]/hook", PRIVATE_RANGE),
    ("https://[64:ff9b::10.0.0.1]/hook", PRIVATE_RANGE),
    ("https://[64:ff9b:1::808:808]/hook", PRIVATE_RANGE),  # local-use NAT64 prefix
    ("https://[2002:7f00:1::]/hook", PRIVATE_RANGE),
    ("https://[2002:a9fe:a9fe::1]/hook", PRIVATE_RANGE),
    ("https://[2002:c0a8:101::]/hook", PRIVATE_RANGE),
    ("https://[2001:0:7f00:1::f7f7:f7f7]/hook", PRIVATE_RANGE),  # Teredo, server 127.0.0.1
    ("https://[2001:0:402:202::80ff:fffe]/hook", PRIVATE_RANGE),  # Teredo, client 127.0.0.1
    # spellings read differently by different clients, refused even when the host looks public
    ("https://evil.example\\@127.0.0.1/", invalid("contains a backslash")),
    ("https:\\\\127.0.0.1\\hook", invalid("contains a backslash")),
    ("https://127.0.0.1%2f@example.com/hook", invalid("credentials in the URL are not supported")),
    ("https://user:secret@hooks.example.com/", invalid("credentials in the URL are not supported")),
    ("https://ex%61mple.com/", invalid("percent-encoded host")),
    ("https://%zz.example/", invalid("bad percent-encoding in host")),
    ("https://0x08080808/", invalid("IPv4 address must be written as four decimal numbers")),
    ("https://8.8.2056/", invalid("IPv4 address must be written as four decimal numbers")),
    ("https://[2606:4700::1%25eth0]/", invalid("IPv6 zone ids are not allowed")),
    ("https://example.com.123/", invalid("bad IPv4 address")),
    ("https://256.0.0.1/", invalid("bad IPv4 address")),
    ("https://1.2.3.4.5/", invalid("bad IPv4 address")),
    ("https://09.0.0.1/", invalid("bad IPv4 address")),
    ("https://[::1/", invalid("unclosed IPv6 address")),
    ("https://[zz::1]/", invalid("bad IPv6 address")),
    ("https://[::1]x/", invalid("bad port")),
    ("https://example.com:0/", invalid("bad port")),
    ("https://example.com:65536/", invalid("bad port")),
    ("https://example.com:44a/", invalid("bad port")),
    ("https://exa mple.com/", invalid("contains spaces or control characters")),
    ("https://example.com/a\r\nHost: evil", invalid("contains spaces or control characters")),
    ("https://exam\u200bple.com/", invalid("contains spaces or control characters")),
    ("https://exa_mple..com/", invalid("bad host name")),
    ("https://-bad-.example/", invalid("bad host name")),
    ("https://ex!ample.com/", invalid("bad host name")),
    ("https:///nohost", invalid("no host")),
    ("https:/example.com/", invalid("no host")),
    ("//example.com/hook", invalid("no scheme")),
    ("not a url", invalid("contains spaces or control characters")),
    ("", invalid("empty")),
    ("https://example.com/" + "a" * 2048, invalid("too long")),
    # not https
    ("http://hooks.slack.com/services/T/B/X", HTTPS_ONLY),
    ("HTTP://example.com/", HTTPS_ONLY),
    ("ftp://example.com/hook", HTTPS_ONLY),
    ("file:///etc/passwd", HTTPS_ONLY),
    ("gopher://example.com/", HTTPS_ONLY),
    ("javascript:alert(1)", HTTPS_ONLY),
]


@pytest.mark.parametrize(("url", "reason"), HOSTILE, ids=[url[:60] for url, _ in HOSTILE])
def test_hostile_urls_are_refused_statically_with_their_reason(url, reason):
    with pytest.raises(ForbiddenTarget) as caught:
        STRICT.check_url(url)

    assert caught.value.message == reason


def test_the_hostile_table_is_large_and_names_each_url_once():
    urls = [url for url, _ in HOSTILE]
    assert len(set(urls)) == len(urls) >= 40


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://hooks.slack.com/services/T0/B0/xyz", Target("https", "hooks.slack.com", 443, "/services/T0/B0/xyz")),
        ("https://Example.COM./a?b=c#frag", Target("https", "example.com", 443, "/a?b=c")),
        ("https://example.com", Target("https", "example.com", 443, "/")),
        ("https://example.com?q=1", Target("https", "example.com", 443, "/?q=1")),
        ("HTTPS://example.com:8443/x", Target("https", "example.com", 8443, "/x")),
        ("https://8.8.8.8/x", Target("https", "8.8.8.8", 443, "/x", "8.8.8.8")),
        (
            "https://[2606:4700:4700::1111]:444/",
            Target("https", "2606:4700:4700::1111", 444, "/", "2606:4700:4700::1111"),
        ),
        ("https://[2002:808:808::1]/", Target("https", "2002:808:808::1", 443, "/", "2002:808:808::1")),
        ("https://[64:ff9b::8.8.8.8]/", Target("https", "64:ff9b::808:808", 443, "/", "64:ff9b::808:808")),
        ("https://münchen.example/hook", Target("https", "xn--mnchen-3ya.example", 443, "/hook")),
        ("https://example.com/p%20q/ä", Target("https", "example.com", 443, "/p%20q/%C3%A4")),
        (
            "https://outlook.office.com/webhook/a@b/IncomingWebhook/c",
            Target("https", "outlook.office.com", 443, "/webhook/a@b/IncomingWebhook/c"),
        ),
        ("https://127.0.0.1.nip.example/", Target("https", "127.0.0.1.nip.example", 443, "/")),
        ("https://localhost.example.com/", Target("https", "localhost.example.com", 443, "/")),
        ("https://internal.example.com/", Target("https", "internal.example.com", 443, "/")),
        ("https://my_host.example.com/", Target("https", "my_host.example.com", 443, "/")),
    ],
)
def test_public_urls_are_accepted_and_read_as_a_client_would(url, expected):
    assert STRICT.check_url(url) == expected


@pytest.mark.parametrize(
    ("target", "header"),
    [
        (Target("https", "example.com", 443, "/"), "example.com"),
        (Target("https", "example.com", 8443, "/"), "example.com:8443"),
        (Target("http", "example.com", 80, "/"), "example.com"),
        (Target("http", "2606:4700::1", 8080, "/", "2606:4700::1"), "[2606:4700::1]:8080"),
    ],
)
def test_the_host_header_names_the_host_and_a_non_default_port(target, header):
    assert target.host_header == header


def test_a_target_repr_leaves_out_the_path_and_query():
    target = STRICT.check_url("https://hooks.example.com/services/T0/SECRET?token=SECRET")

    assert "SECRET" not in repr(target)
    assert "hooks.example.com" in repr(target)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.20.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "0.255.255.255",
        "192.0.0.170",
        "192.88.99.1",
        "198.19.255.255",
        "224.0.0.251",
        "240.0.0.0",
        "255.255.255.255",
        "::",
        "::1",
        "::ffff:10.0.0.1",
        "::ffff:1.1.1.1",
        "::10.0.0.1",
        "64:ff9b::c0a8:101",
        "64:ff9b:1::1",
        "2002:0a00:0001::",
        "2001:0:a00:1::f7f7:f7f7",
        "2001:0:808:808::3fff:fffe",  # Teredo, client 192.0.0.1 (reserved)
        "2001:db8::",
        "2001:2::1",
        "3fff::1",
        "fc00::",
        "fdff::1",
        "fe80::1",
        "febf::1",
        "fec0::1",
        "ff05::2",
        "100::",
        "5f00::1",
        "1::1",  # outside global unicast 2000::/3
        "fe80::1%eth0",
    ],
)
def test_addresses_that_are_not_globally_routable_are_refused(address):
    with pytest.raises(ForbiddenTarget) as caught:
        STRICT.check_ip(address)

    assert caught.value.message == PRIVATE_RANGE


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.216.34",
        "100.63.255.255",  # just below carrier-grade NAT
        "100.128.0.0",  # just above it
        "172.15.255.255",
        "172.32.0.0",
        "192.0.1.1",
        "198.17.255.255",
        "223.255.255.255",
        "2606:4700:4700::1111",
        "2a00:1450:4001:80b::200e",
        "64:ff9b::808:808",  # NAT64 of a public address
        "2002:808:808::",  # 6to4 of a public address
        "2001:0:402:202::f7f7:f7f7",  # Teredo, server 4.2.2.2 and client 8.8.8.8
        IPv4Address("8.8.4.4"),
        IPv6Address("2001:4860:4860::8888"),
    ],
)
def test_globally_routable_addresses_are_accepted(address):
    STRICT.check_ip(address)
    assert not is_forbidden_address(ip_address(address))


@pytest.mark.parametrize("address", ["not-an-ip", "1.2.3", "::ffff::1", ""])
def test_a_malformed_address_is_refused(address):
    with pytest.raises(ForbiddenTarget):
        STRICT.check_ip(address)


ALLOWING = EgressPolicy(["127.0.0.1", "10.0.0.0/8", "fd00::/8", "ntfy.corp.example", " ", "[::1]"])


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "http://127.0.0.1:8080/hook",
        "http://10.20.30.40/x",
        "http://[fd00::5]:9000/",
        "http://[::1]/",
        "http://ntfy.corp.example/topic",
        "https://NTFY.corp.example./topic",
        "http://any-name.example/",  # decided at send time by its addresses (networks are allow-listed)
    ],
)
def test_allow_listed_ips_cidrs_and_names_are_reachable_over_http_too(url):
    ALLOWING.check_url(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.2/", PRIVATE_RANGE),  # an IP entry is one address, not its neighbours
        ("https://11.0.0.1.example/", None),
        ("https://192.168.1.1/", PRIVATE_RANGE),
        ("https://[fe80::1]/", PRIVATE_RANGE),
        ("http://localhost/", hostname("localhost")),  # reserved names stay refused
        ("https://ntfy.local/", hostname("ntfy.local")),
        ("http://8.8.8.8/", HTTPS_ONLY),  # public, but not allow-listed: https only
    ],
)
def test_what_the_allow_list_does_not_cover_is_still_refused(url, reason):
    if reason is None:
        ALLOWING.check_url(url)  # control: a public name is fine
        return
    with pytest.raises(ForbiddenTarget) as caught:
        ALLOWING.check_url(url)
    assert caught.value.message == reason


def test_reserved_names_are_refused_even_when_allow_listed():
    policy = EgressPolicy(["localhost", "printer.local", "0.0.0.0", "127.0.0.1"])

    for url in ("http://localhost/", "https://printer.local/", "http://0.0.0.0/"):
        with pytest.raises(ForbiddenTarget, match="is not allowed"):
            policy.check_url(url)
    with pytest.raises(ForbiddenTarget, match="is not allowed"):
        policy.resolve(Target("https", "localhost", 443, "/"), lambda host, port: ["127.0.0.1"])


def test_plain_http_to_a_name_is_refused_when_only_names_are_allow_listed():
    with pytest.raises(ForbiddenTarget) as caught:
        EgressPolicy(["ntfy.corp.example"]).check_url("http://other.example/")

    assert caught.value.message == HTTPS_ONLY


@pytest.mark.parametrize("entry", ["not a host", "http://x.example/", "10.0.0.0/33", "a..b", "10.0.0.300", "127.1"])
def test_a_malformed_allow_list_entry_is_a_configuration_error(entry):
    with pytest.raises(ValueError, match="HERALD_EGRESS_ALLOW"):
        EgressPolicy([entry])


def test_the_policy_comes_from_settings():
    policy = policy_from_settings(Settings.from_env({"HERALD_EGRESS_ALLOW": "127.0.0.1, 10.0.0.0/8"}))

    policy.check_url("http://127.0.0.1:9000/")
    policy.check_url("http://10.1.1.1/")
    with pytest.raises(ForbiddenTarget):
        policy_from_settings(Settings.from_env({})).check_url("https://127.0.0.1/")


class Answers:
    """A fake resolver: fixed answers, and a record of what was asked."""

    def __init__(self, answers: list[str] | Exception) -> None:
        self.answers = answers
        self.asked: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        if isinstance(self.answers, Exception):
            raise self.answers
        return self.answers


def test_resolve_returns_every_checked_address_once_in_order():
    resolver = Answers(["93.184.216.34", "2606:2800:220:1::", "93.184.216.34"])
    target = STRICT.check_url("https://example.com:8443/x")

    assert STRICT.resolve(target, resolver) == ["93.184.216.34", "2606:2800:220:1::"]
    assert resolver.asked == [("example.com", 8443)]


@pytest.mark.parametrize(
    "answers",
    [
        ["127.0.0.1"],
        ["93.184.216.34", "10.0.0.1"],  # one bad answer is enough
        ["93.184.216.34", "::ffff:127.0.0.1"],
        ["169.254.169.254"],
        ["fd00::1"],
    ],
)
def test_resolve_refuses_a_name_with_any_forbidden_address(answers):
    with pytest.raises(ForbiddenTarget) as caught:
        STRICT.resolve(STRICT.check_url("https://rebind.example/"), Answers(answers))

    assert caught.value.message == PRIVATE_RANGE
    assert not isinstance(caught.value, UnresolvableHost)


@pytest.mark.parametrize(
    "failure", [socket.gaierror(socket.EAI_NONAME, "unknown"), OSError("network down"), UnicodeError("label")]
)
def test_resolve_reports_a_name_that_does_not_resolve(failure):
    with pytest.raises(UnresolvableHost) as caught:
        STRICT.resolve(STRICT.check_url("https://nowhere.example/"), Answers(failure))

    assert caught.value.message == UNRESOLVABLE


def test_resolve_reports_an_empty_answer_as_unresolvable():
    with pytest.raises(UnresolvableHost):
        STRICT.resolve(STRICT.check_url("https://nowhere.example/"), Answers([]))


def test_resolve_of_an_ip_literal_asks_no_resolver():
    resolver = Answers(["127.0.0.1"])

    assert STRICT.resolve(STRICT.check_url("https://8.8.8.8/"), resolver) == ["8.8.8.8"]
    assert resolver.asked == []


def test_an_allow_listed_name_may_resolve_to_private_addresses():
    policy = EgressPolicy(["ntfy.corp.example"])
    target = policy.check_url("http://ntfy.corp.example/alerts")

    assert policy.resolve(target, Answers(["10.0.0.7", "fd00::7"])) == ["10.0.0.7", "fd00::7"]


def test_an_allow_listed_network_covers_a_name_that_resolves_into_it_over_http():
    target = ALLOWING.check_url("http://receiver.test:9000/")

    assert ALLOWING.resolve(target, Answers(["10.1.2.3"])) == ["10.1.2.3"]


def test_plain_http_to_a_name_that_leaves_the_allow_listed_networks_is_refused_at_send_time():
    target = ALLOWING.check_url("http://receiver.test/")

    with pytest.raises(ForbiddenTarget) as caught:
        ALLOWING.resolve(target, Answers(["10.1.2.3", "93.184.216.34"]))
    assert caught.value.message == HTTPS_ONLY


def test_a_rebinding_name_is_judged_by_its_answer_at_send_time():
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    target = STRICT.check_url("https://rebind.example/")

    def resolver(host: str, port: int) -> list[str]:
        return next(answers)

    assert STRICT.resolve(target, resolver) == ["93.184.216.34"]
    with pytest.raises(ForbiddenTarget, match="private/internal"):
        STRICT.resolve(target, resolver)


# ---- allow-list entries with a port (issue 15 fix 7)


@pytest.mark.parametrize(
    ("entry", "open_url", "closed_url"),
    [
        ("127.0.0.1:9000", "http://127.0.0.1:9000/hook", "http://127.0.0.1:9001/hook"),
        ("[::1]:9000", "http://[::1]:9000/hook", "http://[::1]:22/"),
        ("10.0.0.0/8:443", "https://10.1.2.3/hook", "https://10.1.2.3:8443/hook"),
    ],
)
def test_an_allow_entry_with_a_port_opens_that_port_only(entry, open_url, closed_url):
    policy = EgressPolicy([entry])

    policy.check_url(open_url)
    with pytest.raises(ForbiddenTarget):
        policy.check_url(closed_url)


def test_a_hostname_entry_with_a_port_trusts_its_addresses_on_that_port_only():
    policy = EgressPolicy(["ntfy.internal.example:8080"])
    resolver = lambda host, port: ["10.0.0.7"]  # noqa: E731

    assert policy.resolve(policy.check_url("http://ntfy.internal.example:8080/t"), resolver) == ["10.0.0.7"]
    with pytest.raises(ForbiddenTarget):
        policy.resolve(policy.check_url("https://ntfy.internal.example:22/"), resolver)


def test_an_allow_entry_without_a_port_opens_every_port():
    policy = EgressPolicy(["127.0.0.1"])

    for port in (22, 6379, 9000):
        policy.check_url(f"http://127.0.0.1:{port}/")


@pytest.mark.parametrize("entry", ["127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:http", "[::1]:x"])
def test_a_bad_port_in_an_allow_entry_is_refused_naming_it(entry):
    with pytest.raises(ValueError, match="invalid port"):
        EgressPolicy([entry])
