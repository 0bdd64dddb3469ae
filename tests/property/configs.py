"""Strategies for valid channel configs, one per kind, as the wire dicts a client would send.

Each field has a hand-written strategy for what its kind accepts (public URLs, E.164 numbers, e-mail
addresses, the vendors' id formats); a kind's cross-field rules (one auth mode, one targeting mode, the
chosen provider's credentials only) are honoured by construction, never by filtering.
"""

from __future__ import annotations

import base64
from typing import Any

import phonenumbers
from hypothesis import strategies as st

from tests.property.addresses import public_v4

Draw = st.DrawFn
Wire = dict[str, Any]

_SAFE = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf", "Zs", "Zl", "Zp"))
# Credentials and free text: anything printable, no surrounding space (configs strip it), never empty.
secret = st.text(_SAFE, min_size=1, max_size=48).filter(lambda s: s != "••••••••")
name_text = st.text(_SAFE, min_size=1, max_size=40)


def _regex(pattern: str) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True)


hex_id = _regex(r"[0-9a-f]{32}")
uuid_text = st.uuids().map(str)

_labels = _regex(r"[a-z0-9](?:[a-z0-9-]{0,14}[a-z0-9])?")
public_host = st.one_of(
    st.sampled_from(
        [
            "hooks.slack.com",
            "discord.com",
            "chat.googleapis.com",
            "prod-07.westeurope.logic.azure.com",
            "acme.webhook.office.com",
            "ntfy.sh",
            "matrix.org",
            "bücher.example.de",
            "xn--bcher-kva.example",
        ]
    ),
    st.tuples(st.lists(_labels, min_size=1, max_size=3), st.sampled_from(["com", "org", "io", "dev", "de"])).map(
        lambda parts: ".".join([*parts[0], parts[1]])
    ),
    public_v4.map(str),
)
_path = _regex(r"(/[A-Za-z0-9._~!$&'()*+,;=:@%-]{0,20}){0,4}(\?[A-Za-z0-9=&._-]{0,30})?")
public_url = st.builds(
    lambda host, port, path: f"https://{host}{port}{path}",
    public_host,
    st.sampled_from(["", "", ":443", ":8443"]),
    _path,
)


def _calling_codes() -> list[int]:
    unknown = phonenumbers.UNKNOWN_REGION
    return sorted(
        code
        for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE
        if phonenumbers.region_code_for_country_code(code) != unknown
    )


@st.composite
def e164(draw: Draw) -> str:
    code = str(draw(st.sampled_from(_calling_codes())))
    rest = draw(st.integers(max(0, 7 - len(code)), 15 - len(code)))
    return "+" + code + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=rest, max_size=rest)))


# A host label e-mail validation accepts: never two hyphens in a row (email_validator refuses `ab--` labels that
# are not Punycode, RFC 5891 §4.2.3.1: `0@00--0.com` once failed the sendgrid property).
_mail_labels = _regex(r"[a-z0-9]{1,8}(?:-[a-z0-9]{1,7})?")
email = st.builds(
    lambda local, host: f"{local}@{host}",
    _regex(r"[A-Za-z0-9][A-Za-z0-9_+-]{0,15}(\.[A-Za-z0-9_+-]{1,8})?"),
    st.tuples(st.lists(_mail_labels, min_size=1, max_size=2), st.sampled_from(["com", "org", "io"])).map(
        lambda parts: ".".join([*parts[0], parts[1]])
    ),
)


def _form(required: dict[str, Any], optional: dict[str, Any] | None = None) -> st.SearchStrategy[Wire]:
    return st.fixed_dictionaries(required, optional=optional or {})


def _whsec(key: bytes) -> str:
    return "whsec_" + base64.b64encode(key).decode()


def _with(base: st.SearchStrategy[Wire], extra: st.SearchStrategy[Wire]) -> st.SearchStrategy[Wire]:
    return st.tuples(base, extra).map(lambda pair: {**pair[0], **pair[1]})


# -- phone kinds: a provider and only that provider's credentials -------------------------------------------

twilio_sid = _regex(r"AC[0-9a-f]{32}")
twilio_sender = st.one_of(e164(), _regex(r"MG[0-9a-f]{32}"), _regex(r"[0-9]{3,8}"), _regex(r"[A-Z][A-Za-z0-9]{0,10}"))
twilio_credentials = {"accountSid": twilio_sid, "authToken": secret, "fromNumber": twilio_sender}
vonage_credentials = {
    "apiKey": _regex(r"[a-z0-9]{8}"),
    "apiSecret": secret,
    "from": st.one_of(e164(), _regex(r"[1-9][0-9]{6,14}"), _regex(r"[A-Z][A-Za-z0-9]{0,10}")),
}


def _phone(provider: str, credentials: dict[str, Any], extra: dict[str, Any] | None = None) -> st.SearchStrategy[Wire]:
    """A phone channel with all of the provider's credentials, or none (left to the tenant's settings)."""
    base = {"phoneNumber": e164(), "provider": st.just(provider)}
    if not credentials:
        return _form(base, extra)
    return st.one_of(_form({**base, **credentials}, extra), _form(base, extra))


# -- every kind -------------------------------------------------------------------------------------------

_responder = st.one_of(
    _form({"type": st.sampled_from(["team", "escalation", "schedule"])}).flatmap(
        lambda r: _with(st.just(r), st.one_of(_form({"id": uuid_text}), _form({"name": name_text})))
    ),
    _form({"type": st.just("user")}).flatmap(
        lambda r: _with(st.just(r), st.one_of(_form({"id": uuid_text}), _form({"username": email})))
    ),
)
_targets = st.lists(name_text, min_size=1, max_size=4)
_header_name = _regex(r"X-[A-Za-z0-9-]{1,20}")

# A webhook's custom body: JSON templates a user would write (each renders a sample event into JSON).
_BODY_TEMPLATES = st.sampled_from(
    [
        '{"text": {{ notification.title }}}',
        '{"alert": {{ event.type }}, "severity": {{ event.severity | upper }}, "monitor": {{ monitor.name }}}',
        "[{% for field in notification.fields %}{{ field.label }}{% if not loop.last %},{% endif %}{% endfor %}]",
    ]
)


def _aws_arn(service: str, resource: str) -> st.SearchStrategy[str]:
    region = st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"])
    return st.builds(
        lambda r, account, name: f"arn:aws:{service}:{r}:{account}:{name}",
        region,
        _regex(r"[0-9]{12}"),
        _regex(resource),
    )


_role_arn = _regex(r"[0-9]{12}").map(lambda account: f"arn:aws:iam::{account}:role/herald-publisher")
_external_id = _regex(r"[A-Za-z0-9+=,.@:/_-]{2,64}")

CONFIGS: dict[str, st.SearchStrategy[Wire]] = {
    "email": _form({"addresses": st.lists(email, min_size=1, max_size=5)}, {"fromEmail": email, "replyTo": email}),
    "slack": _form({"webhookUrl": public_url}),
    "discord": _form(
        {"webhookUrl": public_url},
        {"threadId": _regex(r"[0-9]{1,20}"), "username": st.text(_SAFE, min_size=1, max_size=80)},
    ),
    "teams": _form({"webhookUrl": public_url}),
    "googlechat": _form({"webhookUrl": public_url}),
    "telegram": _form(
        {"chatId": st.one_of(_regex(r"-?[0-9]{1,20}"), _regex(r"@[A-Za-z][A-Za-z0-9_]{3,31}"))},
        {
            "botToken": _regex(r"[0-9]{1,20}:[A-Za-z0-9_.\-]{1,60}"),
            "messageThreadId": st.integers(1, 2**31 - 1),
            "silent": st.booleans(),
        },
    ),
    "pagerduty": _form({"integrationKey": hex_id}, {"region": st.sampled_from(["us", "eu"])}),
    "opsgenie": _form(
        {"apiKey": uuid_text},
        {
            "region": st.sampled_from(["us", "eu"]),
            "responders": st.lists(_responder, max_size=4),
            "tags": st.lists(st.text(_SAFE, min_size=1, max_size=50), max_size=5),
        },
    ),
    "webhook": _with(
        _form(
            {"url": public_url},
            {
                "method": st.sampled_from(["POST", "PUT", "PATCH"]),
                "headers": st.dictionaries(_header_name, secret, max_size=4),
                "secret": st.one_of(secret, st.binary(min_size=8, max_size=32).map(_whsec)),
            },
        ),
        st.one_of(
            st.just({}),
            _form(
                {
                    "payloadFormat": st.sampled_from(
                        ["herald", "kamustatus", "pixomonitor", "statusmate", "alertmanager"]
                    )
                }
            ),
            _form({"payloadFormat": st.just("custom"), "bodyTemplate": _BODY_TEMPLATES}),
        ),
    ),
    "sms": st.one_of(
        _phone("twilio", twilio_credentials),
        _phone("vonage", vonage_credentials),
        _phone("aws", {}),
    ),
    "voice": st.one_of(
        _phone("twilio", {**twilio_credentials, "fromNumber": e164()}),
        _phone("aws", {}, {"originationIdentity": st.one_of(e164(), _regex(r"pool-[a-z0-9]{8}"))}),
    ),
    "whatsapp": _phone(
        "twilio",
        {**twilio_credentials, "fromNumber": st.one_of(e164(), _regex(r"MG[0-9a-f]{32}"))},
        {"contentSid": _regex(r"HX[0-9a-fA-F]{32}")},
    ),
    "pushover": _form(
        {"userKey": _regex(r"[a-z0-9]{30}")},
        {
            "appToken": _regex(r"[a-z0-9]{30}"),
            "priority": st.integers(-2, 2),
            "sound": _regex(r"[A-Za-z0-9_-]{1,32}"),
            "device": st.lists(_regex(r"[A-Za-z0-9_-]{1,25}"), min_size=1, max_size=4).map(",".join),
        },
    ),
    "pushbullet": _with(
        _form({"accessToken": secret}),
        st.one_of(
            _form({}),
            _form({"deviceIden": _regex(r"[A-Za-z0-9]{1,64}")}),
            _form({"channelTag": _regex(r"[A-Za-z0-9_-]{1,64}")}),
        ),
    ),
    "onesignal": _with(
        _form({"appId": uuid_text, "apiKey": secret}),
        st.one_of(
            _form({"subscriptionIds": _targets}), _form({"externalIds": _targets}), _form({"segments": _targets})
        ),
    ),
    "pusherbeams": _form(
        {
            "instanceId": uuid_text,
            "secretKey": secret,
            "interests": st.lists(_regex(r"[A-Za-z0-9_\-=@,.;]{1,164}"), min_size=1, max_size=5),
        }
    ),
    "ntfy": _with(
        _form({"topic": _regex(r"[-_A-Za-z0-9]{1,64}")}, {"serverUrl": public_url, "priority": st.integers(1, 5)}),
        st.one_of(
            _form({}),
            _form({"accessToken": secret}),
            _form(
                {"username": st.text(_SAFE, min_size=1, max_size=40).filter(lambda u: ":" not in u), "password": secret}
            ),
        ),
    ),
    "gotify": _form({"serverUrl": public_url, "appToken": secret}, {"priority": st.integers(0, 10)}),
    "matrix": _form(
        {"homeserverUrl": public_url, "roomId": _regex(r"![A-Za-z0-9]{4,18}:[a-z0-9.]{3,20}"), "accessToken": secret}
    ),
    "splunkoncall": _form({"apiKey": secret, "routingKey": _regex(r"[A-Za-z0-9._~-]{1,40}")}),
    "incidentio": _form({"alertSourceConfigId": _regex(r"[0-9A-Z]{26}"), "token": secret}),
    "grafanaoncall": _form({"webhookUrl": public_url}),
    "zulip": _with(
        _form({"serverUrl": public_url, "botEmail": email, "apiKey": secret}),
        st.one_of(
            _form({"stream": name_text}, {"topic": name_text}),
            _form({"to": st.lists(email, min_size=1, max_size=5)}),
        ),
    ),
    "homeassistant": _form(
        {"serverUrl": public_url, "accessToken": secret, "service": _regex(r"[a-z0-9_]{1,40}")},
        {"target": st.lists(name_text, min_size=1, max_size=3)},
    ),
    "signal": _with(
        _form({"serverUrl": public_url, "number": e164()}),
        st.one_of(
            _form({"recipients": st.lists(e164(), min_size=1, max_size=5)}),
            _form({"recipients": _regex(r"group\.[A-Za-z0-9+/=]{8,44}").map(lambda group: [group])}),
            _form(
                {"username": st.text(_SAFE, min_size=1, max_size=40).filter(lambda u: ":" not in u), "password": secret}
            ).flatmap(
                lambda login: _form({"recipients": st.lists(e164(), min_size=1, max_size=2)}).map(
                    lambda rest: {**login, **rest}
                )
            ),
        ),
    ),
    "sns": _with(
        _form({"roleArn": _role_arn, "externalId": _external_id}),
        st.one_of(
            _form({"topicArn": _aws_arn("sns", r"[A-Za-z0-9_-]{1,40}")}),
            _form(
                {"topicArn": _aws_arn("sns", r"[A-Za-z0-9_-]{1,40}\.fifo")},
                {"messageGroupId": _regex(r"[!-~]{1,128}")},
            ),
        ),
    ),
    "eventbridge": _form(
        {
            "eventBusArn": _aws_arn("events", r"event-bus/[A-Za-z0-9._-]{1,64}"),
            "roleArn": _role_arn,
            "externalId": _external_id,
        },
        {"source": _regex(r"[a-z][a-z0-9.-]{0,40}").filter(lambda s: not s.startswith("aws."))},
    ),
    "lark": _form(
        {
            "webhookUrl": st.builds(
                "https://{}/open-apis/bot/v2/hook/{}".format,
                st.sampled_from(["open.feishu.cn", "open.larksuite.com"]),
                _regex(r"[A-Za-z0-9-]{1,64}"),
            )
        },
        {"secret": secret},
    ),
    "dingtalk": _form(
        {"webhookUrl": hex_id.map("https://oapi.dingtalk.com/robot/send?access_token={}".format)},
        {"secret": secret},
    ),
    "wecom": _form({"webhookUrl": uuid_text.map("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={}".format)}),
    "mattermost": _form(
        {"webhookUrl": public_url},
        {"channel": name_text, "username": name_text, "iconEmoji": _regex(r":[a-z_]{1,20}:")},
    ),
    "rocketchat": _form(
        {"webhookUrl": public_url}, {"channel": name_text, "alias": name_text, "emoji": _regex(r":[a-z_]{1,20}:")}
    ),
    "webex": st.one_of(
        _form({"botToken": secret, "roomId": _regex(r"[A-Za-z0-9]{20,80}")}),
        _form({"botToken": secret, "personEmail": email}),
    ),
    "line": _form(
        {"channelAccessToken": secret, "to": _regex(r"[UCR][0-9a-f]{32}")}, {"notificationDisabled": st.booleans()}
    ),
    "sendgrid": _form(
        {"apiKey": secret, "addresses": st.lists(email, min_size=1, max_size=5), "fromEmail": email},
        {"replyTo": email, "fromName": name_text, "region": st.sampled_from(["us", "eu"])},
    ),
}


def config_for(kind: str) -> st.SearchStrategy[Wire]:
    return CONFIGS[kind]


any_config: st.SearchStrategy[tuple[str, Wire]] = st.sampled_from(sorted(CONFIGS)).flatmap(
    lambda kind: CONFIGS[kind].map(lambda data: (kind, data))
)
