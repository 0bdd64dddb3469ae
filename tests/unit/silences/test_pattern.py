"""The silence regex engine: Python's syntax, RE2's guarantee (linear time, whole-value match)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from herald.silences.pattern import MAX_PATTERN_LENGTH, SafePattern, UnsafePattern

AGREES_WITH_RE = [
    ("api-.*", ["api-eu", "api-", "xapi-eu", "api"]),
    ("(?i)CRIT.*", ["critical", "CRIT", "warning"]),
    ("[^a-z]+", ["12", "1a", ""]),
    ("x{2,4}", ["x", "xx", "xxxx", "xxxxx"]),
    ("x{2,}", ["x", "xx", "xxxxxxx"]),
    ("staging|dev", ["dev", "staging", "prod", "devx"]),
    (r"\d{3}-\w+\s?", ["123-ab", "123-ab ", "12-ab", "123-"]),
    ("a*?b", ["b", "aab", "aa"]),
    ("(a|ab)(c|bcd)(d*)", ["abcd", "acd", "abd"]),
    ("^eu-(west|east)-[0-9]$", ["eu-west-1", "eu-north-1", "eu-west-12"]),
    ("[.]", [".", "a"]),
    ("a.c", ["abc", "a\nc"]),
    ("", ["", "a"]),
]


@pytest.mark.parametrize(("pattern", "texts"), AGREES_WITH_RE)
def test_it_matches_the_whole_value_as_python_re_would(pattern, texts):
    compiled = SafePattern(pattern)

    assert [compiled.fullmatch(text) for text in texts] == [bool(re.fullmatch(pattern, text)) for text in texts]


@given(st.from_regex(r"[ab]{0,12}", fullmatch=True))
def test_it_agrees_with_re_on_nested_quantifiers(text):
    for pattern in ("(a+)+b?", "(a|ab)*b", "(a*)*", "(ab|a)+(b|)"):
        assert SafePattern(pattern).fullmatch(text) == bool(re.fullmatch(pattern, text)), pattern


def test_the_classic_evil_pattern_costs_at_most_states_times_length():
    # (a+)+$ against "aaa…b" backtracks 2^n ways in Python's re. Here each character advances a set of
    # states, each visited at most once: the work is bounded by construction, whatever the text.
    evil = SafePattern("(a+)+$")
    for length in (10, 100, 1000):
        matched, visits = evil.fullmatch_counting("a" * length + "b")
        assert not matched
        assert visits <= evil.size * (length + 2)
    assert evil.fullmatch("a" * 1000)


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"(a)\1", "backreferences"),
        ("(?=a)a", "lookarounds"),
        ("(?<!a)b", "lookarounds"),
        ("(?>a+)", "atomic groups"),
        ("a++", "possessive quantifiers"),
        ("(a)?(?(1)b|c)", "conditionals"),
        ("(?i:a)b", "inline flags"),
        (r"\bword", "word boundaries"),
        ("[", "does not compile"),
        ("a{3,2}", "does not compile"),
        ("x" * (MAX_PATTERN_LENGTH + 1), f"at most {MAX_PATTERN_LENGTH} characters"),
        ("(a{1,100}){1,100}", "too large"),
        ("(){4000000000}", "too large"),
        ("(?:){5,4000000000}", "too large"),
    ],
)
def test_it_refuses_what_cannot_run_in_linear_time_or_compile(pattern, why):
    with pytest.raises(UnsafePattern, match=re.escape(why)):
        SafePattern(pattern)


def test_a_pattern_of_the_longest_length_is_accepted():
    assert SafePattern("a" * MAX_PATTERN_LENGTH).fullmatch("a" * MAX_PATTERN_LENGTH)
