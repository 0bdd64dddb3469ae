"""The explicit map of channel kinds to their adapters (a test proves it covers every kind).

An adapter's module is imported when its kind is first asked for: a sender delivering to webhooks imports
the webhook adapter, not all 35 (~40 ms of its cold start, BENCHMARKS.md section 11). Going through every
adapter (`ADAPTERS.values()`, `find` by an alias) imports them all.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Mapping
from functools import cache
from types import MappingProxyType

from herald.adapters.base import Adapter

# kind → (module of herald.adapters, adapter class)
_CLASSES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "email": ("email", "EmailAdapter"),
        "slack": ("slack", "SlackAdapter"),
        "discord": ("discord", "DiscordAdapter"),
        "teams": ("teams", "TeamsAdapter"),
        "googlechat": ("googlechat", "GoogleChatAdapter"),
        "telegram": ("telegram", "TelegramAdapter"),
        "pagerduty": ("pagerduty", "PagerDutyAdapter"),
        "opsgenie": ("opsgenie", "OpsgenieAdapter"),
        "webhook": ("webhook", "WebhookAdapter"),
        "sms": ("sms", "SmsAdapter"),
        "voice": ("voice", "VoiceAdapter"),
        "whatsapp": ("whatsapp", "WhatsAppAdapter"),
        "pushover": ("pushover", "PushoverAdapter"),
        "pushbullet": ("pushbullet", "PushbulletAdapter"),
        "onesignal": ("onesignal", "OneSignalAdapter"),
        "pusherbeams": ("pusherbeams", "PusherBeamsAdapter"),
        "ntfy": ("ntfy", "NtfyAdapter"),
        "gotify": ("gotify", "GotifyAdapter"),
        "matrix": ("matrix", "MatrixAdapter"),
        "splunkoncall": ("splunkoncall", "SplunkOnCallAdapter"),
        "incidentio": ("incidentio", "IncidentIoAdapter"),
        "grafanaoncall": ("grafanaoncall", "GrafanaOnCallAdapter"),
        "zulip": ("zulip", "ZulipAdapter"),
        "homeassistant": ("homeassistant", "HomeAssistantAdapter"),
        "signal": ("signal", "SignalAdapter"),
        "sns": ("sns", "SnsAdapter"),
        "eventbridge": ("eventbridge", "EventBridgeAdapter"),
        "lark": ("lark", "LarkAdapter"),
        "dingtalk": ("dingtalk", "DingTalkAdapter"),
        "wecom": ("wecom", "WeComAdapter"),
        "mattermost": ("mattermost", "MattermostAdapter"),
        "rocketchat": ("rocketchat", "RocketChatAdapter"),
        "webex": ("webex", "WebexAdapter"),
        "line": ("line", "LineAdapter"),
        "sendgrid": ("sendgrid", "SendGridAdapter"),
    }
)

_loaded: dict[str, Adapter] = {}
_loading = threading.Lock()


def get(kind: str) -> Adapter:
    """The adapter of a stored (already normalised) kind. Raises KeyError for any other name."""
    adapter = _loaded.get(kind)
    if adapter is None:
        module, name = _CLASSES[kind]
        with _loading:  # one instance per kind, however many threads ask first
            adapter = _loaded.get(kind)
            if adapter is None:
                adapter = _loaded[kind] = getattr(importlib.import_module(f"herald.adapters.{module}"), name)()
    return adapter


class _Adapters(Mapping[str, Adapter]):
    """Every kind's adapter, read-only; its keys need no import, its values import what they reach."""

    def __getitem__(self, kind: str) -> Adapter:
        return get(kind)

    def __iter__(self) -> Iterator[str]:
        return iter(_CLASSES)

    def __len__(self) -> int:
        return len(_CLASSES)


ADAPTERS: Mapping[str, Adapter] = _Adapters()


@cache
def _by_name() -> Mapping[str, Adapter]:
    return {name: adapter for adapter in ADAPTERS.values() for name in (adapter.kind, *adapter.aliases)}


def names() -> list[str]:
    """Every kind and alias `find` answers to, sorted (reads every adapter)."""
    return sorted(_by_name())


def find(name: str) -> Adapter | None:
    """The adapter for a kind or alias, case-insensitively (`SLACK`, `phone`, `ops_email`).

    A kind's own name imports that adapter alone; an alias, or a name that is neither, reads them all.
    """
    if not isinstance(name, str):
        return None
    wanted = name.strip().lower()
    return get(wanted) if wanted in _CLASSES else _by_name().get(wanted)
