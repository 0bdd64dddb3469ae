import pytest

from herald.adapters import registry
from herald.errors import ValidationFailed
from herald.secrets import carry_secrets, merge_patch

P = "••••••••"


def test_merge_patch_merges_objects_removes_nulls_and_replaces_the_rest():
    stored = {"url": "https://a.example/x", "headers": {"A": "1", "B": "2"}, "method": "POST", "tags": ["a"]}
    patch = {"headers": {"B": None, "C": "3"}, "method": None, "tags": ["b"]}
    assert merge_patch(stored, patch) == {"url": "https://a.example/x", "headers": {"A": "1", "C": "3"}, "tags": ["b"]}


def test_placeholders_take_the_stored_value_and_are_reported_as_carried():
    stored = {"botToken": "123:abc", "chatId": "1", "headers": {"X-Token": "s3cret"}}
    incoming = {"botToken": P, "chatId": "2", "headers": {"X-Token": P}}
    filled, carried = carry_secrets(incoming, stored, "config")
    assert filled == {"botToken": "123:abc", "chatId": "2", "headers": {"X-Token": "s3cret"}}
    assert carried == ["config.botToken", "config.headers.X-Token"]


def test_a_placeholder_with_nothing_stored_is_refused_naming_the_field():
    with pytest.raises(ValidationFailed) as caught:
        carry_secrets({"apiKey": P}, {}, "config")
    assert caught.value.details[0].field == "config.apiKey"


@pytest.mark.parametrize("kind", sorted(registry.ADAPTERS))
def test_every_kinds_host_and_recipient_fields_are_its_own_fields_and_never_both(kind):
    # A misspelt host field would compare None with None and let secrets follow a channel anywhere.
    model = registry.get(kind).config_model
    assert set(model.host_fields) <= set(model.model_fields)
    assert set(model.recipient_fields) <= set(model.model_fields)
    assert not set(model.host_fields) & set(model.recipient_fields)
