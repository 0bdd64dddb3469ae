"""Issue 18 points 1-3 through the local stack: templated messages reach real receivers on 127.0.0.1.

A Slack channel with a template sends its own words, the event's text escaped once for mrkdwn; a webhook
channel whose template fails for one event still delivers it in Herald's wording and says why.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Receiver
from tests.e2e.helpers import Answer, Herald, ScriptedReceiver, create_channel, send_now

pytestmark = pytest.mark.e2e

TEMPLATE = {
    "title": "{{ monitor.name }} is {{ event.status }}",
    "body": "*Region:* {{ details.region }} · <{{ links.sourceUrl }}|runbook>",
    "fields": [{"label": "Code", "value": "{{ details.statusCode }}"}],
}
NOTIFICATION = {
    "event": "monitor.down",
    "title": "ignored by the template",
    "severity": "critical",
    "monitor": {"id": "mon_1", "name": "Checkout <API> & co"},
    "sourceUrl": "https://status.example.com/m/1",
    "details": {"region": "eu-west <1>", "statusCode": 503},
}


@pytest.fixture
def slack_hook() -> Iterator[ScriptedReceiver]:
    running = ScriptedReceiver()
    running.script([], then=Answer(200, b"ok"))
    try:
        yield running
    finally:
        running.close()


def test_a_slack_channel_sends_its_templates_words_with_the_events_text_escaped_once(
    herald: Herald, slack_hook: ScriptedReceiver
):
    url = f"{slack_hook.url}/services/T0HERALD/B0HERALD/slackSecret42"
    channel = create_channel(herald, "slack", {"webhookUrl": url}, template=TEMPLATE)
    send_now(herald, channel, NOTIFICATION)
    [request] = slack_hook.wait_for(1)
    blocks = request.json()["attachments"][0]["blocks"]
    assert blocks[0]["text"]["text"] == "🔴 [CRITICAL] Checkout <API> & co is firing"  # plain_text: never escaped
    assert blocks[1]["text"]["text"] == "*Region:* eu-west &lt;1&gt; · <https://status.example.com/m/1|runbook>"
    assert blocks[2]["fields"][0]["text"] == "*Code*\n503"


def test_a_template_that_fails_for_one_event_still_delivers_it_and_records_why(herald: Herald, receiver: Receiver):
    channel = create_channel(herald, "webhook", {"url": f"{receiver.url}/hook"}, template=TEMPLATE)
    delivery = send_now(herald, channel, {"title": "Plain words", "details": {}})
    [request] = receiver.wait_for(1)
    assert request.json()["notification"]["title"] == "Plain words"
    [attempt] = herald.delivery(delivery["deliveryId"])["attempts"]
    assert attempt["templateError"] == "template.body: 'dict object' has no attribute 'region'"
