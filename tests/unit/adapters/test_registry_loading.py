"""herald.adapters.registry imports an adapter's module when its kind is first asked for, once, whatever the
threads; going through every adapter imports them all. Run in fresh interpreters: this process has them all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

_PROBE = """
import json, sys, threading
from herald.adapters import registry

def adapters():
    return sorted(m.removeprefix("herald.adapters.") for m in sys.modules if m.startswith("herald.adapters."))

found = {"at_import": adapters(), "kinds": len(registry.ADAPTERS), "listed": sorted(registry.ADAPTERS)}
start = threading.Barrier(8, timeout=10)
got = []
def ask():
    start.wait()
    got.append(registry.get("webhook"))
threads = [threading.Thread(target=ask) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=10)
found["after_get"] = adapters()
found["instances"] = len({id(adapter) for adapter in got})
found["same_as_mapping"] = registry.ADAPTERS["webhook"] is got[0]
found["slack_by_name"] = registry.find(" SLACK ").kind
found["after_find_by_name"] = adapters()
found["voice_by_alias"] = registry.find("Phone").kind
found["after_find_by_alias"] = adapters()
print(json.dumps(found))
"""


def _probe() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "layers" / "common"), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_a_kind_asked_for_imports_its_adapter_alone_once_for_every_thread():
    found = _probe()

    assert found["at_import"] == ["base", "registry"]
    assert found["kinds"] == 35 and "webhook" in found["listed"]  # the keys need no import
    # The webhook adapter and the helpers it imports (its body presets, rendering, the HTTP base), no other kind.
    assert set(found["after_get"]) - set(found["at_import"]) == {"webhook", "presets", "render", "httpbase"}
    assert found["instances"] == 1 and found["same_as_mapping"]


def test_finding_a_kind_by_its_name_imports_it_alone_by_an_alias_reads_every_adapter():
    found = _probe()

    assert found["slack_by_name"] == "slack"
    assert set(found["after_find_by_name"]) - set(found["after_get"]) == {"slack"}
    assert found["voice_by_alias"] == "voice"
    assert {"voice", "zulip", "email", "sns"} <= set(found["after_find_by_alias"])
