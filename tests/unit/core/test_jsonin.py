"""herald.jsonin: JSON from outside, refused with a 400 naming the limit when nested too deep."""

from __future__ import annotations

import pytest

from herald.errors import InvalidRequest
from herald.jsonin import MAX_DEPTH, check_depth, loads


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_up_to_the_limit_is_read():
    assert loads(nested(MAX_DEPTH)) is not None
    check_depth({"a": [{"b": 1}], "c": {"d": {}}})


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 300, 100_000])
def test_deeper_is_400_naming_the_limit(depth):
    with pytest.raises(InvalidRequest) as caught:
        loads(nested(depth), "event")

    assert caught.value.code == "too_deep"
    assert caught.value.message == f"The event is nested more than {MAX_DEPTH} levels deep."


def test_an_object_already_parsed_is_checked_too():
    deep: dict = {}
    for _ in range(MAX_DEPTH + 5):
        deep = {"x": deep}
    with pytest.raises(InvalidRequest):
        check_depth(deep)


def test_not_json_is_400_invalid_json():
    with pytest.raises(InvalidRequest) as caught:
        loads("{nope", "body")
    assert caught.value.code == "invalid_json"
