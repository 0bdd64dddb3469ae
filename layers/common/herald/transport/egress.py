"""The outbound (SSRF) guard: which URLs and addresses Herald may send to.

Two moments, one policy. `check_url` judges a URL statically (no DNS) when a channel is written and again
before every send; `resolve` runs at send time, looks the name up and judges every address it answers.
The guarded session then connects to one of those checked addresses itself, so a DNS answer that changes
between check and connect (rebinding) is never used.

A URL is judged by the host a client really connects to. Rather than guessing how some other parser would
read an odd URL, anything that is not plainly `scheme://host[:port][/path][?query]` is refused.
Reasons are short and safe to show; the caller prefixes "Invalid webhook URL: ". They never contain the
path, query or userinfo of a URL (those may carry tokens).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from urllib.parse import quote, unquote

import idna

from herald.errors import ForbiddenTarget
from herald.settings import Settings

IPAddress = IPv4Address | IPv6Address
Resolver = Callable[[str, int], list[str]]

PRIVATE_RANGE = "IP address is in a private/internal range"
HTTPS_ONLY = "URL must use HTTPS"
UNRESOLVABLE = "Hostname could not be resolved"

_MAX_URL_LENGTH = 2048
_DEFAULT_PORTS = {"https": 443, "http": 80}
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# Every character UTS 46 maps to a full stop, so "127。0。0。1" cannot pass for a name.
_DOTS = re.compile("[\u002e\u3002\uff0e\uff61]")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# A host whose last label looks numeric is an IPv4 address to a WHATWG parser (and to inet_aton).
_NUMERIC_PART = re.compile(r"0x[0-9a-f]*|[0-9]+")
_PERCENT_ESCAPES = re.compile(r"(?:[^%]|%[0-9A-Fa-f]{2})*")
_RESERVED_NAMES = frozenset({"localhost", "0.0.0.0"})  # noqa: S104 - a name refused, not a bind address
_RESERVED_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")

# Not globally routable, spelled out rather than trusting `is_global` alone (its exceptions move between
# Python versions); `is_global` is still consulted as a second opinion.
_FORBIDDEN_V4 = tuple(
    IPv4Network(cidr)
    for cidr in (
        "0.0.0.0/8",  # "this network", 0.0.0.0 included
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast included
    )
)
_GLOBAL_UNICAST_V6 = IPv6Network("2000::/3")
_NAT64 = IPv6Network("64:ff9b::/96")  # well-known prefix: the IPv4 address is the last 32 bits
_SIX_TO_FOUR = IPv6Network("2002::/16")
_TEREDO = IPv6Network("2001::/32")
_FORBIDDEN_V6 = tuple(
    IPv6Network(cidr)
    for cidr in (
        "::/96",  # unspecified, loopback and IPv4-compatible
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b:1::/48",  # local-use NAT64: not global, and where the IPv4 sits depends on the local setup
        "100::/64",  # discard
        "2001:2::/48",  # benchmarking
        "2001:10::/28",  # ORCHID
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local
        "ff00::/8",  # multicast
    )
)


@dataclass(frozen=True)
class Target:
    """Where a URL really points. `path_and_query` may carry a token: it is kept out of the repr."""

    scheme: str
    host: str  # lower case, IDNA (punycode), no trailing dot; an IPv6 literal without brackets
    port: int
    path_and_query: str = field(repr=False)
    ip: str | None = None  # the host when it is an IP literal, in canonical form

    @property
    def host_header(self) -> str:
        """The Host header value: the name (bracketed if IPv6), with the port unless it is the default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if _DEFAULT_PORTS.get(self.scheme) == self.port else f"{host}:{self.port}"


class UnresolvableHost(ForbiddenTarget):
    """The name did not resolve at send time: network trouble, worth retrying (unlike a refused address)."""

    def __init__(self) -> None:
        super().__init__(UNRESOLVABLE)


def default_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to. Raises OSError (socket.gaierror) when it does not resolve."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class EgressPolicy:
    """The outbound rules plus the operator's exceptions (`HERALD_EGRESS_ALLOW`).

    Allow-list entries are IPs and CIDRs (matched against the address connected to) or exact hostnames
    (whose addresses are then trusted), each optionally with a port: `127.0.0.1:9000`, `[::1]:9000`,
    `10.0.0.0/8:443`, `ntfy.corp.example.com:8080`. An entry without a port opens every port of what it names.
    Plain http is allowed to an allow-listed host, or to a name whose every address turns out (at send
    time) to be allow-listed. The reserved names are refused even when listed.
    """

    def __init__(self, allow: Iterable[str] = ()) -> None:
        """Raises ValueError for an entry that is neither an IP, a CIDR nor a hostname (with a port)."""
        networks: list[tuple[IPv4Network | IPv6Network, int | None]] = []
        hosts: set[tuple[str, int | None]] = set()
        for raw in allow:
            entry = raw.strip()
            if not entry:
                continue
            where, port = _allow_entry_port(entry)
            try:
                networks.append((ipaddress.ip_network(where.strip("[]"), strict=False), port))
                continue
            except ValueError:
                pass
            try:
                name = _normalise_name(where)
            except ForbiddenTarget:
                name = ""
            if not name or _NUMERIC_PART.fullmatch(name.rsplit(".", 1)[-1]):
                raise ValueError(f"HERALD_EGRESS_ALLOW entry is not an IP, CIDR or hostname: {entry!r}")
            hosts.add((name, port))
        self._networks = tuple(networks)
        self._hosts = frozenset(hosts)

    def __repr__(self) -> str:
        def shown(where: str, port: int | None) -> str:
            return f"{where}:{port}" if port is not None else where

        entries = sorted(shown(str(n), p) for n, p in self._networks) + sorted(shown(h, p) for h, p in self._hosts)
        return f"EgressPolicy(allow={entries!r})"

    def check_url(self, url: str) -> Target:
        """Judge a URL without DNS. Returns where it points; raises ForbiddenTarget(reason) if refused."""
        parsed = _parse(url)
        target = parsed.target
        if _is_reserved_name(target.host):
            raise ForbiddenTarget(f"Hostname '{parsed.given_host}' is not allowed")
        if target.ip is not None:
            self.check_ip(target.ip, port=target.port)
        if parsed.oddity:
            # The real host was judged above, so a disguised private address gets the plain answer; a
            # spelling that clients read differently is still refused.
            raise _invalid(parsed.oddity)
        if target.scheme != "https" and not self._may_use_http(target):
            raise ForbiddenTarget(HTTPS_ONLY)
        return target

    def check_ip(self, ip: str | IPv4Address | IPv6Address, host: str | None = None, port: int | None = None) -> None:
        """Refuse an address that is not globally routable, unless the allow-list covers it (or its host)
        on `port`. Raises ForbiddenTarget(reason).
        """
        address = ip if isinstance(ip, IPv4Address | IPv6Address) else _parse_address(ip)
        if self._allows(host, address, port):
            return
        if is_forbidden_address(address):
            raise ForbiddenTarget(PRIVATE_RANGE)

    def resolve(self, target: Target, resolver: Resolver = default_resolver) -> list[str]:
        """Send time: every address the target's host resolves to, each one checked.

        Raises UnresolvableHost (a ForbiddenTarget) when the name does not resolve, ForbiddenTarget when
        any address is refused (one bad answer is enough: a client might pick it), or when plain http
        would reach an address the allow-list does not cover.
        """
        if _is_reserved_name(target.host):
            raise ForbiddenTarget(f"Hostname '{target.host}' is not allowed")
        if target.ip is not None:
            answers = [target.ip]
        else:
            try:
                answers = list(resolver(target.host, target.port) or ())
            except (OSError, ValueError):  # socket.gaierror, and UnicodeError for a name IDNA refuses
                raise UnresolvableHost() from None
        addresses: list[IPAddress] = []
        for answer in answers:
            address = _parse_address(str(answer))
            self.check_ip(address, target.host, target.port)
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise UnresolvableHost()
        if target.scheme != "https" and not all(self._allows(target.host, a, target.port) for a in addresses):
            raise ForbiddenTarget(HTTPS_ONLY)
        return [str(address) for address in addresses]

    def _may_use_http(self, target: Target) -> bool:
        if target.ip is not None or not self._networks:
            return self._allows(target.host, target.ip, target.port)
        # A name may lead into an allow-listed network; only its addresses, known at send time, can say.
        return True

    def _allows(self, host: str | None, ip: str | IPAddress | None, port: int | None = None) -> bool:
        if host is not None and ((host, None) in self._hosts or (host, port) in self._hosts):
            return True
        if ip is None:
            return False
        address = ip if isinstance(ip, IPv4Address | IPv6Address) else _parse_address(ip)
        return any(
            address.version == network.version and address in network and listed in (None, port)
            for network, listed in self._networks
        )


def _allow_entry_port(entry: str) -> tuple[str, int | None]:
    """`host:port`, `[v6]:port`, `cidr:port` → (where, port); a bare IPv6 address or CIDR has no port."""
    if entry.startswith("["):
        where, _, rest = entry[1:].partition("]")
        port = rest.removeprefix(":") if rest.startswith(":") else None
    elif entry.count(":") == 1:
        where, port = entry.split(":")
    else:
        return entry, None
    if port is None:
        return where, None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"HERALD_EGRESS_ALLOW entry has an invalid port: {entry!r}")
    return where, int(port)


def policy_from_settings(settings: Settings) -> EgressPolicy:
    """The policy for `settings.egress_allow` (HERALD_EGRESS_ALLOW). Raises ValueError for a bad entry."""
    return EgressPolicy(settings.egress_allow)


def is_forbidden_address(address: IPAddress) -> bool:
    """True for every address that is not globally routable, or that embeds one (NAT64, 6to4, Teredo)."""
    if isinstance(address, IPv4Address):
        return any(address in network for network in _FORBIDDEN_V4) or not address.is_global
    if address.scope_id:
        return True
    if address in _NAT64:
        return is_forbidden_address(IPv4Address(int(address) & 0xFFFFFFFF))
    if address in _SIX_TO_FOUR:
        return is_forbidden_address(IPv4Address((int(address) >> 80) & 0xFFFFFFFF))
    if address in _TEREDO:
        server = IPv4Address((int(address) >> 64) & 0xFFFFFFFF)
        client = IPv4Address(~int(address) & 0xFFFFFFFF)
        return is_forbidden_address(server) or is_forbidden_address(client)
    if any(address in network for network in _FORBIDDEN_V6):
        return True
    return address not in _GLOBAL_UNICAST_V6 or not address.is_global


def _is_reserved_name(host: str) -> bool:
    return host in _RESERVED_NAMES or host.endswith(_RESERVED_SUFFIXES)


def _parse_address(text: str) -> IPAddress:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise ForbiddenTarget("URL is not valid: not an IP address") from None


def _invalid(why: str) -> ForbiddenTarget:
    return ForbiddenTarget(f"URL is not valid: {why}")


@dataclass(frozen=True)
class _Parsed:
    target: Target
    given_host: str  # as written in the URL, for the "Hostname '...' is not allowed" reason
    oddity: str | None  # why the URL is refused once its real host has been judged


def _parse(url: object) -> _Parsed:
    """Split a URL into its target. Raises ForbiddenTarget for what cannot be read at all."""
    if not isinstance(url, str) or not url:
        raise _invalid("empty")
    if len(url) > _MAX_URL_LENGTH:
        raise _invalid("too long")
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in url):
        raise _invalid("contains spaces or control characters")
    if "\\" in url:
        # Browsers read a backslash as "/" and other clients do not: two readings, two hosts.
        raise _invalid("contains a backslash")
    match = _SCHEME.match(url)
    if not match:
        raise _invalid("no scheme")
    scheme = match.group(1).lower()
    if scheme not in _DEFAULT_PORTS:
        raise ForbiddenTarget(HTTPS_ONLY)
    rest = url[match.end() :]
    if not rest.startswith("//"):
        raise _invalid("no host")
    rest = rest[2:]
    end = next((i for i, ch in enumerate(rest) if ch in "/?#"), len(rest))
    authority, tail = rest[:end], rest[end:]
    # The last "@" ends the userinfo, as every current parser agrees; what follows is the real host.
    _, at, hostport = authority.rpartition("@")
    given_host, port = _split_port(hostport, scheme)
    host, ip, oddity = _normalise_host(given_host)
    if at and not oddity:
        oddity = "credentials in the URL are not supported"
    shown = unquote(given_host) if "%" in given_host and not given_host.startswith("[") else given_host
    return _Parsed(Target(scheme, host, port, _path_and_query(tail), ip), shown, oddity)


def _split_port(hostport: str, scheme: str) -> tuple[str, int]:
    if hostport.startswith("["):
        close = hostport.find("]")
        if close < 0:
            raise _invalid("unclosed IPv6 address")
        host, after = hostport[: close + 1], hostport[close + 1 :]
        if after and not after.startswith(":"):
            raise _invalid("bad port")
        port_text = after[1:] if after else None
    else:
        if "[" in hostport or "]" in hostport:
            raise _invalid("bad host")
        host, colon, port_text_raw = hostport.partition(":")
        port_text = port_text_raw if colon else None
    if not host:
        raise _invalid("no host")
    if port_text is None:
        return host, _DEFAULT_PORTS[scheme]
    if not port_text.isascii() or not port_text.isdigit() or len(port_text) > 5 or not 0 < int(port_text) < 65536:
        raise _invalid("bad port")
    return host, int(port_text)


def _normalise_host(given: str) -> tuple[str, str | None, str | None]:
    """The host a client connects to, its IP when it is an address, and any reason to refuse its spelling.

    Raises ForbiddenTarget when the host cannot be read at all.
    """
    if given.startswith("["):
        inner, _, zone = given[1:-1].partition("%")
        try:
            address = IPv6Address(inner)
        except ValueError:
            raise _invalid("bad IPv6 address") from None
        return str(address), str(address), "IPv6 zone ids are not allowed" if zone else None
    oddity = None
    if "%" in given:
        # WHATWG parsers decode it, others send it as is: judge the decoded host, then refuse the spelling.
        try:
            decoded = unquote(given, errors="strict") if _PERCENT_ESCAPES.fullmatch(given) else None
        except UnicodeDecodeError:
            decoded = None
        if decoded is None or "%" in decoded:
            raise _invalid("bad percent-encoding in host")
        given, oddity = decoded, "percent-encoded host"
    host = _normalise_name(given)
    if not _NUMERIC_PART.fullmatch(host.rsplit(".", 1)[-1]):
        return host, None, oddity
    canonical = str(_parse_ipv4(host))
    if canonical != host:
        oddity = oddity or "IPv4 address must be written as four decimal numbers"
    return canonical, canonical, oddity


def _normalise_name(given: str) -> str:
    """Lower case, UTS 46 mapped, punycode, one trailing dot dropped. Raises ForbiddenTarget."""
    text = unicodedata.normalize("NFKC", given)
    text = _DOTS.sub(".", text)
    if text.endswith("."):
        text = text[:-1]
    if not text or len(text) > 253:
        raise _invalid("bad host name")
    labels: list[str] = []
    for label in text.split("."):
        if not label:
            raise _invalid("bad host name")
        if label.isascii():
            ascii_label = label.lower()
        else:
            try:
                ascii_label = idna.encode(label, uts46=True).decode("ascii")
            except (idna.IDNAError, UnicodeError):
                raise _invalid("bad host name") from None
        if not _LABEL.fullmatch(ascii_label):
            raise _invalid("bad host name")
        labels.append(ascii_label)
    return ".".join(labels)


def _parse_ipv4(host: str) -> IPv4Address:
    """Read a numeric host as a WHATWG URL parser (and inet_aton) does: 127.1, 0x7f.1, 0177.0.0.1, 2130706433.

    Raises ForbiddenTarget when it is no address at all (a numeric last label on a name, an overflow).
    """
    parts = host.split(".")
    if len(parts) > 4 or not all(_NUMERIC_PART.fullmatch(part) for part in parts):
        raise _invalid("bad IPv4 address")
    numbers: list[int] = []
    for part in parts:
        try:
            if part.startswith("0x"):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part))
        except ValueError:
            raise _invalid("bad IPv4 address") from None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise _invalid("bad IPv4 address")
    return IPv4Address(last + sum(n << (8 * (3 - i)) for i, n in enumerate(head)))


def _path_and_query(tail: str) -> str:
    """Path and query without the fragment; non-ASCII percent-encoded, existing escapes kept."""
    path = tail.split("#", 1)[0]
    if not path.startswith("/"):
        path = "/" + path
    return quote(path, safe="!#$%&'()*+,/:;=?@[]~-._")
