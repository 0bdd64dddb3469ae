"""Silence use cases: create, list by state, read, expire early; and `silenced_by` for routing.

Alertmanager's semantics (matching.py): a silence is pending before startsAt, active until endsAt,
expired after. Expiring early moves endsAt to now (and startsAt too when it had not started), so the
silence stays listed as expired. Expired silences are kept 5 days (Alertmanager's default retention)
and then removed by the table's TTL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from herald.adapters.validation import parse_body
from herald.errors import FieldError, SilenceNotFound, ValidationFailed
from herald.ids import new_id
from herald.models.event import MonitoringEvent
from herald.models.silence import SilenceWrite
from herald.observability import logger
from herald.silences import matching, repository
from herald.silences.matching import CompiledMatcher, SilenceState
from herald.silences.pattern import MAX_PATTERN_LENGTH, UnsafePattern
from herald.timeutil import iso, parse_iso, utcnow

MAX_DURATION = timedelta(days=365)
RETENTION = timedelta(days=5)


def _utc(moment: datetime, field: str) -> datetime:
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise ValidationFailed([FieldError(field, f"{field} is out of range")]) from None


def _check(write: SilenceWrite, starts_at: datetime, ends_at: datetime, now: datetime) -> list[CompiledMatcher]:
    """The compiled matchers; raises ValidationFailed naming every field that breaks a rule."""
    problems: list[FieldError] = []
    compiled: list[CompiledMatcher] = []
    for index, matcher in enumerate(write.matchers):
        if not matching.known_name(matcher.name):
            problems.append(
                FieldError(
                    f"matchers.{index}.name",
                    f"Unknown matcher name '{matcher.name}': use type, severity, monitor.id, incident.id, "
                    "component.id or tags.<name>",
                )
            )
        if matcher.is_regex and len(matcher.value) > MAX_PATTERN_LENGTH:
            problems.append(
                FieldError(f"matchers.{index}.value", f"A regex may have at most {MAX_PATTERN_LENGTH} characters")
            )
            continue
        try:
            compiled.append(CompiledMatcher.of(matcher.model_dump(by_alias=True)))
        except UnsafePattern as exc:
            problems.append(FieldError(f"matchers.{index}.value", f"Invalid regex: {exc}"))
    if not write.matchers:
        problems.append(FieldError("matchers", "A silence needs at least one matcher"))
    elif len(compiled) == len(write.matchers) and all(m.is_equal and m.matches({}) for m in compiled):
        # Alertmanager's rule (silence.go, validateSilence / matchesEmpty): a silence whose matchers are all
        # positive and all match "" would hold every event. A negative matcher never counts as matching "".
        problems.append(FieldError("matchers", "At least one matcher must not match an empty value"))
    if ends_at <= starts_at:
        problems.append(FieldError("endsAt", "endsAt must be after startsAt"))
    elif ends_at <= now:
        problems.append(FieldError("endsAt", "endsAt must be in the future"))
    elif ends_at - max(starts_at, now) > MAX_DURATION:
        problems.append(FieldError("endsAt", "A silence may last at most 365 days"))
    if problems:
        raise ValidationFailed(problems)
    return compiled


def view(item: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "id": item["id"],
        "matchers": [dict(matcher) for matcher in item["matchers"]],
        "startsAt": item["startsAt"],
        "endsAt": item["endsAt"],
        "comment": item.get("comment", ""),
        "createdBy": item["createdBy"],
        "state": _state(item, now).value,
        "createdAt": item["createdAt"],
        "updatedAt": item["updatedAt"],
    }


def _state(item: dict[str, Any], now: datetime) -> SilenceState:
    return matching.state_at(parse_iso(item["startsAt"]), parse_iso(item["endsAt"]), now)


def _expires(ends_at: datetime) -> int:
    return int(ends_at.timestamp() + RETENTION.total_seconds())  # seconds: no overflow near year 9999


def create_silence(tenant_id: str, created_by: str, body: Any) -> dict[str, Any]:
    """Raises InvalidRequest, ValidationFailed (each field named: matchers, their regexes, the window)."""
    write = parse_body(SilenceWrite, body)
    now = utcnow()
    starts_at = _utc(write.starts_at, "startsAt") if write.starts_at else now
    ends_at = _utc(write.ends_at, "endsAt")
    _check(write, starts_at, ends_at, now)
    starts_at = max(starts_at, now)  # as Alertmanager does: a silence never starts in the past
    item = {
        "id": new_id("sil"),
        "matchers": [matcher.model_dump(by_alias=True) for matcher in write.matchers],
        "startsAt": iso(starts_at),
        "endsAt": iso(ends_at),
        "comment": write.comment,
        "createdBy": created_by,
        "createdAt": iso(now),
        "updatedAt": iso(now),
        "expiresAt": _expires(ends_at),
    }
    repository.put(tenant_id, item)
    return view(item, now)


def get_silence(tenant_id: str, silence_id: str) -> dict[str, Any]:
    """Raises SilenceNotFound."""
    item = repository.get(tenant_id, silence_id)
    if item is None:
        raise SilenceNotFound(silence_id)
    return view(item, utcnow())


def list_silences(tenant_id: str, state: SilenceState | None, limit: int, token: str | None) -> dict[str, Any]:
    now = utcnow()
    items, next_token = repository.list_page(
        tenant_id, limit, token, keep=lambda item: state is None or _state(item, now) is state
    )
    return {"data": [view(item, now) for item in items], "nextToken": next_token}


def expire_silence(tenant_id: str, silence_id: str) -> None:
    """End a silence now; one already expired is left as it is. Raises SilenceNotFound."""
    item = repository.get(tenant_id, silence_id)
    if item is None:
        raise SilenceNotFound(silence_id)
    now = utcnow()
    state = _state(item, now)
    if state is SilenceState.expired:
        return
    if state is SilenceState.pending:
        item["startsAt"] = iso(now)
    item.update(endsAt=iso(now), updatedAt=iso(now), expiresAt=_expires(now))
    repository.put(tenant_id, {k: v for k, v in item.items() if k not in ("pk", "sk", "tenantId")})


def silenced_by(tenant_id: str, event: MonitoringEvent, severity: str, now: datetime) -> str | None:
    """The id of the oldest active silence of the tenant that holds `event` (at `severity`), or None."""
    labels = matching.event_labels(event, severity)
    for item in repository.all_silences(tenant_id):
        if _state(item, now) is not SilenceState.active:
            continue
        try:
            matchers = [CompiledMatcher.of(matcher) for matcher in item["matchers"]]
        except UnsafePattern:  # validated when written; a rule tightened since must not stop routing
            logger.warning("Silence skipped: its regex is no longer accepted", extra={"silenceId": item["id"]})
            continue
        if matching.holds(matchers, labels):
            return str(item["id"])
    return None
