"""E-mail through Amazon SES v2 `SendEmail` with a Simple message (PROVIDERS.md section 17a).

A plain-text part and an HTML part (every value escaped), the plain headline as subject, sent from the
channel's `fromEmail` or Herald's sender address. SES has no thread to close: a resolved notification is
a new mail whose subject starts `RESOLVED:` and whose banner is green with the downtime.
"""

from __future__ import annotations

from html import escape
from typing import Any, ClassVar

from pydantic import AliasChoices, Field, TypeAdapter, field_validator

from herald.adapters import aws_messaging, render
from herald.adapters.base import Adapter, AwsCall, DeliveryContext, RenderContext, Wire
from herald.models.config import ChannelConfig
from herald.models.fields import EmailAddress
from herald.models.notification import Notification
from herald.timeutil import iso
from herald.transport.wire import Receipt

MAX_RECIPIENTS = 50  # section 17a: at most 50 recipients per message
# RFC 5322 section 2.1.1: a header line is at most 998 characters (section 17a names no subject limit).
SUBJECT_LIMIT = 998
CHARSET = "UTF-8"

_ONE_ADDRESS: TypeAdapter[str] = TypeAdapter(EmailAddress)


class EmailConfig(ChannelConfig):
    addresses: list[EmailAddress] = Field(
        validation_alias=AliasChoices("addresses", "toEmails", "to_emails", "address", "email"),
        description="Email address",
    )
    from_email: EmailAddress | None = Field(None, description="Sender email address")
    reply_to: EmailAddress | None = Field(None, description="Reply-to email address")

    recipient_fields: ClassVar[tuple[str, ...]] = ("addresses",)

    @field_validator("addresses", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        # `address` and `email` carry one address, checked here so an error names the key as sent.
        return [_ONE_ADDRESS.validate_python(value)] if isinstance(value, str) else value

    @field_validator("addresses")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        unique = list(dict.fromkeys(value))
        if not unique:
            raise ValueError("At least one email address is required")
        if len(unique) > MAX_RECIPIENTS:
            raise ValueError(f"At most {MAX_RECIPIENTS} email addresses are allowed")
        return unique

    def summary(self) -> str:
        more = len(self.addresses) - 1
        return f"{self.addresses[0]} (+{more} more)" if more else self.addresses[0]


def subject(n: Notification) -> str:
    return render.truncate(" ".join(render.plain_headline(n).split()), SUBJECT_LIMIT)


def text_body(n: Notification) -> str:
    return f"{render.plain_text(n)}\n\nSeverity: {n.severity}\nWhen: {iso(n.occurred_at)}\n\n-- \nSent by Herald"


def html_body(n: Notification) -> str:
    """A self-contained HTML mail: coloured banner, body, facts table, link button. Every value escaped."""
    colour = f"#{render.color_hex(n)}"
    rows = "".join(
        f'<tr><td style="padding:4px 12px 4px 0;color:#555;vertical-align:top"><b>{escape(name)}</b></td>'
        f'<td style="padding:4px 0">{escape(value)}</td></tr>'
        for name, value in render.facts(n)
    )
    parts = [
        f'<div style="font-family:Arial,Helvetica,sans-serif;max-width:640px;border-top:6px solid {colour}">',
        f'<h2 style="margin:16px 0 8px;color:{colour}">{escape(render.headline(n))}</h2>',
    ]
    if n.resolved:
        down = render.downtime(n)
        recovered = f"Recovered after {down} of downtime." if down else "Recovered."
        parts.append(f'<p style="margin:8px 0"><b>{escape(recovered)}</b></p>')
    if n.body:
        parts.append(f'<p style="margin:8px 0;white-space:pre-wrap">{escape(n.body)}</p>')
    parts.append(f'<table style="border-collapse:collapse;margin:12px 0">{rows}</table>')
    if link := render.link(n):
        parts.append(
            f'<p><a href="{escape(link, quote=True)}" style="background:{colour};color:#fff;padding:8px 14px;'
            f'text-decoration:none;border-radius:4px">View details</a></p>'
        )
    parts.append(f'<p style="color:#888;font-size:12px">{escape(iso(n.occurred_at))} · Sent by Herald</p></div>')
    return "".join(parts)


def build_email(n: Notification, config: EmailConfig, ctx: RenderContext) -> dict[str, Any]:
    """Keyword arguments of `sesv2.send_email` (section 17a). Pure."""
    params: dict[str, Any] = {
        "FromEmailAddress": config.from_email or ctx.sender_email,
        "Destination": {"ToAddresses": list(config.addresses)},
        "Content": {
            "Simple": {
                "Subject": {"Data": subject(n), "Charset": CHARSET},
                "Body": {
                    "Text": {"Data": text_body(n), "Charset": CHARSET},
                    "Html": {"Data": html_body(n), "Charset": CHARSET},
                },
            }
        },
    }
    if config.reply_to:
        params["ReplyToAddresses"] = [config.reply_to]
    if ctx.ses_configuration_set:
        params["ConfigurationSetName"] = ctx.ses_configuration_set
    return params


class EmailAdapter(Adapter[EmailConfig]):
    kind: ClassVar[str] = "email"
    display_name: ClassVar[str] = "Email"
    aliases: ClassVar[tuple[str, ...]] = ("ops_email",)
    config_model: ClassVar[type[EmailConfig]] = EmailConfig

    def build_email(self, notification: Notification, config: EmailConfig, ctx: RenderContext) -> dict[str, Any]:
        return build_email(notification, config, ctx)

    def plan(self, notification: Notification, config: EmailConfig, ctx: RenderContext) -> list[Wire]:
        return [AwsCall(aws_messaging.SES, "send_email", build_email(notification, config, ctx))]

    def send(self, notification: Notification, config: EmailConfig, ctx: DeliveryContext) -> Receipt:
        """One SendEmail call; SES's MessageId is the provider message id.

        Raises RetryableDeliveryError (throttling, 5xx, SES unreachable) or PermanentDeliveryError
        (e.g. MessageRejected for an unverified address) with SES's own words.
        """
        return aws_messaging.call(ctx, aws_messaging.SES, "send_email", build_email(notification, config, ctx))
