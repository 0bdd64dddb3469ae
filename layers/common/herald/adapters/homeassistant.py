"""Home Assistant: call a `notify` service on a self-hosted server with a long-lived access token.

Sources (read 2026-12-03):
- REST API, developers.home-assistant.io/docs/api/rest (https://home-assistant.io/developers/api/): every call
  carries `Authorization: Bearer <long-lived access token>`; the API takes and returns JSON;
  `POST /api/services/<domain>/<service>` with the service data as the body returns 200 and the list of states
  that changed. homeassistant/components/api/__init__.py (APIDomainServicesView): an unknown service or bad
  service data is a 400 (`{"message": …}` or aiohttp's "400: Bad Request"); a bad token is 401.
- The notify service data (home-assistant.io/integrations/notify): `message` (required), `title`, `target`,
  `data`. The companion apps read `data.clickAction` (Android) and `data.url` (iOS) as the tap target and
  `data.tag` to replace an earlier notification with the same tag (companion.home-assistant.io/docs/notifications).

    POST {server}/api/services/notify/mobile_app_pixel_8     Authorization: Bearer eyJ0eXAi…
    {"title": "🔴 [CRITICAL] DB down", "message": "connection refused…", "data": {"clickAction": "https://…",
     "url": "https://…", "tag": "mon_42"}}
    200 [] (the changed states)

Home Assistant documents no length limit nor rate limit; a recovery carries the alert's tag, so on a phone it
replaces the alert instead of stacking beside it.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, AliasChoices, BeforeValidator, Field

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import Secret, ServerUrl
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

SERVICE_PATH = "/api/services/notify/{service}"
# No documented limit: this keeps a phone notification (and HA's recorder) from carrying a whole log.
MESSAGE_LIMIT = 4_096
TITLE_LIMIT = 256
_SERVICE = re.compile(r"[a-z0-9_]{1,255}")


def _service_name(value: Any) -> Any:
    # People copy the whole action name from Home Assistant ("notify.mobile_app_pixel_8"): the domain is implied.
    if isinstance(value, str):
        value = value.strip()
        return value.removeprefix("notify.")
    return value


def _check_service(value: str) -> str:
    if not _SERVICE.fullmatch(value):
        raise ValueError(
            "Home Assistant notify service must be a service name such as mobile_app_pixel_8 "
            "(lowercase letters, digits and '_')"
        )
    return value


NotifyService = Annotated[str, BeforeValidator(_service_name), AfterValidator(_check_service)]

Target = Annotated[str, Field(min_length=1, max_length=255)]


class HomeAssistantConfig(ChannelConfig):
    """A Home Assistant server, a long-lived access token and the notify service to call."""

    server_url: ServerUrl = Field(
        validation_alias=AliasChoices("serverUrl", "server_url", "url", "baseUrl", "base_url"),
        description="Home Assistant server URL",
    )
    access_token: Secret = Field(
        validation_alias=AliasChoices("accessToken", "access_token", "token", "longLivedAccessToken"),
        description="Home Assistant long-lived access token",
    )
    service: NotifyService = Field(
        validation_alias=AliasChoices("service", "notifyService", "notify_service", "notifier", "action"),
        description="Home Assistant notify service",
    )
    target: list[Target] | None = Field(None, min_length=1, max_length=50, description="Home Assistant target")

    host_fields: ClassVar[tuple[str, ...]] = ("server_url",)
    recipient_fields: ClassVar[tuple[str, ...]] = ("service", "target")

    def summary(self) -> str:
        return f"{urlsplit(self.server_url).hostname or ''} notify.{self.service}"


def service_data(n: Notification, config: HomeAssistantConfig) -> dict[str, Any]:
    """The notify service data: plain title and message, the tap target and the replace-tag for the apps."""
    body: dict[str, Any] = {
        "title": render.truncate(render.headline(n), TITLE_LIMIT),
        "message": render.truncate(render.plain_body(n, with_link=False) or n.title, MESSAGE_LIMIT),
    }
    if config.target:
        body["target"] = list(config.target)
    data: dict[str, Any] = {}
    if link := render.link(n):
        data |= {"clickAction": link, "url": link}
    if n.dedup_key:
        data["tag"] = n.dedup_key
    if data:
        body["data"] = data
    return body


def _error_words(response: HttpResponse) -> str | None:
    data = response.json()
    if isinstance(data, dict) and data.get("message"):
        return str(data["message"])
    return None


class HomeAssistantAdapter(HttpAdapter[HomeAssistantConfig]):
    kind = "homeassistant"
    display_name = "Home Assistant"
    aliases = ("home_assistant", "hass")
    config_model = HomeAssistantConfig

    def build_request(
        self, notification: Notification, config: HomeAssistantConfig, ctx: RenderContext
    ) -> OutboundRequest:
        """POST the service data to {server}/api/services/notify/{service} with the token as Bearer."""
        url = config.server_url.rstrip("/") + SERVICE_PATH.format(service=config.service)
        headers = {"Authorization": f"Bearer {config.access_token.get_secret_value()}"}
        return OutboundRequest.json("POST", url, service_data(notification, config), headers)

    def interpret(self, response: HttpResponse) -> Receipt:
        """Success is 200 with the JSON list of changed states (a page from a proxy is not a delivery).

        Raises RetryableDeliveryError for 429 (a proxy's Retry-After) and 5xx; PermanentDeliveryError otherwise,
        with Home Assistant's `message` or its plain-text answer.
        """
        if response.status == 200 and isinstance(response.json(), list | dict):
            return Receipt(http_status=200)
        raise classify.failure(self.display_name, response, _error_words(response))
