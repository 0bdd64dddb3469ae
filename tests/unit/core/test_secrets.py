import base64
from urllib.parse import quote

import pytest

from herald.adapters import registry
from herald.errors import ValidationFailed
from herald.models.config import SECRET_PLACEHOLDER
from herald.secrets import carry_secrets, merge_patch, scrub

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


SLACK_TOKEN = "xoxbSECRETpart42abcdef"
SLACK_URL = f"https://hooks.slack.com/services/T000/B000/{SLACK_TOKEN}"


@pytest.mark.parametrize(
    "said",
    [
        f"invalid url {SLACK_URL}",
        f"no such hook /services/T000/B000/{SLACK_TOKEN}",
        f"token {SLACK_TOKEN[:10]}…",  # quoted, then cut short by the provider or by Herald
        f"token {quote(SLACK_TOKEN + '/x', safe='')}",
        "Basic " + base64.b64encode(f"AC1:{SLACK_TOKEN}".encode()).decode(),
    ],
)
def test_scrub_removes_every_form_of_a_secret(said):
    scrubbed = scrub(f"Slack returned 400: {said}", [SLACK_URL])
    assert SECRET_PLACEHOLDER in scrubbed
    assert said.split()[-1] not in scrubbed and SLACK_TOKEN[:8] not in scrubbed


def test_scrub_keeps_the_host_and_ordinary_words():
    said = "Slack returned 404: no_service at hooks.slack.com"
    assert scrub(said, [SLACK_URL, "hunter2"]) == said
    assert scrub("wrong password hunter2", ["hunter2"]) == f"wrong password {SECRET_PLACEHOLDER}"
