"""The sample events in events/ (the ones `sam local invoke -e` takes) run through their real handlers against moto.

Handlers are found through template.yaml (CodeUri + Handler), exactly as the local stack finds them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from herald.auth import service as auth
from local import provision
from local.apigw_events import policy_allows
from local.cfn_yaml import load_yaml
from local.runtime import LambdaContext, load_handler

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
RESOURCES = load_yaml(ROOT / "template.yaml")["Resources"]
# Every sample and the function it triggers; every function of the template needs at least one.
SAMPLES = {
    "api-health.json": "ApiFunction",
    "api-openapi.json": "ApiFunction",
    "api-create-channel.json": "ApiFunction",
    "authorizer-request.json": "AuthorizerFunction",
    "ingest-sns.json": "IngestFunction",
    "ingest-eventbridge.json": "IngestFunction",
    "sender-sqs.json": "SenderFunction",
    "timer-sqs.json": "TimerFunction",
}


def sample(name: str) -> dict[str, Any]:
    event = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    assert isinstance(event, dict)
    return event


def invoke(aws, function: str, event: dict[str, Any]) -> Any:
    spec = aws.deployment.functions[function]
    return load_handler(spec)(event, LambdaContext(spec))


def api_call(aws, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """A request of the sample editor (tenant dev) to any /v1 route, shaped like api-create-channel.json."""
    event = sample("api-create-channel.json")
    event.update(
        httpMethod=method,
        path=path,
        pathParameters={"proxy": path.removeprefix("/v1/")},
        body=None if body is None else json.dumps(body),
    )
    event["requestContext"].update(httpMethod=method, path=f"/dev{path}")
    response = invoke(aws, "ApiFunction", event)
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def with_key(event: dict[str, Any], key: str) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["headers"]["x-api-key"] = key
    event["multiValueHeaders"]["x-api-key"] = [key]
    return event


def queued(aws, queue_url: str) -> list[dict[str, Any]]:
    sqs = aws.client("sqs")
    messages: list[dict[str, Any]] = []
    for _ in range(5):  # bounded: a few short receives drain what is there
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        messages += batch.get("Messages", [])
        if not batch.get("Messages"):
            break
    return messages


@pytest.fixture
def email_channel(aws) -> str:
    """Tenant dev with the sample e-mail channel and a rule sending monitor.down events to it."""
    auth.ensure_tenant("dev")
    status, channel = api_call(aws, "POST", "/v1/channels", json.loads(sample("api-create-channel.json")["body"]))
    assert status == 201, channel
    status, rule = api_call(
        aws,
        "POST",
        "/v1/rules",
        {"name": "Down alerts", "match": {"events": ["monitor.down"]}, "channelIds": [channel["id"]]},
    )
    assert status == 201, rule
    return str(channel["id"])


def test_the_aws_fixture_holds_the_resources_template_yaml_declares(aws):
    table = aws.client("dynamodb").describe_table(TableName=aws.table_name)["Table"]
    declared = RESOURCES["Table"]["Properties"]
    assert table["KeySchema"] == declared["KeySchema"]
    assert sorted(index["IndexName"] for index in table["GlobalSecondaryIndexes"]) == sorted(
        index["IndexName"] for index in declared["GlobalSecondaryIndexes"]
    )
    ttl = aws.client("dynamodb").describe_time_to_live(TableName=aws.table_name)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expiresAt")
    backups = aws.client("dynamodb").describe_continuous_backups(TableName=aws.table_name)
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == (
        "ENABLED"
    )

    sqs = aws.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=aws.queue_url, AttributeNames=["All"])["Attributes"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=aws.dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = RESOURCES["DeliveryQueue"]["Properties"]["RedrivePolicy"]
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": redrive["maxReceiveCount"],
    }
    assert attributes["VisibilityTimeout"] == str(RESOURCES["DeliveryQueue"]["Properties"]["VisibilityTimeout"])

    # No fixed TopicName: the topic is named after the stack, and publishers find it in the output.
    assert aws.topic_arn == provision.resolve_outputs(aws.deployment)["AlertsTopicArn"]
    assert aws.topic_arn.endswith(f":{aws.deployment.template.stack_name}-AlertsTopic")
    (rule,) = aws.client("events").list_rules(EventBusName="default")["Rules"]
    assert json.loads(rule["EventPattern"]) == {"source": ["herald.monitor"]}

    key = aws.client("kms").describe_key(KeyId=aws.env["HERALD_KMS_KEY_ID"])["KeyMetadata"]
    assert aws.client("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
    assert aws.sender_email in aws.client("ses").list_identities()["Identities"]


def test_every_function_of_the_template_has_sample_events_and_every_sample_is_a_json_object(aws):
    assert sorted(path.name for path in EVENTS.glob("*.json")) == sorted(SAMPLES)
    assert set(SAMPLES.values()) == set(aws.deployment.functions)
    for name in SAMPLES:
        assert sample(name)


def test_given_no_key_when_the_health_sample_runs_then_it_answers_ok(aws):
    response = invoke(aws, "ApiFunction", sample("api-health.json"))

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok"}


def test_given_a_stage_when_the_openapi_sample_runs_then_servers_is_the_stage_and_the_rest_is_the_committed_file(aws):
    response = invoke(aws, "ApiFunction", sample("api-openapi.json"))

    assert response["statusCode"] == 200
    served = json.loads(response["body"])
    assert served["servers"] == [{"url": "/dev"}]
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert {**served, "servers": committed["servers"]} == committed


def test_given_a_custom_domain_when_the_openapi_sample_runs_then_servers_is_the_root(aws):
    # A custom domain's base path mapping (and the local stack's root) sends no stage in requestContext.path.
    event = sample("api-openapi.json")
    event["requestContext"]["path"] = event["path"]

    response = invoke(aws, "ApiFunction", event)

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["servers"] == [{"url": "/"}]


def test_given_a_stage_when_swagger_ui_is_asked_for_then_its_page_shows_the_served_document(aws):
    event = sample("api-openapi.json")
    event["path"] = event["resource"] = "/v1/docs"
    event["requestContext"]["resourcePath"] = "/v1/docs"
    event["requestContext"]["path"] = "/dev/v1/docs"

    response = invoke(aws, "ApiFunction", event)

    assert response["statusCode"] == 200
    assert response["multiValueHeaders"]["Content-Type"] == ["text/html"]
    page = response["body"]
    assert "<title>Swagger UI</title>" in page and "SwaggerUIBundle" in page
    served = invoke(aws, "ApiFunction", sample("api-openapi.json"))["body"]
    assert served.replace("</", "<\\/") in page  # the very document /v1/openapi.json serves, stage and all


def test_given_an_editor_when_the_create_channel_sample_runs_then_the_channel_is_stored_and_listed(aws):
    auth.ensure_tenant("dev")

    response = invoke(aws, "ApiFunction", sample("api-create-channel.json"))

    assert response["statusCode"] == 201, response["body"]
    created = json.loads(response["body"])
    assert (created["kind"], created["name"]) == ("email", "On-call e-mail")
    status, listed = api_call(aws, "GET", "/v1/channels")
    assert status == 200
    assert [channel["id"] for channel in listed["data"]] == [created["id"]]


def test_given_a_real_key_when_the_authorizer_sample_runs_then_it_allows_the_request_for_the_key_tenant(aws):
    created = auth.create_api_key("dev", "editor", "sample")
    event = with_key(sample("authorizer-request.json"), created.key)

    result = invoke(aws, "AuthorizerFunction", event)

    assert result["principalId"] == created.id
    assert result["context"] == {"tenantId": "dev", "role": "editor", "keyId": created.id}
    assert policy_allows(result["policyDocument"], event["methodArn"])
    assert created.key not in json.dumps(result)


def test_given_the_placeholder_key_when_the_authorizer_sample_runs_then_it_is_unauthorized(aws):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        invoke(aws, "AuthorizerFunction", sample("authorizer-request.json"))


@pytest.mark.parametrize("name", ["ingest-sns.json", "ingest-eventbridge.json"])
def test_given_a_rule_when_the_ingest_sample_runs_then_one_delivery_is_queued_for_its_channel(aws, email_channel, name):
    result = invoke(aws, "IngestFunction", sample(name))

    assert result == {"accepted": 1, "rejected": 0}
    messages = queued(aws, aws.queue_url)
    assert len(messages) == 1
    assert json.loads(messages[0]["Body"])["tenantId"] == "dev"


def test_given_unknown_deliveries_when_the_sender_sample_runs_then_both_go_to_the_dlq_and_none_is_retried(aws):
    event = sample("sender-sqs.json")

    result = invoke(aws, "SenderFunction", event)

    assert result == {"batchItemFailures": []}
    dead = sorted(message["Body"] for message in queued(aws, aws.dlq_url))
    assert dead == sorted(record["body"] for record in event["Records"])


def test_given_a_queued_delivery_when_the_sender_gets_it_in_the_sample_shape_then_the_email_is_sent(aws, email_channel):
    invoke(aws, "IngestFunction", sample("ingest-sns.json"))
    (message,) = queued(aws, aws.queue_url)
    record = {
        **sample("sender-sqs.json")["Records"][0],
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "md5OfBody": message["MD5OfBody"],
    }

    result = invoke(aws, "SenderFunction", {"Records": [record]})

    assert result == {"batchItemFailures": []}
    delivery_id = json.loads(message["Body"])["deliveryId"]
    status, delivery = api_call(aws, "GET", f"/v1/deliveries/{delivery_id}")
    assert status == 200
    assert (delivery["status"], delivery["channelId"]) == ("delivered", email_channel)
    assert aws.client("ses").get_send_quota()["SentLast24Hours"] == 1


def test_the_sample_timer_of_an_alert_that_is_not_firing_does_nothing(aws):
    auth.ensure_tenant("dev")

    result = invoke(aws, "TimerFunction", sample("timer-sqs.json"))

    assert result == {
        "batchItemFailures": [],
        "timers": [
            {"dedupKey": "mon_abc123", "action": "nothing", "reason": "resolved", "number": None, "deliveries": 0}
        ],
    }
