"""Issue 15 point 4: every route × every caller × (own object, another tenant's); every sealed blob moved.

The routes come from the API's resolver itself, so a new route joins the matrix, and one missing from
ROUTES fails it. A caller is a viewer, editor or admin key of tenant `acme`, no key, or a revoked key;
the object is acme's own or tenant globex's. No key → 401, a role too low → 403 (before any lookup, so
it says nothing about the object), another tenant's object → 404 (or what naming an unknown one gives),
and no answer to acme ever holds a globex object's id.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from herald.api.app import resolver
from herald.auth import service as auth
from herald.auth.roles import Role
from herald.timeutil import iso, utcnow
from tests.support.api import ApiClient, Reply
from tests.support.tables import get_config, set_config

EMAIL = {"addresses": ["oncall@example.com"]}
UNVERIFIED_SENDER = {"addresses": ["oncall@example.com"], "fromEmail": "alerts@unverified-sender.com"}
TWILIO = {"accountSid": "AC" + "1" * 32, "authToken": "twilio-token-acme", "fromNumber": "+14155550000"}
# Path and body placeholders: `<channel_id>` and the like are one of the tenant's objects; a provider
# name is not an object of a tenant.
PLACEHOLDER = re.compile(r"<(\w+)>")
PROVIDER = "telegram"
NOT_OBJECTS = ("provider", "file")  # placeholders that name no object of a tenant
CONSOLE_FILE = "app.js"  # `<file>` of /console/<file>: a file of the console, not an object of a tenant


@dataclass(frozen=True)
class Route:
    needs: Role | None  # None: public, no key needed
    ok: int = 200
    body: Any = None
    foreign: int = 404  # the answer when the object it names is another tenant's


INTERVAL = {"name": "Weekends", "timeIntervals": [{"weekdays": ["saturday", "sunday"]}]}
NOTIFICATION = {"channelIds": ["<channel_id>"], "notification": {"title": "t"}}
SILENCE = {"matchers": [{"name": "monitor.id", "value": "mon_1"}], "endsAt": iso(utcnow() + timedelta(days=1))}
ROUTES: dict[str, Route] = {
    "GET /v1/health": Route(None),
    "GET /v1/docs": Route(None),
    "GET /v1/openapi.json": Route(None),
    "GET /console": Route(None),
    "GET /console/<file>": Route(None),
    "GET /v1/whoami": Route(Role.viewer),
    "GET /v1/kinds": Route(Role.viewer),
    "GET /v1/channels": Route(Role.viewer),
    "POST /v1/channels": Route(Role.editor, 201, {"kind": "email", "config": EMAIL}),
    "GET /v1/channels/<channel_id>": Route(Role.viewer),
    "PATCH /v1/channels/<channel_id>": Route(Role.editor, body={"name": "renamed"}),
    "PUT /v1/channels/<channel_id>": Route(Role.editor, body={"config": EMAIL}),
    "DELETE /v1/channels/<channel_id>": Route(Role.editor, 204),
    "POST /v1/channels/<channel_id>/test": Route(Role.editor),
    "POST /v1/channels/<channel_id>/preview": Route(Role.editor, body={}),
    "POST /v1/preview": Route(Role.editor, body={"kind": "email", "config": EMAIL}),
    "POST /v1/test-email": Route(Role.editor, body={"email": "oncall@example.com"}),
    "POST /v1/notifications": Route(Role.editor, 202, NOTIFICATION),
    "POST /v1/events": Route(Role.editor, 202, {"type": "monitor.down", "channelIds": ["<channel_id>"]}),
    "GET /v1/deliveries": Route(Role.viewer),
    "GET /v1/deliveries/<delivery_id>": Route(Role.viewer),
    "POST /v1/deliveries/<delivery_id>/redrive": Route(Role.editor, 202),
    "GET /v1/rules": Route(Role.viewer),
    # Naming another tenant's channel in a rule reads exactly like naming one that does not exist.
    "POST /v1/rules": Route(Role.editor, 201, {"name": "r", "channelIds": ["<channel_id>"]}, foreign=422),
    "GET /v1/rules/<rule_id>": Route(Role.viewer),
    "PATCH /v1/rules/<rule_id>": Route(Role.editor, body={"name": "r2"}),
    "DELETE /v1/rules/<rule_id>": Route(Role.editor, 204),
    "GET /v1/time-intervals": Route(Role.viewer),
    "POST /v1/time-intervals": Route(Role.editor, 201, INTERVAL),
    "GET /v1/time-intervals/<interval_id>": Route(Role.viewer),
    "PUT /v1/time-intervals/<interval_id>": Route(Role.editor, body=INTERVAL),
    "DELETE /v1/time-intervals/<interval_id>": Route(Role.editor, 204),
    "GET /v1/alerts": Route(Role.viewer),
    "POST /v1/alerts/<dedup_key>/ack": Route(Role.editor),
    "GET /v1/api-keys": Route(Role.admin),
    "POST /v1/api-keys": Route(Role.admin, 201, {"name": "ci", "role": "viewer"}),
    "DELETE /v1/api-keys/<key_id>": Route(Role.admin, 204),
    "GET /v1/silences": Route(Role.viewer),
    "POST /v1/silences": Route(Role.editor, 201, SILENCE),
    "GET /v1/silences/<silence_id>": Route(Role.viewer),
    "DELETE /v1/silences/<silence_id>": Route(Role.editor, 204),
    "GET /v1/settings/providers": Route(Role.viewer),
    "PUT /v1/settings/providers/<provider>": Route(Role.admin, body={"botToken": "1:abc"}),
}
CALLERS = ("none", "revoked", "viewer", "editor", "admin")


def served_routes() -> list[str]:
    """Every route the API serves, read from its resolver."""
    routes = (*resolver._static_routes, *resolver._dynamic_routes)
    return sorted(f"{route.method} {route.path}" for route in routes)


class Objects:
    """A tenant's objects, made through the API on first use (fresh ones on request)."""

    def __init__(self, api: ApiClient, tenant_id: str) -> None:
        self.api, self.tenant_id = api, tenant_id
        self.admin = auth.create_api_key(tenant_id, "admin", "matrix-admin").key
        self.made: dict[str, str] = {}
        self.makers: dict[str, Callable[[], str]] = {
            "channel_id": lambda: self._create("/v1/channels", {"kind": "email", "config": EMAIL}),
            "rule_id": lambda: self._create("/v1/rules", {"name": "r", "channelIds": [self.get("channel_id")]}),
            "interval_id": lambda: self._create("/v1/time-intervals", INTERVAL),
            "key_id": lambda: self._create("/v1/api-keys", {"name": "spare", "role": "viewer"}),
            "delivery_id": self._failed_delivery,
            "silence_id": lambda: self._create("/v1/silences", SILENCE),
            "dedup_key": self._firing_alert,
        }

    def get(self, name: str, fresh: bool = False) -> str:
        if name == "provider":
            return PROVIDER
        if name == "file":
            return CONSOLE_FILE
        if fresh or name not in self.made:
            self.made[name] = self.makers[name]()
        return self.made[name]

    def fill(self, value: Any, fresh: bool = False) -> Any:
        """`value` (a path or a body) with every placeholder replaced by one of these objects."""
        if value is None:
            return None
        text = value if isinstance(value, str) else json.dumps(value)
        names = set(PLACEHOLDER.findall(text))
        ids = {name: self.get(name, fresh) for name in sorted(names)}
        text = PLACEHOLDER.sub(lambda match: ids[match.group(1)], text)
        return text if isinstance(value, str) else json.loads(text)

    def _create(self, path: str, body: dict[str, Any]) -> str:
        reply = self.api.post(path, key=self.admin, body=body)
        assert reply.status == 201, reply.text
        return str(reply.json["id"])

    def _firing_alert(self) -> str:
        """An event with a fresh dedupKey: a firing alert of the tenant."""
        key = f"{self.tenant_id}-{uuid.uuid4().hex[:12]}"
        event = {"type": "monitor.down", "dedupKey": key, "channelIds": [self.get("channel_id")]}
        reply = self.api.post("/v1/events", key=self.admin, body=event)
        assert reply.status == 202, reply.text
        return key

    def _failed_delivery(self) -> str:
        """A channel test that SES refuses (unverified sender): a failed delivery, so redrivable."""
        channel = self._create("/v1/channels", {"kind": "email", "config": UNVERIFIED_SENDER})
        tested = self.api.post(f"/v1/channels/{channel}/test", key=self.admin)
        assert tested.status == 502, tested.text
        return str(tested.json["deliveryId"])


def expected(route: Route, caller: str, whose: str, names_object: bool) -> int:
    if route.needs is None:
        return 200
    if caller in ("none", "revoked"):
        return 401
    if Role[caller] < route.needs:
        return 403
    return route.foreign if whose == "other" and names_object else route.ok


def test_every_route_the_api_serves_is_in_the_matrix():
    assert sorted(ROUTES) == served_routes()


@pytest.mark.parametrize("route_key", served_routes())
def test_role_and_tenant_matrix(aws, route_key):
    assert route_key in ROUTES, f"{route_key} is served but not in ROUTES: add its role, answer and body"
    route, (method, template) = ROUTES[route_key], route_key.split(" ", 1)
    api = ApiClient()
    own, other = Objects(api, "acme"), Objects(api, "globex")
    keys = {role: auth.create_api_key("acme", role, role).key for role in ("viewer", "editor", "admin")}
    revoked = auth.create_api_key("acme", "admin", "revoked")
    auth.delete_api_key("acme", revoked.id)
    auth.forget_cached_keys()
    keys["revoked"] = revoked.key
    names = {name for name in PLACEHOLDER.findall(template + json.dumps(route.body)) if name not in NOT_OBJECTS}

    got, want, seen_by_acme = {}, {}, []
    for whose, objects in (("other", other), ("own", own)):
        for caller in CALLERS:
            want[whose, caller] = expected(route, caller, whose, bool(names))
            # A request that will succeed may use up its object (DELETE, redrive): give it a fresh one.
            fresh = whose == "own" and want[whose, caller] < 300 and bool(names)
            reply: Reply = api.request(
                method,
                objects.fill(template, fresh),
                key=keys.get(caller),
                body=objects.fill(route.body, fresh),
            )
            got[whose, caller] = reply.status
            if whose == "own":
                seen_by_acme.append(reply.text)
            if reply.status >= 400:
                assert reply.json["code"], reply.text  # every refusal is a JSON error with a code

    assert got == want
    leaked = [object_id for object_id in other.made.values() if any(object_id in text for text in seen_by_acme)]
    assert leaked == [], "acme was shown globex's objects"


# Sealed blobs are bound to {tenant, object} (herald/crypto.py): a channel's `config` to its channel id,
# provider settings' `config` to `provider:<name>`. Every move below must leave the target unreadable.
SECRETS = {
    "CH#a": "acme-channel-a-secret",
    "CH#b": "acme-channel-b-secret",
    "CH#g": "globex-channel-g-secret",
    "PROV#twilio": "acme-twilio-token",
    "PROV#vonage": "acme-vonage-secret",
    "globex PROV#twilio": "globex-twilio-token",
}
# (source, target): "[tenant ]<sort key>", acme when no tenant is named.
SWAPS = [
    ("CH#a", "CH#b"),  # a channel's config onto another channel of the same tenant
    ("CH#a", "globex CH#g"),  # onto another tenant's channel
    ("CH#a", "PROV#twilio"),  # onto provider settings: another kind of object and attribute
    ("PROV#twilio", "globex PROV#twilio"),  # provider settings onto another tenant's
    ("PROV#twilio", "PROV#vonage"),  # onto another provider's settings of the same tenant
    ("PROV#twilio", "CH#b"),  # onto a channel's config
]


class Sealed:
    """Tenants acme and globex with webhook channels and Twilio / Vonage settings, each with its own secret."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.keys = {tenant: auth.create_api_key(tenant, "admin", "swap").key for tenant in ("acme", "globex")}
        self.items: dict[str, tuple[str, str]] = {}  # name in SWAPS → (tenant, sort key)
        self.senders: dict[str, str] = {}  # name of a settings item → the sms channel that relies on it
        self.settings: dict[str, dict[str, Any]] = {}  # name of a settings item → its PUT body
        for name, tenant in (("CH#a", "acme"), ("CH#b", "acme"), ("CH#g", "globex")):
            config = {"url": "https://hooks.example.com/in", "secret": SECRETS[name]}
            channel_id = self._create(tenant, {"kind": "webhook", "config": config})
            self.items[name if tenant == "acme" else f"globex {name}"] = (tenant, f"CH#{channel_id}")
        settings = {
            "PROV#twilio": ("acme", "twilio", {**TWILIO, "authToken": SECRETS["PROV#twilio"]}),
            "PROV#vonage": ("acme", "vonage", {"apiKey": "k1", "apiSecret": SECRETS["PROV#vonage"], "from": "Herald"}),
            "globex PROV#twilio": ("globex", "twilio", {**TWILIO, "authToken": SECRETS["globex PROV#twilio"]}),
        }
        for name, (tenant, provider, body) in settings.items():
            stored = api.put(f"/v1/settings/providers/{provider}", key=self.keys[tenant], body=body)
            assert stored.status == 200, stored.text
            self.items[name] = (tenant, f"PROV#{provider}")
            self.settings[name] = body
            sms = {"phoneNumber": "+14155551234", "provider": provider}
            self.senders[name] = self._create(tenant, {"kind": "sms", "config": sms})

    def _create(self, tenant: str, body: dict[str, Any]) -> str:
        reply = self.api.post("/v1/channels", key=self.keys[tenant], body=body)
        assert reply.status == 201, reply.text
        return str(reply.json["id"])

    def move(self, source: str, target: str) -> None:
        set_config(*self.items[target], get_config(*self.items[source]))

    def channel_of(self, target: str) -> str:
        """The channel whose sends go through `target`: itself, or the one relying on those settings."""
        sort_key = self.items[target][1]
        return sort_key.removeprefix("CH#") if sort_key.startswith("CH#") else self.senders[target]


@pytest.mark.parametrize(("source", "target"), SWAPS, ids=[f"{s} onto {t}" for s, t in SWAPS])
def test_a_sealed_config_moved_onto_another_object_never_opens(aws, deliver, source, target):
    api = ApiClient()
    sealed = Sealed(api)
    tenant, sort_key = sealed.items[target]
    key = sealed.keys[tenant]
    channel_id = sealed.channel_of(target)
    sealed.move(source, target)

    shown = api.get(f"/v1/channels/{channel_id}", key=key)
    settings = {entry["provider"]: entry for entry in api.get("/v1/settings/providers", key=key).json["data"]}
    tested = api.post(f"/v1/channels/{channel_id}/test", key=key)
    sent = api.post("/v1/notifications", key=key, body={"channelIds": [channel_id], "notification": {"title": "t"}})
    deliver()
    record = api.get(f"/v1/deliveries/{sent.json['deliveries'][0]['deliveryId']}", key=key)

    if sort_key.startswith("CH#"):
        assert (shown.status, shown.json["config"]) == (200, None)
        assert "cannot be decrypted" in shown.json["configError"]
        assert (tested.status, tested.json["code"]) == (409, "config_unreadable")
    else:
        provider = sort_key.removeprefix("PROV#")
        assert settings[provider]["config"] is None
        assert "cannot be decrypted" in settings[provider]["configError"]
        assert (tested.status, tested.json["code"]) == (502, "invalid_channel")
        placeholder = {**sealed.settings[target], "apiSecret" if provider == "vonage" else "authToken": "••••••••"}
        assert api.put(f"/v1/settings/providers/{provider}", key=key, body=placeholder).status == 422
        repaired = api.put(f"/v1/settings/providers/{provider}", key=key, body=sealed.settings[target])
        listed = {entry["provider"]: entry for entry in api.get("/v1/settings/providers", key=key).json["data"]}
        assert repaired.status == 200 and "configError" not in listed[provider]
    assert (record.json["status"], record.json["code"]) == ("failed", "invalid_channel")
    everything = json.dumps([shown.text, settings, tested.text, record.text])
    assert [name for name, secret in SECRETS.items() if secret in everything] == []
