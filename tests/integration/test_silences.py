"""Issue 19 point 2 at the handler level (moto): /v1/silences, and silenced events at routing.

The clock is Herald's own (herald.timeutil), moved by the tests: a silence starts, ends and is expired
early without anyone waiting.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from herald.timeutil import iso
from tests.integration.test_routing import MONITOR, channel, queued_ids, rule
from tests.support.clock import moved_clock

ON_MONITOR = [{"name": "monitor.id", "value": MONITOR["id"]}]


@pytest.fixture
def clock():
    with moved_clock() as moved:
        yield moved


def silence(api, key, clock, matchers=None, **window):
    """A silence from now (or `starts` minutes from now) for `minutes` (default 60)."""
    starts = clock.now + timedelta(minutes=window.get("starts", 0))
    body = {
        "matchers": matchers or ON_MONITOR,
        "startsAt": iso(starts),
        "endsAt": iso(starts + timedelta(minutes=window.get("minutes", 60))),
        "comment": "maintenance",
    }
    reply = api.post("/v1/silences", key=key, body=body)
    assert reply.status == 201, reply.text
    return reply.json


def event(kind="monitor.down", **extra):
    return {"type": kind, "monitor": MONITOR, "severity": "critical", **extra}


def delivery(api, key, reply):
    assert reply.status == 202, reply.text
    [only] = reply.json["deliveries"]
    return api.get(f"/v1/deliveries/{only['deliveryId']}", key=key).json


# CRUD and states


def test_a_silence_is_created_by_the_calling_key_and_read_back(api, key, clock):
    created = silence(api, key, clock, [{"name": "tags.env", "value": "staging|dev", "isRegex": True}])

    read = api.get(f"/v1/silences/{created['id']}", key=key)

    assert read.status == 200
    assert read.json == created
    assert created["createdBy"] == "tests"  # the `key` fixture's name
    assert created["matchers"] == [{"name": "tags.env", "value": "staging|dev", "isEqual": True, "isRegex": True}]
    assert (created["state"], created["startsAt"]) == ("active", iso(clock.now))


def test_created_by_cannot_be_sent(api, key, clock):
    body = {"matchers": ON_MONITOR, "endsAt": iso(clock.now + timedelta(hours=1)), "createdBy": "someone else"}

    reply = api.post("/v1/silences", key=key, body=body)

    assert reply.status == 422
    assert [d["field"] for d in reply.json["details"]] == ["createdBy"]


def test_states_move_with_the_clock_and_the_list_filters_by_state(api, key, clock):
    now_on = silence(api, key, clock, minutes=30)["id"]
    later = silence(api, key, clock, starts=60)["id"]

    def listed(state):
        return [s["id"] for s in api.get("/v1/silences", key=key, query={"state": state}).json["data"]]

    before = (listed("active"), listed("pending"), listed("expired"))
    clock.advance(minutes=61)
    after = (listed("active"), listed("pending"), listed("expired"))

    assert before == ([now_on], [later], [])
    assert after == ([later], [], [now_on])
    assert {s["id"] for s in api.get("/v1/silences", key=key).json["data"]} == {now_on, later}


def test_delete_expires_a_silence_early_and_it_stays_listed(api, key, clock):
    active = silence(api, key, clock)["id"]
    pending = silence(api, key, clock, starts=30)["id"]
    clock.advance(minutes=5)

    answers = [api.delete(f"/v1/silences/{sid}", key=key).status for sid in (active, pending)]
    clock.advance(minutes=5)
    again = api.delete(f"/v1/silences/{active}", key=key).status
    expired = {s["id"]: s for s in api.get("/v1/silences", key=key, query={"state": "expired"}).json["data"]}

    assert answers == [204, 204] and again == 204
    ended = iso(clock.now - timedelta(minutes=5))
    assert (expired[active]["state"], expired[active]["endsAt"]) == ("expired", ended)  # a repeat moves nothing
    assert (expired[pending]["startsAt"], expired[pending]["endsAt"]) == (ended, ended)


def test_a_start_in_the_past_is_now_and_a_negative_matcher_alone_is_enough(api, key, clock):
    # Alertmanager: startsAt before now becomes now; `!=` never counts as matching an empty value.
    body = {
        "matchers": [{"name": "tags.env", "value": "production", "isEqual": False}],
        "startsAt": iso(clock.now - timedelta(days=400)),
        "endsAt": iso(clock.now + timedelta(hours=1)),
    }

    reply = api.post("/v1/silences", key=key, body=body)

    assert reply.status == 201, reply.text
    assert (reply.json["startsAt"], reply.json["state"]) == (iso(clock.now), "active")


def test_an_unknown_silence_is_404(api, key, clock):
    assert api.get("/v1/silences/sil_nope", key=key).json["code"] == "silence_not_found"
    assert api.delete("/v1/silences/sil_nope", key=key).status == 404


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"matchers": []}, "matchers", "A silence needs at least one matcher"),
        ({"matchers": [{"name": "hostname", "value": "x"}]}, "matchers.0.name", "Unknown matcher name 'hostname'"),
        ({"matchers": [{"name": "tags.", "value": "x"}]}, "matchers.0.name", "Unknown matcher name"),
        (
            {"matchers": [*ON_MONITOR, {"name": "tags.env", "value": "a" * 257, "isRegex": True}]},
            "matchers.1.value",
            "A regex may have at most 256 characters",
        ),
        ({"matchers": [{"name": "type", "value": "monitor.(", "isRegex": True}]}, "matchers.0.value", "Invalid regex"),
        (
            {"matchers": [{"name": "type", "value": "(a+)\\1", "isRegex": True}]},
            "matchers.0.value",
            "invalid escape sequence: \\1",
        ),
        ({"matchers": [{"name": "tags.env", "value": ".*", "isRegex": True}]}, "matchers", "must not match an empty"),
        ({"startsAt": "+2h", "endsAt": "+1h"}, "endsAt", "endsAt must be after startsAt"),
        ({"startsAt": "+0h", "endsAt": f"+{366 * 24}h"}, "endsAt", "at most 365 days"),
        ({"startsAt": "-3h", "endsAt": "-1h"}, "endsAt", "endsAt must be in the future"),
        ({"endsAt": None}, "endsAt", ""),
        ({"comment": "x" * 1025}, "comment", ""),
    ],
)
def test_bad_silences_are_422_naming_the_field(api, key, clock, change, field, message):
    def moment(value):
        return iso(clock.now + timedelta(hours=int(value[:-1]))) if isinstance(value, str) else value

    body = {"matchers": ON_MONITOR, "endsAt": "+1h"} | change
    body = {name: moment(value) if name in ("startsAt", "endsAt") else value for name, value in body.items()}

    reply = api.post("/v1/silences", key=key, body=body)

    assert reply.status == 422, reply.text
    assert [d["field"] for d in reply.json["details"]] == [field]
    assert message in reply.json["details"][0]["message"]
    assert api.get("/v1/silences", key=key).json["data"] == []


# Routing


def test_a_silenced_event_is_logged_suppressed_with_the_silence_id_and_queues_nothing(api, key, clock):
    rule(api, key, [channel(api, key)])
    held = silence(api, key, clock, [{"name": "tags.env", "value": "staging|dev", "isRegex": True}])["id"]

    silenced = delivery(api, key, api.post("/v1/events", key=key, body=event(tags={"env": "staging"})))
    queued_before = queued_ids()
    other = delivery(api, key, api.post("/v1/events", key=key, body=event(tags={"env": "production"})))

    assert (silenced["status"], silenced["code"], silenced["suppressedBy"]) == ("suppressed", "silenced", held)
    assert held in silenced["error"]
    assert queued_before == []
    assert other["status"] == "queued" and "suppressedBy" not in other
    assert queued_ids() == [other["id"]]


def test_an_event_goes_out_again_once_its_silence_is_expired_early(api, key, clock):
    rule(api, key, [channel(api, key)])
    held = silence(api, key, clock)["id"]
    first = delivery(api, key, api.post("/v1/events", key=key, body=event(dedupKey="one")))

    api.delete(f"/v1/silences/{held}", key=key)
    second = delivery(api, key, api.post("/v1/events", key=key, body=event(dedupKey="two")))

    assert (first["status"], second["status"]) == ("suppressed", "queued")


def test_the_recovery_of_a_silenced_firing_is_silenced_even_after_the_silence_ended(api, key, clock, log_lines):
    rule(api, key, [channel(api, key)])
    held = silence(api, key, clock, [{"name": "type", "value": "monitor.down"}], minutes=10)["id"]
    down = delivery(api, key, api.post("/v1/events", key=key, body=event()))

    clock.advance(minutes=30)
    recovery = delivery(api, key, api.post("/v1/events", key=key, body=event("monitor.recovery")))
    down_again = delivery(api, key, api.post("/v1/events", key=key, body=event()))
    recovery_again = delivery(api, key, api.post("/v1/events", key=key, body=event("monitor.recovery")))

    assert [(d["status"], d.get("suppressedBy")) for d in (down, recovery)] == [("suppressed", held)] * 2
    assert [d["status"] for d in (down_again, recovery_again)] == ["queued", "queued"]
    assert f'"silenceId":"{held}"' in log_lines.getvalue().replace(" ", "")


def test_the_recovery_of_a_firing_that_went_out_is_not_held_back_by_a_later_repeat(api, key, clock):
    rule(api, key, [channel(api, key)])
    out = delivery(api, key, api.post("/v1/events", key=key, body=event()))
    held = silence(api, key, clock, [{"name": "type", "value": "monitor.down"}], minutes=10)["id"]
    repeat = delivery(api, key, api.post("/v1/events", key=key, body=event()))

    clock.advance(minutes=30)
    recovery = delivery(api, key, api.post("/v1/events", key=key, body=event("monitor.recovery")))

    assert (out["status"], repeat["status"], repeat["suppressedBy"]) == ("queued", "suppressed", held)
    assert recovery["status"] == "queued"


def test_a_silence_is_the_tenants_own(api, key, clock):
    from herald.auth import service as auth

    other = auth.create_api_key("globex", "editor", "globex").key
    rule(api, other, [channel(api, other)])
    silence(api, key, clock)

    reply = delivery(api, other, api.post("/v1/events", key=other, body=event()))

    assert reply["status"] == "queued"


@pytest.mark.parametrize(
    ("tags", "field", "message"),
    [
        ({"bad name": "x"}, "tags", "Tag name 'bad name' must start with a letter"),
        ({"env": "x" * 257}, "tags.env", "256"),
        ({"env": 5}, "tags.env", "string"),
    ],
)
def test_event_tags_are_bounded(api, key, tags, field, message):
    reply = api.post("/v1/events", key=key, body=event(tags=tags, channelIds=[]))

    assert reply.status == 422, reply.text
    assert [d["field"] for d in reply.json["details"]] == [field]
    assert message in reply.json["details"][0]["message"]
