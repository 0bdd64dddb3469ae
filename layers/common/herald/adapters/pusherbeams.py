"""Pusher Beams: publish one push to interests, for web, Android (FCM) and iOS (APNs) (PROVIDERS.md §11)."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, Field

from herald.adapters import render
from herald.adapters.base import RenderContext
from herald.adapters.httpbase import HttpAdapter
from herald.models.config import ChannelConfig
from herald.models.fields import Secret
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt

# §11: 1-100 interests per publish, each at most 164 characters of this alphabet.
MAX_INTERESTS = 100
INTEREST_LIMIT = 164
_INTEREST = re.compile(r"[A-Za-z0-9_\-=@,.;]+")
# §11 names no text limit, but APNs and FCM refuse a push over 4 KB: each platform's part (JSON bytes,
# escapes included) is kept within it by halving the texts' budget from these until it fits.
PUSH_BYTES_LIMIT = 4096
TITLE_LIMIT = 256
BODY_LIMIT = 1024
LINK_BYTES_LIMIT = 512  # our choice: a longer link is left out rather than crowd out the message
PLATFORMS = ("web", "fcm", "apns")
# The instance id becomes a host name label, so it must be one: nothing else may reach the URL's host.
_INSTANCE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _instance_id(value: str) -> str:
    if not _INSTANCE.fullmatch(value):
        raise ValueError("Pusher Beams instance ID must be letters, digits and '-' (e.g. a UUID)")
    return value


def _interest(value: str) -> str:
    if not _INTEREST.fullmatch(value):
        raise ValueError("Pusher Beams interests may only contain letters, digits and _-=@,.;")
    return value


Interest = Annotated[str, Field(min_length=1, max_length=INTEREST_LIMIT), AfterValidator(_interest)]


class PusherBeamsConfig(ChannelConfig):
    """A Beams instance, its secret key and the interests (device groups) to publish to."""

    instance_id: Annotated[str, AfterValidator(_instance_id)] = Field(description="Pusher Beams instance ID")
    secret_key: Secret = Field(description="Pusher Beams secret key")
    interests: list[Interest] = Field(
        min_length=1, max_length=MAX_INTERESTS, description="At least one Pusher Beams interest"
    )

    host_fields: ClassVar[tuple[str, ...]] = ("instance_id",)
    recipient_fields: ClassVar[tuple[str, ...]] = ("interests",)

    def summary(self) -> str:
        first, *rest = self.interests
        return f"{first} (+{len(rest)} more)" if rest else first


def public_base(instance_id: str) -> str:
    # §11: the instance id names the host (lower-cased) and appears again in the path.
    return f"https://{instance_id.lower()}.pushnotifications.pusher.com"


def payload(n: Notification, config: PusherBeamsConfig) -> dict[str, Any]:
    """One notification in the three platform shapes, each within PUSH_BYTES_LIMIT."""
    return render.fit_json(
        lambda budget: _payload(n, config, budget),
        PUSH_BYTES_LIMIT,
        BODY_LIMIT,
        floor=16,
        size=lambda built: max(render.json_size(built[platform]) for platform in PLATFORMS),
    )


def _payload(n: Notification, config: PusherBeamsConfig, budget: int) -> dict[str, Any]:
    """The three platform shapes, texts cut to `budget`; a link opens the source where the platform can."""
    title = render.truncate(render.headline(n), min(TITLE_LIMIT, budget))
    text = render.truncate(render.plain_body(n, with_link=False) or n.title, budget)
    # FCM data values must be strings; the same data goes to every platform.
    data = {"event": n.event, "severity": n.severity, "status": n.status}
    if n.dedup_key:
        data["dedupKey"] = n.dedup_key
    web: dict[str, Any] = {"title": title, "body": text}
    if (link := render.link(n)) and render.json_size(link) <= LINK_BYTES_LIMIT:
        web["deep_link"] = link
        data["url"] = link
    return {
        "interests": list(config.interests),
        "web": {"notification": web, "data": data},
        "fcm": {"notification": {"title": title, "body": text}, "data": data},
        "apns": {"aps": {"alert": {"title": title, "body": text}}, "data": data},
    }


def _error_words(response: HttpResponse) -> str | None:
    data = response.json()
    if isinstance(data, dict):
        words = [str(data[key]) for key in ("error", "description") if data.get(key)]
        return ": ".join(words) or None
    return None


class PusherBeamsAdapter(HttpAdapter[PusherBeamsConfig]):
    kind = "pusherbeams"
    display_name = "Pusher Beams"
    aliases = ("pusher_beams",)
    config_model = PusherBeamsConfig

    def build_request(
        self, notification: Notification, config: PusherBeamsConfig, ctx: RenderContext
    ) -> OutboundRequest:
        base = ctx.endpoint(self.kind, public_base(config.instance_id))
        url = f"{base}/publish_api/v1/instances/{config.instance_id}/publishes/interests"
        headers = {"Authorization": f"Bearer {config.secret_key.get_secret_value()}"}
        return OutboundRequest.json("POST", url, payload(notification, config), headers)

    def interpret(self, response: HttpResponse) -> Receipt:
        """Receipt with the publishId for a 200 (the SDKs treat anything else as an error); raises the
        classified error with Beams' error and description otherwise."""
        if response.status == 200:
            data = response.json()
            publish_id = data.get("publishId") if isinstance(data, dict) else None
            return Receipt(provider_message_id=str(publish_id) if publish_id else None, http_status=200)
        raise classify.failure(self.display_name, response, _error_words(response))
