"""Channel message templates: Jinja2 in its sandbox, with each kind's escaping, a time and a size limit.

Jinja2 is imported only when a template is checked or rendered, so channels without one start as fast
as before. A template sees the documented variables (`VARIABLES`) and nothing else: never a config.
Variables are escaped for the kind's markup (`MARKUP`); the template's own text is the user's markup.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from herald.adapters import discord, markdown, render, rocketchat, slack, wecom, zulip
from herald.errors import FieldError, HeraldError, ValidationFailed
from herald.models.config import ChannelConfig
from herald.models.notification import Monitor, Notification, NotificationField
from herald.models.template import MAX_TEMPLATE_FIELDS, ChannelTemplate, TemplateField
from herald.timeutil import iso, parse_iso

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

__all__ = [
    "MARKUP",
    "VARIABLES",
    "ChannelTemplate",
    "TemplateError",
    "TemplateField",
    "describe",
    "render_json_body",
    "render_notification",
    "sample_notification",
    "sample_variables",
    "template_variables",
    "validate_json_body_template",
    "validate_template",
]

RENDER_SECONDS = 0.5  # one template's whole render; the sender's attempt must not wait on a loop
OUTPUT_LIMIT = 64 * 1024  # characters of one rendered part; the kind's own limits cut further, as always

# The documented variables (docs/API.md "Templates"), each with an example of what it holds.
VARIABLES: dict[str, str] = {
    "event": "type, severity, status, occurredAt, dedupKey: {{ event.type }} → monitor.down",
    "monitor": "id, name, url, type (each may be null): {{ monitor.name }} → My API",
    "incident": "the incident of incident.* events, else null: {{ incident.name }} → Database outage",
    "maintenance": "the maintenance of maintenance.* events, else null: {{ maintenance.name }} → Upgrade",
    "component": "the component of component.* events, else null: {{ component.name }} → API",
    "details": "the event's details as sent: {{ details.statusCode }} → 503",
    "notification": "title, body, fields (label, value), sourceUrl: Herald's own wording: {{ notification.title }}",
    "downtime": "seconds and human (null while firing or unknown): {{ downtime.human }} → 3h 25m",
    "links": "sourceUrl: {{ links.sourceUrl }} → https://status.example.com/m/1",
    "tenant": "id: {{ tenant.id }} → t_123",
    "channel": "name, kind: {{ channel.name }} → #ops-alerts",
}
FILTERS = ("datetime", "duration", "truncate", "upper", "lower", "default")
EXTRA_FILTERS = ("join", "length", "replace", "round", "trim")  # Jinja's own, kept as they are

_identity: Callable[[str], str] = str


@dataclass(frozen=True)
class Markup:
    name: str  # what `/v1/kinds` calls it
    escape: Callable[[str], str]  # how a variable is escaped in it: the adapter's own escaping


# The markup kinds. Kinds not listed take plain text, which their adapters escape as they always have
# (e-mail and Matrix HTML, Google Chat, Pushover, ...).
MARKUP: dict[str, Markup] = {
    "slack": Markup("Slack mrkdwn", slack.escape),  # & < >
    "discord": Markup("Discord Markdown", discord.escape_markdown),  # a backslash before * _ ~ ` | > # [ ] <
    "telegram": Markup("Telegram HTML", render.escape_html),  # always sent with parse_mode HTML
    "teams": Markup("Adaptive Card Markdown", _identity),  # which Herald never escapes
    "wecom": Markup("WeCom Markdown", wecom.escape),  # a backslash before its subset's markup characters
    "mattermost": Markup("Mattermost Markdown", markdown.escape),  # CommonMark: before punctuation that starts markup
    "webex": Markup("Webex Markdown", markdown.escape),
    "rocketchat": Markup("Rocket.Chat Markdown", rocketchat.escape_markdown),  # its message parser's * _ ~ ` #
    "zulip": Markup("Zulip Markdown", zulip.escape_markdown),
}
# Parts a markup kind shows as plain text all the same: Slack's header block, Discord's embed title and field
# names. Their variables are not escaped (the adapter shows them as it always has).
PLAIN_PARTS: dict[str, frozenset[str]] = {
    "slack": frozenset({"title"}),
    "discord": frozenset({"title", "label"}),
    # The Slack-style attachment's title and field names are plain text in both services.
    "mattermost": frozenset({"title", "label"}),
    "rocketchat": frozenset({"title", "label"}),
}


def _escape(kind: str) -> Callable[[str], str] | None:
    """The kind's escaping of variables; None for a plain-text kind."""
    markup = MARKUP.get(kind)
    return markup.escape if markup else None


def describe(kind: str) -> dict[str, Any]:
    """What `/v1/kinds` says about a kind's templates: every kind takes one; its markup; the variables."""
    return {
        "supported": True,
        "parts": ["title", "body", "fields"],
        "markup": markup.name if (markup := MARKUP.get(kind)) else "plain text",
        "variables": VARIABLES,
        "filters": [*FILTERS, *EXTRA_FILTERS],
    }


_deadline: ContextVar[float] = ContextVar("template_deadline", default=float("inf"))


class TemplateError(HeraldError):
    """A template that failed to render. The message names the part and the reason, never a config value."""

    code = "template_error"


# -- the engine ------------------------------------------------------------------------------------------


def _check_deadline() -> None:
    if time.monotonic() > _deadline.get():
        raise TemplateError(f"The template took longer than {RENDER_SECONDS}s to render.")


def _datetime(value: Any, zone: str = "UTC", fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    moment = value if isinstance(value, datetime) else parse_iso(str(value))
    try:
        return moment.astimezone(ZoneInfo(zone)).strftime(fmt)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TemplateError(f"Unknown time zone '{zone}'.") from exc


def _default(value: Any, fallback: Any = "", boolean: bool = False) -> Any:
    """Jinja's `default`, which also stands in for null: most variables are null when an event lacks them."""
    from jinja2 import Undefined

    return fallback if isinstance(value, Undefined) or value is None or (boolean and not value) else value


def _upper(value: Any) -> str:
    return "" if value is None else str(value).upper()


def _lower(value: Any) -> str:
    return "" if value is None else str(value).lower()


def _duration(value: Any) -> str:
    return render.format_duration(int(value))


def _truncate(value: Any, length: int = 255) -> str:
    return render.truncate(str(value), int(length))


@cache
def _environment(escape: Callable[[str], str] | None, json_values: bool = False) -> SandboxedEnvironment:
    from jinja2 import StrictUndefined, Undefined
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Sandbox(ImmutableSandboxedEnvironment):
        """Every call, attribute read and loop step checks the clock; no operator builds a huge value; nothing
        a template reads can be changed (`details.update(...)`, `fields.append(...)`)."""

        intercepted_binops = frozenset({"*", "**", "+"})

        def call(self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            _check_deadline()
            if any(_oversized(arg) for arg in (*args, *kwargs.values())):
                raise SecurityError("value too large")
            return super().call(__context, __obj, *args, **kwargs)

        def getattr(self, obj: Any, attribute: str) -> Any:
            _check_deadline()
            return super().getattr(obj, attribute)

        def getitem(self, obj: Any, argument: Any) -> Any:
            _check_deadline()
            return super().getitem(obj, argument)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            result = super().call_binop(context, operator, left, right) if operator != "**" else _power(left, right)
            if _oversized(result):
                raise SecurityError("value too large")
            return result

    def finalize(value: Any) -> str:
        if json_values:
            return json.dumps(None if isinstance(value, Undefined) else value, ensure_ascii=False, default=str)
        text = "" if value is None else str(value)
        return escape(text) if escape else text

    env = Sandbox(
        undefined=StrictUndefined, finalize=finalize, autoescape=False, keep_trailing_newline=True, cache_size=0
    )
    env.filters = {"upper": _upper, "lower": _lower, "default": _default} | {n: env.filters[n] for n in EXTRA_FILTERS}
    env.filters.update({"datetime": _datetime, "duration": _duration, "truncate": _truncate, LOOP_GUARD: _guarded})
    env.tests = {name: env.tests[name] for name in ("defined", "undefined", "none", "number", "string", "in")}
    env.globals = {"range": _range}
    return env


LOOP_GUARD = "herald_loop_guard"
MAX_RANGE = 1000
MAX_LOOP_STEPS = 100_000  # every loop of one render together
_steps: ContextVar[list[int]] = ContextVar("template_steps")


def _range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateError(f"range() is limited to {MAX_RANGE} numbers.")
    return numbers


def _power(left: Any, right: Any) -> Any:
    # 2 ** 64 ** 64 would take the sender's memory: no power of more than 4096 bits.
    bits = abs(int(left)).bit_length() if isinstance(left, int | float) else 0
    if isinstance(right, int | float) and (abs(right) > 64 or bits * abs(right) > 4096):
        raise TemplateError("That power is too large.")
    return left**right


def _oversized(value: Any) -> bool:
    return isinstance(value, str | list | tuple | bytes) and len(value) > OUTPUT_LIMIT


def _guarded(iterable: Any) -> Iterator[Any]:
    """Wraps every `for` loop's iterable (see `_compiled`): each step counts against the render's budget."""
    steps = _steps.get()
    for item in iterable:
        steps[0] += 1
        if steps[0] > MAX_LOOP_STEPS:
            raise TemplateError(f"The template's loops ran more than {MAX_LOOP_STEPS} steps.")
        _check_deadline()
        yield item


def _compiled(env: SandboxedEnvironment, source: str) -> Any:
    """The template with every loop's iterable passed through the loop guard."""
    from jinja2 import nodes

    tree = env.parse(source)
    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Filter(loop.iter, LOOP_GUARD, [], [], None, None, lineno=loop.lineno)
    return env.from_string(tree)


def _render(env: SandboxedEnvironment, source: str, variables: dict[str, Any], part: str) -> str:
    from jinja2 import TemplateError as JinjaError
    from jinja2.exceptions import SecurityError

    token = _deadline.set(time.monotonic() + RENDER_SECONDS)
    steps = _steps.set([0])
    try:
        return _collect(_compiled(env, source).generate(variables), part)
    except TemplateError as exc:
        message = exc.message if exc.message.startswith("template.") else f"template.{part}: {exc.message}"
        raise TemplateError(message) from None
    except SecurityError:
        raise TemplateError(f"template.{part}: the sandbox refused an unsafe operation.") from None
    except JinjaError as exc:
        raise TemplateError(f"template.{part}: {_jinja_message(exc)}") from None
    except (TypeError, ValueError, ArithmeticError, LookupError, RecursionError, MemoryError) as exc:
        # Messages of Python's own errors can quote values: only the error's type is kept.
        raise TemplateError(f"template.{part}: {type(exc).__name__} while rendering.") from None
    finally:
        _deadline.reset(token)
        _steps.reset(steps)


def _collect(pieces: Iterator[str], part: str) -> str:
    size, kept = 0, []
    for piece in pieces:
        size += len(piece)
        if size > OUTPUT_LIMIT:
            raise TemplateError(f"template.{part} renders more than {OUTPUT_LIMIT} characters.")
        kept.append(piece)
        _check_deadline()
    return "".join(kept)


def _jinja_message(exc: Exception) -> str:
    # StrictUndefined says "'dict object' has no attribute 'x'": names, never values.
    return str(getattr(exc, "message", None) or type(exc).__name__)[:300]


# -- variables -----------------------------------------------------------------------------------------


def template_variables(notification: Notification, *, kind: str, channel_name: str, tenant_id: str) -> dict[str, Any]:
    """Everything a template may read (`VARIABLES`), built from the notification alone: no config, no secret."""
    n = notification
    monitor = (n.monitor or Monitor()).model_dump(by_alias=True)
    down = n.downtime_seconds
    return {
        "event": {
            "type": n.event,
            "severity": n.severity,
            "status": n.status,
            "occurredAt": iso(n.occurred_at),
            "dedupKey": n.dedup_key,
        },
        "monitor": monitor,
        "incident": n.incident,
        "maintenance": n.maintenance,
        "component": n.component,
        "details": n.details,
        "notification": {
            "title": n.title,
            "body": n.body,
            "fields": [{"label": f.label, "value": f.value} for f in n.fields],
            "sourceUrl": n.source_url,
        },
        "downtime": {"seconds": down, "human": render.format_duration(down) if down is not None else None},
        "links": {"sourceUrl": n.source_url},
        "tenant": {"id": tenant_id},
        "channel": {"name": channel_name, "kind": kind},
    }


def sample_notification() -> Notification:
    """A `monitor.down` notification with every part filled in, for checks and previews."""
    return Notification.model_validate(
        {
            "event": "monitor.down",
            "title": "My API is down",
            "body": "HTTP 503 from eu-west",
            "severity": "critical",
            "monitor": {"id": "mon_1", "name": "My API", "url": "https://api.example.com/health", "type": "http"},
            "sourceUrl": "https://status.example.com/monitors/1",
            "dedupKey": "mon_1",
            "details": {"statusCode": 503, "region": "eu-west"},
        }
    )


def sample_variables(kind: str = "webhook") -> dict[str, Any]:
    """The variables of a sample `monitor.down` notification, for checks and previews."""
    return template_variables(sample_notification(), kind=kind, channel_name="Sample channel", tenant_id="t_sample")


# -- rendering -----------------------------------------------------------------------------------------


def render_notification(
    notification: Notification, template: ChannelTemplate, *, kind: str, channel_name: str, tenant_id: str
) -> Notification:
    """The notification with the template's title, body and fields; parts it leaves out keep their text.

    For a markup kind (`MARKUP`) the result is marked so its adapter does not escape it again.
    Raises TemplateError.
    """
    escape = _escape(kind)
    plain = PLAIN_PARTS.get(kind, frozenset())
    variables = template_variables(notification, kind=kind, channel_name=channel_name, tenant_id=tenant_id)

    def part(source: str, name: str, role: str) -> str:
        return _render(_environment(None if role in plain else escape), source, variables, name)

    update: dict[str, Any] = {}
    if template.title is not None:
        title = part(template.title, "title", "title").strip()
        update["title"] = render.truncate(title, 1024) or notification.title
    if template.body is not None:
        update["body"] = render.truncate(part(template.body, "body", "body"), 16384)
    if template.fields is not None:
        update["fields"] = [
            NotificationField(
                label=render.truncate(part(f.label, f"fields.{i}.label", "label"), 256) or "—",
                value=render.truncate(part(f.value, f"fields.{i}.value", "value"), 2048),
            )
            for i, f in enumerate(template.fields[:MAX_TEMPLATE_FIELDS])
        ]
    return notification.as_markup(**update) if escape else notification.model_copy(update=update)


def render_json_body(source: str, variables: dict[str, Any], field: str = "config.bodyTemplate") -> bytes:
    """The custom webhook body: each `{{ value }}` is inserted as a JSON value (a string with its quotes).

    Raises TemplateError naming `field` when rendering fails or the result is not JSON.
    """
    try:
        text = _render(_environment(None, json_values=True), source, variables, "body")
    except TemplateError as exc:
        raise TemplateError(exc.message.replace("template.body", field, 1)) from None
    try:
        json.loads(text)
    except ValueError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"  # type: ignore[attr-defined]
        raise TemplateError(f"{field} does not render as JSON ({where} of the output).") from None
    return text.encode()


def apply(
    notification: Notification,
    *,
    template: ChannelTemplate | None,
    config: ChannelConfig,
    kind: str,
    channel_name: str,
    tenant_id: str,
) -> Notification:
    """All a channel's templates make of a notification: its words (`template`) and, for a config whose body is
    a template (a webhook's `custom` payload), that body. Raises TemplateError: the caller sends Herald's own."""
    source = config.json_body_template()
    body = None
    if source is not None:  # read from the event as it came, like every other template
        variables = template_variables(notification, kind=kind, channel_name=channel_name, tenant_id=tenant_id)
        body = render_json_body(source, variables)
    if template is not None:
        notification = render_notification(
            notification, template, kind=kind, channel_name=channel_name, tenant_id=tenant_id
        )
    return notification if body is None else notification.with_custom_body(body)


# -- validation at write time ----------------------------------------------------------------------------


def validate_template(template: ChannelTemplate, kind: str) -> None:
    """Refuse a template that does not parse, reads an unknown variable, uses an unknown filter or test, or
    reaches for an underscored attribute. Nothing is rendered. Raises ValidationFailed naming
    `template.<part>`, the line and the column.
    """
    env = _environment(_escape(kind))
    errors = [error for part, source in template.sources() if (error := _check(env, source, f"template.{part}"))]
    if errors:
        raise ValidationFailed(errors)


def validate_json_body_template(source: str, field: str = "template.body") -> None:
    """`validate_template` for a custom webhook body, which must also render a sample notification into JSON
    (values it cannot find render as null). Raises ValidationFailed naming `field`."""
    env = _environment(None, json_values=True)
    if error := _check(env, source, field):
        raise ValidationFailed([error])
    from jinja2 import ChainableUndefined

    lenient = env.overlay(undefined=ChainableUndefined)
    try:
        text = _render(lenient, source, sample_variables(), "body")
        json.loads(text)
    except TemplateError as exc:
        raise ValidationFailed([FieldError(field, exc.message.replace("template.body", field, 1))]) from None
    except ValueError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"  # type: ignore[attr-defined]
        message = f"{field} does not render as JSON for a sample event ({where} of the output): {exc.msg}"  # type: ignore[attr-defined]
        raise ValidationFailed([FieldError(field, message)]) from None


def _check(env: SandboxedEnvironment, source: str, field: str) -> FieldError | None:
    from jinja2 import TemplateSyntaxError, meta, nodes

    lines = source.splitlines() or [""]
    try:
        tree = env.parse(source)
        env.compile(tree)  # unknown filters and tests are found here
    except TemplateSyntaxError as exc:
        line = exc.lineno or 1
        named = re.search(r"named '([^']+)'", exc.message or "")
        column = _column(lines, line, named.group(1)) if named else _syntax_column(env, lines, line)
        return FieldError(field, f"{field}: line {line}, column {column}: {exc.message}")
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if (unsafe := _unsafe_name(node)) is not None:
            where = f"line {node.lineno}, column {_column(lines, node.lineno, unsafe)}"
            return FieldError(field, f"{field}: {where}: '{unsafe}' is not allowed")
    unknown = sorted(meta.find_undeclared_variables(tree) - VARIABLES.keys() - env.globals.keys())
    if unknown:
        line = next((i + 1 for i, text in enumerate(lines) if re.search(rf"\b{re.escape(unknown[0])}\b", text)), 1)
        known = ", ".join(VARIABLES)
        return FieldError(
            field,
            f"{field}: line {line}, column {_column(lines, line, unknown[0])}: unknown variable '{unknown[0]}' "
            f"(known: {known})",
        )
    return None


def _unsafe_name(node: Any) -> str | None:
    """An attribute name starting with `_` (`.__class__`, `['__init__']`, `|attr('__globals__')`)."""
    from jinja2 import nodes

    if isinstance(node, nodes.Getattr):
        name: Any = node.attr
    elif isinstance(node, nodes.Getitem):
        name = node.arg.value if isinstance(node.arg, nodes.Const) else None
    else:
        first = node.args[0] if node.name == "attr" and node.args else None
        name = first.value if isinstance(first, nodes.Const) else None
    return name if isinstance(name, str) and name.startswith("_") else None


def _column(lines: list[str], line: int, word: str) -> int:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return text.find(word) + 1 if word in text else 1


def _syntax_column(env: SandboxedEnvironment, lines: list[str], line: int) -> int:
    """Jinja reports only a line: the column is that of the line's first tag that does not parse alone."""
    from jinja2 import TemplateSyntaxError

    text = lines[line - 1] if 0 < line <= len(lines) else ""
    for match in re.finditer(r"\{\{.*?(\}\}|$)", text):
        try:
            env.parse(match.group(0))
        except TemplateSyntaxError:
            return match.start() + 1
    tags = _tag_starts(text)
    return next(tags, 0) + 1


def _tag_starts(text: str) -> Iterator[int]:
    return (match.start() for match in re.finditer(r"\{[{%#]", text))
