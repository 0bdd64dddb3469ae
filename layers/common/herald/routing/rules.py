"""Rule use cases: CRUD with validation (every channel id must be the tenant's own, steps' too)."""

from __future__ import annotations

from typing import Any

from herald.adapters.validation import parse_body
from herald.channels import repository as channel_repository
from herald.errors import FieldError, RuleNotFound, ValidationFailed
from herald.ids import new_id
from herald.models.alert import duration_seconds
from herald.models.event import RuleMatch, RuleWrite
from herald.routing import rules_repository as repository
from herald.routing import time_intervals
from herald.timeutil import iso


def _check_channels(tenant_id: str, named: dict[str, list[str]]) -> None:
    """Every channel id under each field (`channelIds`, `steps.1.channelIds`) must be the tenant's own."""
    found = channel_repository.get_many(tenant_id, list(dict.fromkeys(cid for ids in named.values() for cid in ids)))
    missing = [
        FieldError(f"{field}.{index}", f"Unknown channel id '{cid}'")
        for field, channel_ids in named.items()
        for index, cid in enumerate(channel_ids)
        if cid not in found
    ]
    if missing:
        raise ValidationFailed(missing)


def _set_intervals(tenant_id: str, write: RuleWrite, item: dict[str, Any]) -> None:
    """Copy the interval ids the write names into `item`; each must be one of the tenant's intervals."""
    named = {"muteTimeIntervals": write.mute_time_intervals, "activeTimeIntervals": write.active_time_intervals}
    unknown = [e for field, ids in named.items() if ids for e in time_intervals.unknown_ids(tenant_id, field, ids)]
    if unknown:
        raise ValidationFailed(unknown)
    item.update({field: list(dict.fromkeys(ids)) for field, ids in named.items() if ids is not None})


def _check_steps(write: RuleWrite) -> None:
    """The first step fires at once (`0m`); each later one strictly after the one before."""
    problems: list[FieldError] = []
    previous = -1
    for index, step in enumerate(write.steps or []):
        after = duration_seconds(step.after)
        if index == 0 and after != 0:
            problems.append(FieldError("steps.0.after", "The first step fires at once: its after must be 0m"))
        elif index > 0 and after <= previous:
            problems.append(FieldError(f"steps.{index}.after", f"after must be later than steps.{index - 1}.after"))
        previous = after
    if problems:
        raise ValidationFailed(problems)


def _step_channels(write: RuleWrite) -> dict[str, list[str]]:
    return {f"steps.{index}.channelIds": step.channel_ids for index, step in enumerate(write.steps or [])}


def _escalation(write: RuleWrite, item: dict[str, Any]) -> None:
    """Set or clear `steps` and `repeatEvery` as the body says (an empty list or null clears)."""
    if "steps" in write.model_fields_set:
        item.pop("steps", None)
        if write.steps:
            item["steps"] = [
                {"after": step.after, "channelIds": list(dict.fromkeys(step.channel_ids))} for step in write.steps
            ]
    if "repeat_every" in write.model_fields_set:
        item.pop("repeatEvery", None)
        if write.repeat_every:
            item["repeatEvery"] = write.repeat_every


def _no_channels() -> ValidationFailed:
    return ValidationFailed([FieldError("channelIds", "channelIds must name at least one channel (or give steps)")])


def view(item: dict[str, Any]) -> dict[str, Any]:
    """The rule as the API shows it; `steps` and `repeatEvery` only on a rule that has them."""
    escalation = {name: item[name] for name in ("steps", "repeatEvery") if item.get(name)}
    return {
        "id": item["id"],
        "name": item["name"],
        "enabled": bool(item["enabled"]),
        "match": item.get("match", {}),
        "channelIds": list(item.get("channelIds", [])),
        "muteTimeIntervals": list(item.get("muteTimeIntervals", [])),
        "activeTimeIntervals": list(item.get("activeTimeIntervals", [])),
        **escalation,
        "createdAt": item["createdAt"],
        "updatedAt": item["updatedAt"],
    }


def create_rule(tenant_id: str, body: Any) -> dict[str, Any]:
    """Raises InvalidRequest, ValidationFailed (unknown channel ids name each one)."""
    write = parse_body(RuleWrite, body)
    if not write.channel_ids and not write.steps:
        raise _no_channels()
    _check_steps(write)
    _check_channels(tenant_id, {"channelIds": write.channel_ids or [], **_step_channels(write)})
    now = iso()
    item: dict[str, Any] = {
        "id": new_id("rule"),
        "name": write.name or "Rule",
        "enabled": True if write.enabled is None else write.enabled,
        "match": (write.match or RuleMatch()).model_dump(by_alias=True),
        "channelIds": list(dict.fromkeys(write.channel_ids or [])),
        "createdAt": now,
        "updatedAt": now,
    }
    _set_intervals(tenant_id, write, item)
    _escalation(write, item)
    repository.put(tenant_id, item)
    return view(item)


def get_rule(tenant_id: str, rule_id: str) -> dict[str, Any]:
    item = repository.get(tenant_id, rule_id)
    if item is None:
        raise RuleNotFound(rule_id)
    return view(item)


def list_rules(tenant_id: str, limit: int, token: str | None) -> dict[str, Any]:
    items, next_token = repository.list_page(tenant_id, limit, token)
    return {"data": [view(item) for item in items], "nextToken": next_token}


def update_rule(tenant_id: str, rule_id: str, body: Any) -> dict[str, Any]:
    write = parse_body(RuleWrite, body)
    item = repository.get(tenant_id, rule_id)
    if item is None:
        raise RuleNotFound(rule_id)
    _check_steps(write)
    _check_channels(tenant_id, {"channelIds": write.channel_ids or [], **_step_channels(write)})
    if write.channel_ids is not None:
        item["channelIds"] = list(dict.fromkeys(write.channel_ids))
    _escalation(write, item)
    if not item.get("channelIds") and not item.get("steps"):
        raise _no_channels()
    if write.name is not None:
        item["name"] = write.name
    if write.enabled is not None:
        item["enabled"] = write.enabled
    if write.match is not None:
        item["match"] = write.match.model_dump(by_alias=True)
    _set_intervals(tenant_id, write, item)
    item["updatedAt"] = iso()
    repository.put(tenant_id, {k: v for k, v in item.items() if k not in ("pk", "sk", "tenantId")})
    return view(item)


def delete_rule(tenant_id: str, rule_id: str) -> None:
    if not repository.delete(tenant_id, rule_id):
        raise RuleNotFound(rule_id)
