"""The explicit map of channel kinds to their adapters (a test proves it covers every kind)."""

from __future__ import annotations

from types import MappingProxyType

from herald.adapters import (
    dingtalk,
    discord,
    email,
    eventbridge,
    googlechat,
    gotify,
    grafanaoncall,
    homeassistant,
    incidentio,
    lark,
    line,
    matrix,
    mattermost,
    ntfy,
    onesignal,
    opsgenie,
    pagerduty,
    pushbullet,
    pusherbeams,
    pushover,
    rocketchat,
    sendgrid,
    signal,
    slack,
    sms,
    sns,
    splunkoncall,
    teams,
    telegram,
    voice,
    webex,
    webhook,
    wecom,
    whatsapp,
    zulip,
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
            splunkoncall.SplunkOnCallAdapter(),
            incidentio.IncidentIoAdapter(),
            grafanaoncall.GrafanaOnCallAdapter(),
            zulip.ZulipAdapter(),
            homeassistant.HomeAssistantAdapter(),
            signal.SignalAdapter(),
            sns.SnsAdapter(),
            eventbridge.EventBridgeAdapter(),
            lark.LarkAdapter(),
            dingtalk.DingTalkAdapter(),
            wecom.WeComAdapter(),
            mattermost.MattermostAdapter(),
            rocketchat.RocketChatAdapter(),
            webex.WebexAdapter(),
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
