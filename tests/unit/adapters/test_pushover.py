"""Pushover: form-encoded message, priority and emergency fields, `status: 1` success (PROVIDERS.md section 8)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl

import pytest

from herald.adapters.base import DeliveryContext
from herald.adapters.providers import PushoverSettings
from herald.adapters.pushover import PushoverAdapter, PushoverConfig
from herald.errors import PermanentDeliveryError, RetryableDeliveryError
from herald.models.notification import Notification
from herald.transport.wire import HttpResponse, OutboundRequest
from tests.unit.adapters import support
from tests.unit.adapters.support import BRIEF, NOW, ctx
from tests.unit.adapters.support import json_response as response

CLOCK = 1_780_000_000.0
ADAPTER = PushoverAdapter(clock=lambda: CLOCK)
USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
APP = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"


def config(**values: Any) -> PushoverConfig:
    return PushoverConfig.model_validate({"userKey": USER, "appToken": APP, **values})


def notification(**values: Any) -> Notification:
    return support.notification(BRIEF | {"occurred_at": NOW}, **values)


def form_of(request: OutboundRequest) -> dict[str, str]:
    pairs = parse_qsl(request.body.decode(), keep_blank_values=True, strict_parsing=True)
    assert len(pairs) == len({key for key, _ in pairs}), "every field once"
    return dict(pairs)


def sent(n: Notification, cfg: PushoverConfig | None = None, delivery_id: str = "dlv_1") -> dict[str, str]:
    return form_of(ADAPTER.build_request(n, cfg or config(), ctx(delivery_id)))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("b", "a"):
            self.problems.append(tag)
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"/{tag}")


def html_problems(text: str) -> list[str]:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    bare = text
    for entity in ("&amp;", "&lt;", "&gt;", "&quot;"):
        bare = bare.replace(entity, "")
    return parser.problems + parser.open + (["bare &"] if "&" in bare else [])


# --- the request ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "url"),
    [
        ({}, "https://api.pushover.net/1/messages.json"),
        ({"pushover": "http://127.0.0.1:9000"}, "http://127.0.0.1:9000/1/messages.json"),
        ({"pushover": "http://127.0.0.1:9000/po/"}, "http://127.0.0.1:9000/po/1/messages.json"),
    ],
)
def test_form_post_with_token_and_user_in_the_body(endpoints: dict[str, str], url: str) -> None:
    request = ADAPTER.build_request(notification(), config(), ctx(endpoints=endpoints))

    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in request.headers
    assert (form_of(request)["token"], form_of(request)["user"]) == (APP, USER)


def test_firing_form() -> None:
    n = notification(
        body="refused on db-1 & db-2 <eu>",
        fields=[{"label": "Region", "value": "eu-west"}],
        source_url="https://status.example/alert/123",
    )

    assert sent(n, config(sound="siren", device="phone,tablet")) == {
        "token": APP,
        "user": USER,
        "title": "🔴 [CRITICAL] DB down",
        "message": "refused on db-1 &amp; db-2 &lt;eu&gt;\n<b>Region:</b> eu-west",
        "html": "1",
        "priority": "1",
        "timestamp": str(int(NOW.timestamp())),
        "url": "https://status.example/alert/123",
        "url_title": "Open in monitoring",
        "sound": "siren",
        "device": "phone,tablet",
    }


@pytest.mark.parametrize(
    ("configured", "severity", "status", "expected"),
    [
        (None, "critical", "firing", "1"),
        (None, "warning", "firing", "0"),
        (None, "info", "firing", "-1"),
        (-2, "critical", "firing", "-2"),
        (2, "info", "firing", "2"),
        (2, "critical", "resolved", "0"),
        (1, "critical", "resolved", "0"),
        (None, "critical", "resolved", "0"),
        (-1, "critical", "resolved", "-1"),
        (None, "info", "resolved", "-1"),
    ],
)
def test_priority_from_config_else_severity_and_never_loud_for_a_recovery(
    configured: int | None, severity: str, status: str, expected: str
) -> None:
    cfg = config(priority=configured) if configured is not None else config()

    assert sent(notification(severity=severity, status=status), cfg)["priority"] == expected


@pytest.mark.parametrize(
    ("values", "delivery_id", "tag"),
    [
        ({"dedup_key": "alert-123"}, "dlv_1", "alert-123"),
        ({"monitor": {"id": "mon_abc123"}}, "dlv_1", "mon_abc123"),
        ({}, "dlv_42", "dlv_42"),
    ],
)
def test_emergency_carries_retry_expire_and_the_alert_tag(values: dict[str, Any], delivery_id: str, tag: str) -> None:
    form = sent(notification(**values), config(priority=2), delivery_id)

    assert form["priority"] == "2"
    assert int(form["retry"]) >= 30
    assert int(form["expire"]) <= 10800
    assert form["tags"] == tag


@pytest.mark.parametrize("key", ["db,eu", "a b", "x" * 101])
def test_an_unsafe_or_long_key_becomes_one_stable_tag(key: str) -> None:
    first = sent(notification(dedup_key=key), config(priority=2))["tags"]
    again = sent(notification(dedup_key=key), config(priority=2), "dlv_2")["tags"]

    assert first == again
    assert first.startswith("herald-")
    assert "," not in first


@pytest.mark.parametrize("priority", [None, -2, -1, 0, 1])
def test_other_priorities_carry_no_emergency_fields(priority: int | None) -> None:
    cfg = config(priority=priority) if priority is not None else config()

    assert not {"retry", "expire", "tags"} & set(sent(notification(dedup_key="k"), cfg))


@pytest.mark.parametrize(
    ("downtime", "message"),
    [(125, "<b>Recovered after 2m 5s of downtime.</b>"), (None, "<b>Recovered.</b>")],
)
def test_resolved_says_it_recovered_at_normal_priority(downtime: int | None, message: str) -> None:
    form = sent(notification(status="resolved", title="DB is back", body="", downtime_seconds=downtime))

    assert form["title"] == "✅ RESOLVED: DB is back"
    assert form["message"] == message
    assert form["priority"] == "0"


def test_resolved_with_a_body_keeps_the_recovery_line_first() -> None:
    form = sent(notification(status="resolved", body="all good", downtime_seconds=60))

    assert form["message"] == "<b>Recovered after 1m of downtime.</b>\nall good"


def test_a_message_is_never_empty() -> None:
    assert sent(Notification(title="Ping & pong", occurred_at=NOW))["message"] == "Ping &amp; pong"


# --- limits -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        {"body": "x" * 5000},
        {"body": "&<>" * 2000},  # escaping makes each character several; the cut stays whole
        {"body": "", "fields": [{"label": f"F{i}", "value": "v" * 2048} for i in range(25)]},
        {"body": "b" * 5000, "status": "resolved", "downtime_seconds": 3600},
    ],
)
def test_message_is_cut_to_1024_without_breaking_html(values: dict[str, Any]) -> None:
    message = sent(notification(**values))["message"]

    assert len(message) <= 1024
    assert len(message) >= 1000
    assert message.endswith("…")
    assert html_problems(message) == []


def test_title_and_url_title_limits() -> None:
    form = sent(notification(title="t" * 1000, source_url="https://s.example/a"))

    assert len(form["title"]) == 250
    assert form["title"].endswith("…")
    assert len(form["url_title"]) <= 100


def test_a_link_longer_than_512_goes_into_the_message_instead_of_being_cut() -> None:
    url = "https://status.example/" + "p" * 600

    form = sent(notification(source_url=url, body="b" * 5000))

    assert "url" not in form
    assert form["message"].endswith(f'\n<a href="{url}">Open in monitoring</a>')
    assert len(form["message"]) <= 1024
    assert html_problems(form["message"]) == []


# --- cancelling an emergency on resolve ---------------------------------------------------------------------


def test_resolving_an_emergency_cancels_it_by_the_tag_it_carried() -> None:
    fired = sent(notification(dedup_key="db/1"), config(priority=2))["tags"]

    cancel = ADAPTER.build_cancel_request(notification(status="resolved", dedup_key="db/1"), config(priority=2), ctx())

    assert cancel is not None
    assert (cancel.method, cancel.url) == ("POST", f"https://api.pushover.net/1/receipts/cancel_by_tag/{fired}.json")
    assert cancel.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form_of(cancel) == {"token": APP}


@pytest.mark.parametrize(
    ("status", "priority"),
    [("firing", 2), ("resolved", 1), ("resolved", None)],
)
def test_nothing_to_cancel_otherwise(status: str, priority: int | None) -> None:
    cfg = config(priority=priority) if priority is not None else config()

    assert ADAPTER.build_cancel_request(notification(status=status, dedup_key="k"), cfg, ctx()) is None


class _Receiver:
    """An in-memory stand-in for the guarded session: answers each request with the next scripted response."""

    def __init__(self, *answers: HttpResponse) -> None:
        self.answers = list(answers)
        self.requests: list[OutboundRequest] = []

    def send(self, request: OutboundRequest) -> HttpResponse:
        self.requests.append(request)
        return self.answers.pop(0)


def delivery_ctx(receiver: _Receiver) -> DeliveryContext:
    return DeliveryContext(delivery_id="dlv_1", attempt=1, now=NOW, http=receiver)


OK = response(200, {"status": 1, "request": "647d2300-702c-4b38-8b2f-d56326ae460b"})


@pytest.mark.parametrize(
    "cancel_answer",
    [response(200, {"status": 1, "request": "c1"}), response(400, {"status": 0, "errors": ["receipt not found"]})],
)
def test_send_cancels_first_then_says_it_recovered(cancel_answer: HttpResponse) -> None:
    receiver = _Receiver(cancel_answer, OK)

    receipt = ADAPTER.send(notification(status="resolved", dedup_key="k"), config(priority=2), delivery_ctx(receiver))

    assert [request.url for request in receiver.requests] == [
        "https://api.pushover.net/1/receipts/cancel_by_tag/k.json",
        "https://api.pushover.net/1/messages.json",
    ]
    assert form_of(receiver.requests[1])["priority"] == "0"
    assert receipt.provider_message_id == "647d2300-702c-4b38-8b2f-d56326ae460b"


def test_a_cancel_that_may_work_later_retries_the_whole_resolve() -> None:
    receiver = _Receiver(response(503, b""), OK)

    with pytest.raises(RetryableDeliveryError):
        ADAPTER.send(notification(status="resolved", dedup_key="k"), config(priority=2), delivery_ctx(receiver))

    assert len(receiver.requests) == 1


def test_send_without_an_emergency_is_one_request() -> None:
    receiver = _Receiver(OK)

    ADAPTER.send(notification(status="resolved", dedup_key="k"), config(), delivery_ctx(receiver))

    assert [request.url for request in receiver.requests] == ["https://api.pushover.net/1/messages.json"]


# --- the answer -------------------------------------------------------------------------------------------


def test_200_with_status_1_is_success_and_records_the_request() -> None:
    receipt = ADAPTER.interpret(OK)

    assert (receipt.provider_message_id, receipt.http_status) == ("647d2300-702c-4b38-8b2f-d56326ae460b", 200)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            400,
            {
                "status": 0,
                "errors": ["user identifier is not a valid user, group, or subscribed user key"],
                "user": "invalid",
                "request": "r1",
            },
            PermanentDeliveryError,
            "Pushover returned 400: user identifier is not a valid user, group, or subscribed user key",
        ),
        (
            400,
            {"status": 0, "errors": ["retry is invalid", "expire is invalid"]},
            PermanentDeliveryError,
            "Pushover returned 400: retry is invalid; expire is invalid",
        ),
        (
            401,
            {"status": 0, "errors": ["application token is invalid"]},
            PermanentDeliveryError,
            "Pushover returned 401: application token is invalid",
        ),
        (200, {"status": 0}, PermanentDeliveryError, "Pushover returned 200: the answer did not say status 1"),
        (500, b"", RetryableDeliveryError, "Pushover returned 500: Internal Server Error"),
    ],
)
def test_failures_carry_pushovers_errors(status: int, body: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        ADAPTER.interpret(response(status, body))

    assert raised.value.message == message  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [
        (
            {"X-Limit-App-Limit": "10000", "X-Limit-App-Remaining": "0", "X-Limit-App-Reset": str(int(CLOCK) + 3600)},
            3600.0,
        ),
        ({"X-Limit-App-Reset": str(int(CLOCK) - 5)}, 0.0),
        ({"Retry-After": "20"}, 20.0),
        ({"X-Limit-App-Reset": "tomorrow"}, None),
    ],
)
def test_429_is_retryable_until_the_quota_resets(headers: dict[str, str], retry_after: float | None) -> None:
    body = {"status": 0, "errors": ["application has exceeded its monthly message limit"]}

    with pytest.raises(RetryableDeliveryError) as raised:
        ADAPTER.interpret(response(429, body, headers))

    assert raised.value.retry_after == retry_after
    assert raised.value.code == "rate_limited"
    assert "monthly message limit" in raised.value.message


# --- credentials ------------------------------------------------------------------------------------------


def test_a_channel_without_an_app_token_draws_on_the_pushover_provider_settings() -> None:
    own = PushoverConfig.model_validate({"userKey": USER})
    settings = PushoverSettings.model_validate({"appToken": APP})

    merged = PushoverConfig.model_validate({**settings.reveal(), **own.reveal()}, context={"stored": True})

    assert (own.provider(), own.missing_credentials()) == ("pushover", ["appToken"])
    assert merged.missing_credentials() == []
    assert sent(notification(), merged)["token"] == APP


def test_sending_without_any_app_token_is_a_permanent_failure() -> None:
    with pytest.raises(PermanentDeliveryError) as raised:
        ADAPTER.build_request(notification(), PushoverConfig.model_validate({"userKey": USER}), ctx())

    assert raised.value.code == "missing_credentials"
    assert USER not in raised.value.message


# --- the config -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        # shared/reference/seeds/000 (Kamustatus), verbatim.
        {"userKey": "your-pushover-user-key", "appToken": "your-pushover-app-token"},
        {"user_key": "your-pushover-user-key", "app_token": "your-pushover-app-token"},
    ],
)
def test_seed_body_and_snake_case_are_accepted(body: dict[str, Any]) -> None:
    parsed = PushoverConfig.model_validate(body)

    assert parsed.reveal() == {"userKey": "your-pushover-user-key", "appToken": "your-pushover-app-token"}


def messages(body: dict[str, Any]) -> list[tuple[str, str]]:
    return support.error_pairs(PushoverConfig, body)


@pytest.mark.parametrize("body", [{"appToken": APP}, {"userKey": "", "appToken": APP}])
def test_a_missing_user_key_is_named(body: dict[str, Any]) -> None:
    assert messages(body) == [("config.userKey", "Pushover user key is required")]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"priority": 3}, "config.priority", "less than or equal to 2"),
        ({"priority": -3}, "config.priority", "greater than or equal to -2"),
        ({"priority": "high"}, "config.priority", "valid integer"),
        ({"sound": "air horn!"}, "config.sound", "Pushover sound must be"),
        ({"device": "phone;rm -rf"}, "config.device", "Pushover device must be"),
        ({"device": "a" * 26}, "config.device", "Pushover device must be"),
        ({"device": "phone,,tablet"}, "config.device", "Pushover device must be"),
        ({"appToken": ""}, "config.appToken", "Pushover application token is required"),
        ({"html": 1}, "config.html", "Unknown field 'html'"),
    ],
)
def test_bad_configs_are_refused(values: dict[str, Any], field: str, words: str) -> None:
    found = messages({"userKey": USER, "appToken": APP} | values)

    assert any(path == field and words in message for path, message in found), found


def test_device_list_is_normalised() -> None:
    assert config(device=" phone , tablet ").device == "phone,tablet"


def test_redacted_hides_both_secrets_and_reveal_round_trips() -> None:
    parsed = config(priority=2, sound="siren", device="phone")

    assert parsed.redacted() == {
        "userKey": "••••••••",
        "appToken": "••••••••",
        "priority": 2,
        "sound": "siren",
        "device": "phone",
    }
    shown = repr(parsed) + str(parsed) + json.dumps(parsed.redacted())
    assert USER not in shown
    assert APP not in shown
    assert PushoverConfig.model_validate(parsed.reveal()) == parsed
    assert PushoverConfig.secret_fields() == ["userKey", "appToken"]


@pytest.mark.parametrize(("device", "summary"), [(None, "all devices"), ("phone,tablet", "devices phone,tablet")])
def test_summary_names_the_devices(device: str | None, summary: str) -> None:
    cfg = config(device=device) if device else config()

    assert cfg.summary() == summary
    assert USER not in cfg.summary()


def test_json_schema() -> None:
    schema = PushoverAdapter.config_model.model_json_schema(by_alias=True)

    assert schema["required"] == ["userKey"]
    assert set(schema["properties"]) == {"userKey", "appToken", "priority", "sound", "device"}
    assert schema["properties"]["userKey"]["writeOnly"] is True
