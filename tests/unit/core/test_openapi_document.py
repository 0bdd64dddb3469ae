"""The OpenAPI document: committed as docs/openapi.json, complete (summary, examples, errors), and true to itself.

Every example is validated against the schema it illustrates, so an example cannot drift from the shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from local.openapi import COMMITTED, generate

DOCUMENT: dict[str, Any] = json.loads(generate())
OPERATIONS = [
    pytest.param(operation, id=f"{method.upper()} {path}")
    for path, methods in DOCUMENT["paths"].items()
    for method, operation in methods.items()
]


def test_the_committed_document_is_what_the_code_generates() -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == DOCUMENT, "docs/openapi.json is out of date: run `make openapi` and commit it"


def resolved(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def media_examples(media: dict[str, Any]) -> list[Any]:
    """The examples a reader sees for one media type: its own, else those of its schema."""
    own = [example["value"] for example in media.get("examples", {}).values()]
    return own or list(resolved(media["schema"]).get("examples", []))


def bodies(operation: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, media type) of the request body and of every response with content."""
    for media in operation.get("requestBody", {}).get("content", {}).values():
        yield "request", media
    for status, response in operation["responses"].items():
        for media in response.get("content", {}).values():
            yield status, media


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_has_a_summary_its_errors_and_an_example_of_each_body(operation: dict[str, Any]) -> None:
    assert operation.get("summary"), "an operation without a summary"
    statuses = set(operation["responses"])
    assert {"400", "500"} <= statuses, f"errors missing: {sorted(statuses)}"
    assert any(status.startswith("2") for status in statuses)
    missing = [where for where, media in bodies(operation) if not media_examples(media)]
    assert not missing, f"no example for: {missing}"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_example_fits_the_schema_it_illustrates(operation: dict[str, Any]) -> None:
    for where, media in bodies(operation):
        validator = Draft202012Validator({**media["schema"], "components": DOCUMENT["components"]})
        for example in media_examples(media):
            problems = [error.message for error in validator.iter_errors(example)]
            assert not problems, f"{where} example {json.dumps(example)[:200]}: {problems}"


def test_the_committed_document_is_served_at_the_root() -> None:
    assert DOCUMENT["servers"] == [{"url": "/"}]


def test_the_channel_listings_kind_filter_names_every_kind_and_alias() -> None:
    from herald.adapters import registry

    (kind,) = [p for p in DOCUMENT["paths"]["/v1/channels"]["get"]["parameters"] if p["name"] == "kind"]
    every_name = {name for adapter in registry.ADAPTERS.values() for name in (adapter.kind, *adapter.aliases)}
    assert set(kind["schema"]["enum"]) == every_name and {"victorops", "phone", "webhook"} <= every_name
