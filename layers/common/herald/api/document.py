"""The OpenAPI document: what Powertools generates from the typed routes, finished in three ways.

1. Every kind's config model joins the components (secrets are `writeOnly`), and a channel's create and
   replace bodies say which config goes with which `kind`. The models stay the one source: the same
   classes validate configs at runtime.
2. Powertools' own validation-error schema gives way to Herald's error shape; a body route may say 415.
3. Links tell a client (and schemathesis) that a created object's `id` is the path id of its routes.
"""

from __future__ import annotations

import json
from typing import Any

from herald.adapters import registry
from herald.api import examples
from herald.api.contract import error_content
from herald.models.channel import ChannelWrite

_POWERTOOLS_ERRORS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
_REF = "#/components/schemas/{model}"

# (collection route, item route with its path parameter) whose POST answers the item's `id`.
_CREATED = (
    ("/v1/channels", "/v1/channels/{channel_id}", "channel_id"),
    ("/v1/rules", "/v1/rules/{rule_id}", "rule_id"),
    ("/v1/time-intervals", "/v1/time-intervals/{interval_id}", "interval_id"),
    ("/v1/api-keys", "/v1/api-keys/{key_id}", "key_id"),
    ("/v1/silences", "/v1/silences/{silence_id}", "silence_id"),
)


def kind_configs() -> dict[str, dict[str, Any]]:
    """Each kind's config JSON Schema by component name, with the schemas they use."""
    components: dict[str, dict[str, Any]] = {}
    for adapter in registry.ADAPTERS.values():
        schema = adapter.config_model.model_json_schema(by_alias=True, ref_template=_REF)
        components.update(schema.pop("$defs", {}))
        components[adapter.config_model.__name__] = schema
    return components


def channel_body(*, replace: bool) -> dict[str, Any]:
    """A whole channel: one shape per kind. A create names its kind; a replace may (it cannot change it).

    Every envelope field may be null, which the API reads as left out. `type` is the seed's old name for
    `kind`, read only when `kind` is absent or null (then it must name the kind).
    """
    envelope = ChannelWrite.model_json_schema(by_alias=True, ref_template=_REF)["properties"]
    old_name = {
        "type": ["string", "null"],
        "deprecated": True,
        "description": "The old name of `kind`, read only when `kind` is absent or null",
    }
    variants = []
    for adapter in registry.ADAPTERS.values():
        names: dict[str, Any] = {"enum": [adapter.kind, *adapter.aliases]}
        named = [
            {"required": ["kind"], "properties": {"kind": names}},
            {"required": ["type"], "properties": {"kind": {"type": "null"}, "type": names}},
        ]
        unnamed = {"properties": {"kind": {"type": "null"}, "type": {"type": "null"}}}
        variants.append(
            {
                "type": "object",
                "title": f"{adapter.display_name} channel",
                "additionalProperties": False,
                "required": ["config"],
                "anyOf": [*named, unnamed] if replace else named,
                "properties": {
                    "name": envelope["name"],
                    "kind": {"anyOf": [names, {"type": "null"}]},
                    "type": old_name,
                    "enabled": envelope["enabled"],
                    "events": envelope["events"],
                    "template": envelope["template"],
                    "config": {"$ref": _REF.format(model=adapter.config_model.__name__)},
                },
            }
        )
    return {
        "anyOf": variants,
        "description": "A channel: its `config` follows its `kind`'s schema",
        "examples": [examples.WHOLE_CHANNEL] if replace else list(examples.NEW_CHANNELS.values()),
    }


def finish(generated: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(generated)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(kind_configs())
    schemas["NewChannel"] = channel_body(replace=False)
    schemas["WholeChannel"] = channel_body(replace=True)
    for path, method, model in (
        ("/v1/channels", "post", "NewChannel"),
        ("/v1/channels/{channel_id}", "put", "WholeChannel"),
    ):
        body = document["paths"][path][method]["requestBody"]["content"]["application/json"]
        body["schema"] = {"$ref": _REF.format(model=model)}
    for name in _POWERTOOLS_ERRORS:
        schemas.pop(name, None)
    for operation in _operations(document):
        responses = operation.get("responses", {})
        if "422" in responses:
            responses["422"]["content"] = _error(422)
        if "204" in responses:
            responses["204"].pop("content", None)  # Powertools gives every answer a media type; 204 has no body
        if "requestBody" in operation:
            responses["415"] = {"description": "The body is not sent as application/json", "content": _error(415)}
    for collection, item, parameter in _CREATED:
        created = document["paths"][collection]["post"]["responses"]["201"]
        created["links"] = {
            operation["operationId"]: {
                "operationId": operation["operationId"],
                "parameters": {parameter: "$response.body#/id"},
            }
            for path, methods in document["paths"].items()
            if path.startswith(item)
            for operation in methods.values()
        }
    return document


def _error(status: int) -> dict[str, Any]:
    [(media_type, content)] = error_content(status).items()
    return {media_type: {"schema": {"$ref": _REF.format(model="Error")}, "examples": content["examples"]}}


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [operation for path in document["paths"].values() for operation in path.values()]
