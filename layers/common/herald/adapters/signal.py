"""Signal: a message sent through the customer's own signal-cli-rest-api server (self-hosted).

Sources (read 2026-12-03): github.com/bbernhard/signal-cli-rest-api, doc/EXAMPLES.md ("Send a message to
multiple recipients", "Send a message to a group") and src/api/api.go `SendV2` at commit a08db23 (2026-08-16):

    POST {server}/v2/send          Content-Type: application/json
    {"number": "+431212131491291", "recipients": ["+4354546464654"], "message": "…", "text_mode": "normal"}
    201 {"timestamp": "1733217600123"}
    400 {"error": "Couldn't process request - please provide at least one recipient"}
    429 {"error": "… Use the attached challenge tokens to lift the rate limit …", "challenge_tokens": […]}

`number` is the account registered (or linked) on that server; a recipient is a phone number, a username, or a
group id `group.<id>` from `GET /v1/groups/{number}`. One request reaches either numbers or usernames or one
group, never a mix (client.go SendV2 refuses it). `text_mode` `normal` sends the text as written, whatever the
server's DEFAULT_SIGNAL_TEXT_MODE says (`styled` would read `*` and `~` in monitor text as markup).

The API has no authentication of its own; deployments put a reverse proxy with HTTP Basic in front, which
Apprise's signal_api plugin supports as `user:password@host`: username and password here are sent that way.
The server is self-hosted, so its URL passes the outbound allow-list like every configured URL.
"""

from __future__ import annotations

import base64
import re
from typing import Annotated, Any, ClassVar, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, AliasChoices, BeforeValidator, Field, field_validator, model_validator

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import PhoneNumber, Secret, ServerUrl
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

SEND_PATH = "/v2/send"
GROUP_PREFIX = "group."
# signal-cli-rest-api documents no limit; Signal sends a long text as an attachment that apps show in full.
# This keeps one alert a readable message.
MESSAGE_LIMIT = 4_096
_NUMBER = re.compile(r"\+[1-9][0-9]{6,14}")
_GROUP = re.compile(r"group\.[A-Za-z0-9+/=_-]{1,512}")
_USERNAME = re.compile(r"[A-Za-z0-9_]{3,32}\.[0-9]{2,10}")


def _recipient(value: str) -> str:
    if not (_NUMBER.fullmatch(value) or _GROUP.fullmatch(value) or _USERNAME.fullmatch(value)):
        raise ValueError(
            "Signal recipient must be a phone number in E.164 format, a group id (group.…) or a username (name.01)"
        )
    return value


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Recipient = Annotated[str, AfterValidator(_recipient)]


def _kind(recipient: str) -> str:
    if recipient.startswith(GROUP_PREFIX):
        return "group"
    return "number" if recipient.startswith("+") else "username"


class SignalConfig(ChannelConfig):
    """A signal-cli-rest-api server, the registered number that sends, and whom it sends to."""

    server_url: ServerUrl = Field(
        validation_alias=AliasChoices("serverUrl", "server_url", "url", "apiUrl", "api_url"),
        description="signal-cli-rest-api server URL",
    )
    number: PhoneNumber = Field(
        validation_alias=AliasChoices("number", "from", "sender", "fromNumber", "from_number"),
        description="Signal sender number",
    )
    recipients: Annotated[list[Recipient], BeforeValidator(_as_list)] = Field(
        min_length=1,
        max_length=50,
        validation_alias=AliasChoices("recipients", "recipient", "to"),
        description="Signal recipients",
    )
    username: str | None = Field(None, min_length=1, max_length=256, description="Signal API proxy username")
    password: Secret | None = Field(None, description="Signal API proxy password")

    host_fields: ClassVar[tuple[str, ...]] = ("server_url", "number")
    recipient_fields: ClassVar[tuple[str, ...]] = ("recipients",)

    @field_validator("username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        """Raises ValueError for a ':' (HTTP Basic cannot carry one in the user name)."""
        if value is not None and ":" in value:
            raise ValueError("Signal API proxy username cannot contain ':'")
        return value

    @model_validator(mode="after")
    def _one_kind_of_recipient(self) -> Self:
        """Raises ValueError for a mix of numbers, usernames and groups, more than one group, or half a login."""
        kinds = {_kind(recipient) for recipient in self.recipients}
        if len(kinds) > 1:
            raise ValueError("Signal recipients must be all phone numbers, all usernames, or one group: not a mix")
        if kinds == {"group"} and len(self.recipients) > 1:
            raise ValueError("A Signal message goes to one group at a time: make a channel per group")
        if (self.username is None) != (self.password is None):
            raise ValueError("Signal API proxy username and password go together: give both or neither")
        return self

    def summary(self) -> str:
        count = len(self.recipients)
        return f"{urlsplit(self.server_url).hostname or ''} → {count} recipient{'s' if count > 1 else ''}"


def payload(n: Notification, config: SignalConfig) -> dict[str, Any]:
    """The v2/send body: sender, recipients and the alert as plain text (never styled)."""
    return {
        "number": config.number,
        "recipients": list(config.recipients),
        "message": render.truncate(render.plain_text(n), MESSAGE_LIMIT),
        "text_mode": "normal",
    }


def _error_words(response: HttpResponse) -> str | None:
    data = response.json()
    return str(data["error"]) if isinstance(data, dict) and data.get("error") else None


class SignalAdapter(HttpAdapter[SignalConfig]):
    kind = "signal"
    display_name = "Signal"
    config_model = SignalConfig

    def build_request(self, notification: Notification, config: SignalConfig, ctx: RenderContext) -> OutboundRequest:
        """POST the JSON body to {server}/v2/send; HTTP Basic for the proxy in front when a login is set."""
        headers: dict[str, str] = {}
        if config.username is not None and config.password is not None:
            pair = f"{config.username}:{config.password.get_secret_value()}".encode()
            headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
        url = config.server_url.rstrip("/") + SEND_PATH
        return OutboundRequest.json("POST", url, payload(notification, config), headers)

    def interpret(self, response: HttpResponse) -> Receipt:
        """Success is 201 with the sent message's `timestamp` (Signal's id for it).

        Raises RetryableDeliveryError for 429 (Signal's rate limit; a later try may pass once the challenge is
        lifted) and 5xx; PermanentDeliveryError otherwise, with the server's `error` text.
        """
        data = response.json()
        if response.status in (200, 201) and isinstance(data, dict) and data.get("timestamp"):
            return Receipt(provider_message_id=str(data["timestamp"]), http_status=response.status)
        raise classify.failure(self.display_name, response, _error_words(response))
