"""Domain errors. Services raise these; the API maps them to HTTP in one place (herald.api.errors)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class HeraldError(Exception):
    """Base of every error Herald raises on purpose. `message` is safe to show to the caller."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidRequest(HeraldError):
    """The request cannot be read: not JSON, not an object, unknown kind, bad query value."""

    code = "bad_request"


class PayloadTooLarge(HeraldError):
    code = "payload_too_large"


class ValidationFailed(HeraldError):
    """The request was read but breaks a rule; `details` names each field and its rule."""

    code = "validation_failed"

    def __init__(self, details: list[FieldError], message: str | None = None) -> None:
        self.details = details
        super().__init__(message or (details[0].message if len(details) == 1 else "The request has invalid fields."))


class Unauthorized(HeraldError):
    code = "unauthorized"


class Forbidden(HeraldError):
    code = "forbidden"


class NotFound(HeraldError):
    code = "not_found"


class ChannelNotFound(NotFound):
    def __init__(self, channel_id: str) -> None:
        super().__init__(f"Channel {channel_id} not found.", code="channel_not_found")


class RuleNotFound(NotFound):
    def __init__(self, rule_id: str) -> None:
        super().__init__(f"Rule {rule_id} not found.", code="rule_not_found")


class TimeIntervalNotFound(NotFound):
    def __init__(self, interval_id: str) -> None:
        super().__init__(f"Time interval {interval_id} not found.", code="time_interval_not_found")


class AlertNotFound(NotFound):
    def __init__(self, dedup_key: str) -> None:
        super().__init__(f"No firing alert has the dedupKey '{dedup_key}'.", code="alert_not_found")


class DeliveryNotFound(NotFound):
    def __init__(self, delivery_id: str) -> None:
        super().__init__(f"Delivery {delivery_id} not found.", code="delivery_not_found")


class ApiKeyNotFound(NotFound):
    def __init__(self, key_id: str) -> None:
        super().__init__(f"API key {key_id} not found.", code="api_key_not_found")


class ProviderNotFound(NotFound):
    def __init__(self, provider: str) -> None:
        super().__init__(f"Unknown provider '{provider}'.", code="provider_not_found")


class TenantNotFound(NotFound):
    def __init__(self, tenant_id: str) -> None:
        super().__init__(f"Tenant {tenant_id} not found.", code="tenant_not_found")


class Conflict(HeraldError):
    """The request is valid but the object's state does not allow it (e.g. redriving a delivered delivery)."""

    code = "conflict"


class ConfigUnreadable(Conflict):
    """A stored config that can no longer be decrypted or validated (a validator tightened since, a key
    or context that no longer matches). The message names the problem, never a value."""

    code = "config_unreadable"


class NotConfigured(HeraldError):
    """A setting the operation needs is missing (the message names it); not the caller's fault."""

    code = "not_configured"


class ForbiddenTarget(HeraldError):
    """An outbound URL or address that the egress policy refuses (SSRF guard)."""

    code = "forbidden_target"


class DecryptionFailed(HeraldError):
    code = "decryption_failed"


class DeliveryError(HeraldError):
    """A delivery attempt that did not succeed. Messages never contain secrets or full URLs."""

    code = "delivery_failed"
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.http_status = http_status
        self.retry_after = retry_after


class RetryableDeliveryError(DeliveryError):
    """Worth trying again later: 408, 429, 5xx, network trouble, provider throttling."""

    code = "retryable"
    retryable = True


class PermanentDeliveryError(DeliveryError):
    """Trying again unchanged will not help: other 4xx, bad credentials, refused target."""

    code = "permanent"


class SilenceNotFound(NotFound):
    def __init__(self, silence_id: str) -> None:
        super().__init__(f"Silence {silence_id} not found.", code="silence_not_found")
