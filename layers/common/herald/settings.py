"""Environment read once into a typed model; everything else receives values from here."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, Field, field_validator

DEFAULT_RETRY_SCHEDULE = (10, 30, 120, 600, 1800)


class Settings(BaseModel):
    """Every knob a Herald function reads. Names match the environment variables in template.yaml."""

    table_name: str = Field("herald", alias="HERALD_TABLE_NAME")
    queue_url: str = Field("", alias="HERALD_QUEUE_URL")
    dlq_url: str = Field("", alias="HERALD_DLQ_URL")
    # Alert timers (escalation steps, reminders): delayed messages, re-checked when they arrive.
    timer_queue_url: str = Field("", alias="HERALD_TIMER_QUEUE_URL")
    # Local stack and tests only (never in template.yaml): every step and reminder wait times this, so
    # an end-to-end test sees a 15m step come due in seconds.
    timer_scale: float = Field(1.0, gt=0, le=1, alias="HERALD_TIMER_SCALE")
    kms_key_id: str = Field("alias/herald", alias="HERALD_KMS_KEY_ID")
    sender_email: str = Field("alerts@example.com", alias="HERALD_SENDER_EMAIL")
    # The SES configuration set e-mail goes out with: its event destination counts bounces and complaints.
    ses_configuration_set: str = Field("", alias="HERALD_SES_CONFIGURATION_SET")
    # The one browser origin allowed cross-origin; empty for none (the template's CorsAllowOrigin).
    cors_origin: str = Field("", alias="HERALD_CORS_ORIGIN")
    stage: str = Field("dev", alias="HERALD_STAGE")
    egress_allow: tuple[str, ...] = Field((), alias="HERALD_EGRESS_ALLOW")
    retry_schedule: tuple[int, ...] = Field(DEFAULT_RETRY_SCHEDULE, alias="HERALD_RETRY_SCHEDULE")
    endpoints: dict[str, str] = Field(default_factory=dict)
    delivery_deadline_seconds: float = Field(15.0, alias="HERALD_DELIVERY_DEADLINE_SECONDS")
    # A PEM file of CAs trusted besides certifi's roots: receivers behind a private CA (ntfy, Gotify, ...).
    ca_bundle: str | None = Field(None, alias="HERALD_CA_BUNDLE")
    auth_cache_seconds: int = Field(30, alias="HERALD_AUTH_CACHE_SECONDS")
    # The default API Gateway usage plan every new tenant's usage key joins (stack output UsagePlanId).
    # Only the tools that create tenants need it (make api-key, make dev, make tenant-plan).
    usage_plan_id: str = Field("", alias="HERALD_USAGE_PLAN_ID")
    # This stack's own account: SNS and EventBridge channels may not name its topics, buses or roles.
    account_id: str = Field("", alias="HERALD_ACCOUNT_ID")
    # The local stack and tests only: a file holding the ISO time `timeutil.utcnow` answers (never set in AWS).
    clock_file: str = Field("", alias="HERALD_CLOCK_FILE")

    model_config = {"populate_by_name": True, "frozen": True}

    @field_validator("egress_allow", mode="before")
    @classmethod
    def _split_allow(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("retry_schedule", mode="before")
    @classmethod
    def _split_schedule(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            return tuple(int(part) for part in parts) if parts else DEFAULT_RETRY_SCHEDULE
        return value

    @property
    def max_attempts(self) -> int:
        return len(self.retry_schedule) + 1

    @classmethod
    def from_env(cls, environ: dict[str, str] | os._Environ[str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        # HERALD_ENDPOINTS="kind=url,..." (one template parameter) and HERALD_ENDPOINT_<KIND>=url (wins).
        endpoints: dict[str, str] = {}
        for pair in env.get("HERALD_ENDPOINTS", "").split(","):
            kind, _, url = pair.partition("=")
            if kind.strip() and url.strip():
                endpoints[kind.strip().lower()] = url.strip().rstrip("/")
        prefix = "HERALD_ENDPOINT_"
        endpoints.update(
            {
                key[len(prefix) :].lower(): value.rstrip("/")
                for key, value in env.items()
                if key.startswith(prefix) and value
            }
        )
        known = {field.alias for field in cls.model_fields.values() if field.alias}
        values: dict[str, object] = {key: value for key, value in env.items() if key in known and value != ""}
        return cls.model_validate({**values, "endpoints": endpoints})


@cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings.from_env()
