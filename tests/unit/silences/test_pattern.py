"""Silence regexes through RE2: linear time, whole-value match, and the answers Python's re gives."""

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


def test_the_classic_evil_pattern_answers_at_once_where_python_re_would_never_finish():
    # (a+)+$ against "aaa…b" backtracks 2^n ways in Python's re (2^64 here: it would not end before the
    # suite's timeout). RE2 is linear by construction: the answer comes after one pass over the text.
    evil = SafePattern("(a+)+$")
    assert not evil.fullmatch("a" * 64 + "b")
    assert not evil.fullmatch("a" * 100_000 + "b")
    assert evil.fullmatch("a" * 100_000)


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"(a)\1", "invalid escape sequence"),  # backreferences
        ("(?=a)a", "invalid perl operator"),  # lookarounds
        ("(?<!a)b", "invalid perl operator"),
        ("(?>a+)", "invalid perl operator"),  # atomic groups
        ("a++", "bad repetition operator"),  # possessive quantifiers
        ("(a)?(?(1)b|c)", "invalid perl operator"),  # conditionals
        ("[", "missing ]"),
        ("a{3,2}", "invalid repetition size"),
        ("(a{1,100}){1,100}", "invalid repetition size"),
        ("x" * (MAX_PATTERN_LENGTH + 1), f"at most {MAX_PATTERN_LENGTH} characters"),
    ],
)
def test_it_refuses_what_cannot_run_in_linear_time_or_compile(pattern, why):
    with pytest.raises(UnsafePattern, match=re.escape(why)):
        SafePattern(pattern)


def test_linear_constructs_python_users_write_are_accepted():
    assert SafePattern("(?i:crit)ical").fullmatch("CRITical")
    assert SafePattern(r"\beu-west\b.*").fullmatch("eu-west-1")


def test_a_pattern_of_the_longest_length_is_accepted():
    assert SafePattern("a" * MAX_PATTERN_LENGTH).fullmatch("a" * MAX_PATTERN_LENGTH)
