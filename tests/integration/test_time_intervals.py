"""Issue 19 point 1 at the handler level (moto): /v1/time-intervals, and rules muted or active by them."""

from __future__ import annotations

import uuid

import pytest

from herald.auth import service as auth
from tests.integration.test_routing import DOWN, MONITOR, channel, rule

# Weekends in Berlin, all day: 2026-12-05 is a Saturday, 2026-12-07 a Monday.
WEEKEND = {"name": "Weekends", "timeIntervals": [{"weekdays": ["saturday", "sunday"], "location": "Europe/Berlin"}]}
OFFICE = {
    "name": "Office hours",
    "timeIntervals": [
        {"weekdays": ["monday:friday"], "times": [{"startTime": "09:00", "endTime": "17:00"}], "location": "UTC"}
    ],
}
SATURDAY_NOON = "2026-12-05T12:00:00Z"
MONDAY_NOON = "2026-12-07T12:00:00Z"
MONDAY_NIGHT = "2026-12-07T22:00:00Z"
# Saturday 00:30 in Berlin is still Friday 23:30 in UTC: the interval is read in its own zone.
BERLIN_SATURDAY_START = "2026-12-04T23:30:00Z"


def interval(api, key, body=WEEKEND) -> str:
    reply = api.post("/v1/time-intervals", key=key, body=body)
    assert reply.status == 201, reply.text
    return reply.json["id"]


def routed(api, key) -> dict[str, dict]:
    """Post a monitor.down of a monitor of its own (no flood control between them); each channel's
    delivery record, by channel id."""
    reply = api.post("/v1/events", key=key, body={**DOWN, "monitor": {**MONITOR, "id": f"mon_{uuid.uuid4().hex}"}})
    assert reply.status == 202, reply.text
    records = [api.get(f"/v1/deliveries/{d['deliveryId']}", key=key).json for d in reply.json["deliveries"]]
    return {record["channelId"]: record for record in records}


def entry(**fields):
    return {"name": "bad", "timeIntervals": [{"location": "UTC", **fields}]}


def test_time_intervals_are_created_read_listed_replaced_and_deleted(api, key):
    created = api.post("/v1/time-intervals", key=key, body=WEEKEND)
    assert created.status == 201, created.text
    iid = created.json["id"]

    read = api.get(f"/v1/time-intervals/{iid}", key=key)
    listed = api.get("/v1/time-intervals", key=key)
    replaced = api.put(f"/v1/time-intervals/{iid}", key=key, body=OFFICE)
    reread = api.get(f"/v1/time-intervals/{iid}", key=key)
    deleted = api.delete(f"/v1/time-intervals/{iid}", key=key)
    gone = api.get(f"/v1/time-intervals/{iid}", key=key)

    assert created.status == 201 and iid.startswith("ti_")
    assert read.json["timeIntervals"] == WEEKEND["timeIntervals"] and read.json["name"] == "Weekends"
    assert [item["id"] for item in listed.json["data"]] == [iid]
    assert replaced.status == 200 and reread.json["name"] == "Office hours"
    assert reread.json["timeIntervals"] == OFFICE["timeIntervals"]
    assert reread.json["createdAt"] == read.json["createdAt"]
    assert deleted.status == 204
    assert (gone.status, gone.json["code"]) == (404, "time_interval_not_found")


def test_another_tenants_interval_is_not_found(api, key):
    iid = interval(api, key)
    other = auth.create_api_key("globex", "editor", "tests").key

    assert api.get(f"/v1/time-intervals/{iid}", key=other).status == 404
    assert api.get("/v1/time-intervals", key=other).json["data"] == []


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (entry(location="Mars/Olympus_Mons"), "timeIntervals.0.location", "Unknown time zone"),
        (entry(location="../../etc/passwd"), "timeIntervals.0.location", "Unknown time zone"),
        (entry(times=[{"startTime": "17:00", "endTime": "09:00"}]), "timeIntervals.0.times.0.endTime", "after"),
        (entry(times=[{"startTime": "09:00", "endTime": "09:00"}]), "timeIntervals.0.times.0.endTime", "after"),
        (entry(times=[{"startTime": "24:00", "endTime": "24:00"}]), "timeIntervals.0.times.0.startTime", "HH:MM"),
        (entry(times=[{"startTime": "9:00", "endTime": "17:00"}]), "timeIntervals.0.times.0.startTime", "HH:MM"),
        (entry(times=[{"startTime": "09:00", "endTime": "24:01"}]), "timeIntervals.0.times.0.endTime", "HH:MM"),
        (entry(weekdays=["monday", "funday"]), "timeIntervals.0.weekdays.1", "not a weekday"),
        (entry(weekdays=["friday:monday"]), "timeIntervals.0.weekdays.0", "ends before it starts"),
        (entry(weekdays=["saturday:sunday"]), "timeIntervals.0.weekdays.0", "starts on Sunday"),
        (entry(daysOfMonth=["0"]), "timeIntervals.0.daysOfMonth.0", "not a day of the month"),
        (entry(daysOfMonth=["1:32"]), "timeIntervals.0.daysOfMonth.0", "not a day of the month"),
        (entry(daysOfMonth=["-1:5"]), "timeIntervals.0.daysOfMonth.0", "from the month's end"),
        (entry(daysOfMonth=["10:5"]), "timeIntervals.0.daysOfMonth.0", "ends before it starts"),
        (entry(months=["13"]), "timeIntervals.0.months.0", "not a month"),
        (entry(months=["march:january"]), "timeIntervals.0.months.0", "ends before it starts"),
        (entry(years=["2027:2026"]), "timeIntervals.0.years.0", "ends before it starts"),
        (entry(years=["next"]), "timeIntervals.0.years.0", "not a year"),
        ({"name": "empty", "timeIntervals": []}, "timeIntervals", ""),
        ({"timeIntervals": WEEKEND["timeIntervals"]}, "name", "required"),
        (entry(weekday=["monday"]), "timeIntervals.0.weekday", "Unknown field"),
    ],
)
def test_a_bad_interval_is_a_422_naming_the_field(api, key, body, field, words):
    created = api.post("/v1/time-intervals", key=key, body=body)
    target = interval(api, key)
    replaced = api.put(f"/v1/time-intervals/{target}", key=key, body=body)

    for reply in (created, replaced):
        assert reply.status == 422, reply.text
        assert reply.json["code"] == "validation_failed"
        details = {d["field"]: d["message"] for d in reply.json["details"]}
        assert field in details, details
        assert words in details[field]


def test_a_rule_may_name_only_its_tenants_intervals(api, key):
    target = channel(api, key)
    other_key = auth.create_api_key("globex", "editor", "tests").key
    foreign = interval(api, other_key)

    unknown = api.post(
        "/v1/rules", key=key, body={"name": "r", "channelIds": [target], "muteTimeIntervals": ["ti_nope"]}
    )
    theirs = api.post(
        "/v1/rules", key=key, body={"name": "r", "channelIds": [target], "activeTimeIntervals": [foreign]}
    )
    rule_id = rule(api, key, [target])
    patched = api.patch(f"/v1/rules/{rule_id}", key=key, body={"muteTimeIntervals": [foreign]})

    assert [(r.status, r.json["details"][0]["field"]) for r in (unknown, theirs, patched)] == [
        (422, "muteTimeIntervals.0"),
        (422, "activeTimeIntervals.0"),
        (422, "muteTimeIntervals.0"),
    ]
    assert foreign in theirs.json["details"][0]["message"]


def test_an_interval_a_rule_names_cannot_be_deleted_until_no_rule_names_it(api, key):
    iid = interval(api, key)
    rule_id = rule(api, key, [channel(api, key)], muteTimeIntervals=[iid])

    refused = api.delete(f"/v1/time-intervals/{iid}", key=key)
    api.patch(f"/v1/rules/{rule_id}", key=key, body={"muteTimeIntervals": []})
    deleted = api.delete(f"/v1/time-intervals/{iid}", key=key)

    assert (refused.status, refused.json["code"]) == (409, "time_interval_in_use")
    assert rule_id in refused.json["error"]
    assert deleted.status == 204


def test_inside_a_mute_interval_a_rule_routes_nothing_and_the_delivery_is_logged_muted(api, key, clock):
    target = channel(api, key)
    weekend = interval(api, key)
    rule_id = rule(api, key, [target], muteTimeIntervals=[weekend])

    clock.set(SATURDAY_NOON)
    muted = routed(api, key)[target]
    clock.set(BERLIN_SATURDAY_START)
    muted_in_berlin = routed(api, key)[target]
    clock.set(MONDAY_NOON)
    sent = routed(api, key)[target]

    assert api.get(f"/v1/rules/{rule_id}", key=key).json["muteTimeIntervals"] == [weekend]
    for record in (muted, muted_in_berlin):
        assert (record["status"], record["code"], record["suppressedBy"]) == ("suppressed", "muted", weekend)
        assert weekend in record["error"]
    assert sent["status"] == "queued" and "suppressedBy" not in sent


def test_outside_all_its_active_intervals_a_rule_routes_nothing(api, key, clock):
    target = channel(api, key)
    office, weekend = interval(api, key, OFFICE), interval(api, key, WEEKEND)
    rule(api, key, [target], activeTimeIntervals=[office, weekend])

    clock.set(MONDAY_NIGHT)
    night = routed(api, key)[target]
    clock.set(MONDAY_NOON)
    office_hours = routed(api, key)[target]
    clock.set(SATURDAY_NOON)
    saturday = routed(api, key)[target]

    assert (night["status"], night["code"], night["suppressedBy"]) == ("suppressed", "muted", office)
    assert (office_hours["status"], saturday["status"]) == ("queued", "queued")


def test_a_channel_another_unmuted_rule_chooses_still_gets_the_event(api, key, clock):
    shared, quiet_only = channel(api, key), channel(api, key)
    weekend = interval(api, key)
    rule(api, key, [shared, quiet_only], muteTimeIntervals=[weekend])
    rule(api, key, [shared])

    clock.set(SATURDAY_NOON)
    records = routed(api, key)

    assert records[shared]["status"] == "queued"
    assert (records[quiet_only]["status"], records[quiet_only]["code"]) == ("suppressed", "muted")


def test_an_event_naming_its_channels_is_not_routed_by_rules_so_never_muted(api, key, clock):
    target = channel(api, key)
    rule(api, key, [target], muteTimeIntervals=[interval(api, key)])
    clock.set(SATURDAY_NOON)

    reply = api.post("/v1/events", key=key, body={**DOWN, "channelIds": [target]})

    assert [d["status"] for d in reply.json["deliveries"]] == ["queued"]
