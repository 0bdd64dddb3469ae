"""Strategies for the outbound guard: forbidden addresses (docs/API.md §7) and the many ways to spell them.

The ranges are written out here from the contract, not imported from the guard, so that a range the
guard forgets is a failing example rather than a shared blind spot.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from hypothesis import strategies as st

# Not globally routable (API.md §7: loopback, private, link-local, CGNAT, multicast, reserved, "this
# network", documentation and benchmarking ranges).
FORBIDDEN_V4 = tuple(
    IPv4Network(cidr)
    for cidr in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
# The addresses an attacker reaches for first, drawn more often than a uniform pick would.
FAVOURITES_V4 = tuple(
    IPv4Address(text) for text in ("127.0.0.1", "169.254.169.254", "0.0.0.0", "10.0.0.1", "255.255.255.255")
)
FORBIDDEN_V6 = tuple(
    IPv6Network(cidr)
    for cidr in (
        "::1/128",
        "::/128",
        "::/96",  # IPv4-compatible
        "100::/64",  # discard
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local
        "ff00::/8",  # multicast
    )
)
# Prefixes that carry an IPv4 address in a fixed place (RFC 4291, RFC 6052, RFC 3056, RFC 4380).
MAPPED = IPv6Address("::ffff:0:0")
NAT64 = IPv6Address("64:ff9b::")
SIX_TO_FOUR = IPv6Address("2002::")
TEREDO = IPv6Address("2001::")

SCHEMES = st.sampled_from(["https", "http", "HTTPS", "Https", "HTTP"])
PATHS = st.sampled_from(["", "/", "/hook", "/latest/meta-data/", "/services/T0/B0/x?token=1", "/a#frag", "?q=1"])
USERINFO = st.sampled_from(["", "user@", "user:pass@", "hooks.slack.com@", "good.example:443@", "@", "a%40b@"])
PUBLIC_NAME_ANSWER = "hooks.example.com"


def _in(network: IPv4Network | IPv6Network) -> st.SearchStrategy[int]:
    return st.integers(int(network.network_address), int(network.broadcast_address))


forbidden_v4 = st.one_of(
    st.sampled_from(FAVOURITES_V4),
    st.sampled_from(FORBIDDEN_V4).flatmap(_in).map(IPv4Address),
)


def _teredo(server: int, client: int, middle: int) -> IPv6Address:
    # 2001:0:<server v4>:<flags>:<port>:<client v4 inverted>
    return IPv6Address(int(TEREDO) | server << 64 | middle << 32 | (~client & 0xFFFFFFFF))


any_v4 = st.integers(0, 2**32 - 1)
forbidden_v6 = st.one_of(
    st.sampled_from(FORBIDDEN_V6).flatmap(_in).map(IPv6Address),
    forbidden_v4.map(lambda v4: IPv6Address(int(MAPPED) | int(v4))),
    forbidden_v4.map(lambda v4: IPv6Address(int(NAT64) | int(v4))),
    st.tuples(forbidden_v4, st.integers(0, 2**80 - 1)).map(
        lambda pair: IPv6Address(int(SIX_TO_FOUR) | int(pair[0]) << 80 | pair[1])
    ),
    st.tuples(forbidden_v4, any_v4, st.integers(0, 2**32 - 1)).map(lambda t: _teredo(int(t[0]), t[1], t[2])),
    st.tuples(any_v4, forbidden_v4, st.integers(0, 2**32 - 1)).map(lambda t: _teredo(t[0], int(t[1]), t[2])),
)


# -- spellings ---------------------------------------------------------------------------------------

_FULLWIDTH_OFFSET = 0xFF01 - 0x21
_DOTS = (".", ".", ".", "\u3002", "\uff0e", "\uff61")  # full stop, and what UTS 46 maps to it


@st.composite
def _number(draw: st.DrawFn, value: int) -> str:
    """One part of an IPv4 address as a WHATWG URL parser reads it: decimal, 0x hex or 0-prefixed octal."""
    base = draw(st.sampled_from(["dec", "dec", "hex", "oct"]))
    if base == "hex":
        digits = format(value, "x")
        digits = "".join(draw(st.sampled_from([c, c.upper()])) for c in digits)
        return draw(st.sampled_from(["0x", "0X"])) + "0" * draw(st.integers(0, 3)) + digits
    if base == "oct":
        return "0" * draw(st.integers(1, 3)) + format(value, "o")
    return str(value)


@st.composite
def _disguise(draw: st.DrawFn, host: str) -> str:
    """`host` with some characters in fullwidth form and some percent-encoded (each read back by clients)."""
    out = []
    for char in host:
        form = draw(st.sampled_from(["plain"] * 6 + ["fullwidth", "percent"]))
        if form == "fullwidth" and "!" <= char <= "~":
            out.append(chr(ord(char) + _FULLWIDTH_OFFSET))
        elif form == "percent":
            out.append("".join(f"%{byte:02X}" for byte in char.encode()))
        else:
            out.append(char)
    return "".join(out)


@st.composite
def v4_host(draw: st.DrawFn, address: IPv4Address) -> str:
    """An IPv4 address as a URL host: 1-4 parts, each in any base, odd dots, fullwidth, escapes, trailing dot."""
    value = int(address)
    parts = draw(st.integers(1, 4))
    head = [(value >> (8 * (3 - i))) & 0xFF for i in range(parts - 1)]
    last = value & ((1 << (8 * (5 - parts))) - 1)
    numbers = [draw(_number(n)) for n in [*head, last]]
    host = "".join(
        number + (draw(st.sampled_from(_DOTS)) if i < len(numbers) - 1 else "") for i, number in enumerate(numbers)
    )
    if draw(st.booleans()):
        host += "."
    if draw(st.sampled_from([False, False, True])):
        host = draw(_disguise(host))
    return host


@st.composite
def v6_literal(draw: st.DrawFn, address: IPv6Address) -> str:
    """An IPv6 address as written inside brackets: any zero run compressed or none, any case, leading
    zeros, the last 32 bits sometimes as a dotted quad, sometimes with a zone id."""
    groups = [(int(address) >> (16 * (7 - i))) & 0xFFFF for i in range(8)]
    dotted = draw(st.booleans())
    words = [format(g, "x").rjust(draw(st.integers(1, 4)), "0") for g in (groups[:6] if dotted else groups)]
    words = ["".join(draw(st.sampled_from([c, c.upper()])) for c in word) for word in words]
    if dotted:
        words.append(str(IPv4Address(int(address) & 0xFFFFFFFF)))
    zero_runs = [
        (start, end)
        for start in range(len(words))
        for end in range(start + 1, len(words) + 1)
        if all(set(w) == {"0"} for w in words[start:end])
    ]
    if zero_runs and draw(st.booleans()):
        start, end = draw(st.sampled_from(zero_runs))
        text = ":".join(words[:start]) + "::" + ":".join(words[end:])
    else:
        text = ":".join(words)
    zone = draw(st.sampled_from(["", "", "", "%25eth0", "%eth0", "%251"]))
    return f"[{text}{zone}]"


@st.composite
def url_for(draw: st.DrawFn, host: str) -> str:
    """`host` inside a URL with a random scheme, userinfo, port and path."""
    port = draw(st.sampled_from(["", "", ":443", ":80", ":8080", ":1", ":65535"]))
    return f"{draw(SCHEMES)}://{draw(USERINFO)}{host}{port}{draw(PATHS)}"


RESERVED_NAMES = ("localhost", "api.localhost", "printer.local", "metadata.google.internal", "nas.home.arpa")


@st.composite
def reserved_host(draw: st.DrawFn) -> str:
    """A reserved name in any case, with a trailing dot, odd dots, fullwidth letters or escapes."""
    name = draw(st.sampled_from(RESERVED_NAMES))
    name = "".join(draw(st.sampled_from([c, c.upper()])) for c in name)
    name = "".join(draw(st.sampled_from(_DOTS)) if c == "." else c for c in name)
    if draw(st.booleans()):
        name += "."
    return draw(_disguise(name)) if draw(st.booleans()) else name


@st.composite
def smuggled(draw: st.DrawFn, url: str) -> str:
    """`url` with a character some parsers drop or read as a separator (tab, line break, NUL, backslash,
    a zero-width space) slipped in after the scheme."""
    at = draw(st.integers(url.index("//") + 2, len(url)))
    char = draw(st.sampled_from(["\t", "\n", "\r", " ", "\x00", "\\", "\u200b", "\ufeff", "\u00ad"]))
    return url[:at] + char + url[at:]


forbidden_v4_urls = forbidden_v4.flatmap(v4_host).flatmap(url_for)
forbidden_v6_urls = forbidden_v6.flatmap(v6_literal).flatmap(url_for)
reserved_urls = reserved_host().flatmap(url_for)

# Spellings a resolver (getaddrinfo) may answer with for a forbidden address.
forbidden_answers = st.one_of(
    forbidden_v4.map(str),
    forbidden_v6.map(str),
    forbidden_v6.map(lambda a: a.exploded),
    forbidden_v4.map(lambda a: f"::ffff:{a}"),
    st.sampled_from(["fe80::1%eth0", "fe80::1%1", "::1", "0.0.0.0", "::"]),
)


def _public_v4(value: int) -> bool:
    address = IPv4Address(value)
    return address.is_global and not any(address in network for network in FORBIDDEN_V4)


public_v4 = any_v4.filter(_public_v4).map(IPv4Address)
public_v6 = st.integers(int(IPv6Address("2400::")), int(IPv6Address("2a0f:ffff::"))).map(IPv6Address)
public_answers = st.one_of(public_v4.map(str), public_v6.map(str))
