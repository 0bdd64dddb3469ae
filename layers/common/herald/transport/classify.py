"""HTTP status → outcome, in one place. Adapters add their service's own signals on top."""

from __future__ import annotations

import email.utils
import math
import time

from botocore.exceptions import ClientError

from herald.errors import DeliveryError, PermanentDeliveryError, RetryableDeliveryError
from herald.transport.wire import HttpResponse, Receipt

MAX_ERROR_TEXT = 300


def retry_after_seconds(response: HttpResponse) -> float | None:
    """The standard `Retry-After` header: delta seconds or an HTTP date."""
    value = response.header("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def short(text: str, limit: int = MAX_ERROR_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failure(
    service: str,
    response: HttpResponse,
    detail: str | None = None,
    *,
    retry_after: float | None = None,
    retryable: bool | None = None,
) -> DeliveryError:
    """The classified error for a response that is not a success.

    408, 429 and 5xx are retryable; 3xx and other 4xx are permanent. `retryable` overrides that for
    services that signal throttling differently (e.g. Vonage status 1 in a 200).
    """
    status = response.status
    words = short(detail if detail is not None else response.text)
    if not words:
        # An empty 2xx answer is not "OK" where the service promises more (Slack's `ok`, an id, ...).
        words = "the answer did not confirm delivery" if 200 <= status < 300 else response_reason(status)
    message = f"{service} returned {status}: {words}"
    if retryable is None:
        retryable = status in (408, 429) or status >= 500
    if retry_after is None and retryable:
        retry_after = retry_after_seconds(response)
    cls = RetryableDeliveryError if retryable else PermanentDeliveryError
    code = "rate_limited" if status == 429 else ("redirect_refused" if 300 <= status < 400 else None)
    return cls(
        message,
        code=code or ("provider_unavailable" if retryable else "provider_rejected"),
        http_status=status,
        retry_after=retry_after,
    )


def expect(
    service: str,
    response: HttpResponse,
    *,
    ok: tuple[int, ...] | None = None,
    detail: str | None = None,
) -> Receipt:
    """Success when the status is in `ok` (default: any 2xx); else raise the classified error."""
    good = response.status in ok if ok else 200 <= response.status < 300
    if not good:
        raise failure(service, response, detail)
    return Receipt(http_status=response.status)


# Error codes AWS uses for throttling (PROVIDERS.md section 17: SES 429 TooManyRequestsException, SNS 400
# Throttling, SMS-voice v2 400 ThrottlingException); "429" is what some services put in the code itself.
AWS_THROTTLING_CODES = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException", "429"})


def aws_failure(service: str, error: ClientError) -> DeliveryError:
    """The classified error for a botocore ClientError, carrying AWS's own code, message and reason.

    Throttling codes and HTTP 429 are retryable (`rate_limited`), as are 5xx; every other client error
    is permanent. AWS sends no retry hint, so `retry_after` stays None and the schedule decides.
    """
    body = error.response
    info = body.get("Error", {})
    status = body.get("ResponseMetadata", {}).get("HTTPStatusCode")
    code = str(info.get("Code") or "")
    said = " ".join(part for part in (str(info.get("Message") or ""), _reason(body)) if part)
    words = short(f"{code}: {said}" if code and said else code or said or "no error message")
    message = f"{service} returned {status}: {words}" if status else f"{service} failed: {words}"
    throttled = code in AWS_THROTTLING_CODES or status == 429
    retryable = throttled or (isinstance(status, int) and status >= 500)
    cls = RetryableDeliveryError if retryable else PermanentDeliveryError
    kind = "rate_limited" if throttled else ("provider_unavailable" if retryable else "provider_rejected")
    return cls(message, code=kind, http_status=status if isinstance(status, int) else None)


def _reason(body: dict[str, object]) -> str:
    # SMS-voice v2 explains its ValidationException / ServiceQuotaExceededException in `Reason` (section 17c).
    reason = body.get("Reason")
    return f"({reason})" if isinstance(reason, str) and reason else ""


def response_reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unexpected status"
