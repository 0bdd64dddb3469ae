"""local.eventlog: one JSON line per invocation, with credentials masked."""

from __future__ import annotations

import json
from pathlib import Path

from local.eventlog import MASK, EventLog, mask_credentials

KEY = "hrld_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0_-x"


def test_api_key_headers_are_masked_at_any_depth_and_any_case() -> None:
    event = {
        "headers": {"X-Api-Key": KEY, "Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        "multiValueHeaders": {"x-api-key": [KEY, "second"], "AUTHORIZATION": ["Bearer x"]},
        "requestContext": {"nested": [{"authorization": "secret"}]},
    }
    assert mask_credentials(event) == {
        "headers": {"X-Api-Key": MASK, "Authorization": MASK, "Content-Type": "application/json"},
        "multiValueHeaders": {"x-api-key": [MASK, MASK], "AUTHORIZATION": [MASK]},
        "requestContext": {"nested": [{"authorization": MASK}]},
    }


def test_mask_credentials_leaves_other_values_and_the_input_alone() -> None:
    event = {"headers": {"x-api-key": "k"}, "body": "text", "n": 1, "none": None, "list": [1, "two"]}
    masked = mask_credentials(event)
    assert masked == {"headers": {"x-api-key": MASK}, "body": "text", "n": 1, "none": None, "list": [1, "two"]}
    assert event["headers"]["x-api-key"] == "k"
    assert mask_credentials("plain") == "plain"


def test_record_writes_one_line_per_call(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    log = EventLog(path)
    log.record("Api", "r1", {"headers": {"x-api-key": "secret-value"}}, {"result": {"statusCode": 200}})
    log.record("Sender", "r2", {"Records": []}, {"error": {"errorType": "ValueError"}})
    first, second = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    assert first == {
        "function": "Api",
        "requestId": "r1",
        "event": {"headers": {"x-api-key": MASK}},
        "result": {"statusCode": 200},
    }
    assert second == {
        "function": "Sender",
        "requestId": "r2",
        "event": {"Records": []},
        "error": {"errorType": "ValueError"},
    }
    assert "secret-value" not in path.read_text(encoding="utf-8")


def test_herald_keys_anywhere_in_the_line_are_masked(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    event = {"body": json.dumps({"key": KEY}), "queryStringParameters": {"k": KEY}, "path": f"/keys/{KEY}"}
    EventLog(path).record("Api", "r", event, {"result": {"body": f'{{"key": "{KEY}"}}'}})
    text = path.read_text(encoding="utf-8")
    assert KEY not in text
    assert "hrld_A1b2" not in text
    entry = json.loads(text)
    assert entry["event"]["queryStringParameters"] == {"k": MASK}
    assert entry["event"]["path"] == f"/keys/{MASK}"


def test_short_hrld_text_is_not_a_key(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    EventLog(path).record("Api", "r", {"body": "hrld_short"}, {"result": None})
    assert json.loads(path.read_text(encoding="utf-8"))["event"]["body"] == "hrld_short"


def test_without_a_path_nothing_is_written(tmp_path: Path) -> None:
    EventLog(None).record("Api", "r", {"headers": {"x-api-key": KEY}}, {"result": None})
    assert list(tmp_path.iterdir()) == []


def test_unserialisable_values_are_written_as_text(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    EventLog(path).record("Api", "r", {"when": object}, {"result": b"bytes"})
    entry = json.loads(path.read_text(encoding="utf-8"))
    assert entry["event"]["when"] == str(object)
    assert entry["result"] == str(b"bytes")


def test_an_empty_event_is_still_recorded(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    EventLog(path).record("Scheduled", "r", {}, {"result": None})
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "function": "Scheduled",
        "requestId": "r",
        "event": {},
        "result": None,
    }
