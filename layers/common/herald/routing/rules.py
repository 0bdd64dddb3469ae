"""Rule use cases: CRUD with validation (every channel id must be the tenant's own)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from herald.adapters.validation import field_errors
from herald.channels import repository as channel_repository
from herald.errors import FieldError, InvalidRequest, RuleNotFound, ValidationFailed
from herald.ids import new_id
from herald.models.event import RuleMatch, RuleWrite
from herald.routing import rules_repository as repository
from herald.routing import time_intervals
from herald.timeutil import iso


def _parse(body: Any) -> RuleWrite:
    if not isinstance(body, dict):
        raise InvalidRequest("The body must be a JSON object.", code="invalid_body")
    try:
        return RuleWrite.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc, RuleWrite, "")) from None


def _check_channels(tenant_id: str, channel_ids: list[str]) -> None:
    found = channel_repository.get_many(tenant_id, channel_ids)
    missing = [
        FieldError(f"channelIds.{index}", f"Unknown channel id '{cid}'")
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


def view(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "name": item["name"],
        "enabled": bool(item["enabled"]),
        "match": item.get("match", {}),
        "channelIds": list(item.get("channelIds", [])),
        "muteTimeIntervals": list(item.get("muteTimeIntervals", [])),
        "activeTimeIntervals": list(item.get("activeTimeIntervals", [])),
        "createdAt": item["createdAt"],
        "updatedAt": item["updatedAt"],
    }


def create_rule(tenant_id: str, body: Any) -> dict[str, Any]:
    """Raises InvalidRequest, ValidationFailed (unknown channel ids name each one)."""
    write = _parse(body)
    if not write.channel_ids:
        raise ValidationFailed([FieldError("channelIds", "channelIds must name at least one channel")])
    _check_channels(tenant_id, write.channel_ids)
    now = iso()
    item = {
        "id": new_id("rule"),
        "name": write.name or "Rule",
        "enabled": True if write.enabled is None else write.enabled,
        "match": (write.match or RuleMatch()).model_dump(by_alias=True),
        "channelIds": list(dict.fromkeys(write.channel_ids)),
        "createdAt": now,
        "updatedAt": now,
    }
    _set_intervals(tenant_id, write, item)
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
    write = _parse(body)
    item = repository.get(tenant_id, rule_id)
    if item is None:
        raise RuleNotFound(rule_id)
    if write.channel_ids is not None:
        if not write.channel_ids:
            raise ValidationFailed([FieldError("channelIds", "channelIds must name at least one channel")])
        _check_channels(tenant_id, write.channel_ids)
        item["channelIds"] = list(dict.fromkeys(write.channel_ids))
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
