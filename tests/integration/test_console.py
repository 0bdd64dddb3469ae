"""Issue 21: the console's files as the API function serves them, and GET /v1/whoami that the console signs in with.

The browser half (sign in, forms, the log, XSS, keyboard) is tests/e2e/test_console.py.
"""

from __future__ import annotations

import re

import pytest

from herald.auth import service as auth
from tests.support.api import STAGE

IMPORTS = re.compile(r'^import .* from "\./([a-z0-9-]+\.js)";$', re.MULTILINE)
# Ways a script turns text into markup or code; the console builds elements and sets text only.
HTML_SINKS = (
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "eval(",
    "new Function",
    'setAttribute("on',
)


def served_files(api) -> dict[str, str]:
    """The index, and every file it names or a module imports, as served (each must be a 200)."""
    index = api.get("/console")
    assert index.status == 200, index.text
    files, pending = {"index.html": index.text}, re.findall(rf'"/{STAGE}/console/([a-z0-9-]+\.[a-z]+)"', index.text)
    while pending:
        name = pending.pop()
        if name in files:
            continue
        reply = api.get(f"/console/{name}")
        assert reply.status == 200, f"{name}: {reply.status}"
        files[name] = reply.text
        pending.extend(IMPORTS.findall(reply.text))
    return files


def test_the_console_is_served_with_a_strict_policy_and_no_key(api):
    reply = api.get("/console")

    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    policy = dict(part.strip().split(" ", 1) for part in reply.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == policy["style-src"] == policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in reply.headers["Content-Security-Policy"]
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_the_index_names_its_files_under_the_stage_it_was_reached_by(api):
    index = api.get("/console").text

    assert f'<meta name="herald-base" content="/{STAGE}">' in index
    assert f'<script type="module" src="/{STAGE}/console/app.js"></script>' in index


def test_every_file_the_console_loads_is_served_with_its_type(api):
    files = served_files(api)

    assert {"app.js", "api.js", "dom.js", "form.js", "channels.js", "deliveries.js", "console.css"} <= set(files)
    for name in files:
        reply = api.get(f"/console/{name}") if name != "index.html" else api.get("/console")
        expected = {"js": "text/javascript", "css": "text/css", "html": "text/html", "svg": "image/svg+xml"}
        assert reply.headers["Content-Type"].startswith(expected[name.rsplit(".", 1)[1]]), name
        assert reply.headers["Content-Security-Policy"], name


def test_no_file_has_inline_script_or_style_or_turns_text_into_markup(api):
    files = served_files(api)

    index = files["index.html"]
    assert re.findall(r"<script(?![^>]*\bsrc=)", index) == []  # every script is a file
    assert "<style" not in index
    assert " style=" not in index
    for name, text in files.items():
        assert [sink for sink in HTML_SINKS if sink in text] == [], name
        assert "localStorage" not in text, name  # the key is kept in sessionStorage only


NOT_FILES = ["/console/nope.js", "/console/..%2Ftemplate.yaml", "/console/__init__.py", "/console/ICON.SVG"]


@pytest.mark.parametrize("path", NOT_FILES)
def test_anything_but_a_console_file_is_404(api, path):
    reply = api.get(path)

    assert reply.status == 404
    assert reply.json["code"] == "not_found"


def test_whoami_names_the_callers_tenant_role_and_key(api, aws):
    created = auth.create_api_key("acme", "editor", "support desk")

    reply = api.get("/v1/whoami", key=created.key)

    assert reply.status == 200
    assert reply.json == {"tenantId": "acme", "role": "editor", "keyId": created.id, "keyName": "support desk"}
    assert created.key not in reply.text
