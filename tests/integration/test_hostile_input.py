"""Issue 15 fixes at the handler level (moto): names that lie, bodies nested too deep, the last admin key."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from herald.auth import service as auth
from herald.errors import Conflict
from herald.jsonin import MAX_DEPTH
from tests.support.samples import SAMPLES

LYING_NAMES = {
    "nul": "ops\x00alerts",
    "escape": "ops\x1b[31malerts",
    "newline": "ops\nalerts",
    "right-to-left override": "invoice\u202egpj.exe",
    "isolate": "ops\u2066alerts\u2069",
    "left-to-right mark": "ops\u200ealerts",
}


@pytest.fixture
def admin(aws) -> str:
    return auth.create_api_key("acme", "admin", "first admin").key


@pytest.mark.parametrize("name", LYING_NAMES.values(), ids=LYING_NAMES.keys())
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/channels", {"kind": "slack", "config": SAMPLES["slack"]}),
        ("/v1/rules", {"match": {}, "channelIds": []}),
        ("/v1/api-keys", {"role": "viewer"}),
    ],
    ids=["channel", "rule", "api-key"],
)
def test_control_and_bidi_characters_in_a_name_are_422_naming_the_field(api, admin, path, body, name):
    reply = api.post(path, key=admin, body={**body, "name": name})

    assert reply.status == 422, reply.text
    [detail] = reply.json["details"]
    assert detail["field"] == "name"
    assert "control or bidirectional-override characters" in detail["message"]


def test_names_in_any_script_and_with_emoji_are_kept_as_given(api, admin):
    for name in ("Équipe d'astreinte 🚨", "運用チーム", "فريق العمليات", "👩‍💻 on-call"):
        reply = api.post("/v1/channels", key=admin, body={"kind": "slack", "config": SAMPLES["slack"], "name": name})
        assert (reply.status, reply.json.get("name")) == (201, name)


@pytest.mark.parametrize("path", ["/v1/events", "/v1/notifications", "/v1/channels"])
def test_a_body_nested_too_deep_is_400_naming_the_limit(api, admin, path):
    deep: dict = {"statusCode": 503}
    for _ in range(300):
        deep = {"inner": deep}
    body = {"type": "monitor.down", "monitor": {"id": "m"}, "details": deep}

    reply = api.post(path, key=admin, body=body)

    assert reply.status == 400, reply.text
    assert reply.json == {"error": f"The body is nested more than {MAX_DEPTH} levels deep.", "code": "too_deep"}


def test_the_last_admin_key_cannot_be_revoked(api, admin):
    keys = api.get("/v1/api-keys", key=admin).json["data"]
    [mine] = [k for k in keys if k["role"] == "admin"]

    refused = api.delete(f"/v1/api-keys/{mine['id']}", key=admin)

    assert (refused.status, refused.json["code"]) == (409, "last_admin_key")
    assert api.get("/v1/api-keys", key=admin).status == 200  # still there, still works


def test_an_admin_key_can_be_revoked_while_another_remains(api, admin):
    second = api.post("/v1/api-keys", key=admin, body={"name": "second admin", "role": "admin"}).json
    first_id = next(k["id"] for k in api.get("/v1/api-keys", key=admin).json["data"] if k["name"] == "first admin")

    revoked = api.delete(f"/v1/api-keys/{first_id}", key=second["key"])
    last = api.delete(f"/v1/api-keys/{second['id']}", key=second["key"])

    assert revoked.status == 204
    assert (last.status, last.json["code"]) == (409, "last_admin_key")


def _revoke(key_id: str) -> str:
    try:
        auth.delete_api_key("acme", key_id)
    except Conflict as exc:
        return exc.code
    return "deleted"


def test_two_admins_revoking_each_other_at_once_leave_one(api, admin):
    second = api.post("/v1/api-keys", key=admin, body={"name": "second admin", "role": "admin"}).json
    first_id = next(k["id"] for k in api.get("/v1/api-keys", key=admin).json["data"] if k["name"] == "first admin")
    start = threading.Barrier(2)

    def revoke(key_id: str) -> str:
        start.wait(timeout=10)
        return _revoke(key_id)

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(revoke, [first_id, second["id"]]))

    admins = [k for k in auth.list_api_keys("acme", 100, None)[0] if k.role.name == "admin"]
    assert outcomes == ["deleted", "last_admin_key"]
    assert len(admins) == 1
