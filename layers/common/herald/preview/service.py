"""Preview: the exact request a kind would send for a notification, every secret as ••••••••; nothing is sent.

Preview and sending cannot disagree: both take the adapter's `plan` (its pure builders) with the render
context of delivery.service. The steps, each one function below:

1. `_notification`: the notification given, or Herald's sample of an event type (preview/samples.py);
2. `rendered`: the notification as the channel will word it: its template and, for a webhook with a custom
   payload, its body template, exactly as the sender applies them (herald.templates.apply);
3. the config: a channel's stored one, or the one given with every left-out secret filled by a stand-in;
   either way with the tenant's provider credentials, as a send would have them (`_ready`);
4. `_shown`: each request of the adapter's plan, every secret of the config masked wherever it appears.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from herald.adapters import registry
from herald.adapters.base import Adapter, AwsCall, Wire
from herald.adapters.validation import field_errors
from herald.channels import service as channels
from herald.delivery.service import render_context
from herald.errors import FieldError, PermanentDeliveryError, ValidationFailed
from herald.models.api import ConfigPreviewRequest, PreviewRequest
from herald.models.config import SECRET_PLACEHOLDER, ChannelConfig, wire_name
from herald.models.notification import Notification
from herald.models.template import ChannelTemplate
from herald.preview import samples
from herald.secrets import canonical_keys, scrub
from herald.settings import get_settings
from herald.transport.egress import policy_from_settings

# The delivery id a preview renders with (webhook `id`, Pushbullet `guid`, ...): a send has its own.
PREVIEW_DELIVERY_ID = "dlv_preview"
PREVIEW_CHANNEL_NAME = "Preview"  # `channel.name` for a template previewed without a channel
# What stands in for a secret the caller left out: shaped to pass every kind's checks (a Telegram token
# is `<digits>:<text>`), and distinctive, so that masking it never hides ordinary words.
STAND_IN_SECRET = "4242424242:hEr4ldPr3vi3wSt4ndIn"
# A URL that is itself the credential, left out: the service's usual host stands in, its path masked.
STAND_IN_URLS: Mapping[str, str] = {
    "slack": "https://hooks.slack.com/services/hEr4ldPr3vi3wSt4ndIn",
    "discord": "https://discord.com/api/webhooks/hEr4ldPr3vi3wSt4ndIn",
    "teams": "https://prod-00.westus.logic.azure.com/workflows/hEr4ldPr3vi3wSt4ndIn",
    "googlechat": "https://chat.googleapis.com/v1/spaces/hEr4ldPr3vi3wSt4ndIn",
    "webhook": "https://receiver.example.com/hEr4ldPr3vi3wSt4ndIn",
    "grafanaoncall": "https://oncall-prod-us-central-0.grafana.net/oncall/integrations/v1/formatted_webhook/hEr4ldPr3vi3wSt4ndIn/",
    "lark": "https://open.feishu.cn/open-apis/bot/v2/hook/hEr4ldPr3vi3wSt4ndIn",
    "dingtalk": "https://oapi.dingtalk.com/robot/send?access_token=hEr4ldPr3vi3wSt4ndIn",
    "wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=hEr4ldPr3vi3wSt4ndIn",
    "mattermost": "https://mattermost.example.com/hooks/hEr4ldPr3vi3wSt4ndIn",
    "rocketchat": "https://rocketchat.example.com/hooks/hEr4ldPr3vi3wSt4ndIn/hEr4ldPr3vi3wSt4ndIn",
}
# Headers whose whole value proves who sent the request: masked even when no config secret is in them
# (a webhook signature made with the real secret would let its reader forge deliveries).
_PROOF_HEADERS = ("authorization", "signature")


def preview_channel(tenant_id: str, channel_id: str, body: Any) -> dict[str, Any]:
    """What channel `channel_id` would be sent for the body's notification (or a sample).

    Raises ChannelNotFound (also for another tenant's channel), ConfigUnreadable, ValidationFailed.
    """
    request = _request(PreviewRequest, body)
    notification = _notification(request)
    channel = channels.load_channel(tenant_id, channel_id)
    adapter = registry.get(channel.kind)
    config = _ready(tenant_id, channel.config)
    if request.template is not None:
        channels.validate_template(request.template, channel.kind)
    template = request.template or channel.template
    named = Named(tenant_id, channel.name)
    return {"channelId": channel.id, **_preview(adapter, config, notification, template, named)}


def preview_config(tenant_id: str, body: Any) -> dict[str, Any]:
    """What a channel of `kind` with `config` would be sent; secrets left out are stood in for.

    Raises InvalidRequest (unknown kind), ValidationFailed naming the config field and its rule.
    """
    request = _request(ConfigPreviewRequest, body)
    adapter = channels.adapter_for(request.kind)
    notification = _notification(request)
    config = _ready(tenant_id, _with_stand_ins(adapter, request.config))
    if request.template is not None:
        channels.validate_template(request.template, adapter.kind)
    return _preview(adapter, config, notification, request.template, Named(tenant_id, PREVIEW_CHANNEL_NAME))


@dataclass(frozen=True)
class Named:
    """Who the templates are told they render for (`tenant.id`, `channel.name`)."""

    tenant_id: str
    channel_name: str


def rendered(
    notification: Notification, template: ChannelTemplate | None, config: ChannelConfig, kind: str, named: Named
) -> tuple[Notification, str | None]:
    """The notification as a channel of `kind` words it, and the template's error when it failed (then, as the
    sender does, Herald's own wording)."""
    if template is None and config.json_body_template() is None:
        return notification, None
    from herald import templates  # Jinja2 loads only for a channel that has a template

    try:
        message = templates.apply(
            notification,
            template=template,
            config=config,
            kind=kind,
            channel_name=named.channel_name,
            tenant_id=named.tenant_id,
        )
    except templates.TemplateError as exc:
        return notification, exc.message
    return message, None


def _request[R: PreviewRequest](model: type[R], body: Any) -> R:
    try:
        request = model.model_validate(body if body is not None else {})
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc, model, "")) from None
    if request.notification is not None and request.event is not None:
        raise ValidationFailed([FieldError("event", "Give either notification or event (for a sample), not both")])
    return request


def _notification(request: PreviewRequest) -> Notification:
    if request.notification is None:
        return samples.sample(request.event or samples.DEFAULT_EVENT)
    try:
        return Notification.model_validate(request.notification)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc, Notification, "notification")) from None


def _with_stand_ins(adapter: Adapter, given: dict[str, Any]) -> ChannelConfig:
    """The config given, validated as a create validates it, once every secret left out (or sent as
    ••••••••) is filled by a stand-in. Raises ValidationFailed naming each field that breaks its rule."""
    model = adapter.config_model
    data = canonical_keys(model, given)
    secret = set(model.secret_fields())
    for name, info in model.model_fields.items():
        wire = wire_name(model, name)
        if wire not in secret:
            continue
        if name in model.host_fields:  # a URL that is the credential
            if data.get(wire) in (None, SECRET_PLACEHOLDER):
                data[wire] = STAND_IN_URLS[adapter.kind]
        elif data.get(wire) == SECRET_PLACEHOLDER or (wire not in data and info.is_required()):
            data[wire] = STAND_IN_SECRET
        elif isinstance(data.get(wire), dict):  # webhook headers: each value is a secret
            data[wire] = {key: STAND_IN_SECRET if v == SECRET_PLACEHOLDER else v for key, v in data[wire].items()}
    try:
        settings = get_settings()
        return model.model_validate(
            data, context={"egress": policy_from_settings(settings), "account": settings.account_id}
        )
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc, model, "config")) from None


def _ready(tenant_id: str, config: ChannelConfig) -> ChannelConfig:
    """The config as a send has it: credentials it leaves to the tenant's provider settings filled in from
    them, or by stand-ins when none are stored. Raises ValidationFailed for a missing non-secret credential."""
    with contextlib.suppress(ValidationFailed):  # no provider settings stored: stood in for below
        config = channels.with_provider_credentials(tenant_id, config)
    model = type(config)
    stand_ins = {name: STAND_IN_SECRET for name in config.missing_credentials() if name in model.secret_fields()}
    if stand_ins:
        config = model.model_validate({**config.reveal(), **stand_ins}, context={"stored": True})
    if missing := config.missing_credentials():
        raise ValidationFailed(
            [FieldError(f"config.{name}", f"{name} is required to preview this provider's request") for name in missing]
        )
    return config


def _preview(
    adapter: Adapter, config: ChannelConfig, notification: Notification, template: ChannelTemplate | None, named: Named
) -> dict[str, Any]:
    ctx = render_context(get_settings(), PREVIEW_DELIVERY_ID, attempt=1)
    message, template_error = rendered(notification, template, config, adapter.kind, named)
    try:
        plan = adapter.plan(message, config, ctx)
    except PermanentDeliveryError as exc:
        raise ValidationFailed([FieldError("config", exc.message)]) from None
    secrets = [*config.secret_values(), STAND_IN_SECRET]
    answer = {
        "kind": adapter.kind,
        "notification": _masked(message.to_wire(), secrets),
        "requests": [_shown(wire, secrets) for wire in plan],
    }
    return answer if template_error is None else {**answer, "templateError": template_error}


def _shown(wire: Wire, secrets: list[str]) -> dict[str, Any]:
    if isinstance(wire, AwsCall):
        client, service = wire.api
        return {
            "type": "aws",
            "service": service,
            "client": client,
            "action": wire.action,
            "parameters": _masked(dict(wire.params), secrets),
        }
    return {
        "type": "http",
        "method": wire.method,
        "url": _url(wire.url, secrets),
        "headers": {name: _header(name, value, secrets) for name, value in wire.headers.items()},
        "body": _body(wire.body, wire.headers, secrets),
    }


def _url(url: str, secrets: list[str]) -> str:
    """The URL with its secrets masked; a path that is all secret reads `https://host/••••••••`."""
    shown = scrub(url, secrets)
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if shown.startswith(origin + SECRET_PLACEHOLDER):
        return f"{origin}/{shown.removeprefix(origin)}"
    return shown


def _header(name: str, value: str, secrets: list[str]) -> str:
    if any(word in name.lower() for word in _PROOF_HEADERS):
        scheme, _, credential = value.partition(" ")
        # `Bearer ••••••••` says how the service is authenticated without saying with what.
        shows_scheme = credential and name.lower() == "authorization"
        return f"{scheme} {SECRET_PLACEHOLDER}" if shows_scheme else SECRET_PLACEHOLDER
    return scrub(value, secrets)


def _body(body: bytes, headers: Mapping[str, str], secrets: list[str]) -> Any:
    """The body as JSON when it is JSON, else as text; None when there is none."""
    if not body:
        return None
    text = body.decode("utf-8", "replace")
    content_type = next((value for key, value in headers.items() if key.lower() == "content-type"), "")
    if "json" in content_type.lower():
        try:
            return _masked(json.loads(text), secrets)
        except ValueError:
            pass  # said JSON, is not: shown as the text it is
    return scrub(text, secrets)


def _masked(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {scrub(str(key), secrets): _masked(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item, secrets) for item in value]
    return value
