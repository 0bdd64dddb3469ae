"""local.cfn_yaml and local.template: short tags, intrinsic functions, conditions, Globals and parameters."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import pytest
import yaml

from local import cfn_yaml, provision
from local.aws import Aws
from local.constants import ACCOUNT_ID, REGION
from local.template import TEMPLATE_PATH, Physical, Template, TemplateError, load, merge_globals


def _load_text(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return cfn_yaml.load_yaml(path)


def _template(document: dict, **kwargs) -> Template:
    return Template(document, directory=Path("/nowhere"), **kwargs)


def _queue(properties: dict | None = None, **extra) -> dict:
    return {"Type": "AWS::SQS::Queue", "Properties": properties or {}, **extra}


# ---- short tags


def test_short_tags_become_long_forms(tmp_path: Path) -> None:
    document = _load_text(
        tmp_path,
        """
        A: !Ref Thing
        B: !GetAtt Queue.Arn
        C: !GetAtt [Queue, QueueName]
        D: !Sub "${AWS::Region}-x"
        E: !If [Cond, a, b]
        F: !Join [",", [a, b]]
        G: !Condition Cond
        H: !Equals [!Ref P, v]
        I: !Base64 text
        """,
    )
    assert document == {
        "A": {"Ref": "Thing"},
        "B": {"Fn::GetAtt": ["Queue", "Arn"]},
        "C": {"Fn::GetAtt": ["Queue", "QueueName"]},
        "D": {"Fn::Sub": "${AWS::Region}-x"},
        "E": {"Fn::If": ["Cond", "a", "b"]},
        "F": {"Fn::Join": [",", ["a", "b"]]},
        "G": {"Condition": "Cond"},
        "H": {"Fn::Equals": [{"Ref": "P"}, "v"]},
        "I": {"Fn::Base64": "text"},
    }


def test_getatt_short_form_splits_on_the_first_dot_only(tmp_path: Path) -> None:
    document = _load_text(tmp_path, "A: !GetAtt Stack.Outputs.Name\n")
    assert document == {"A": {"Fn::GetAtt": ["Stack", "Outputs.Name"]}}


def test_mapping_under_a_tag_is_kept(tmp_path: Path) -> None:
    document = _load_text(tmp_path, "A: !Sub\n  - ${X}\n  - {X: !Ref Y}\nB: !Transform {Name: T}\n")
    assert document == {"A": {"Fn::Sub": ["${X}", {"X": {"Ref": "Y"}}]}, "B": {"Fn::Transform": {"Name": "T"}}}


def test_unknown_tag_is_refused(tmp_path: Path) -> None:
    with pytest.raises(yaml.constructor.ConstructorError, match="unknown CloudFormation tag !Bogus"):
        _load_text(tmp_path, "A: !Bogus x\n")


def test_python_tags_are_not_constructed(tmp_path: Path) -> None:
    with pytest.raises(yaml.YAMLError):
        _load_text(tmp_path, "A: !!python/object/apply:os.system [echo]\n")


def test_a_document_without_a_mapping_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="no top-level mapping"):
        _load_text(tmp_path, "- a\n- b\n")


# ---- parameters


def test_parameter_default_and_override() -> None:
    document = {
        "Parameters": {"Stage": {"Type": "String", "Default": "dev"}, "Count": {"Type": "Number", "Default": 3}}
    }
    assert _template(document).parameters == {"Stage": "dev", "Count": "3"}
    assert _template(document, parameter_overrides={"Stage": "prod"}).parameters["Stage"] == "prod"


def test_parameter_without_default_or_value_is_refused() -> None:
    with pytest.raises(TemplateError, match="Needed has no default"):
        _template({"Parameters": {"Needed": {"Type": "String"}}})


def test_unknown_parameter_override_is_refused() -> None:
    with pytest.raises(TemplateError, match="unknown template parameters: Nope"):
        _template({"Parameters": {"A": {"Default": "x"}}}, parameter_overrides={"Nope": "1"})


def test_allowed_values_refuse_other_values() -> None:
    document = {"Parameters": {"Days": {"Type": "Number", "Default": 30, "AllowedValues": [1, 30, 90]}}}
    assert _template(document, parameter_overrides={"Days": "90"}).parameters["Days"] == "90"
    with pytest.raises(TemplateError, match=r"Days='31' is not one of"):
        _template(document, parameter_overrides={"Days": "31"})


def test_allowed_values_apply_to_the_default_too() -> None:
    with pytest.raises(TemplateError, match="is not one of"):
        _template({"Parameters": {"Mode": {"Default": "c", "AllowedValues": ["a", "b"]}}})


@pytest.mark.parametrize("value", ["Dev", "d", "dev_1", "1dev", "dev-stage-that-is-too-long", "dev\n"])
def test_allowed_pattern_must_match_the_whole_value(value: str) -> None:
    document = {"Parameters": {"Stage": {"Default": "dev", "AllowedPattern": "[a-z][a-z0-9-]{1,15}"}}}
    with pytest.raises(TemplateError, match="does not match"):
        _template(document, parameter_overrides={"Stage": value})


def test_allowed_pattern_accepts_a_matching_value() -> None:
    document = {"Parameters": {"Stage": {"Default": "dev", "AllowedPattern": "[a-z][a-z0-9-]{1,15}"}}}
    assert _template(document, parameter_overrides={"Stage": "prod-2"}).parameters["Stage"] == "prod-2"


def test_list_parameters_are_split() -> None:
    document = {
        "Parameters": {
            "Hosts": {"Type": "CommaDelimitedList", "Default": "a, b,c"},
            "Ids": {"Type": "List<AWS::EC2::Subnet::Id>", "Default": ""},
        }
    }
    assert _template(document).parameters == {"Hosts": ["a", "b", "c"], "Ids": []}


# ---- conditions


def _conditioned(stage: str) -> Template:
    document = {
        "Parameters": {"Stage": {"Default": "dev"}},
        "Conditions": {
            "IsDev": {"Fn::Equals": [{"Ref": "Stage"}, "dev"]},
            "IsProd": {"Fn::Not": [{"Condition": "IsDev"}]},
            "Both": {"Fn::And": [{"Condition": "IsDev"}, {"Condition": "IsProd"}]},
            "Either": {"Fn::Or": [{"Condition": "IsDev"}, {"Condition": "IsProd"}]},
        },
        "Resources": {
            "DevQueue": _queue(Condition="IsDev"),
            "ProdQueue": _queue(Condition="IsProd"),
        },
    }
    return _template(document, parameter_overrides={"Stage": stage})


def test_conditions_are_evaluated() -> None:
    assert _conditioned("dev").conditions == {"IsDev": True, "IsProd": False, "Both": False, "Either": True}
    assert _conditioned("prod").conditions == {"IsDev": False, "IsProd": True, "Both": False, "Either": True}


def test_resources_with_a_false_condition_are_left_out() -> None:
    assert set(_conditioned("dev").resources) == {"DevQueue"}
    assert set(_conditioned("prod").resources) == {"ProdQueue"}


def test_condition_cycle_is_refused() -> None:
    document = {"Conditions": {"A": {"Condition": "B"}, "B": {"Fn::Not": [{"Condition": "A"}]}}}
    with pytest.raises(TemplateError, match="refers to itself"):
        _template(document)


def test_unknown_condition_is_refused() -> None:
    with pytest.raises(TemplateError, match="unknown condition Missing"):
        _template({"Conditions": {"A": {"Condition": "Missing"}}})
    with pytest.raises(TemplateError, match="names unknown condition Missing"):
        _template({"Resources": {"Q": _queue(Condition="Missing")}})


def test_non_condition_function_in_conditions_is_refused() -> None:
    with pytest.raises(TemplateError, match="is not a condition function"):
        _template({"Conditions": {"A": {"Fn::Join": ["", ["a"]]}}})


def test_fn_if_picks_a_branch_and_novalue_removes_the_property() -> None:
    template = _conditioned("dev")
    value = {
        "Name": {"Fn::If": ["IsDev", "dev-name", "prod-name"]},
        "Extra": {"Fn::If": ["IsProd", "x", {"Ref": "AWS::NoValue"}]},
        "List": ["a", {"Fn::If": ["IsProd", "b", {"Ref": "AWS::NoValue"}]}, "c"],
    }
    assert template.resolve(value, {}) == {"Name": "dev-name", "List": ["a", "c"]}
    assert _conditioned("prod").resolve(value, {}) == {"Name": "prod-name", "Extra": "x", "List": ["a", "b", "c"]}


def test_fn_if_with_unknown_condition_is_refused() -> None:
    with pytest.raises(TemplateError, match="Fn::If names unknown condition Nope"):
        _conditioned("dev").resolve({"Fn::If": ["Nope", 1, 2]}, {})


# ---- Ref, GetAtt, Sub and friends


def _with_queue() -> Template:
    return _template(
        {
            "Parameters": {"Stage": {"Default": "dev"}},
            "Mappings": {"Sizes": {"dev": {"Memory": 128}}},
            "Resources": {"Queue": _queue()},
        },
        stack_name="my-stack",
    )


_PHYSICAL = {"Queue": Physical(ref="https://queue/url", attributes={"Arn": "arn:aws:sqs:q", "QueueName": "q"})}


def test_ref_resolves_parameters_pseudo_parameters_and_resources() -> None:
    template = _with_queue()
    assert template.resolve({"Ref": "Stage"}, {}) == "dev"
    assert template.resolve({"Ref": "AWS::Region"}, {}) == REGION
    assert template.resolve({"Ref": "AWS::AccountId"}, {}) == ACCOUNT_ID
    assert template.resolve({"Ref": "AWS::StackName"}, {}) == "my-stack"
    assert template.resolve({"Ref": "Queue"}, _PHYSICAL) == "https://queue/url"


def test_ref_before_creation_or_to_unknown_name_is_refused() -> None:
    template = _with_queue()
    with pytest.raises(TemplateError, match="Queue is referred to before it exists"):
        template.resolve({"Ref": "Queue"}, {})
    with pytest.raises(TemplateError, match="Ref to unknown name Ghost"):
        template.resolve({"Ref": "Ghost"}, _PHYSICAL)


def test_getatt_long_and_string_forms() -> None:
    template = _with_queue()
    assert template.resolve({"Fn::GetAtt": ["Queue", "Arn"]}, _PHYSICAL) == "arn:aws:sqs:q"
    assert template.resolve({"Fn::GetAtt": "Queue.QueueName"}, _PHYSICAL) == "q"


def test_getatt_unknown_attribute_or_missing_resource_is_refused() -> None:
    template = _with_queue()
    with pytest.raises(TemplateError, match="knows no such attribute"):
        template.resolve({"Fn::GetAtt": ["Queue", "Nope"]}, _PHYSICAL)
    with pytest.raises(TemplateError, match="does not exist"):
        template.resolve({"Fn::GetAtt": ["Queue", "Arn"]}, {})


def test_sub_string_form() -> None:
    template = _with_queue()
    text = "${AWS::StackName}/${Stage}/${Queue}/${Queue.Arn}/${!Literal}"
    assert template.resolve({"Fn::Sub": text}, _PHYSICAL) == "my-stack/dev/https://queue/url/arn:aws:sqs:q/${Literal}"


def test_sub_list_form_variables_win_over_names() -> None:
    template = _with_queue()
    value = {"Fn::Sub": ["${Stage}-${Name}", {"Stage": "overridden", "Name": {"Ref": "AWS::Region"}}]}
    assert template.resolve(value, {}) == f"overridden-{REGION}"


def test_sub_with_unknown_variable_is_refused() -> None:
    with pytest.raises(TemplateError, match="Ref to unknown name Ghost"):
        _with_queue().resolve({"Fn::Sub": "x-${Ghost}"}, _PHYSICAL)


def test_join_select_split_base64_findinmap() -> None:
    template = _with_queue()
    assert template.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}, 3]]}, {}) == "a-dev-3"
    assert template.resolve({"Fn::Select": ["1", ["a", "b", "c"]]}, {}) == "b"
    assert template.resolve({"Fn::Split": [",", "a,b"]}, {}) == ["a", "b"]
    assert template.resolve({"Fn::Base64": {"Ref": "Stage"}}, {}) == base64.b64encode(b"dev").decode()
    assert template.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}, {}) == 128
    with pytest.raises(TemplateError, match=r"no Sizes\.prod\.Memory"):
        template.resolve({"Fn::FindInMap": ["Sizes", "prod", "Memory"]}, {})


@pytest.mark.parametrize("key", ["Fn::ImportValue", "Fn::Cidr", "Fn::Transform", "Fn::ToJsonString", "Fn::Length"])
def test_unimplemented_functions_fail_loudly(key: str) -> None:
    with pytest.raises(TemplateError, match=f"{key} is not supported"):
        _with_queue().resolve({"Outer": {key: "x"}}, {})


def test_resolve_leaves_plain_data_alone() -> None:
    value = {"A": [1, {"B": True}], "C": None, "Multi": {"Ref": "Stage", "Other": {"Ref": "Stage"}}}
    # A two-key mapping is data, not an intrinsic: its keys stay, its values are still resolved.
    expected = {"A": [1, {"B": True}], "C": None, "Multi": {"Ref": "Stage", "Other": "dev"}}
    assert _with_queue().resolve(value, {}) == expected


# ---- resources, ordering, Globals


def test_order_follows_references_and_depends_on() -> None:
    document = {
        "Resources": {
            "C": _queue({"X": {"Fn::Sub": "${B.Arn}"}}),
            "B": _queue({"X": {"Fn::GetAtt": ["A", "Arn"]}}),
            "A": _queue(),
            "D": _queue(DependsOn="C"),
        }
    }
    order = _template(document).order
    assert order.index("A") < order.index("B") < order.index("C") < order.index("D")


def test_sub_local_variable_is_not_a_reference() -> None:
    document = {"Resources": {"A": _queue({"X": {"Fn::Sub": ["${B}", {"B": "literal"}]}}), "B": _queue()}}
    assert _template(document).references(document["Resources"]["A"]["Properties"]) == set()


def test_reference_cycle_is_refused() -> None:
    document = {"Resources": {"A": _queue({"X": {"Ref": "B"}}), "B": _queue({"X": {"Ref": "A"}})}}
    with pytest.raises(TemplateError, match="cycle"):
        _template(document)


def test_reference_to_unknown_resource_is_refused() -> None:
    document = {"Resources": {"A": _queue(DependsOn=["Ghost"])}}
    with pytest.raises(TemplateError, match="A refers to unknown resources: Ghost"):
        _template(document)


def test_reference_to_a_resource_left_out_by_its_condition_is_refused() -> None:
    document = {
        "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}},
        "Resources": {"A": _queue(Condition="Never"), "B": _queue({"X": {"Fn::GetAtt": ["A", "Arn"]}})},
    }
    with pytest.raises(TemplateError, match="B refers to unknown resources: A"):
        _template(document)


def test_globals_merge_into_functions_only() -> None:
    document = {
        "Globals": {
            "Function": {
                "Timeout": 30,
                "MemorySize": 512,
                "Layers": ["global-layer"],
                "Environment": {"Variables": {"SHARED": "g", "OVERRIDDEN": "g"}},
            }
        },
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Timeout": 5,
                    "Layers": ["own-layer"],
                    "Environment": {"Variables": {"OVERRIDDEN": "own", "OWN": "own"}},
                },
            },
            "Queue": _queue({"VisibilityTimeout": 10}),
        },
    }
    template = _template(document)
    assert template.resources["Fn"].properties == {
        "Timeout": 5,
        "MemorySize": 512,
        "Layers": ["global-layer", "own-layer"],
        "Environment": {"Variables": {"SHARED": "g", "OVERRIDDEN": "own", "OWN": "own"}},
    }
    assert template.resources["Queue"].properties == {"VisibilityTimeout": 10}
    # The Globals section itself is not modified by the merge.
    assert document["Globals"]["Function"]["Layers"] == ["global-layer"]


def test_merge_globals_intrinsic_is_replaced_not_merged() -> None:
    assert merge_globals({"Ref": "A"}, {"Ref": "B"}) == {"Ref": "B"}
    assert merge_globals({"Fn::If": ["C", {"a": 1}, {}]}, {"b": 2}) == {"b": 2}
    assert merge_globals({"a": 1}, {"Fn::If": ["C", 1, 2]}) == {"Fn::If": ["C", 1, 2]}
    assert merge_globals("global", "local") == "local"
    assert merge_globals({"a": {"b": 1, "c": 2}}, {"a": {"c": 3}}) == {"a": {"b": 1, "c": 3}}


def test_unknown_globals_section_is_refused() -> None:
    with pytest.raises(TemplateError, match="Globals section Queue is not understood"):
        _template({"Globals": {"Queue": {}}})


def test_unsupported_resource_type_fails_loudly() -> None:
    template = _template({"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}, "Queue": _queue()}})
    with pytest.raises(TemplateError, match="resource types not emulated by the local stack: AWS::S3::Bucket"):
        provision.deploy(template, Aws(endpoint_url="http://127.0.0.1:9"))


def test_the_project_template_binds() -> None:
    template = load(TEMPLATE_PATH)
    assert template.conditions == {
        "HasTenantQuota": False,
        "HasSenderReservation": False,
        "HasCors": False,
        "CreateAlarmTopic": True,
        "SubscribeAlarmEmail": False,
    }
    assert load(TEMPLATE_PATH, parameter_overrides={"AlarmEmail": "ops@example.org"}).conditions["SubscribeAlarmEmail"]
    assert "AlarmTopic" not in load(TEMPLATE_PATH, parameter_overrides={"AlarmTopicArn": "arn:aws:sns:x"}).resources
    assert template.order.index("Api") < template.order.index("TenantUsagePlan")
    assert load(TEMPLATE_PATH, parameter_overrides={"TenantDailyQuota": "500"}).conditions["HasTenantQuota"]
    assert template.order.index("CommonLayer") < min(
        template.order.index(lid) for lid, r in template.resources.items() if r.type == "AWS::Serverless::Function"
    )
    with pytest.raises(TemplateError, match="Stage='Prod' does not match"):
        load(TEMPLATE_PATH, parameter_overrides={"Stage": "Prod"})
    with pytest.raises(TemplateError, match="LogRetentionDays='31' is not one of"):
        load(TEMPLATE_PATH, parameter_overrides={"LogRetentionDays": "31"})


def test_ref_to_a_sam_generated_resource() -> None:
    """`!Ref Api.Stage` names the stage SAM generates for the Api: its name, and a dependency on the Api."""
    template = _template({"Resources": {"Api": _queue(), "Plan": _queue({"Stage": {"Ref": "Api.Stage"}})}})
    assert template.references({"Ref": "Api.Stage"}) == {"Api"}
    assert template.order.index("Api") < template.order.index("Plan")
    physical = {"Api": Physical(ref="abc123", generated={"Stage": "dev"})}
    assert template.resolve({"Ref": "Api.Stage"}, physical) == "dev"
    with pytest.raises(TemplateError, match=r"Api\.Deployment is referred to before it exists"):
        template.resolve({"Ref": "Api.Deployment"}, physical)


# ---- divergences from CloudFormation found by these tests, now fixed


def test_boolean_default_binds_as_cloudformation_text(tmp_path: Path) -> None:
    document = _load_text(
        tmp_path,
        """
        Parameters:
          Flag:
            Type: String
            Default: true
            AllowedValues: ["true", "false"]
        """,
    )
    assert _template(document).parameters["Flag"] == "true"


def test_allowed_values_of_a_list_parameter_apply_per_item() -> None:
    document = {"Parameters": {"Kinds": {"Type": "CommaDelimitedList", "Default": "a,b", "AllowedValues": ["a", "b"]}}}
    assert _template(document).parameters["Kinds"] == ["a", "b"]


def test_sub_of_novalue_is_refused() -> None:
    with pytest.raises(TemplateError):
        _with_queue().resolve({"Fn::Sub": "x-${AWS::NoValue}"}, {})
