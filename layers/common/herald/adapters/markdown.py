"""CommonMark escaping for the chat kinds whose messages are Markdown (Mattermost, Webex).

CommonMark lets a backslash make any ASCII punctuation literal (spec 0.31 §2.4 "Backslash escapes"), so every
character that could start markup is escaped on its own: the escape works character by character, which lets
`render.fit_escaped` cut a long text without ever splitting an escape. `@` is escaped too, so a monitor's
`@all` is shown as written rather than as a mention link. Links the client finds by itself are left whole:
an escape inside one would break it (as Discord's escaping does).
"""

from __future__ import annotations

import re
from urllib.parse import quote

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-!|~&@])")
_BARE_LINK = re.compile(r"(https?://[^\s<>]+)")
_LINE_BREAK = re.compile(r"\r\n?")
# Inside `(<...>)` a link destination ends at `>` and may not hold `<` or line breaks: those (and spaces,
# controls, backslashes, non-ASCII) are percent-encoded, which names the same resource.
_DESTINATION_SAFE = "".join(chr(code) for code in range(0x21, 0x7F) if chr(code) not in "<>\\")


def escape(text: str) -> str:
    """`text` shown as written: each Markdown character backslash-escaped, `\\r\\n` as `\\n`."""
    parts = _BARE_LINK.split(_LINE_BREAK.sub("\n", text))
    return "".join(part if index % 2 else _SPECIAL.sub(r"\\\1", part) for index, part in enumerate(parts))


def link(label: str, url: str) -> str:
    """`[label](<url>)`, the label escaped and the URL encoded so that nothing in it ends the link early."""
    return f"[{escape(label)}](<{quote(url, safe=_DESTINATION_SAFE)}>)"
