"""Issue 20's proof for the on-call kinds splunkoncall, incidentio and grafanaoncall, through the local stack.

Splunk On-Call and incident.io have fixed public hosts: the session stack sends kind K to `{providers.url}/K`
(HERALD_ENDPOINT_K). A Grafana OnCall channel's URL points at the same receiver on 127.0.0.1 (the stack allows
loopback). The receiver answers as each service does (PROVIDERS.md §22, §23; Grafana OnCall's inbound webhook
page, see herald/adapters/grafanaoncall.py). For each kind: `/test` succeeds and the service gets its own
request (method, path, auth, content type, body fields) while the channel's secret never comes back; the
service's error answer is a 502 with its words; a queued firing notification and its queued recovery land and
the recovery resolves what the alert opened, by the same key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.conftest import Received, Receiver
from tests.e2e.helpers import (
    SOURCE_URL,
    TEST_TITLE,
    Answer,
    Herald,
    answering,
    arrived,
    content_type,
    create_channel,
    header,
    json_answer,
    wait_for_path,
)

pytestmark = pytest.mark.e2e

SPLUNK_KEY = "5f0c2a9e-7d41-4b8e-a3c6-91e0d7b2f4a8"
INCIDENTIO_SOURCE = "01HZX4Q8J3K9M2N7P5R6S1T0VW"
INCIDENTIO_TOKEN = "inc_src_Qm7xK2pV9tLw4Z"
ONCALL_TOKEN = "oNcaLLtoKen8Hq2xV9pWz3"


def check_splunkoncall(request: Received) -> None:
    # §22: the key and the routing key are the last two path segments; no header carries a secret.
    assert (request.method, request.path) == (
        "POST",
        f"/splunkoncall/integrations/generic/20131114/alert/{SPLUNK_KEY}/database",
    )
    assert header(request, "Authorization") is None
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert body["message_type"] == "INFO"  # a test is an info: a timeline entry, not a page
    assert TEST_TITLE in body["entity_display_name"] and "your Splunk On-Call channel works" in body["state_message"]
    assert body["entity_id"] and body["monitoring_tool"] == "Herald"


def check_incidentio(request: Received) -> None:
    assert (request.method, request.path) == ("POST", f"/incidentio/v2/alert_events/http/{INCIDENTIO_SOURCE}")
    assert header(request, "Authorization") == f"Bearer {INCIDENTIO_TOKEN}"
    assert content_type(request).startswith("application/json")
    body = request.json()
    # §23: title, status and deduplication_key are required.
    assert (body["title"], body["status"]) == (TEST_TITLE, "firing")
    assert body["deduplication_key"] and "your incident.io channel works" in body["description"]
    assert body["metadata"]["severity"] == "info"


def check_grafanaoncall(request: Received) -> None:
    assert (request.method, request.path) == (
        "POST",
        f"/grafanaoncall/integrations/v1/formatted_webhook/{ONCALL_TOKEN}/",
    )
    assert content_type(request).startswith("application/json")
    body = request.json()
    assert body["state"] == "alerting" and body["alert_uid"]
    assert TEST_TITLE in body["title"] and "your Grafana OnCall channel works" in body["message"]


@dataclass(frozen=True)
class Case:
    """A channel of one kind, how its service says yes, what it must receive, and how a recovery reads."""

    kind: str
    display: str
    config: Callable[[str], dict[str, Any]]  # the receiver's base URL → the channel's config
    ok: Answer
    check: Callable[[Received], None]
    message_id: str | None
    secret: str
    key_of: Callable[[dict[str, Any]], str]  # the request body → the key that ties alert and recovery
    state_of: Callable[[dict[str, Any]], str]  # the request body → firing/resolved in the service's words
    states: tuple[str, str]  # (the critical alert's, the recovery's)

    @property
    def prefix(self) -> str:
        return f"/{self.kind}/"


SPLUNKONCALL = Case(
    "splunkoncall",
    "Splunk On-Call",
    lambda base: {"restApiKey": SPLUNK_KEY, "routingKey": "database"},
    json_answer(200, {"result": "success", "entity_id": "mon_42"}),
    check_splunkoncall,
    message_id="mon_42",
    secret=SPLUNK_KEY,
    key_of=lambda body: body["entity_id"],
    state_of=lambda body: body["message_type"],
    states=("CRITICAL", "RECOVERY"),
)
INCIDENTIO = Case(
    "incidentio",
    "incident.io",
    lambda base: {"alertSourceConfigId": INCIDENTIO_SOURCE, "alertSourceToken": INCIDENTIO_TOKEN},
    json_answer(202, {"status": "success", "message": "Event accepted for processing", "deduplication_key": "mon_42"}),
    check_incidentio,
    message_id="mon_42",
    secret=INCIDENTIO_TOKEN,
    key_of=lambda body: body["deduplication_key"],
    state_of=lambda body: body["status"],
    states=("firing", "resolved"),
)
GRAFANAONCALL = Case(
    "grafanaoncall",
    "Grafana OnCall",
    lambda base: {"url": f"{base}/grafanaoncall/integrations/v1/formatted_webhook/{ONCALL_TOKEN}/"},
    json_answer(200, "Ok."),
    check_grafanaoncall,
    message_id=None,
    secret=ONCALL_TOKEN,
    key_of=lambda body: body["alert_uid"],
    state_of=lambda body: body["state"],
    states=("alerting", "ok"),
)
CASES = [pytest.param(case, id=case.kind) for case in (SPLUNKONCALL, INCIDENTIO, GRAFANAONCALL)]


def make_channel(herald: Herald, case: Case, provider: Receiver) -> str:
    return create_channel(herald, case.kind, case.config(provider.url), name=f"e2e {case.kind}")


def assert_no_secret(case: Case, text: str) -> None:
    assert case.secret not in text, f"{case.kind} secret echoed"


@pytest.mark.parametrize("case", CASES)
def test_given_the_service_says_yes_when_the_channel_is_tested_then_200_it_got_its_own_format_and_no_secret_shows(
    herald: Herald, provider: Receiver, case: Case
) -> None:
    channel = make_channel(herald, case, provider)

    with answering(provider, [], then=case.ok):
        reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["success"], body["detail"]) == (True, f"Test message sent to {case.display}")
    assert body["providerMessageId"] == case.message_id
    [request] = wait_for_path(provider, case.prefix, 1, timeout=10)
    case.check(request)
    record = herald.delivery(body["deliveryId"])
    assert (record["status"], record["event"]) == ("delivered", "test")
    read = herald.call("GET", f"/v1/channels/{channel}")
    assert read.status_code == 200, read.text
    assert "••••••••" in read.json()["config"].values()  # the secret field, redacted
    assert_no_secret(case, reply.text + json.dumps(record) + read.text)


@pytest.mark.parametrize(
    ("case", "answer", "error"),
    [
        pytest.param(
            SPLUNKONCALL,
            json_answer(404, {"result": "failure", "message": "Could not find integration for key"}),
            "Splunk On-Call returned 404: Could not find integration for key",
            id="splunkoncall-404",
        ),
        pytest.param(
            INCIDENTIO,
            json_answer(
                422,
                {
                    "type": "validation_error",
                    "status": 422,
                    "request_id": "0c7b6a1e",
                    "errors": [
                        {"code": "invalid", "message": "must be firing or resolved", "source": {"field": "status"}}
                    ],
                },
            ),
            "incident.io returned 422: status: must be firing or resolved",
            id="incidentio-422",
        ),
        # An unknown token: OnCall's key lookup raises Django's PermissionDenied, a plain 403 page. (Its JSON
        # `detail` would name the "Integration key", and any 8 characters of the URL's path are masked.)
        pytest.param(
            GRAFANAONCALL,
            Answer(403, b"<h1>403 Forbidden</h1>", {"Content-Type": "text/html"}),
            "Grafana OnCall returned 403: <h1>403 Forbidden</h1>",
            id="grafanaoncall-403",
        ),
    ],
)
def test_given_the_service_says_no_when_the_channel_is_tested_then_502_with_its_words(
    herald: Herald, provider: Receiver, case: Case, answer: Answer, error: str
) -> None:
    channel = make_channel(herald, case, provider)

    with answering(provider, [], then=answer):
        reply = herald.call("POST", f"/v1/channels/{channel}/test")

    assert reply.status_code == 502, reply.text
    body = reply.json()
    assert (body["success"], body["error"]) == (False, error)
    record = herald.delivery(body["deliveryId"])
    assert (record["status"], record["error"]) == ("failed", error)
    assert_no_secret(case, reply.text + json.dumps(record))
    assert len(arrived(provider, case.prefix)) == 1  # permanent: no retry follows


@pytest.mark.parametrize("case", CASES)
def test_given_a_queued_alert_when_it_recovers_then_the_recovery_resolves_it_by_the_same_key(
    herald: Herald, provider: Receiver, case: Case
) -> None:
    channel = make_channel(herald, case, provider)
    alert = {"title": "Checkout API is down", "dedupKey": "checkout-api/eu", "sourceUrl": SOURCE_URL}
    recovery = {**alert, "title": "Checkout API is up", "status": "resolved", "downtimeSeconds": 3720}

    with answering(provider, [], then=case.ok):
        for notification in (alert, recovery):
            [queued] = herald.send([channel], **notification)["deliveries"]
            assert herald.settled(queued["deliveryId"])["status"] == "delivered"

    opened, resolved = (request.json() for request in wait_for_path(provider, case.prefix, 2, timeout=10))
    assert (case.state_of(opened), case.state_of(resolved)) == case.states
    assert case.key_of(opened) == case.key_of(resolved) == "checkout-api/eu"
    assert SOURCE_URL in json.dumps(opened)  # the link back to the monitoring
    assert "1h 2m" in json.dumps(resolved)  # the recovery says how long it was down
