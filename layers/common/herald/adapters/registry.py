"""The explicit map of channel kinds to their adapters (a test proves it covers every kind)."""

from __future__ import annotations

from types import MappingProxyType

from herald.adapters import (
    discord,
    email,
    googlechat,
    gotify,
    line,
    matrix,
    ntfy,
    onesignal,
    opsgenie,
    pagerduty,
    pushbullet,
    pusherbeams,
    pushover,
    sendgrid,
    slack,
    sms,
    teams,
    telegram,
    voice,
    webhook,
    whatsapp,
)
from herald.adapters.base import Adapter

ADAPTERS: MappingProxyType[str, Adapter] = MappingProxyType(
    {
        adapter.kind: adapter
        for adapter in (
            email.EmailAdapter(),
            slack.SlackAdapter(),
            discord.DiscordAdapter(),
            teams.TeamsAdapter(),
            googlechat.GoogleChatAdapter(),
            telegram.TelegramAdapter(),
            pagerduty.PagerDutyAdapter(),
            opsgenie.OpsgenieAdapter(),
            webhook.WebhookAdapter(),
            sms.SmsAdapter(),
            voice.VoiceAdapter(),
            whatsapp.WhatsAppAdapter(),
            pushover.PushoverAdapter(),
            pushbullet.PushbulletAdapter(),
            onesignal.OneSignalAdapter(),
            pusherbeams.PusherBeamsAdapter(),
            ntfy.NtfyAdapter(),
            gotify.GotifyAdapter(),
            matrix.MatrixAdapter(),
            line.LineAdapter(),
            sendgrid.SendGridAdapter(),
        )
    }
)

_BY_NAME = {name: adapter for adapter in ADAPTERS.values() for name in (adapter.kind, *adapter.aliases)}


def find(name: str) -> Adapter | None:
    """The adapter for a kind or alias, case-insensitively (`SLACK`, `phone`, `ops_email`)."""
    return _BY_NAME.get(name.strip().lower()) if isinstance(name, str) else None


def get(kind: str) -> Adapter:
    """The adapter of a stored (already normalised) kind."""
    return ADAPTERS[kind]
