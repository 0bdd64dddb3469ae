"""`make receiver [PORT=8000]`: a webhook receiver on 127.0.0.1 that prints every request and answers 200.

For the README's tour and for trying channels by hand: point a webhook channel at
`http://127.0.0.1:<port>/<any path>` (the local stack must allow it: `HERALD_EGRESS_ALLOW=127.0.0.1:<port>`).
Each request prints one line (method, path, `webhook-id`, whether it is signed, the body's size) and the
body, up to 2,000 characters. Standard library only.
"""

from __future__ import annotations

import argparse
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"
SHOWN = 2000


class Handler(BaseHTTPRequestHandler):
    server_version = "herald-receiver"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        signed = "signed" if self.headers.get("webhook-signature") else "unsigned"
        print(
            f"{self.command} {self.path} webhook-id={self.headers.get('webhook-id', '-')} {signed} {len(body)} bytes",
            flush=True,
        )
        if body:
            print(body.decode("utf-8", errors="replace")[:SHOWN], flush=True)
        answer = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer  # noqa: N815 - http.server's names

    def log_message(self, format: str, *args: object) -> None:
        return  # one line per request is printed above


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make receiver", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="TCP port on 127.0.0.1 (default 8000)")
    args = parser.parse_args(argv)
    try:
        server = ThreadingHTTPServer((HOST, args.port), Handler)
    except OSError as exc:
        print(f"make receiver: cannot listen on {HOST}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"Receiver listening on http://{HOST}:{args.port}/ (Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
