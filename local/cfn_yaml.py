"""Read CloudFormation YAML: the short tags (!Ref, !GetAtt, !Sub, ...) become their long JSON forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# Every short-form tag CloudFormation accepts, mapped to the key of its long form.
_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
    **{
        name: f"Fn::{name}"
        for name in (
            "Base64",
            "Cidr",
            "And",
            "Equals",
            "If",
            "Not",
            "Or",
            "FindInMap",
            "GetAZs",
            "ImportValue",
            "Join",
            "Select",
            "Split",
            "Sub",
            "Transform",
            "Length",
            "ToJsonString",
        )
    },
}


class TemplateLoader(yaml.SafeLoader):
    """A safe loader that also understands the CloudFormation short tags."""


def _construct(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = _TAGS.get(tag_suffix)
    if key is None:
        message = f"unknown CloudFormation tag !{tag_suffix}"
        raise yaml.constructor.ConstructorError(None, None, message, node.start_mark)
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if key == "Fn::GetAtt":
            # !GetAtt Resource.Attribute is the only short form whose scalar differs from the long form.
            logical_id, _, attribute = str(value).partition(".")
            value = [logical_id, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {key: value}


TemplateLoader.add_multi_constructor("!", _construct)


def load_yaml(path: Path) -> dict[str, Any]:
    """The template as plain dicts and lists. Raises yaml.YAMLError for a malformed file."""
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict):
        raise TypeError(f"{path} is not a CloudFormation template (no top-level mapping)")
    return document
