"""template.yaml as the local stack sees it: parameters, conditions, Globals and intrinsic functions resolved.

The local stack has no second copy of the wiring: functions, handlers, environment, event sources and
resources all come from here. Anything the template uses that this module cannot resolve is an error,
never a silent guess.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

from local import cfn_yaml
from local.constants import ACCOUNT_ID, REGION, STACK_NAME

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PATH = ROOT / "template.yaml"

# SAM Globals sections and the resource types they apply to.
_GLOBALS_TARGETS = {
    "Function": "AWS::Serverless::Function",
    "Api": "AWS::Serverless::Api",
    "HttpApi": "AWS::Serverless::HttpApi",
    "SimpleTable": "AWS::Serverless::SimpleTable",
    "LayerVersion": "AWS::Serverless::LayerVersion",
    "StateMachine": "AWS::Serverless::StateMachine",
}
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class TemplateError(Exception):
    """The template uses something the local stack cannot resolve or does not emulate."""


class _NoValue:
    """AWS::NoValue: the property it stands in is removed."""


NO_VALUE = _NoValue()


@dataclass(frozen=True)
class Physical:
    """What a created resource answers to: `Ref` and `Fn::GetAtt` values."""

    ref: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    # Resources SAM generates that a `Ref` names as `<LogicalId>.<Suffix>` (an Api's `Stage`).
    generated: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    metadata: dict[str, Any]
    depends_on: tuple[str, ...]


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Ref", "Condition", *_fn_keys())


def _fn_keys() -> tuple[str, ...]:
    return tuple(key for key in cfn_yaml._TAGS.values() if key.startswith("Fn::"))


def merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals rule: maps merge (the resource wins per key), lists add up (globals first), scalars yield."""
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        if _is_intrinsic(global_value) or _is_intrinsic(local_value):
            return copy.deepcopy(local_value)
        merged = copy.deepcopy(global_value)
        for key, value in local_value.items():
            merged[key] = merge_globals(global_value[key], value) if key in global_value else copy.deepcopy(value)
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return copy.deepcopy(global_value) + copy.deepcopy(local_value)
    return copy.deepcopy(local_value)


class Template:
    """A parsed template with its parameters bound and its conditions evaluated.

    Raises TemplateError (bad parameter value, unknown condition, dependency cycle, ...) on construction.
    """

    def __init__(
        self,
        document: dict[str, Any],
        *,
        directory: Path = ROOT,
        parameter_overrides: Mapping[str, str] | None = None,
        stack_name: str = STACK_NAME,
    ) -> None:
        self.directory = directory
        self.stack_name = stack_name
        self.parameters = self._bind_parameters(document.get("Parameters") or {}, dict(parameter_overrides or {}))
        self.mappings: dict[str, Any] = document.get("Mappings") or {}
        self._condition_source: dict[str, Any] = document.get("Conditions") or {}
        self.conditions = {name: self._condition(name, ()) for name in self._condition_source}
        self.outputs: dict[str, Any] = document.get("Outputs") or {}
        self.resources = self._resources(document.get("Resources") or {}, document.get("Globals") or {})
        self.order = self._order()

    # ---- parameters and conditions

    @staticmethod
    def _bind_parameters(declared: Mapping[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
        unknown = set(overrides) - set(declared)
        if unknown:
            raise TemplateError(f"unknown template parameters: {', '.join(sorted(unknown))}")
        bound: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in overrides:
                raw = overrides[name]
            elif "Default" in spec:
                raw = spec["Default"]
            else:
                raise TemplateError(f"parameter {name} has no default and no value was given")
            value = _text(raw)
            kind = spec.get("Type", "String")
            is_list = kind in ("CommaDelimitedList", "List<Number>") or kind.startswith("List<")
            allowed = spec.get("AllowedValues")
            items = [part.strip() for part in value.split(",")] if is_list else [value]
            if allowed is not None and any(item not in [_text(option) for option in allowed] for item in items):
                raise TemplateError(f"parameter {name}={value!r} is not one of {allowed}")
            pattern = spec.get("AllowedPattern")
            if pattern is not None and not re.fullmatch(pattern, value):
                raise TemplateError(f"parameter {name}={value!r} does not match {pattern}")
            if is_list:
                bound[name] = [part.strip() for part in value.split(",")] if value else []
            else:
                bound[name] = value
        return bound

    def _condition(self, name: str, seen: tuple[str, ...]) -> bool:
        if name in seen:
            raise TemplateError(f"condition {name} refers to itself")
        if name not in self._condition_source:
            raise TemplateError(f"unknown condition {name}")
        return self._evaluate_condition(self._condition_source[name], (*seen, name))

    def _evaluate_condition(self, node: Any, seen: tuple[str, ...]) -> bool:
        if not isinstance(node, dict) or len(node) != 1:
            raise TemplateError(f"not a condition function: {node!r}")
        ((key, args),) = node.items()
        if key == "Condition":
            return self._condition(str(args), seen)
        if key == "Fn::Equals":
            left, right = (self.resolve(arg, {}) for arg in args)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self._evaluate_condition(args[0], seen)
        if key == "Fn::And":
            return all(self._evaluate_condition(arg, seen) for arg in args)
        if key == "Fn::Or":
            return any(self._evaluate_condition(arg, seen) for arg in args)
        raise TemplateError(f"{key} is not a condition function")

    # ---- resources

    def _resources(self, declared: Mapping[str, Any], globals_section: Mapping[str, Any]) -> dict[str, Resource]:
        for section in globals_section:
            if section not in _GLOBALS_TARGETS:
                raise TemplateError(f"Globals section {section} is not understood by the local stack")
        by_type = {_GLOBALS_TARGETS[name]: props for name, props in globals_section.items()}
        resources: dict[str, Resource] = {}
        for logical_id, body in declared.items():
            condition = body.get("Condition")
            if condition is not None:
                if condition not in self.conditions:
                    raise TemplateError(f"{logical_id} names unknown condition {condition}")
                if not self.conditions[condition]:
                    continue
            properties = body.get("Properties") or {}
            if body["Type"] in by_type:
                properties = merge_globals(by_type[body["Type"]], properties)
            depends = body.get("DependsOn") or ()
            resources[logical_id] = Resource(
                logical_id=logical_id,
                type=body["Type"],
                properties=properties,
                metadata=body.get("Metadata") or {},
                depends_on=(depends,) if isinstance(depends, str) else tuple(depends),
            )
        return resources

    def references(self, value: Any) -> set[str]:
        """Logical ids of the resources a value refers to (Ref, GetAtt, Sub)."""
        found: set[str] = set()
        if isinstance(value, list):
            for item in value:
                found |= self.references(item)
        elif isinstance(value, dict):
            if set(value) == {"Ref"} and str(value["Ref"]).split(".")[0] in self.resources:
                found.add(str(value["Ref"]).split(".")[0])
            elif set(value) == {"Fn::GetAtt"}:
                found.add(self._getatt_args(value["Fn::GetAtt"])[0])
            elif set(value) == {"Fn::Sub"}:
                text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
                local_names = set() if isinstance(value["Fn::Sub"], str) else set(value["Fn::Sub"][1])
                for variable in _SUB_VARIABLE.findall(text):
                    name = variable.split(".")[0]
                    if name in self.resources and name not in local_names:
                        found.add(name)
                if not isinstance(value["Fn::Sub"], str):
                    found |= self.references(value["Fn::Sub"][1])
            else:
                for item in value.values():
                    found |= self.references(item)
        return found

    def _order(self) -> tuple[str, ...]:
        graph: dict[str, set[str]] = {}
        for logical_id, resource in self.resources.items():
            needs = self.references(resource.properties) | set(resource.depends_on)
            missing = needs - set(self.resources)
            if missing:
                raise TemplateError(f"{logical_id} refers to unknown resources: {', '.join(sorted(missing))}")
            graph[logical_id] = needs - {logical_id}
        try:
            return tuple(TopologicalSorter(graph).static_order())
        except CycleError as exc:
            raise TemplateError(f"resources depend on each other in a cycle: {exc.args[1]}") from exc

    def layer_directories(self) -> list[Path]:
        """Content directories of the template's local layers (what a function imports besides its code)."""
        return [
            self.directory / resource.properties["ContentUri"]
            for resource in self.resources.values()
            if resource.type == "AWS::Serverless::LayerVersion"
            and isinstance(resource.properties.get("ContentUri"), str)
        ]

    # ---- intrinsic functions

    def pseudo_parameters(self) -> dict[str, Any]:
        return {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{self.stack_name}/local",
            "AWS::NotificationARNs": [],
        }

    @staticmethod
    def _getatt_args(args: Any) -> tuple[str, str]:
        if isinstance(args, str):
            logical_id, _, attribute = args.partition(".")
            return logical_id, attribute
        return str(args[0]), str(args[1])

    def resolve(self, value: Any, physical: Mapping[str, Physical]) -> Any:
        """`value` with every intrinsic function replaced by its local result.

        Raises TemplateError for a reference to a resource not yet in `physical`, an unknown attribute
        or a function the local stack does not implement.
        """
        if isinstance(value, list):
            items = [self.resolve(item, physical) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, args),) = value.items()
            if key == "Ref":
                return self._ref(str(args), physical)
            if key.startswith("Fn::"):
                return self._function(key, args, physical)
        resolved = {key: self.resolve(item, physical) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _ref(self, name: str, physical: Mapping[str, Physical]) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        pseudo = self.pseudo_parameters()
        if name in pseudo:
            return pseudo[name]
        if name in physical:
            return physical[name].ref
        logical_id, _, suffix = name.partition(".")
        if suffix and logical_id in physical and suffix in physical[logical_id].generated:
            return physical[logical_id].generated[suffix]
        if logical_id in self.resources:
            raise TemplateError(f"{name} is referred to before it exists")
        raise TemplateError(f"Ref to unknown name {name}")

    def _getatt(self, logical_id: str, attribute: str, physical: Mapping[str, Physical]) -> Any:
        if logical_id not in physical:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute}: {logical_id} does not exist (yet)")
        attributes = physical[logical_id].attributes
        if attribute not in attributes:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute}: the local stack knows no such attribute")
        return attributes[attribute]

    def _function(self, key: str, args: Any, physical: Mapping[str, Physical]) -> Any:
        if key == "Fn::GetAtt":
            logical_id, attribute = self._getatt_args(self.resolve(args, physical))
            return self._getatt(logical_id, attribute, physical)
        if key == "Fn::Sub":
            return self._sub(args, physical)
        if key == "Fn::If":
            name, when_true, when_false = args
            if name not in self.conditions:
                raise TemplateError(f"Fn::If names unknown condition {name}")
            return self.resolve(when_true if self.conditions[name] else when_false, physical)
        if key == "Fn::Join":
            delimiter, items = args
            return str(delimiter).join(str(item) for item in self.resolve(items, physical))
        if key == "Fn::Select":
            index, items = self.resolve(args, physical)
            return items[int(index)]
        if key == "Fn::Split":
            delimiter, text = self.resolve(args, physical)
            return str(text).split(str(delimiter))
        if key == "Fn::Base64":
            return base64.b64encode(str(self.resolve(args, physical)).encode()).decode()
        if key == "Fn::FindInMap":
            name, first, second = (self.resolve(arg, physical) for arg in args)
            try:
                return self.mappings[name][first][second]
            except KeyError:
                raise TemplateError(f"Fn::FindInMap: no {name}.{first}.{second}") from None
        if key == "Fn::GetAZs":
            return [f"{REGION}{zone}" for zone in "abcdef"]
        if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"):
            return self._evaluate_condition({key: args}, ())
        raise TemplateError(f"{key} is not supported by the local stack")

    def _sub(self, args: Any, physical: Mapping[str, Physical]) -> str:
        if isinstance(args, str):
            text, variables = args, {}
        else:
            text, variables = args[0], {name: self.resolve(item, physical) for name, item in args[1].items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                value = variables[name]
            elif "." in name and name.split(".")[0] in self.resources:
                logical_id, _, attribute = name.partition(".")
                value = self._getatt(logical_id, attribute, physical)
            else:
                value = self._ref(name, physical)
            if value is NO_VALUE:
                raise TemplateError(f"Fn::Sub cannot substitute ${{{name}}}: it has no value")
            return str(value)

        # ${!Literal} writes ${Literal}.
        return _SUB_VARIABLE.sub(replace, text).replace("${!", "${")


def _text(value: Any) -> str:
    """A parameter value as CloudFormation reads it: YAML booleans are the words true / false."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def load(
    path: Path = TEMPLATE_PATH, *, parameter_overrides: Mapping[str, str] | None = None, stack_name: str = STACK_NAME
) -> Template:
    """Read and bind a template. Raises TemplateError or yaml.YAMLError."""
    return Template(
        cfn_yaml.load_yaml(path),
        directory=path.parent,
        parameter_overrides=parameter_overrides,
        stack_name=stack_name,
    )
