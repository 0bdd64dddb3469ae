"""The shape shared by every adapter that speaks HTTP: build a request (pure), send it, read the answer."""

from __future__ import annotations

from abc import abstractmethod

from herald.adapters.base import Adapter, C, DeliveryContext, RenderContext, Wire
from herald.models.notification import Notification
from herald.transport import classify
from herald.transport.wire import HttpResponse, OutboundRequest, Receipt


class HttpAdapter(Adapter[C]):
    """Subclasses write `build_request` and, when the service's success is more than a 2xx, `interpret`."""

    @abstractmethod
    def build_request(self, notification: Notification, config: C, ctx: RenderContext) -> OutboundRequest:
        """The exact request the service receives. Pure: no I/O, no clock, no randomness beyond ctx."""

    def plan(self, notification: Notification, config: C, ctx: RenderContext) -> list[Wire]:
        return [self.build_request(notification, config, ctx)]

    def interpret(self, response: HttpResponse) -> Receipt:
        """Receipt for a success; raises RetryableDeliveryError / PermanentDeliveryError otherwise."""
        return classify.expect(self.display_name, response)

    def send(self, notification: Notification, config: C, ctx: DeliveryContext) -> Receipt:
        if ctx.http is None:
            raise TypeError("HttpAdapter.send needs ctx.http (the guarded session)")
        return self.interpret(ctx.http.send(self.build_request(notification, config, ctx)))
