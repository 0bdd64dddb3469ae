"""Silence regexes, run by RE2 (google-re2): linear time whatever the pattern, never backtracking.

Python's `re` backtracks, so `(a+)+$` against "aaa…b" takes exponential time, and a silence's regex is
written by a tenant and run on every event. RE2 (https://github.com/google/re2/wiki/Syntax) matches in
time linear in the text, and refuses at compile time what it cannot match that way: backreferences,
lookarounds, atomic groups, possessive quantifiers and conditionals. Like Alertmanager, the whole value
must match (`fullmatch`), and RE2's syntax is Alertmanager's own (Go's regexp is RE2).
"""

from __future__ import annotations

from typing import Any

MAX_PATTERN_LENGTH = 256
MAX_PROGRAM_BYTES = 1 << 20  # RE2's memory for one compiled pattern; a larger one is refused


class UnsafePattern(ValueError):
    """The pattern does not compile in RE2 (or is too long or too large)."""


class SafePattern:
    """A compiled pattern; `fullmatch(text)` tells whether the whole text matches."""

    def __init__(self, source: str) -> None:
        import re2  # loaded with the first silence that has a regex, not at every cold start

        if len(source) > MAX_PATTERN_LENGTH:
            raise UnsafePattern(f"a regex may have at most {MAX_PATTERN_LENGTH} characters")
        options = re2.Options()
        options.max_mem = MAX_PROGRAM_BYTES
        options.log_errors = False
        try:
            self._regex: Any = re2.compile(source, options)
        except re2.error as exc:
            reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
            raise UnsafePattern(f"the regex does not compile in RE2 syntax: {reason}") from None
        self.source = source

    def fullmatch(self, text: str) -> bool:
        return self._regex.fullmatch(text) is not None
