"""Issue 21: the web console at /console, driven in Debian's chromium through Playwright against the local stack.

Each test opens a fresh browser context (an empty sessionStorage) in the session's one browser and signs in
by pasting a key. Each screen's screenshot is written to .artifacts/console/ (ignored by git), or to
$HERALD_SCREENSHOT_DIR: `make screenshots` writes them to docs/img/, where the README shows two.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Dialog, Locator, Page, expect

from tests.e2e.conftest import ROOT, Receiver, Stack
from tests.e2e.helpers import Herald
from tests.support.browser import chromium_binary

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SCREENSHOTS = Path(os.environ.get("HERALD_SCREENSHOT_DIR") or ROOT / ".artifacts" / "console")
XSS = "<img src=x onerror=alert(1)>"
MAX_TABS = 80
TIMEZONE = "America/New_York"  # not the machine's UTC: a time typed in the console must be sent as local time
# A first call to each function of the local stack starts its process: allow for it (bounded all the same).
expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's one browser per session, as Debian's chromium: no browser download needed."""
    return {**browser_type_launch_args, "executable_path": chromium_binary(), "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 860}, "timezone_id": TIMEZONE}


@pytest.fixture
def dialogs(page: Page) -> Iterator[list[str]]:
    """Every native dialog (alert, confirm, prompt) the page opens; the console opens none."""
    opened: list[str] = []

    def record(dialog: Dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    yield opened


def mint_key(herald: Herald, role: str, name: str) -> dict[str, Any]:
    reply = herald.call("POST", "/v1/api-keys", {"name": name, "role": role})
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def sign_in(page: Page, stack: Stack, key: str) -> None:
    page.goto(f"{stack.base_url}/console")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("main .screen")).to_be_visible()


def shoot(page: Page, screen: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"console-{screen}.png"), full_page=True)


def channel_row(page: Page, name: str) -> Locator:
    return page.locator("tr[data-channel]").filter(has=page.get_by_role("cell", name=name, exact=True))


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would (at most MAX_TABS presses)."""
    for _ in range(MAX_TABS):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} never got the focus with Tab")


def test_a_key_signs_in_and_the_console_offers_only_what_its_role_may_do(page: Page, stack: Stack, herald: Herald):
    viewer = mint_key(herald, "viewer", "console viewer")
    page.goto(f"{stack.base_url}/console")
    shoot(page, "sign-in")
    page.get_by_label("API key").fill("hrld_not_a_key_anyone_has")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".signin .form-error")).to_have_text("Herald does not know this key.")

    page.get_by_label("API key").fill(viewer["key"])
    page.get_by_role("button", name="Sign in").click()

    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Channels")).to_be_visible()
    expect(nav.get_by_role("link")).to_have_count(6)  # no API keys, no provider settings
    expect(page.get_by_text("console viewer · dev · viewer")).to_be_visible()
    expect(page.get_by_role("link", name="New channel")).to_have_count(0)
    expect(page.get_by_role("button", name="Test")).to_have_count(0)
    assert viewer["key"] not in page.url
    page.evaluate("location.hash = '#/channels/new'")  # not offered, and not reachable by URL either
    expect(page.get_by_text("This key's role cannot open that page.")).to_be_visible()
    page.evaluate("location.hash = '#/api-keys'")
    expect(page.get_by_text("This key's role cannot open that page.")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('herald.key')") == viewer["key"]
    assert page.evaluate("localStorage.length") == 0

    # A key Herald no longer knows (revoked elsewhere): the next call's 401 signs the console out.
    # (By URL, not the nav link: a call still under way from the page before may meet the 401 first and
    # take the nav away, the very sign-out this checks.)
    page.evaluate("sessionStorage.setItem('herald.key', 'hrld_revoked_meanwhile_0000000000')")
    page.evaluate("location.hash = '#/deliveries'")
    expect(page.get_by_label("API key")).to_be_visible()
    expect(page.locator("#toast")).to_contain_text("Your API key is no longer valid.")
    assert page.evaluate("sessionStorage.length") == 0

    sign_in(page, stack, viewer["key"])
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
    # Every request of this session, and the stack's logs of them (gateway, authorizer, API): no key in them.
    secret = viewer["key"].removeprefix("hrld_")
    assert secret not in stack.text()


def test_a_webhook_channel_is_created_after_a_field_error_tested_and_its_deliveries_logged(
    page: Page, stack: Stack, herald: Herald, receiver: Receiver, dialogs: list[str]
):
    name = f"console hook {uuid.uuid4().hex[:6]}"
    refused = herald.call("POST", "/v1/channels", {"kind": "webhook", "config": {"url": "not a url"}})
    assert refused.status_code == 422
    [api_says] = [d["message"] for d in refused.json()["details"] if d["field"] == "config.url"]
    sign_in(page, stack, stack.admin_key)
    page.get_by_role("link", name="New channel").click()
    expect(page.get_by_label("Kind")).to_have_value("webhook")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Webhook URL").fill("not a url")
    page.get_by_label("Webhook signing secret").fill("whsec_c29tZSBzaWduaW5nIHNlY3JldA")

    page.get_by_role("button", name="Create channel").click()

    url_field = page.locator('[data-field="config.url"]')
    expect(url_field.locator(".field-error")).to_have_text(api_says)
    expect(page.get_by_label("Webhook URL")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name", exact=True)).to_have_value(name)  # nothing typed is lost
    expect(page.get_by_label("Webhook signing secret")).to_have_value("whsec_c29tZSBzaWduaW5nIHNlY3JldA")
    shoot(page, "channel-form")

    page.get_by_label("Webhook URL").fill(f"{receiver.url}/hook")
    page.get_by_role("button", name="Create channel").click()
    row = channel_row(page, name)
    expect(row).to_contain_text("webhook")
    expect(row).to_contain_text("127.0.0.1")
    channel_id = row.get_attribute("data-channel")

    row.get_by_role("button", name="Test").click()
    expect(page.locator(".verdict")).to_contain_text(f"Test of {name}: sent.")
    assert receiver.wait_for(1)[0].path == "/hook"

    row.get_by_role("link", name="Edit").click()  # stored secrets show masked, and are kept when saved so
    expect(page.get_by_label("Webhook URL")).to_have_attribute("type", "password")
    expect(page.get_by_label("Webhook URL")).to_have_value("••••••••")
    expect(page.get_by_label("Webhook signing secret")).to_have_value("••••••••")
    page.get_by_label("Webhook method").select_option("PUT")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"#/channels$"))  # back to the list once the API took it
    assert herald.call("GET", f"/v1/channels/{channel_id}").json()["config"]["method"] == "PUT"

    receiver.program(default=410)  # the provider now refuses: a permanent failure, which may be redriven
    test_failed = row.get_by_role("button", name="Test")
    test_failed.click()
    expect(page.locator(".verdict")).to_contain_text(f"Test of {name} failed:")
    expect(page.locator(".verdict")).to_contain_text("410")
    assert [(r.method, r.path) for r in receiver.wait_for(2)] == [("POST", "/hook"), ("PUT", "/hook")]

    receiver.program(default=200)
    sent = herald.send([channel_id], title="Console sees this")
    delivery_id = sent["deliveries"][0]["deliveryId"]
    herald.settled(delivery_id)
    page.get_by_role("link", name="Channels").click()
    row.get_by_role("link", name="Log").click()
    logged = page.locator(f'tr[data-delivery="{delivery_id}"]')
    expect(logged).to_contain_text("delivered")
    created = datetime.fromisoformat(herald.call("GET", f"/v1/deliveries/{delivery_id}").json()["createdAt"])
    local = created.astimezone(ZoneInfo(TIMEZONE)).isoformat(sep=" ", timespec="seconds")
    expect(logged.locator("td").first).to_have_text(f"{local[:-6]} {local[-6:]}")  # the browser's zone, as filtered
    expect(page.locator("tr[data-delivery]")).to_have_count(3)  # two tests and the send, this channel only
    shoot(page, "delivery-log")

    # Times are typed in the browser's own zone (New York here) and reach the API as instants with an offset.
    soon = datetime.now(ZoneInfo(TIMEZONE)).replace(second=0, microsecond=0) + timedelta(minutes=2)
    page.get_by_label("From (your time)").fill(soon.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tr[data-delivery]")).to_have_count(0)
    expect(page.locator(".results")).to_contain_text("No deliveries match.")
    page.get_by_label("From (your time)").fill("")
    page.get_by_label("Before (your time)").fill(soon.strftime("%Y-%m-%dT%H:%M"))
    with page.expect_request(re.compile(r"/v1/deliveries\?")) as asked:
        page.get_by_role("button", name="Filter").click()
    expect(page.locator("tr[data-delivery]")).to_have_count(3)
    [until] = parse_qs(urlsplit(asked.value.url).query)["until"]
    assert datetime.fromisoformat(until) == soon

    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tr[data-delivery]")).to_have_count(1)
    page.locator("tr[data-delivery]").get_by_role("link").click()
    expect(page.locator(".timeline li")).to_have_count(1)
    expect(page.locator(".timeline li")).to_contain_text("HTTP 410")
    expect(page.locator(".timeline li .latency")).to_have_text(re.compile(r"^[0-9]+ ms$"))
    page.get_by_role("button", name="Redrive").click()
    expect(page.locator("#toast")).to_contain_text("Redriven")
    failed_id = page.url.rsplit("/", 1)[1]
    herald.settled(failed_id)
    page.reload()
    attempts = page.locator(".timeline li")
    expect(attempts).to_have_count(3)  # the refusal, the redrive, the delivery
    expect(attempts.nth(1)).to_contain_text("redriven")
    expect(attempts.nth(2)).to_contain_text("HTTP 200")
    expect(page.get_by_role("button", name="Redrive")).to_have_count(0)  # delivered now
    shoot(page, "delivery")

    page.get_by_role("link", name="Channels").click()
    expect(row.locator("td").nth(4)).to_have_text("delivered")
    shoot(page, "channels")
    assert dialogs == []


def test_revoking_the_consoles_own_key_signs_it_out(page: Page, stack: Stack, herald: Herald):
    mine = mint_key(herald, "admin", f"revoke me {uuid.uuid4().hex[:6]}")
    sign_in(page, stack, mine["key"])
    page.get_by_role("link", name="API keys").click()
    shoot(page, "api-keys")

    page.locator(f'tr[data-key="{mine["id"]}"]').get_by_role("button", name="Revoke").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("it signs you out")
    dialog.get_by_role("button", name="Revoke").click()

    expect(page.get_by_label("API key")).to_be_visible()
    expect(page.locator("#toast")).to_contain_text("This console's API key was revoked.")
    assert page.evaluate("sessionStorage.length") == 0
    listed = herald.call("GET", "/v1/api-keys", limit="100").json()["data"]
    assert mine["id"] not in [key["id"] for key in listed]


def test_a_new_key_is_shown_once_with_a_copy_button(page: Page, stack: Stack, herald: Herald):
    sign_in(page, stack, stack.admin_key)
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("status page")
    page.get_by_label("Role").select_option("editor")
    page.get_by_role("button", name="Create key").click()

    shown = page.get_by_label("The new key").input_value()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == shown
    whoami = herald.http.get(f"{stack.base_url}/v1/whoami", headers={"x-api-key": shown}, timeout=30).json()
    assert whoami["keyName"] == "status page" and whoami["role"] == "editor"

    page.get_by_role("link", name="Channels").click()
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_label("The new key")).to_have_count(0)  # shown once


def test_a_channel_named_like_markup_shows_as_text(page: Page, stack: Stack, herald: Herald, dialogs: list[str]):
    reply = herald.call(
        "POST", "/v1/channels", {"kind": "webhook", "name": XSS, "config": {"url": "https://example.com/x"}}
    )
    assert reply.status_code == 201, reply.text
    sign_in(page, stack, stack.admin_key)

    expect(channel_row(page, XSS)).to_have_count(1)
    assert page.locator("main img").count() == 0
    page.get_by_role("link", name="Rules").click()
    expect(page.get_by_role("heading", name="Rules")).to_be_visible()
    expect(page.locator("fieldset.choices")).to_contain_text(XSS)
    page.get_by_role("link", name="Delivery log").click()
    expect(page.get_by_label("Channel")).to_contain_text(XSS)
    assert page.locator("img").count() == 0
    assert dialogs == []


def test_the_main_flows_work_from_the_keyboard_alone(page: Page, stack: Stack, herald: Herald, receiver: Receiver):
    name = f"keyboard {uuid.uuid4().hex[:6]}"
    page.goto(f"{stack.base_url}/console")
    page.keyboard.type(stack.admin_key)  # the key field has the focus
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    tab_to(page, page.get_by_role("link", name="New channel"))
    page.keyboard.press("Enter")
    expect(page.get_by_label("Kind")).to_be_focused()
    for label, text in (("Name", name), ("Webhook URL", f"{receiver.url}/kb")):
        tab_to(page, page.get_by_label(label, exact=label == "Name"))
        page.keyboard.type(text)
    page.keyboard.press("Enter")  # submits the form
    row = channel_row(page, name)
    expect(row).to_be_visible()

    tab_to(page, row.get_by_role("button", name="Test"))
    page.keyboard.press("Enter")
    expect(page.locator(".verdict")).to_contain_text(f"Test of {name}: sent.")

    tab_to(page, row.get_by_role("button", name="Disable"))
    page.keyboard.press("Enter")
    expect(row).to_contain_text("disabled")

    tab_to(page, row.get_by_role("button", name="Delete"))
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")  # Escape cancels: still there
    expect(dialog).to_have_count(0)
    expect(row).to_be_visible()
    tab_to(page, row.get_by_role("button", name="Delete"))
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Tab to Delete, Enter
    expect(row).to_have_count(0)
    assert herald.call("GET", "/v1/channels", limit="100").json()["data"][0]["name"] != name


def test_rules_intervals_silences_alerts_and_settings_screens(page: Page, stack: Stack, herald: Herald):
    target = f"alerts {uuid.uuid4().hex[:6]}"
    made = herald.call(
        "POST", "/v1/channels", {"kind": "webhook", "name": target, "config": {"url": "https://example.com/a"}}
    )
    assert made.status_code == 201, made.text
    channel_id = made.json()["id"]
    dedup = f"console-{uuid.uuid4().hex[:8]}"
    fired = herald.call(
        "POST",
        "/v1/events",
        {
            "type": "monitor.down",
            "dedupKey": dedup,
            "channelIds": [channel_id],
            "monitor": {"id": "mon_console", "name": "Console API"},
        },
    )
    assert fired.status_code == 202, fired.text
    sign_in(page, stack, stack.admin_key)

    page.get_by_role("link", name="Alerts").click()
    alert = page.locator("tr").filter(has_text=dedup)
    alert.get_by_role("button", name="Acknowledge").click()
    expect(alert).to_contain_text("acknowledged")
    shoot(page, "alerts")
    acked = herald.call("GET", "/v1/alerts", limit="100").json()["data"]
    assert [a["acknowledged"] for a in acked if a["dedupKey"] == dedup] == [True]

    page.get_by_role("link", name="Rules").click()
    page.get_by_label("Name").fill("console rule")
    page.get_by_label("Events (one per line").fill("monitor.sideways")
    page.get_by_role("button", name="Create rule").click()
    expect(page.locator('[data-field="match.events"] .field-error')).to_contain_text("monitor.sideways")
    expect(page.get_by_label("Name")).to_have_value("console rule")
    page.get_by_label("Events (one per line").fill("monitor.down")
    page.get_by_role("button", name="Create rule").click()
    expect(page.locator('[data-field="channelIds"] .field-error')).to_contain_text("channelIds")
    page.get_by_label(target).check()
    page.get_by_role("button", name="Create rule").click()
    rule = page.locator("tr").filter(has_text="console rule")
    expect(rule).to_contain_text("monitor.down")
    expect(rule).to_contain_text(target)
    shoot(page, "rules")

    page.get_by_role("link", name="Time intervals").click()
    page.get_by_label("Name").fill("weekends")
    page.get_by_label("Entries").fill('[{"weekdays": ["saturday", "sunday"], "location": "Mars/Base"}]')
    page.get_by_role("button", name="Create time interval").click()
    expect(page.locator('[data-field="timeIntervals"] .field-error')).to_contain_text("Unknown time zone 'Mars/Base'")
    page.get_by_label("Entries").fill('[{"weekdays": ["saturday", "sunday"], "location": "Europe/Berlin"}]')
    page.get_by_role("button", name="Create time interval").click()
    expect(page.locator("tr").filter(has_text="weekends")).to_contain_text("Europe/Berlin")
    shoot(page, "time-intervals")

    page.get_by_role("link", name="Silences").click()
    page.get_by_label("Matcher value").fill("mon_console")
    page.get_by_label("Comment").fill("console maintenance")
    page.get_by_role("button", name="Create silence").click()
    silence = page.locator("tr").filter(has_text="console maintenance")
    expect(silence).to_contain_text("active")
    shoot(page, "silences")
    silence.get_by_role("button", name="Expire").click()
    page.get_by_role("dialog").get_by_role("button", name="Expire").click()
    expect(silence).to_contain_text("expired")

    page.get_by_role("link", name="Provider settings").click()
    telegram = page.locator('form[data-provider="telegram"]')
    telegram.get_by_label("Telegram bot token").fill("123:console-token")
    telegram.get_by_role("button", name="Save Telegram").click()
    expect(page.locator("#toast")).to_contain_text("Telegram settings saved.")
    page.reload()
    expect(telegram.get_by_label("Telegram bot token")).to_have_value("••••••••")
    expect(telegram.get_by_label("Telegram bot token")).to_have_attribute("type", "password")
    shoot(page, "settings")
