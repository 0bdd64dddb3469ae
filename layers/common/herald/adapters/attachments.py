"""The Slack-style message attachment Mattermost and Rocket.Chat both read (PROVIDERS.md §18, §19).

One coloured attachment per alert: the headline as its title (linked to the monitoring page), the body as
its Markdown text, Herald's facts as fields. Each service adds its own parts around it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from herald.adapters import render
from herald.models.notification import Notification

TITLE_LIMIT = 256  # our choice: a headline, never a paragraph (neither service documents a title limit)
SHORT_VALUE = 40  # our choice: a value up to this long sits beside the next one (`short`)


def attachment(n: Notification, escape: Callable[[str], str], text_limit: int, field_limit: int) -> dict[str, Any]:
    """`color` by severity (green once resolved), `title` (+ `title_link`), `text` and `fields`.

    Titles and field names are plain text in both services; the body and field values are Markdown, so
    the notification's own texts go through `escape` (nothing is escaped twice after a template).
    """
    own = render.verbatim(n, escape)
    part: dict[str, Any] = {
        "color": f"#{render.color_hex(n)}",
        "title": render.truncate(render.headline(n), TITLE_LIMIT),
    }
    if url := render.link(n):
        part["title_link"] = url
    if text := render.description(n, text_limit, own):
        part["text"] = text
    part["fields"] = [
        {
            "title": render.truncate(name, field_limit),
            "value": render.fit_escaped(value or "—", field_limit, esc),
            "short": len(value) <= SHORT_VALUE,
        }
        for name, value, esc in render.escaped_facts(n, escape)
    ]
    return part


def error_words(data: Any, *keys: str) -> str | None:
    """The service's own words from a JSON error answer: the first of `keys` that is set."""
    if not isinstance(data, dict):
        return None
    return next((str(data[key]) for key in keys if data.get(key)), None)
