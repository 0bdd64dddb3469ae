"""AWS End User Messaging SMS and Voice v2, as much of it as Herald calls: `SendVoiceMessage`.

moto does not emulate this API (it answers 500), so an AWS voice channel's `/test` failed locally although
SMS and e-mail succeed. The emulator answers it here, before moto sees the request, as AWS does (JSON 1.0
protocol, target `PinpointSMSVoiceV2.SendVoiceMessage`): a `MessageId` for a call with a destination, an
origination identity and a body, a ValidationException naming the field otherwise. Every call answered
is recorded, in order, for people and tests to read at `GET /herald-local/sms-voice/voice-messages`
(as moto's own `/moto-api/data.json` shows the e-mails SES and the texts SNS sent).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

TARGET_PREFIX = "PinpointSMSVoiceV2."
RECORDS_PATH = "/herald-local/sms-voice/voice-messages"
REQUIRED = ("DestinationPhoneNumber", "OriginationIdentity", "MessageBody")
# AWS's limits for SendVoiceMessage (API reference): what a real account would refuse, refused here too.
MAX_BODY = 6000
BODY_TYPES = ("TEXT", "SSML")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

_lock = threading.Lock()
_calls: list[dict[str, Any]] = []


def handles(environ: dict[str, Any]) -> bool:
    """True for a request this module answers instead of moto."""
    return str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(TARGET_PREFIX) or (
        environ.get("PATH_INFO") == RECORDS_PATH
    )


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == RECORDS_PATH and environ.get("REQUEST_METHOD") == "GET":
        with _lock:
            return _answer(start_response, 200, {"VoiceMessages": list(_calls)})
    operation = str(environ.get("HTTP_X_AMZ_TARGET", "")).removeprefix(TARGET_PREFIX)
    if operation != "SendVoiceMessage":
        message = f"The local stack emulates only SendVoiceMessage of SMS and Voice v2, not {operation or 'this'}."
        return _error(start_response, "UnknownOperationException", message)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
    except ValueError:
        return _error(start_response, "ValidationException", "The request body is not JSON.")
    problem = _invalid(body) if isinstance(body, dict) else "The request body must be a JSON object."
    if problem:
        return _error(start_response, "ValidationException", problem)
    message_id = str(uuid.uuid4())
    record = {
        "MessageId": message_id,
        "Time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        **{name: body.get(name) for name in (*REQUIRED, "MessageBodyTextType", "VoiceId", "ConfigurationSetName")},
    }
    with _lock:
        _calls.append(record)
    return _answer(start_response, 200, {"MessageId": message_id})


def _invalid(body: dict[str, Any]) -> str | None:
    """What AWS would refuse in a SendVoiceMessage request, in its words; None when it would place the call."""
    for name in REQUIRED:
        if not isinstance(body.get(name), str) or not body[name]:
            field = name[0].lower() + name[1:]
            return (
                f"1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must not be null"
            )
    if len(body["MessageBody"]) > MAX_BODY:
        return f"MessageBody must be at most {MAX_BODY} characters."
    if body.get("MessageBodyTextType", "TEXT") not in BODY_TYPES:
        return f"MessageBodyTextType must be one of {', '.join(BODY_TYPES)}."
    return None


def _error(start_response: StartResponse, code: str, message: str) -> Iterable[bytes]:
    return _answer(start_response, 400, {"__type": code, "Message": message}, code)


def _answer(start_response: StartResponse, status: int, payload: Any, error: str | None = None) -> Iterable[bytes]:
    data = json.dumps(payload).encode()
    headers = [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(data)))]
    if error:
        headers.append(("x-amzn-ErrorType", error))
    start_response(f"{status} {'OK' if status == 200 else 'Bad Request'}", headers)
    return [data]
