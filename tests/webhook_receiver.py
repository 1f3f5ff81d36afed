"""A webhook receiver for tests: a threaded HTTP server on 127.0.0.1 that does what a consumer does.

It verifies every signature (with the watch's secret), refuses replays (ReplayGuard), and keeps
what it accepted; 204 for an accepted delivery, 401 otherwise.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from auditor.watch.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, ReplayGuard, verify


class Receiver:
    def __init__(self) -> None:
        self.secret = ""
        """The secret to verify with, unless ``secrets`` names the payload's watch."""
        self.secrets: dict[str, str] = {}
        """watch id -> secret, for several watches posting to one receiver."""
        self.guard = ReplayGuard()
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.refused = 0
        self.lock = threading.Lock()

    def secret_for(self, payload: Any) -> str:
        watch = payload.get("watch") if isinstance(payload, dict) else None
        return self.secrets.get(watch.get("id") if isinstance(watch, dict) else "", self.secret)


@contextmanager
def serve_receiver() -> Iterator[tuple[str, Receiver]]:
    """(the receiver's URL, its state) while the block runs."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            payload = json.loads(body)
            sig = self.headers.get(SIGNATURE_HEADER)
            with state.lock:
                ok = verify(state.secret_for(payload), self.headers.get(TIMESTAMP_HEADER), body, sig)
                ok = ok and state.guard.first_use(sig or "")
                if ok:
                    state.received.append((dict(self.headers), payload))
                else:
                    state.refused += 1
            self.send_response(204 if ok else 401)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", state
    finally:
        server.shutdown()
        server.server_close()
