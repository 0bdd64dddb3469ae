"""Words and limits shared by every adapter: headline, plain text, durations, truncation, colours."""

from __future__ import annotations

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


def emoji(n: Notification) -> str:
    return RESOLVED_EMOJI if n.resolved else SEVERITY_EMOJI[n.severity]


def label(n: Notification) -> str:
    """'[CRITICAL]' or 'RESOLVED'."""
    return "RESOLVED" if n.resolved else f"[{n.severity.upper()}]"


def headline(n: Notification) -> str:
    """'🔴 [CRITICAL] My API is down' / '✅ RESOLVED: My API is up again'."""
    if n.resolved:
        return f"{RESOLVED_EMOJI} RESOLVED: {n.title}"
    return f"{emoji(n)} {label(n)} {n.title}"


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
