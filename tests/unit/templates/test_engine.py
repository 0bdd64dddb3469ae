"""Channel templates: variables, filters, limits, write-time checks with line and column, the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from herald import templates
from herald.errors import ValidationFailed
from herald.models.template import ChannelTemplate
from herald.templates import TemplateError, render_json_body, render_notification, validate_template
from tests.unit.adapters.support import notification

RECOVERED = notification(event="monitor.recovery", status="resolved", downtime_seconds=12345)


def rendered(body: str, n=None, kind: str = "sms") -> str:
    template = ChannelTemplate(body=body)
    return render_notification(n or notification(), template, kind=kind, channel_name="#ops", tenant_id="t_1").body


def refusal(body: str, kind: str = "slack") -> str:
    with pytest.raises(ValidationFailed) as caught:
        validate_template(ChannelTemplate(body=body), kind)
    [detail] = caught.value.details
    assert detail.field == "template.body"
    return detail.message


# -- variables and filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ event.type }}/{{ event.severity }}/{{ event.status }}", "monitor.down/critical/firing"),
        ("{{ event.occurredAt }} {{ event.dedupKey }}", "2026-05-15T08:30:00.000Z mon_abc123"),
        ("{{ monitor.name }} {{ monitor.url }} {{ monitor.type }}", "My API https://api.example.com HTTPS"),
        ("{{ notification.title }}: {{ notification.fields[0].value }}", "My API is down: eu-west"),
        ("{{ links.sourceUrl }}", "https://status.example.com/m/1"),
        ("{{ tenant.id }} {{ channel.name }} {{ channel.kind }}", "t_1 #ops sms"),
        ("{{ details.region }}", "eu-west"),
        ("{{ incident is none }} {{ downtime.seconds is none }}", "True True"),
        ("{{ event.occurredAt | datetime('Asia/Tokyo') }}", "2026-05-15 17:30 JST"),
        ("{{ event.occurredAt | datetime('America/New_York', '%H:%M') }}", "04:30"),
        ("{{ 3725 | duration }}", "1h 2m 5s"),
        ("{{ notification.body | truncate(10) }}", "Connectio…"),
        ("{{ monitor.name | upper }} {{ monitor.name | lower }}", "MY API my api"),
        ("{{ details.missing | default('n/a') }}", "n/a"),
        ("{{ incident | default('no incident') }} {{ details.empty | default('x', true) }}", "no incident x"),
    ],
)
def test_each_variable_and_filter_renders_from_the_notification(source, expected):
    n = notification(details={"region": "eu-west", "empty": ""})
    assert rendered(source, n) == expected


def test_a_recovery_has_its_downtime_in_seconds_and_in_words():
    assert rendered("{{ downtime.seconds }} = {{ downtime.human }}", RECOVERED) == "12345 = 3h 25m 45s"


def test_incident_maintenance_and_component_come_from_the_event():
    from herald.models.event import MonitoringEvent
    from herald.routing.render import to_notification

    event = MonitoringEvent.model_validate(
        {"type": "incident.created", "incident": {"name": "DB outage", "status": "investigating"}}
    )
    out = rendered("{{ incident.name }} ({{ incident.status }})", to_notification(event, None))
    assert out == "DB outage (investigating)"


def test_title_body_and_fields_replace_only_what_the_template_has():
    template = ChannelTemplate(title="{{ monitor.name }} down", fields=[{"label": "Where", "value": "{{ details.r }}"}])
    out = render_notification(notification(details={"r": "eu"}), template, kind="sms", channel_name="c", tenant_id="t")
    assert (out.title, out.body) == ("My API down", notification().body)
    assert [(f.label, f.value) for f in out.fields] == [("Where", "eu")]


def test_variables_never_hold_the_channel_config():
    variables = templates.template_variables(notification(), kind="slack", channel_name="c", tenant_id="t")
    assert set(variables) == set(templates.VARIABLES)
    assert "config" not in json.dumps(variables, default=str)


# -- failures at send time --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{{ details.region }}", "has no attribute 'region'"),
        ("{{ incident.name }}", "'None' has no attribute 'name'"),
        ("{{ event.occurredAt | datetime('Mars/Olympus') }}", "Unknown time zone"),
        ("{% for i in range(5000) %}{% endfor %}", "range() is limited"),
        ("{{ 'x' * 10000000 }}", "sandbox refused"),
        ("{{ 2 ** 64 ** 64 }}", "too large"),
        ("{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}", "loops ran more than"),
        ("{% for a in range(1000) %}{{ notification.body * 100 }}{% endfor %}", "renders more than 65536 characters"),
        ("{% macro f(s) %}{{ f(s ~ s) }}{% endmacro %}{{ f('ab') }}", "sandbox refused"),
    ],
)
def test_a_failing_or_runaway_render_is_a_template_error(source, words):
    with pytest.raises(TemplateError) as caught:
        rendered(source)
    assert words in caught.value.message
    assert caught.value.message.startswith("template.body")


def test_a_render_past_its_deadline_stops(monkeypatch):
    monkeypatch.setattr(templates, "RENDER_SECONDS", -1.0)  # every check finds the deadline passed
    with pytest.raises(TemplateError, match="took longer than"):
        rendered("{% for f in notification.fields %}{{ f.label }}{% endfor %}")


def test_a_template_cannot_change_what_it_reads():
    n = notification(details={"region": "eu"})
    with pytest.raises(TemplateError):
        rendered("{{ details.update({'region': 'changed'}) }}{{ notification.fields.append(1) }}", n)
    assert n.details == {"region": "eu"}


def test_a_template_error_never_quotes_a_value():
    secretish = "hunter2-value"
    with pytest.raises(TemplateError) as caught:
        rendered("{{ details.token | int }}{{ details.nope }}", notification(details={"token": secretish}))
    assert secretish not in caught.value.message


# -- the sandbox -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ notification['__class__'] }}",
        "{{ details.__init__.__globals__ }}",
    ],
)
def test_a_sandbox_escape_is_refused_at_write_and_never_runs_at_send(source):
    assert "is not allowed" in refusal(source)
    with pytest.raises(TemplateError):
        rendered(source)


def test_globals_that_lead_out_of_the_sandbox_are_not_there():
    assert "unknown variable 'cycler'" in refusal("{{ cycler.__init__ }}".replace(".__init__", ""))
    assert "is not allowed" in refusal("{{ cycler.__init__.__globals__ }}")


def test_no_template_can_write_a_file_or_read_the_environment(tmp_path: Path, monkeypatch):
    target = tmp_path / "pwned"
    monkeypatch.setenv("HERALD_CANARY", "canary-value-123")
    attempts = [
        "{{ ''.__class__.__mro__[1].__subclasses__()[0]('" + str(target) + "', 'w') }}",
        "{{ lipsum.__globals__['os'].environ }}",
        "{{ self.__init__.__globals__.__builtins__.open('" + str(target) + "', 'w').write('x') }}",
        "{{ details.environ }}",
        "{{ range.__self__ }}",
    ]
    for source in attempts:
        try:
            out = rendered(source, notification(details={}))
        except TemplateError:
            out = ""
        assert "canary-value-123" not in out
    assert not target.exists()
    assert os.environ["HERALD_CANARY"] == "canary-value-123"


# -- checks at write time ----------------------------------------------------------------------------------


def test_a_syntax_error_names_the_line_and_column():
    assert refusal("Hello\n  {{ monitor.name }} and {{ monitor.name ").startswith(
        "template.body: line 2, column 26: unexpected end of template"
    )


def test_an_unclosed_block_names_its_line():
    assert refusal("first\n{% if monitor.name %}x").startswith("template.body: line 2,")


def test_an_unknown_variable_names_itself_the_line_and_the_column():
    message = refusal("ok\n\n  x {{ secrets.token }}")
    assert message.startswith("template.body: line 3, column 8: unknown variable 'secrets'")
    assert "known: event, monitor" in message


def test_the_config_is_not_a_variable():
    assert "unknown variable 'config'" in refusal("{{ config.webhookUrl }}")


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{{ monitor.name | shell }}", "line 1, column 19: No filter named 'shell'"),
        ("{{ monitor.name | attr('x') }}", "No filter named 'attr'"),
        ("{{ monitor.name is callable }}", "No test named 'callable'"),
        ("{{ monitor.name | safe }}", "No filter named 'safe'"),
    ],
)
def test_an_unknown_filter_or_test_is_refused(source, words):
    assert words in refusal(source)


def test_loop_and_set_variables_are_not_unknown():
    validate_template(
        ChannelTemplate(body="{% set n = 2 %}{% for f in notification.fields %}{{ loop.index }}{{ f }}{% endfor %}"),
        "slack",
    )


def test_each_field_template_is_named_by_its_index():
    with pytest.raises(ValidationFailed) as caught:
        validate_template(ChannelTemplate(fields=[{"label": "ok", "value": "{{ x }}"}]), "discord")
    assert caught.value.details[0].field == "template.fields.0.value"


def test_a_template_over_16_kib_is_refused_whole():
    with pytest.raises(ValidationError) as caught:
        ChannelTemplate(title="t" * 9000, body="b" * 8000)
    assert "16 KiB" in str(caught.value)


def test_more_than_25_fields_are_refused():
    with pytest.raises(ValidationError):
        ChannelTemplate(fields=[{"label": "l", "value": "v"}] * 26)


# -- the custom JSON body -------------------------------------------------------------------------------


def test_a_json_body_inserts_each_value_as_json():
    n = notification(details={"quote": 'say "hi"\n', "code": 503})
    variables = templates.template_variables(n, kind="webhook", channel_name="c", tenant_id="t")
    body = render_json_body('{"m": {{ monitor.name }}, "q": {{ details.quote }}, "c": {{ details.code }}}', variables)
    assert json.loads(body) == {"m": "My API", "q": 'say "hi"\n', "c": 503}


def test_a_json_body_that_does_not_render_json_is_a_template_error():
    variables = templates.sample_variables()
    with pytest.raises(TemplateError, match="does not render as JSON"):
        render_json_body('{"m": "{{ monitor.name }}"}', variables)


def test_a_json_body_template_is_checked_against_a_sample_event():
    templates.validate_json_body_template('{"text": {{ "Down: " ~ monitor.name }}, "x": {{ details.a.b }}}')
    for source, words in [
        ('{"m": "{{ monitor.name }}"}', "does not render as JSON"),
        ("{{ x }", "line 1, column 1"),
        ("{{ ''.__class__ }}", "is not allowed"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            templates.validate_json_body_template(source, "config.bodyTemplate")
        assert caught.value.details[0].field == "config.bodyTemplate"
        assert words in caught.value.details[0].message


def test_jinja_is_not_loaded_until_a_template_is_used():
    # Cold starts of channels without a template stay as they were.
    code = (
        "import sys\n"
        "from herald import templates\n"
        "from herald.delivery import service\n"
        "from herald.channels import service as channels\n"
        "channels.list_kinds()\n"
        "assert 'jinja2' not in sys.modules, 'loaded at import'\n"
        "templates.validate_template(templates.ChannelTemplate(body='{{ event.type }}'), 'slack')\n"
        "assert 'jinja2' in sys.modules\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(templates.__file__).parents[1])}
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
