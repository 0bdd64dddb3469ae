"""Words and limits shared by every adapter: headline, plain text, durations, truncation, colours."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from herald.models.notification import Notification

ELLIPSIS = "…"

SEVERITY_EMOJI = {"critical": "🔴", "warning": "🟠", "info": "🔵"}
RESOLVED_EMOJI = "✅"

# Hex colours: red, amber, blue; green when resolved.
SEVERITY_HEX = {"critical": "E01E5A", "warning": "ECB22E", "info": "2F80ED"}
RESOLVED_HEX = "2EB67D"


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters; a cut is shown with a visible ellipsis."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + ELLIPSIS


def fit_escaped(text: str, limit: int, escape: Callable[[str], str]) -> str:
    """`escape(text)` within `limit` characters: a cut shortens the text, never an escape.

    `escape` must work character by character (a backslash before markup, say).
    """
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    kept: list[str] = []
    used = len(ELLIPSIS)
    for char in text:
        piece = escape(char)
        if used + len(piece) > limit:
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept) + ELLIPSIS


def truncate_bytes(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, never splitting a character; a cut ends with an ellipsis."""
    data = text.encode()
    if len(data) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode())
    return data[: max(0, room)].decode("utf-8", "ignore") + ELLIPSIS


def format_duration(seconds: int) -> str:
    """12345 → '3h 25m 45s'; 0 → '0s'."""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    parts.append(f"{secs}s" if secs or not any(parts) else "")
    return " ".join(part for part in parts if part)


def _as_is(text: str) -> str:
    return text


def verbatim(n: Notification, escape: Callable[[str], str]) -> Callable[[str], str]:
    """`escape` for the notification's own texts (title, body, fields); none when a channel template already
    wrote them in the kind's markup (`Notification.markup`), so nothing is escaped twice."""
    return _as_is if n.markup else escape


def escaped_facts(n: Notification, escape: Callable[[str], str]) -> list[tuple[str, str, Callable[[str], str]]]:
    """`facts(n)`, each with the escape its texts need: the notification's own fields get `verbatim`'s,
    what Herald adds (monitor, URL, downtime, severity) is always escaped."""
    own = verbatim(n, escape)
    return [(name, value, own if index < len(n.fields) else escape) for index, (name, value) in enumerate(facts(n))]


def emoji(n: Notification) -> str:
    return RESOLVED_EMOJI if n.resolved else SEVERITY_EMOJI[n.severity]


def label(n: Notification) -> str:
    """'[CRITICAL]' or 'RESOLVED'."""
    return "RESOLVED" if n.resolved else f"[{n.severity.upper()}]"


def headline_prefix(n: Notification) -> str:
    """What Herald puts before the title: '🔴 [CRITICAL] ' / '✅ RESOLVED: ' (a markup kind always escapes it)."""
    return f"{RESOLVED_EMOJI} RESOLVED: " if n.resolved else f"{emoji(n)} {label(n)} "


def headline(n: Notification) -> str:
    """'🔴 [CRITICAL] My API is down' / '✅ RESOLVED: My API is up again'."""
    return headline_prefix(n) + n.title


def plain_headline(n: Notification) -> str:
    """The headline without emoji, for SMS, voice and e-mail subjects."""
    return f"RESOLVED: {n.title}" if n.resolved else f"{label(n)} {n.title}"


def downtime(n: Notification) -> str | None:
    return format_duration(n.downtime_seconds) if n.downtime_seconds is not None else None


def facts(n: Notification) -> list[tuple[str, str]]:
    """Label/value pairs every rich format shows: the notification's fields plus what Herald knows."""
    rows = [(field.label, field.value) for field in n.fields]
    if n.monitor and n.monitor.name:
        rows.append(("Monitor", n.monitor.name))
    if n.monitor and n.monitor.url:
        rows.append(("URL", n.monitor.url))
    if n.resolved and (down := downtime(n)):
        rows.append(("Downtime", down))
    rows.append(("Severity", n.severity))
    return rows


def plain_text(n: Notification, *, with_link: bool = True) -> str:
    """Headline, body, facts and link as plain lines: the fallback every format can show."""
    lines = [headline(n)]
    if n.body:
        lines.append(n.body)
    if n.resolved and (down := downtime(n)):
        lines.append(f"Down for {down}.")
    lines.extend(f"{name}: {value}" for name, value in facts(n) if name not in ("Severity", "Downtime"))
    if with_link and n.source_url:
        lines.append(n.source_url)
    return "\n".join(lines)


def color_hex(n: Notification) -> str:
    return RESOLVED_HEX if n.resolved else SEVERITY_HEX[n.severity]


def color_int(n: Notification) -> int:
    return int(color_hex(n), 16)


def recovery_line(n: Notification) -> str | None:
    """'Recovered after 3h 25m of downtime.' ('Recovered.' when the downtime is unknown); None while firing."""
    if not n.resolved:
        return None
    down = downtime(n)
    return f"Recovered after {down} of downtime." if down else "Recovered."


def description(n: Notification, limit: int, escape: Callable[[str], str] | None = None) -> str:
    """The body (escaped for the service's markup, if it has one) and, when resolved, the recovery line, within
    `limit` characters: a cut shortens only the body."""

    def body(room: int) -> str:
        return fit_escaped(n.body, room, escape) if escape else truncate(n.body, room)

    tail = recovery_line(n)
    if not tail:
        return body(limit)
    room = limit - len(tail) - 1
    if not n.body or room < 1:
        return truncate(tail, limit)
    return f"{body(room)}\n{tail}"


def link(n: Notification) -> str | None:
    """`source_url` when a service can show it as a link (absolute http/https); else None.

    Services refuse a malformed link with a 400 for the whole message, so a bad one is left out.
    """
    url = n.source_url
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def with_query_param(url: str, name: str, value: str) -> str:
    """`url` with the query parameter `name` set to `value`; every other parameter kept byte for byte."""
    parts = urlsplit(url)
    kept = [pair for pair in parts.query.split("&") if pair and pair.split("=", 1)[0] != name]
    kept.append(f"{name}={quote(value, safe='')}")
    return urlunsplit(parts._replace(query="&".join(kept)))


def json_size(payload: Any) -> int:
    """UTF-8 bytes of `payload` encoded as `OutboundRequest.json` encodes it."""
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())


def fit_json[T](
    build: Callable[[int], T], limit_bytes: int, budget: int, floor: int = 64, size: Callable[[T], int] = json_size
) -> T:
    """`build(budget)` for the largest budget, halving from `budget` to `floor`, whose `size` (by default its
    JSON's UTF-8 bytes) fits `limit_bytes`.

    `budget` is the character limit the builder applies to each free text (body, field labels and
    values). The smallest try is returned even if it does not fit: builders keep their fixed parts small.
    """
    payload = build(budget)
    while size(payload) > limit_bytes and budget > floor:
        budget = max(floor, budget // 2)
        payload = build(budget)
    return payload


def plain_body(n: Notification, *, with_link: bool = True) -> str:
    """`plain_text` without the headline: for services that show the title on its own (ntfy, Gotify, push)."""
    return "\n".join(plain_text(n, with_link=with_link).split("\n")[len(headline(n).split("\n")) :])


# -- HTML a service parses itself (Telegram, Pushover): escape & < >, cut without splitting a tag or entity --

Span = tuple[str, str]
"""`(tag, text)`: plain `text` shown inside `<tag>…</tag>`; "" is bare text, `link_tag(url)` a link, `RAW`
HTML a channel template wrote (shown as it is, and never cut)."""

RAW = "!raw"


def escape_html(text: str) -> str:
    """`&`, `<` and `>` as entities: all that Telegram's and Pushover's HTML need escaped in text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link_tag(url: str) -> str:
    """The opening `a` tag of a link to `url`, its attribute value escaped (`"` too)."""
    return 'a href="' + escape_html(url).replace('"', "&quot;") + '"'


def span_html(tag: str, text: str) -> str:
    if tag == RAW:
        return text
    if not tag:
        return escape_html(text)
    return f"<{tag}>{escape_html(text)}</{tag.split(' ', 1)[0]}>"


def html(spans: list[Span]) -> str:
    return "".join(span_html(tag, text) for tag, text in spans)


def fit_spans(spans: list[Span], limit: int, cost: Callable[[str, str], int]) -> list[Span]:
    """`spans` within `limit`, measured by `cost(tag, text)` (visible characters, or markup length).

    A cut keeps the longest prefix that fits and ends with a bare ellipsis: the cut is visible and no tag
    or entity is ever split, because text is only escaped after it has been cut.
    """
    if sum(cost(tag, text) for tag, text in spans) <= limit:
        return list(spans)
    room = limit - cost("", ELLIPSIS)
    kept: list[Span] = []
    for tag, text in spans:
        size = cost(tag, text)
        if size <= room:
            kept.append((tag, text))
            room -= size
            continue
        if tag == RAW:
            break  # a cut could split a tag: the template's HTML is shown whole or not at all
        # The cost grows with the prefix: search for the longest prefix that still fits.
        low, high = 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if cost(tag, text[:middle]) <= room:
                low = middle
            else:
                high = middle - 1
        if part := text[:low].rstrip():
            kept.append((tag, part))
        break
    while kept and not kept[-1][1].strip():
        kept.pop()  # no dangling line break before the ellipsis
    kept.append(("", ELLIPSIS))
    return kept
