"""template.yaml against the code: each role grants only what its function's code calls, on named resources;
the KMS conditions match crypto.py's encryption context; every metric an alarm or the dashboard reads is one
the code emits, with the dimensions it emits."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest

from herald import crypto
from local.cfn_yaml import load_yaml
from local.template import TEMPLATE_PATH, TemplateError, load
from tests.support.aws_calls import ROOT, Call, function_calls
from tests.support.emitted_metrics import emitted_metrics

TEMPLATE = load_yaml(TEMPLATE_PATH)
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = {lid: body for lid, body in RESOURCES.items() if body["Type"] == "AWS::Serverless::Function"}

# Grants no source scan can see, each with why it is there and no narrower.
NOT_CALLED_BY_CODE = {
    # Lambda delivers the on-failure destination (EventInvokeConfig) with the function's own role.
    ("IngestFunction", "sqs:SendMessage", "IngestFailureQueue"),
}
# Statements that may not name their resources, and why AWS allows nothing narrower.
UNNAMED_RESOURCES = {
    # An SMS to a phone number is an SNS publish whose target has no ARN; NotResource excludes every topic.
    "sns:Publish": "NotResource",
    # A customer's role (sns and eventbridge channels) may be in any account but this stack's own.
    "sts:AssumeRole": "NotResource",
}
# Calls some function makes that no role grants, and why.
CALLED_BUT_NOT_GRANTED = {
    # Tenants' API Gateway usage keys are created by make api-key / make tenant-plan with the operator's
    # credentials; the API only reads the key a tenant already has (herald.auth.usage.ensure_usage_key).
    "apigateway",
}


def _policy_statements(lid: str) -> Iterator[dict[str, Any]]:
    for policy in FUNCTIONS[lid]["Properties"].get("Policies", []):
        if not (isinstance(policy, dict) and set(policy) == {"Statement"}):
            pytest.fail(f"{lid}: policy {policy!r} is a SAM policy template or managed policy; write the actions out")
        yield from policy["Statement"]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def _resources(statement: dict[str, Any]) -> list[Any]:
    resource = statement.get("Resource", [])
    return resource if isinstance(resource, list) else [resource]


def _named(resource: Any) -> str:
    """The logical id a resource expression is built on (GetAtt, Ref or Sub), or its text."""
    if isinstance(resource, dict):
        ((key, value),) = resource.items()
        if key == "Fn::GetAtt":
            return str(value[0])
        if key == "Ref":
            return str(value)
        if key == "Fn::Sub":
            return str(value if isinstance(value, str) else value[0])
    return str(resource)


def _calls(lid: str) -> list[Call]:
    code_uri = FUNCTIONS[lid]["Properties"]["CodeUri"]
    return function_calls(ROOT / code_uri / "app.py")


@pytest.mark.parametrize("lid", sorted(FUNCTIONS))
def test_a_role_grants_only_actions_its_code_calls(lid: str):
    called = {call.action for call in _calls(lid)}
    for statement in _policy_statements(lid):
        assert statement["Effect"] == "Allow"
        for action in _actions(statement):
            assert "*" not in action, f"{lid}: wildcard action {action}"
            resources = {_named(resource) for resource in _resources(statement)}
            excused = all((lid, action, resource) in NOT_CALLED_BY_CODE for resource in resources)
            if action not in called:
                assert excused, f"{lid} is granted {action}, which its code never calls"


@pytest.mark.parametrize("lid", sorted(FUNCTIONS))
def test_a_role_names_its_resources(lid: str):
    for statement in _policy_statements(lid):
        for action in _actions(statement):
            if "NotResource" in statement:
                assert UNNAMED_RESOURCES.get(action) == "NotResource", f"{lid}: {action} on NotResource"
                continue
            for resource in _resources(statement):
                text = _named(resource)
                assert text != "*", f"{lid}: {action} on every resource"
                # A wildcard only inside a named account's ARN (this account's SMS-voice numbers and pools).
                assert "*" not in text or "${AWS::AccountId}" in text, f"{lid}: {action} on {text}"


def test_every_call_the_code_makes_is_granted_to_some_function():
    granted = {action for lid in FUNCTIONS for statement in _policy_statements(lid) for action in _actions(statement)}
    missing = {
        call.action
        for lid in FUNCTIONS
        for call in _calls(lid)
        # A transaction needs only the item actions it contains, not all of them.
        if call.operation != "TransactWriteItems" and call.action.split(":")[0] not in CALLED_BUT_NOT_GRANTED
    } - granted
    assert not missing, f"the code calls {sorted(missing)}, which no role grants"


def _kms_statements() -> Iterator[tuple[str, dict[str, Any]]]:
    for lid in FUNCTIONS:
        for statement in _policy_statements(lid):
            if any(action.startswith("kms:") for action in _actions(statement)):
                yield lid, statement
    for statement in RESOURCES["Key"]["Properties"]["KeyPolicy"]["Statement"]:
        if any(action in ("kms:Decrypt", "kms:GenerateDataKey") for action in _actions(statement)):
            yield "Key", statement


def test_kms_use_is_bound_to_the_encryption_context_crypto_seals_with():
    context_keys = sorted(crypto.context_for("t", "o"))
    statements = list(_kms_statements())
    assert {lid for lid, _ in statements} == {"ApiFunction", "SenderFunction", "Key"}
    for lid, statement in statements:
        condition = statement["Condition"]
        assert sorted(condition["ForAllValues:StringEquals"]["kms:EncryptionContextKeys"]) == context_keys, lid
        assert condition["StringLike"] == {f"kms:EncryptionContext:{key}": "?*" for key in context_keys}, lid
        assert "kms:Encrypt" not in _actions(statement), lid


def test_the_account_administers_the_key_but_uses_it_only_with_herald_context():
    admin = next(
        s for s in RESOURCES["Key"]["Properties"]["KeyPolicy"]["Statement"] if s["Sid"] == "AccountAdministers"
    )
    assert "kms:*" not in admin["Action"] and "kms:PutKeyPolicy" not in admin["Action"]
    assert not {"kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"} & set(admin["Action"])
    assert any(action == "kms:Put*" for action in admin["Action"])  # never locked out of its own policy


@pytest.mark.parametrize("lid", ["Key", "KeyAlias", "Table", "DeliveryQueue", "DeadLetterQueue", "IngestFailureQueue"])
def test_state_outlives_the_stack(lid: str):
    assert (RESOURCES[lid].get("DeletionPolicy"), RESOURCES[lid].get("UpdateReplacePolicy")) == ("Retain", "Retain")


def test_the_table_cannot_be_deleted_by_accident():
    assert RESOURCES["Table"]["Properties"]["DeletionProtectionEnabled"] is True


def test_no_topic_has_a_fixed_name():
    topics = [body for body in RESOURCES.values() if body["Type"] == "AWS::SNS::Topic"]
    assert topics and all("TopicName" not in body["Properties"] for body in topics)


def test_the_prod_profile_cannot_deploy_the_example_sender():
    profile = tomllib.loads((ROOT / "samconfig.toml").read_text())["prod"]["deploy"]["parameters"]
    overrides = dict(pair.split("=", 1) for pair in shlex.split(profile["parameter_overrides"]))
    assert overrides["SenderEmail"] != TEMPLATE["Parameters"]["SenderEmail"]["Default"]
    with pytest.raises(TemplateError, match="SenderEmail='set-your-verified-sender' does not match"):
        load(TEMPLATE_PATH, parameter_overrides=overrides)
    rule = TEMPLATE["Rules"]["RealSenderOutsideDev"]["Assertions"][0]["Assert"]
    assert rule == {"Fn::Not": [{"Fn::Equals": [{"Ref": "SenderEmail"}, "alerts@example.com"]}]}


# ---- alarms and dashboard against the metrics the code emits

_SCHEMA = re.compile(r"SELECT\s+\w+\(\s*\"?(\w+)\"?\s*\)\s+FROM\s+SCHEMA\(\s*Herald\s*,([^)]*)\)")
_SEARCH = re.compile(r"\{Herald,([^}]*)\}\s+MetricName=\\?\"(\w+)\\?\"")


def _herald_references() -> list[tuple[str, frozenset[str], str]]:
    """(metric, dimensions, where) for every Herald metric an alarm or the dashboard reads."""
    found: list[tuple[str, frozenset[str], str]] = []
    for lid, body in RESOURCES.items():
        if body["Type"] == "AWS::CloudWatch::Alarm":
            text = json.dumps(body["Properties"])
        elif body["Type"] == "AWS::CloudWatch::Dashboard":
            text = body["Properties"]["DashboardBody"]["Fn::Sub"]
            for widget in json.loads(text)["widgets"]:
                for row in widget["properties"]["metrics"]:
                    if row and row[0] == "Herald":
                        names = row[2:-1:2] if isinstance(row[-1], dict) else row[2::2]
                        found.append((row[1], frozenset(names), lid))
        else:
            continue
        for name, dims in _SCHEMA.findall(text):
            found.append((name, frozenset(d.strip() for d in dims.split(",") if d.strip()), lid))
        for dims, name in _SEARCH.findall(text):
            found.append((name, frozenset(d.strip() for d in dims.split(",")), lid))
        if body["Properties"].get("Namespace") == "Herald":
            found.append((body["Properties"]["MetricName"], frozenset(), lid))
    return found


def test_alarms_and_dashboard_read_herald_metrics():
    where = {lid for _, _, lid in _herald_references()}
    assert {"Dashboard", "DeliveryFailureRateAlarm"} <= where


@pytest.mark.parametrize("reference", _herald_references(), ids=lambda r: f"{r[2]}-{r[0]}")
def test_every_herald_metric_read_is_emitted_with_those_dimensions(reference: tuple[str, frozenset[str], str]):
    name, dimensions, where = reference
    emitted = emitted_metrics()
    assert name in emitted, f"{where} reads {name}, which the code never emits"
    assert dimensions == emitted[name], (
        f"{where} reads {name} by {sorted(dimensions)}; emitted by {sorted(emitted[name])}"
    )


# ---- the gateway's own answers


def test_every_gateway_response_is_herald_error_json():
    responses = RESOURCES["Api"]["Properties"]["GatewayResponses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    for kind, response in responses.items():
        text = response["ResponseTemplates"]["application/json"]
        # API Gateway substitutes $context.error.messageString as a quoted JSON string.
        body = json.loads(text.replace("$context.error.messageString", json.dumps('Invalid request "body"')))
        assert set(body) == {"error", "code"} and all(isinstance(v, str) and v for v in body.values()), kind
