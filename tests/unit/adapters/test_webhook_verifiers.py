"""Issue 15: the X-Herald-Signature-256 verifiers that docs/API.md gives receivers, run on a real delivery.

The webhook adapter sends through the guarded session to a receiver on 127.0.0.1. Both example
verifiers in docs/examples then judge the raw body and headers that arrived: the Python one in-process,
the Node one as a `node` subprocess. Each must accept the genuine request and refuse a changed body, a
replay under a new `t`, a stale `t` and a wrong key.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from herald.adapters.base import DeliveryContext
from herald.adapters.webhook import WebhookAdapter, WebhookConfig
from herald.timeutil import utcnow
from herald.transport.egress import EgressPolicy
from herald.transport.http import GuardedSession
from tests.support.zoo import Arrival, Behaviour, ZooReceiver
from tests.unit.adapters.support import notification

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[3]
API_MD = ROOT / "docs" / "API.md"
PYTHON_VERIFIER = ROOT / "docs" / "examples" / "verify_signature.py"
NODE_VERIFIER = ROOT / "docs" / "examples" / "verify-signature.mjs"
NODE = "/usr/bin/node"

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_" + base64.b64encode(b"another tenant's key").decode()
TOLERANCE = 300
LOOPBACK = EgressPolicy(["127.0.0.1"])

# Reads cases (JSON on stdin), answers what the Node verifier says of each; `now: null` means its own clock.
NODE_DRIVER = """
import { readFileSync } from "node:fs";
const { verify } = await import(process.argv[1]);
const cases = JSON.parse(readFileSync(0, "utf8"));
const verdicts = cases.map((c) => verify(c.secret, c.header, Buffer.from(c.body, "base64"), c.now ?? undefined));
console.log(JSON.stringify(verdicts));
"""


def test_docs_show_both_example_verifiers_verbatim() -> None:
    blocks = re.findall(r"^```(\w+)\n(.*?)^```$", API_MD.read_text(), re.DOTALL | re.MULTILINE)

    assert ("python", PYTHON_VERIFIER.read_text()) in blocks
    assert ("js", NODE_VERIFIER.read_text()) in blocks


@dataclass(frozen=True)
class Check:
    """One question to a verifier: does `header` sign `body` under `secret`, judged at `now`?"""

    secret: str
    header: str
    body: bytes
    now: int | None  # None: the verifier reads its own clock


@dataclass(frozen=True)
class Delivered:
    body: bytes
    header: str  # X-Herald-Signature-256
    t: int  # webhook-timestamp

    @property
    def v1(self) -> str:
        return self.header.partition(",v1=")[2]

    def check(
        self, *, secret: str = SECRET, header: str | None = None, body: bytes | None = None, now: int | None = None
    ) -> Check:
        """This request as delivered, with the given parts changed."""
        return Check(secret, self.header if header is None else header, self.body if body is None else body, now)


@pytest.fixture(scope="module")
def arrival() -> Arrival:
    """One webhook really sent by the adapter, as the receiver got it; signed at this moment's clock."""
    # A non-ASCII title: the signature is over UTF-8 bytes, which a verifier must not re-encode.
    sample = notification(title="Café API is down — 503")
    with ZooReceiver(Behaviour.KEEPALIVE) as receiver, GuardedSession(LOOPBACK, deadline=10.0) as session:
        config = WebhookConfig.model_validate({"url": receiver.url(), "secret": SECRET}, context={"egress": LOOPBACK})
        ctx = DeliveryContext(delivery_id="dlv_verify", attempt=1, now=utcnow(), http=session)
        WebhookAdapter().send(sample, config, ctx)
        [got] = receiver.arrivals
    return got


@pytest.fixture(scope="module")
def delivered(arrival: Arrival) -> Delivered:
    return Delivered(arrival.body, arrival.headers["x-herald-signature-256"], int(arrival.headers["webhook-timestamp"]))


def test_the_delivered_header_carries_the_webhook_timestamp_as_t(arrival: Arrival, delivered: Delivered) -> None:
    assert arrival.json()["notification"]["title"] == "Café API is down — 503"
    assert re.fullmatch(r"t=[0-9]+,v1=[0-9a-f]{64}", delivered.header)
    assert delivered.header.startswith(f"t={arrival.headers['webhook-timestamp']},")


@cache
def python_verifier() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_signature", PYTHON_VERIFIER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def verify_in_python(check: Check) -> bool:
    verdict = python_verifier().verify(check.secret, check.header, check.body, check.now)
    assert isinstance(verdict, bool)
    return verdict


def verify_in_node(check: Check) -> bool:
    case = {"secret": check.secret, "header": check.header, "body": base64.b64encode(check.body).decode()}
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", NODE_DRIVER, NODE_VERIFIER.as_uri()],
        input=json.dumps([{**case, "now": check.now}]),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [verdict] = json.loads(done.stdout)
    assert isinstance(verdict, bool)
    return verdict


VERIFIERS: dict[str, Callable[[Check], bool]] = {"python": verify_in_python, "node": verify_in_node}

# (what the receiver is handed, whether it must accept it)
CASES: dict[str, tuple[Callable[[Delivered], Check], bool]] = {
    # The only case on the verifier's own clock: the request was signed moments ago, well inside 300 s.
    "genuine, own clock": (lambda d: d.check(), True),
    "genuine, at the tolerance": (lambda d: d.check(now=d.t + TOLERANCE), True),
    "changed body": (lambda d: d.check(body=d.body.replace(b"503", b"200"), now=d.t), False),
    "replayed with a new t": (lambda d: d.check(header=f"t={d.t + 3600},v1={d.v1}", now=d.t + 3600), False),
    "stale t": (lambda d: d.check(now=d.t + TOLERANCE + 1), False),
    "t from the future": (lambda d: d.check(now=d.t - TOLERANCE - 1), False),
    "wrong key": (lambda d: d.check(secret=OTHER_SECRET, now=d.t), False),
    "no t": (lambda d: d.check(header=f"v1={d.v1}", now=d.t), False),
}


@pytest.mark.parametrize("verifier", VERIFIERS)
@pytest.mark.parametrize("case", CASES)
def test_the_example_verifier_accepts_only_the_genuine_fresh_request(
    verifier: str, case: str, delivered: Delivered
) -> None:
    make, accepted = CASES[case]
    check = make(delivered)

    assert VERIFIERS[verifier](check) is accepted
