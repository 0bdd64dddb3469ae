"""Signal: POST {server}/v2/send on a self-hosted signal-cli-rest-api (number, recipients, message)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from herald.adapters.signal import SignalAdapter, SignalConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from tests.unit.adapters.support import brief_notification, ctx, errors_of, response
from tests.unit.adapters.support import json_response as json_answer

ADAPTER = SignalAdapter()
CTX = ctx()
GROUP = "group.ckRzaEd4VmRzNnJaASAEsasa"
BASE = {"serverUrl": "https://signal.example.com:8080", "number": "+431212131491291", "recipients": ["+4354546464654"]}


def config(**values: Any) -> SignalConfig:
    return SignalConfig.model_validate({**BASE, **values})


# --- the config ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelled",
    [
        {"url": "https://signal.example.com:8080", "from": "+431212131491291", "recipient": "+4354546464654"},
        {"apiUrl": "https://signal.example.com:8080", "number": "+431212131491291", "to": ["+4354546464654"]},
    ],
)
def test_signal_spellings_are_accepted(spelled: dict[str, Any]) -> None:
    assert SignalConfig.model_validate(spelled) == config()


@pytest.mark.parametrize("recipients", [["+4354546464654", "+4912812812121"], [GROUP], ["alice.01", "bob.42"]])
def test_numbers_or_usernames_or_one_group(recipients: list[str]) -> None:
    assert config(recipients=recipients).recipients == recipients


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"recipients": [GROUP, "+4912812812121"]}, "config", "all phone numbers, all usernames, or one group"),
        ({"recipients": [GROUP, GROUP + "x"]}, "config", "one group at a time"),
        ({"recipients": ["0049 1234"]}, "config.recipients.0", "E.164 format, a group id (group.…) or a username"),
        ({"recipients": []}, "config.recipients", "at least 1 item"),
        ({"number": "12345"}, "config.number", "E.164"),
        ({"username": "herald"}, "config", "username and password go together"),
        ({"username": "a:b", "password": "p"}, "config.username", "cannot contain ':'"),
    ],
)
def test_bad_configs_are_refused_with_the_rule(values: dict[str, Any], field: str, message: str) -> None:
    assert message in errors_of(SignalConfig, {**BASE, **values})[field]


def test_the_summary_and_redaction() -> None:
    configured = config(recipients=["+4354546464654", "+4912812812121"], username="herald", password="pa55")

    assert configured.summary() == "signal.example.com → 2 recipients"
    assert configured.redacted()["password"] == "••••••••"


# --- the request -------------------------------------------------------------------------------------------


def test_posts_v2_send_with_number_recipients_and_plain_text() -> None:
    n = brief_notification(source_url="https://status.example/a/1", body="*not bold* ~nor struck~")

    request = ADAPTER.build_request(n, config(serverUrl="https://example.com/signal/"), CTX)

    assert (request.method, request.url) == ("POST", "https://example.com/signal/v2/send")
    assert request.headers == {"Content-Type": "application/json"}  # no login: the API has no auth of its own
    assert request.json_body() == {
        "number": "+431212131491291",
        "recipients": ["+4354546464654"],
        "message": "🔴 [CRITICAL] DB down\n*not bold* ~nor struck~\nhttps://status.example/a/1",
        "text_mode": "normal",
    }


def test_a_login_goes_to_the_proxy_as_basic_auth() -> None:
    request = ADAPTER.build_request(brief_notification(), config(username="herald", password="pa55"), CTX)

    scheme, token = request.headers["Authorization"].split(" ")
    assert (scheme, base64.b64decode(token)) == ("Basic", b"herald:pa55")


def test_a_recovery_says_so_and_a_long_message_is_cut() -> None:
    recovered = brief_notification(status="resolved", title="DB is back", body="", downtime_seconds=125)
    long = brief_notification(body="x" * 10_000)

    assert ADAPTER.build_request(recovered, config(), CTX).json_body()["message"] == (
        "✅ RESOLVED: DB is back\nDown for 2m 5s."
    )
    assert len(ADAPTER.build_request(long, config(), CTX).json_body()["message"]) == 4096


# --- the answer -------------------------------------------------------------------------------------------


def test_201_with_a_timestamp_is_a_delivery_with_that_id() -> None:
    receipt = ADAPTER.interpret(json_answer(201, {"timestamp": "1733217600123"}))

    assert (receipt.provider_message_id, receipt.http_status) == ("1733217600123", 201)


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (
            json_answer(400, {"error": "Couldn't process request - please provide at least one recipient"}),
            PermanentDeliveryError,
            "Signal returned 400: Couldn't process request - please provide at least one recipient",
        ),
        (
            json_answer(
                429,
                {"error": "Rate limit exceeded. Use the attached challenge tokens …", "challenge_tokens": ["t"]},
            ),
            RetryableDeliveryError,
            "Signal returned 429: Rate limit exceeded. Use the attached challenge tokens …",
        ),
        (response(401, "Unauthorized"), PermanentDeliveryError, "Signal returned 401: Unauthorized"),  # the proxy
        (json_answer(201, {}), PermanentDeliveryError, "Signal returned 201: {}"),  # no timestamp: nothing was sent
        (response(503, "Service Unavailable"), RetryableDeliveryError, "Signal returned 503: Service Unavailable"),
    ],
)
def test_errors_carry_the_servers_words(answer: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        ADAPTER.interpret(answer)

    assert str(caught.value) == message
