"""The life cycle every in-process test receiver shares: serve on a daemon thread while in the `with`."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Self


class Serving:
    """Runs `server` on a daemon thread from `__enter__` to `__exit__`; `stopping` ends slow handlers."""

    def _serve(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
