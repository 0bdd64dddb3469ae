"""Time interval use cases: CRUD per tenant, and the routing step that asks whether a rule is muted now.

A rule names intervals by id: inside any of its `muteTimeIntervals`, or outside all of its
`activeTimeIntervals`, it routes nothing (Alertmanager's mute_time_intervals / active_time_intervals).
An interval a rule names cannot be deleted; one that disappeared anyway (deleted while a rule was being
written) is read as absent: it mutes nothing and restricts nothing, so nothing is silenced by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from herald.adapters.validation import parse_body
from herald.errors import Conflict, FieldError, TimeIntervalNotFound
from herald.ids import new_id
from herald.models.interval import TimeIntervalWrite
from herald.routing import intervals_repository as repository
from herald.routing import rules_repository
from herald.timeutil import iso

RULE_FIELDS = ("muteTimeIntervals", "activeTimeIntervals")


def _stored(write: TimeIntervalWrite) -> dict[str, Any]:
    return write.model_dump(by_alias=True, exclude_none=True)


def view(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "name": item["name"],
        "timeIntervals": item["timeIntervals"],
        "createdAt": item["createdAt"],
        "updatedAt": item["updatedAt"],
    }


def create_interval(tenant_id: str, body: Any) -> dict[str, Any]:
    """Raises InvalidRequest, ValidationFailed (each bad field named, e.g. `timeIntervals.0.location`)."""
    now = iso()
    item = {"id": new_id("ti"), **_stored(parse_body(TimeIntervalWrite, body)), "createdAt": now, "updatedAt": now}
    repository.put(tenant_id, item)
    return view(item)


def get_interval(tenant_id: str, interval_id: str) -> dict[str, Any]:
    """Raises TimeIntervalNotFound."""
    item = repository.get(tenant_id, interval_id)
    if item is None:
        raise TimeIntervalNotFound(interval_id)
    return view(item)


def list_intervals(tenant_id: str, limit: int, token: str | None) -> dict[str, Any]:
    items, next_token = repository.list_page(tenant_id, limit, token)
    return {"data": [view(item) for item in items], "nextToken": next_token}


def replace_interval(tenant_id: str, interval_id: str, body: Any) -> dict[str, Any]:
    """Replace name and entries. Raises InvalidRequest, ValidationFailed, TimeIntervalNotFound."""
    write = parse_body(TimeIntervalWrite, body)
    item = repository.get(tenant_id, interval_id)
    if item is None:
        raise TimeIntervalNotFound(interval_id)
    replaced = {"id": interval_id, **_stored(write), "createdAt": item["createdAt"], "updatedAt": iso()}
    repository.put(tenant_id, replaced)
    return view(replaced)


def delete_interval(tenant_id: str, interval_id: str) -> None:
    """Raises TimeIntervalNotFound; Conflict (`time_interval_in_use`) naming the rules that name it."""
    if repository.get(tenant_id, interval_id) is None:
        raise TimeIntervalNotFound(interval_id)
    users = [
        str(rule["id"])
        for rule in rules_repository.all_rules(tenant_id)
        if any(interval_id in (rule.get(name) or []) for name in RULE_FIELDS)
    ]
    if users:
        message = f"Time interval {interval_id} is named by rules {', '.join(users)}; take it out of them first."
        raise Conflict(message, code="time_interval_in_use")
    repository.delete(tenant_id, interval_id)


def unknown_ids(tenant_id: str, field: str, interval_ids: list[str]) -> list[FieldError]:
    """A FieldError for each id in `interval_ids` that is not one of the tenant's intervals."""
    found = repository.get_many(tenant_id, interval_ids)
    return [
        FieldError(f"{field}.{index}", f"Unknown time interval id '{iid}'")
        for index, iid in enumerate(interval_ids)
        if iid not in found
    ]


def _model(item: dict[str, Any]) -> TimeIntervalWrite:
    return TimeIntervalWrite.model_validate({"name": item["name"], "timeIntervals": item["timeIntervals"]})


class Schedule:
    """The intervals some rules name, read once per event, and the moment they are judged at."""

    def __init__(self, intervals: Mapping[str, TimeIntervalWrite], now: datetime) -> None:
        self.intervals, self.now = intervals, now

    @classmethod
    def load(cls, tenant_id: str, rules: Iterable[dict[str, Any]], now: datetime) -> Schedule:
        named = [iid for rule in rules for name in RULE_FIELDS for iid in rule.get(name) or []]
        items = repository.get_many(tenant_id, named) if named else {}
        return cls({iid: _model(item) for iid, item in items.items()}, now)

    def muted_by(self, rule: Mapping[str, Any]) -> str | None:
        """The id of the interval that keeps `rule` quiet now: a mute interval it is inside, or (outside
        all of its active intervals) the first of those; None when the rule routes."""
        for iid in rule.get("muteTimeIntervals") or []:
            interval = self.intervals.get(iid)
            if interval is not None and interval.contains(self.now):
                return str(iid)
        active = [iid for iid in rule.get("activeTimeIntervals") or [] if iid in self.intervals]
        if active and not any(self.intervals[iid].contains(self.now) for iid in active):
            return str(active[0])
        return None
