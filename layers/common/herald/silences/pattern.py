"""Regular expressions matched in linear time, RE2's way: a Thompson NFA, never backtracking.

Python's `re` backtracks, so `(a+)+$` against "aaaa…b" takes exponential time, and a silence's regex is
written by a tenant and run on every event. Herald parses the pattern with Python's own parser (the same
syntax users know) and runs it as a set of NFA states advanced one character at a time: each step visits
each state at most once, so matching costs at most `len(states) × (len(text) + 1)` state visits, whatever
the pattern (RE2's guarantee; https://swtch.com/~rsc/regexp/regexp1.html). Like Alertmanager, the whole
value must match (`^(?:pattern)$`).

Constructs that need backtracking, which RE2 refuses too, are refused: backreferences, lookarounds,
conditionals, atomic groups and possessive quantifiers; so are scoped inline flags and `\\b`. A leading
`(?i)` (case-insensitive) is allowed.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_PATTERN_LENGTH = 256
MAX_STATES = 2000  # after expanding counted repeats like x{2,50}

Test = Callable[[str], bool]


class UnsafePattern(ValueError):
    """The pattern does not compile or uses a construct that cannot be matched in linear time."""


@dataclass
class _State:
    test: Test | None = None  # consumes one character that passes `test`
    out: list[int] = field(default_factory=list)  # epsilon moves (for a test state: the one next state)
    at: str | None = None  # "begin" / "end": an epsilon move allowed only there
    final: bool = False


def _category(name: object) -> Test:
    tests: dict[object, Test] = {
        sre.CATEGORY_DIGIT: str.isdecimal,
        sre.CATEGORY_NOT_DIGIT: lambda c: not c.isdecimal(),
        sre.CATEGORY_SPACE: str.isspace,
        sre.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
        sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
        sre.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
    }
    if name not in tests:
        raise UnsafePattern(f"the class {name} is not supported")
    return tests[name]


class SafePattern:
    """A compiled pattern; `fullmatch(text)` tells whether the whole text matches."""

    def __init__(self, source: str) -> None:
        if len(source) > MAX_PATTERN_LENGTH:
            raise UnsafePattern(f"a regex may have at most {MAX_PATTERN_LENGTH} characters")
        try:
            parsed = sre_parse.parse(source, 0)
        except re.error as exc:
            raise UnsafePattern(f"the regex does not compile: {exc}") from None
        self.source = source
        self._fold = bool(parsed.state.flags & re.IGNORECASE)
        self._states: list[_State] = [_State(final=True)]
        self._start = self._sequence(list(parsed), 0)

    def fullmatch(self, text: str) -> bool:
        return self.fullmatch_counting(text)[0]

    def fullmatch_counting(self, text: str) -> tuple[bool, int]:
        """The match, and how many state visits it took (never more than len(states) × (len(text) + 1))."""
        visits = 0
        current, step = self._closure([self._start], 0, len(text))
        visits += step
        for position, char in enumerate(text):
            if not current:
                break
            moved = [self._states[s].out[0] for s in current if (test := self._states[s].test) and test(char)]
            current, step = self._closure(moved, position + 1, len(text))
            visits += step
        return any(self._states[s].final for s in current), visits

    @property
    def size(self) -> int:
        return len(self._states)

    def _closure(self, starts: list[int], position: int, end: int) -> tuple[list[int], int]:
        """Every state reachable from `starts` without consuming a character; each visited once."""
        seen: set[int] = set()
        stack = list(reversed(starts))
        while stack:
            index = stack.pop()
            if index in seen:
                continue
            seen.add(index)
            state = self._states[index]
            if state.test is None and not state.final:
                if (state.at == "begin" and position != 0) or (state.at == "end" and position != end):
                    continue
                stack.extend(reversed(state.out))
        return [s for s in seen if self._states[s].test is not None or self._states[s].final], len(seen)

    # Compilation runs backwards: each piece is built knowing the state that follows it.

    def _add(self, state: _State) -> int:
        if len(self._states) >= MAX_STATES:
            raise UnsafePattern("the regex is too large (expand fewer counted repeats)")
        self._states.append(state)
        return len(self._states) - 1

    def _sequence(self, items: list[tuple[object, Any]], following: int) -> int:
        for op, arg in reversed(items):
            following = self._item(op, arg, following)
        return following

    def _item(self, op: object, arg: Any, following: int) -> int:
        if op in (sre.LITERAL, sre.NOT_LITERAL):
            char = chr(arg)
            same = self._same(char)
            return self._add(_State(test=same if op is sre.LITERAL else lambda c: not same(c), out=[following]))
        if op is sre.ANY:
            return self._add(_State(test=lambda c: c != "\n", out=[following]))
        if op is sre.IN:
            return self._add(_State(test=self._set(arg), out=[following]))
        if op is sre.BRANCH:
            _, branches = arg
            return self._add(_State(out=[self._sequence(list(branch), following) for branch in branches]))
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, body = arg
            if add_flags or del_flags:
                raise UnsafePattern("inline flags are only allowed as a leading (?i)")
            return self._sequence(list(body), following)
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, high, body = arg
            return self._repeat(list(body), low, high, following)
        if op is sre.AT and arg in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING):
            return self._add(_State(at="begin", out=[following]))
        if op is sre.AT and arg in (sre.AT_END, sre.AT_END_STRING):
            return self._add(_State(at="end", out=[following]))
        refused = {
            sre.GROUPREF: "backreferences",
            sre.GROUPREF_EXISTS: "conditionals",
            sre.ASSERT: "lookarounds",
            sre.ASSERT_NOT: "lookarounds",
            sre.ATOMIC_GROUP: "atomic groups",
            sre.POSSESSIVE_REPEAT: "possessive quantifiers",
        }
        if op in refused:
            raise UnsafePattern(f"{refused[op]} are not allowed (they cannot be matched in linear time)")
        if op is sre.AT:
            raise UnsafePattern("word boundaries (\\b, \\B) are not supported")
        raise UnsafePattern(f"'{str(op).lower()}' is not supported")

    def _repeat(self, body: list[tuple[object, Any]], low: int, high: int, following: int) -> int:
        if low > MAX_STATES or (high != sre.MAXREPEAT and high > MAX_STATES):
            # Checked before expanding: an empty body, `(){4000000000}`, would add no state to count.
            raise UnsafePattern(f"the regex is too large (a counted repeat may be at most {MAX_STATES})")
        if high == sre.MAXREPEAT:
            loop = self._add(_State(out=[]))
            loop_state = self._states[loop]
            loop_state.out = [self._sequence(body, loop), following]
            chain = loop
        else:
            chain = following
            for _ in range(high - low):  # x{0,2} is (x(x)?)?
                chain = self._add(_State(out=[self._sequence(body, chain), following]))
        for _ in range(low):
            chain = self._sequence(body, chain)
        return chain

    def _same(self, char: str) -> Test:
        if self._fold:
            folded = char.casefold()
            return lambda c: c.casefold() == folded
        return lambda c: c == char

    def _set(self, items: list[tuple[object, Any]]) -> Test:
        negate = False
        tests: list[Test] = []
        for op, arg in items:
            if op is sre.NEGATE:
                negate = True
            elif op is sre.LITERAL:
                tests.append(self._same(chr(arg)))
            elif op is sre.RANGE:
                low, high = arg
                tests.append(self._range(low, high))
            elif op is sre.CATEGORY:
                tests.append(_category(arg))
            else:
                raise UnsafePattern(f"'{op}' is not supported in a character class".lower())
        return lambda c: any(test(c) for test in tests) != negate

    def _range(self, low: int, high: int) -> Test:
        if self._fold:
            return lambda c: any(low <= ord(v) <= high for v in (c, c.lower(), c.upper()))
        return lambda c: low <= ord(c) <= high
