"""Issue 3 proof: SSRF refusals, keys, nothing secret in the table. (The tenant/role matrix and the
ciphertext moves are in test_tenant_matrix.py.)"""

from __future__ import annotations

import pytest

from herald.auth import service as auth
from tests.support.api import ApiClient
from tests.support.hostile import HOSTILE_URLS
from tests.support.samples import KINDS, SAMPLES, SECRET_MARK
from tests.support.tables import scan_all

URL_FIELDS = {
    "slack": "webhookUrl",
    "discord": "webhookUrl",
    "teams": "webhookUrl",
    "googlechat": "webhookUrl",
    "webhook": "url",
    "ntfy": "serverUrl",
    "gotify": "serverUrl",
    "matrix": "homeserverUrl",
    "grafanaoncall": "webhookUrl",
    "zulip": "serverUrl",
    "homeassistant": "serverUrl",
    "signal": "serverUrl",
    "lark": "webhookUrl",
    "dingtalk": "webhookUrl",
    "wecom": "webhookUrl",
    "mattermost": "webhookUrl",
    "rocketchat": "webhookUrl",
}


@pytest.fixture
def api(aws):
    return ApiClient()


@pytest.fixture
def keys(aws):
    made = {role: auth.create_api_key("acme", role, role).key for role in ("viewer", "editor", "admin")}
    made["other"] = auth.create_api_key("globex", "admin", "other").key
    return made


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_hostile_urls_are_refused_at_create(api, keys, url):
    reply = api.post("/v1/channels", key=keys["editor"], body={"type": "WEBHOOK", "config": {"url": url}})
    assert reply.status == 422, (url, reply.text)
    assert reply.json["details"][0]["field"] == "config.url"
    assert reply.json["details"][0]["message"].startswith("Invalid webhook URL")


def test_seed_ssrf_messages_are_exact(api, keys):
    local = api.post(
        "/v1/channels", key=keys["editor"], body={"type": "WEBHOOK", "config": {"url": "https://localhost/x"}}
    )
    assert local.json["details"][0]["message"] == "Invalid webhook URL: Hostname 'localhost' is not allowed"
    private = api.post(
        "/v1/channels", key=keys["editor"], body={"type": "WEBHOOK", "config": {"url": "https://10.1.2.3/x"}}
    )
    assert private.json["details"][0]["message"] == "Invalid webhook URL: IP address is in a private/internal range"


@pytest.mark.parametrize("kind", sorted(URL_FIELDS))
def test_every_kind_that_takes_a_url_refuses_a_private_one(api, keys, kind):
    field = URL_FIELDS[kind]
    config = {**SAMPLES[kind], field: "https://192.168.0.10/x"}
    reply = api.post("/v1/channels", key=keys["editor"], body={"kind": kind, "config": config})
    assert reply.status == 422, reply.text
    assert reply.json["details"][0]["field"] == f"config.{field}"


def test_a_url_that_changes_in_a_patch_is_judged_again(api, keys):
    created = api.post("/v1/channels", key=keys["editor"], body={"kind": "slack", "config": SAMPLES["slack"]}).json
    reply = api.patch(
        f"/v1/channels/{created['id']}",
        key=keys["editor"],
        body={"config": {"webhookUrl": "https://[::ffff:10.0.0.1]/x"}},
    )
    assert reply.status == 422


def test_the_full_key_is_shown_once_and_a_revoked_key_stops_working(api, keys):
    made = api.post("/v1/api-keys", key=keys["admin"], body={"name": "temp", "role": "editor"})
    assert made.status == 201
    key = made.json["key"]
    assert key.startswith("hrld_") and made.json["prefix"] == key[:12]
    listed = api.get("/v1/api-keys", key=keys["admin"]).json["data"]
    assert all("key" not in entry for entry in listed)
    assert api.get("/v1/channels", key=key, bearer=True).status == 200
    assert api.delete(f"/v1/api-keys/{made.json['id']}", key=keys["admin"]).status == 204
    auth.forget_cached_keys()  # the authorizer's 30 s cache, as after its TTL
    assert api.get("/v1/channels", key=key).status == 401


def test_a_scan_of_the_whole_table_finds_no_secret_in_clear(api, keys):
    for kind in KINDS:
        reply = api.post("/v1/channels", key=keys["editor"], body={"kind": kind, "config": SAMPLES[kind]})
        assert reply.status == 201, reply.text
        assert SECRET_MARK not in reply.text
    api.put(
        "/v1/settings/providers/twilio",
        key=keys["admin"],
        body={
            "accountSid": "AC" + "1" * 32,
            "authToken": f"{SECRET_MARK}-twilio-settings",
            "fromNumber": "+14155550000",
        },
    )
    dump = repr(scan_all())
    assert SECRET_MARK not in dump
    for secret_key in keys.values():
        assert secret_key not in dump
        assert secret_key[12:30] not in dump
