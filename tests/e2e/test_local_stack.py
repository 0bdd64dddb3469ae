"""Issue 2's proof: the local stack from nothing, over HTTP and through the emulated AWS event sources.

A key minted with `make api-key` works through the emulated API Gateway (authorizer first); an SNS
publish and an EventBridge event reach the ingest handler in Lambda's shapes; a message on the
delivery queue reaches the sender in SQS batch shape; Ctrl-C stops everything.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import uuid

import pytest

from local.cfn_yaml import load_yaml
from tests.e2e.conftest import ROOT, Stack, children_of, port_open, start_stack, wait_until
from tests.e2e.helpers import run_make

pytestmark = pytest.mark.e2e

TEMPLATE = load_yaml(ROOT / "template.yaml")
GATEWAY_RESPONSES = TEMPLATE["Resources"]["Api"]["Properties"]["GatewayResponses"]


def gateway_body(kind: str) -> dict[str, str]:
    return json.loads(GATEWAY_RESPONSES[kind]["ResponseTemplates"]["application/json"])


def make_api_key(stack: Stack, tenant: str, role: str) -> subprocess.CompletedProcess[str]:
    return run_make(stack, "api-key", f"TENANT={tenant}", f"ROLE={role}")


@pytest.fixture(scope="module")
def editor_key(stack: Stack) -> str:
    minted = make_api_key(stack, "e2e", "editor")
    assert minted.returncode == 0, minted.stderr
    key = minted.stdout.strip().splitlines()[-1]
    assert key.startswith("hrld_"), minted.stdout
    return key


def monitoring_event(**extra: object) -> dict[str, object]:
    return {
        "tenantId": "dev",
        "type": "monitor.down",
        "severity": "critical",
        "monitor": {"id": f"mon_{uuid.uuid4().hex[:8]}", "name": "My API", "url": "https://api.example.com"},
        **extra,
    }


def test_the_stack_starts_from_nothing_and_prints_a_ready_to_paste_curl(stack: Stack):
    text = stack.text()

    assert f'curl -s {stack.base_url}/v1/channels -H "x-api-key: {stack.admin_key}"' in text
    assert stack.ready_seconds < 30, text


def test_health_docs_and_openapi_answer_without_a_key(stack: Stack, http):
    health = http.get(f"{stack.base_url}/v1/health", timeout=30)
    openapi = http.get(f"{stack.base_url}/v1/openapi.json", timeout=30)
    docs = http.get(f"{stack.base_url}/v1/docs", timeout=30)

    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert openapi.status_code == 200
    assert openapi.json()["openapi"].startswith("3.")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-api-key": "hrld_not_a_key_anyone_minted_000000"}, {"Authorization": "Bearer nonsense"}],
    ids=["no key", "unknown key", "bad bearer"],
)
def test_a_protected_route_without_a_valid_key_is_401_with_the_templates_body(stack: Stack, http, headers):
    response = http.get(f"{stack.base_url}/v1/channels", headers=headers, timeout=30)

    assert response.status_code == 401
    assert response.json() == gateway_body("UNAUTHORIZED")


def test_a_key_minted_with_make_api_key_is_accepted_in_either_header(stack: Stack, http, editor_key):
    by_header = http.get(f"{stack.base_url}/v1/channels", headers={"x-api-key": editor_key}, timeout=30)
    by_bearer = http.get(f"{stack.base_url}/v1/channels", headers={"Authorization": f"Bearer {editor_key}"}, timeout=30)

    assert by_header.status_code == 200, by_header.text
    assert by_header.json()["data"] == []
    assert by_bearer.status_code == 200, by_bearer.text


def test_the_admin_key_printed_by_make_dev_belongs_to_tenant_dev(stack: Stack, http):
    response = http.get(f"{stack.base_url}/v1/api-keys", headers={"x-api-key": stack.admin_key}, timeout=30)

    assert response.status_code == 200, response.text
    (mine,) = [key for key in response.json()["data"] if stack.admin_key.startswith(key["prefix"])]
    assert mine["role"] == "admin"


def test_an_unknown_route_gets_the_templates_missing_authentication_token_response(stack: Stack, http):
    response = http.get(f"{stack.base_url}/nowhere", timeout=30)

    assert response.status_code == 404
    assert response.json() == gateway_body("MISSING_AUTHENTICATION_TOKEN")


def test_the_authorizer_runs_first_and_its_context_reaches_the_api_as_api_gateway_sends_it(
    stack: Stack, http, editor_key
):
    marker = uuid.uuid4().hex
    headers = {"x-api-key": editor_key, "X-E2E-Marker": marker}
    response = http.get(f"{stack.base_url}/v1/channels", params={"limit": "5"}, headers=headers, timeout=30)
    assert response.status_code == 200, response.text

    def carries_marker(entry):
        return (entry["event"].get("headers") or {}).get("X-E2E-Marker") == marker

    authorizer = stack.events.wait_for("AuthorizerFunction", carries_marker)
    api = stack.events.wait_for("ApiFunction", carries_marker)
    event = authorizer["event"]
    assert event["type"] == "REQUEST"
    assert event["methodArn"].startswith("arn:aws:execute-api:us-east-1:123456789012:")
    assert event["methodArn"].endswith("/dev/GET/v1/channels")
    assert event["resource"] == "/v1/{proxy+}"
    assert event["pathParameters"] == {"proxy": "channels"}
    assert event["headers"]["x-api-key"] != editor_key  # the event log masks credentials
    proxy = api["event"]
    assert set(proxy) == {
        "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
        "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body",
        "isBase64Encoded",
    }  # fmt: skip
    assert (proxy["resource"], proxy["path"], proxy["httpMethod"]) == ("/v1/{proxy+}", "/v1/channels", "GET")
    assert proxy["multiValueQueryStringParameters"]["limit"] == ["5"]
    context = proxy["requestContext"]
    assert (context["stage"], context["resourcePath"], context["identity"]["sourceIp"]) == (
        "dev",
        "/v1/{proxy+}",
        "127.0.0.1",
    )
    assert context["authorizer"]["tenantId"] == "e2e"
    assert context["authorizer"]["role"] == "editor"
    assert context["authorizer"]["principalId"] == authorizer["result"]["principalId"]
    assert editor_key not in stack.events.path.read_text()


def test_an_sns_publish_to_the_alerts_topic_reaches_ingest_as_a_lambda_sns_event(stack: Stack):
    topic_arn = stack.outputs["AlertsTopicArn"]
    message = json.dumps(monitoring_event())
    published = stack.client("sns").publish(TopicArn=topic_arn, Message=message, Subject="monitor.down")

    entry = stack.events.wait_for(
        "IngestFunction",
        lambda e: "Records" in e["event"] and e["event"]["Records"][0]["Sns"]["MessageId"] == published["MessageId"],
    )

    (record,) = entry["event"]["Records"]
    assert (record["EventSource"], record["EventVersion"]) == ("aws:sns", "1.0")
    assert record["EventSubscriptionArn"].startswith(f"{topic_arn}:")
    sns = record["Sns"]
    assert set(sns) == {
        "Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion", "Signature",
        "SigningCertUrl", "UnsubscribeUrl", "MessageAttributes",
    }  # fmt: skip
    assert (sns["Type"], sns["TopicArn"], sns["Subject"], sns["Message"]) == (
        "Notification",
        topic_arn,
        "monitor.down",
        message,
    )
    assert entry["result"] == {"accepted": 1, "rejected": 0}


def test_only_herald_monitor_events_reach_ingest_and_they_arrive_as_eventbridge_sends_them(stack: Stack):
    detail = monitoring_event()
    detail.pop("type")
    put = stack.client("events").put_events(
        Entries=[
            {"Source": "someone.else", "DetailType": "monitor.down", "Detail": json.dumps(detail)},
            {"Source": "herald.monitor", "DetailType": "monitor.down", "Detail": json.dumps(detail)},
        ]
    )
    other_id, ours_id = (entry["EventId"] for entry in put["Entries"])

    entry = stack.events.wait_for("IngestFunction", lambda e: e["event"].get("id") == ours_id)

    event = entry["event"]
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]
    assert (event["source"], event["detail-type"], event["account"], event["region"]) == (
        "herald.monitor",
        "monitor.down",
        "123456789012",
        "us-east-1",
    )
    assert event["detail"] == detail
    assert entry["result"] == {"accepted": 1, "rejected": 0}
    assert not [e for e in stack.events.entries("IngestFunction") if e["event"].get("id") == other_id]


def test_a_message_on_the_delivery_queue_reaches_the_sender_in_sqs_batch_shape_and_is_deleted(stack: Stack):
    sqs = stack.client("sqs")
    queue_url = sqs.get_queue_url(QueueName="herald-local-DeliveryQueue")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    body = json.dumps({"tenantId": "dev", "deliveryId": f"dlv_e2e{uuid.uuid4().hex}"})
    sent = sqs.send_message(
        QueueUrl=queue_url, MessageBody=body, MessageAttributes={"origin": {"DataType": "String", "StringValue": "e2e"}}
    )

    entry = stack.events.wait_for(
        "SenderFunction", lambda e: any(r["messageId"] == sent["MessageId"] for r in e["event"]["Records"])
    )

    record = next(r for r in entry["event"]["Records"] if r["messageId"] == sent["MessageId"])
    assert list(record) == [
        "messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
        "md5OfMessageAttributes", "eventSource", "eventSourceARN", "awsRegion",
    ]  # fmt: skip
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == ("aws:sqs", queue_arn, "us-east-1")
    assert record["body"] == body
    assert record["md5OfBody"] == hashlib.md5(body.encode()).hexdigest()  # SQS's own checksum
    assert set(record["attributes"]) == {
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    }
    assert record["messageAttributes"] == {
        "origin": {"stringValue": "e2e", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }
    assert "batchItemFailures" in entry["result"]

    def deleted() -> bool:
        # A receipt handle stops working once its message is deleted; while in flight it keeps it hidden.
        try:
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=360
            )
        except sqs.exceptions.ReceiptHandleIsInvalid:
            return True
        return False

    assert wait_until(deleted, 10), "the poller did not delete the handled message"


def test_a_failed_delivery_stays_on_the_queue_and_is_retried_until_the_receiver_accepts_it(
    stack: Stack, http, receiver
):
    receiver.program([503, 500], default=200)
    headers = {"x-api-key": stack.admin_key}
    channel = http.post(
        f"{stack.base_url}/v1/channels",
        json={"name": "e2e hook", "kind": "webhook", "config": {"url": f"{receiver.url}/hook"}},
        headers=headers,
        timeout=30,
    )
    assert channel.status_code == 201, channel.text

    event = monitoring_event(channelIds=[channel.json()["id"]])
    stack.client("sns").publish(TopicArn=stack.outputs["AlertsTopicArn"], Message=json.dumps(event))

    first, second, third = receiver.wait_for(3, timeout=30)
    assert first.json()["id"] == second.json()["id"] == third.json()["id"]
    assert [attempt.json()["attempt"] for attempt in (first, second, third)] == [1, 2, 3]
    delivery_id = third.json()["id"]

    def delivered():
        reply = http.get(f"{stack.base_url}/v1/deliveries/{delivery_id}", headers=headers, timeout=30)
        return reply.json() if reply.ok and reply.json()["status"] == "delivered" else None

    delivery = wait_until(delivered, 15, interval=0.3)
    assert delivery, "the delivery was not recorded as delivered"
    assert len(delivery["attempts"]) == 3


def test_ctrl_c_stops_the_emulator_the_api_and_every_container_and_exits_0(tmp_path):
    stack = start_stack(tmp_path)
    try:
        stack.wait_ready()
        containers = children_of(stack.process.pid)
        assert len(containers) >= 5, "expected the emulator and a warm container per function"

        code = stack.interrupt()

        assert code == 0, stack.text()[-3000:]
        assert not port_open(stack.api_port)
        assert not port_open(stack.aws_port)
        assert wait_until(lambda: not any(os.path.exists(f"/proc/{pid}") for pid in containers), 5)
        assert stack.text().rstrip().endswith("Stopped.")
    finally:
        stack.kill()


def test_the_emulator_answers_on_as_many_kept_connections_as_the_containers_can_hold(stack: Stack):
    # Every boto3 client of every execution environment keeps its connections to the emulator open (up to ten
    # each): 150 at once, each asking once, all get their answers, within 10 s for the lot.
    import http.client
    import time

    target = {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"}
    signed = "AWS4-HMAC-SHA256 Credential=x/20261204/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
    connections = [http.client.HTTPConnection("127.0.0.1", stack.aws_port, timeout=5) for _ in range(150)]
    deadline = time.monotonic() + 10
    statuses = []
    try:
        for connection in connections:
            connection.request("POST", "/", body=b"{}", headers={**target, "Authorization": signed})
        for connection in connections:
            connection.sock.settimeout(max(0.1, deadline - time.monotonic()))
            answer = connection.getresponse()
            answer.read()
            statuses.append(answer.status)
    finally:
        for connection in connections:
            connection.close()
    assert statuses == [200] * 150
