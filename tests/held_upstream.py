"""A local stand-in for PubMed, Crossref and the Retraction Watch CSV that holds PubMed's answers.

PubMed (``/entrez/...``) waits until the test sets ``release``, then answers 503 (so, after retries,
PubMed has failed); Crossref (``/crossref/...``) answers an empty work list at once; ``/rw.csv`` is a
Retraction Watch copy with no rows. A test can therefore watch a job while PubMed is busy and see
every per-source state for real. Loopback only, a port the OS picked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CROSSREF_EMPTY = b'{"status": "ok", "message-type": "work-list", "message": {"items": [], "total-results": 0}}'
RW_HEADER = (Path(__file__).resolve().parent / "fixtures" / "retraction_watch" /
             "sandbox_retraction_watch.csv").read_text(encoding="utf-8").splitlines()[0].encode() + b"\n"
DOCUMENT = (b"Notes\n\nReferences\n\n"
            b"1. Roe R, Doe J. A trial of nothing in particular. J Notes. 2001;12:101-109.\n"
            b"2. Poe E. Another study of the same nothing. Ann Notes. 2003;4:55-60.\n")
"""Two references with a full locator, so PubMed's ECitMatch is the first question and Crossref waits for it."""


@dataclass
class HeldUpstream:
    url: str = ""
    release: threading.Event = field(default_factory=threading.Event)
    pubmed_asked: threading.Event = field(default_factory=threading.Event)
    counts: dict[str, int] = field(default_factory=lambda: {"pubmed": 0, "crossref": 0, "retraction_watch": 0})


class FakeHandler(BaseHTTPRequestHandler):
    """A loopback fake's plumbing: subclasses write ``answer`` (the request body is already read)."""

    def reply(self, status: int, body: bytes = b"", media: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer(self) -> None:
        raise NotImplementedError

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.answer()

    do_GET = do_POST = _handle  # noqa: N815 - http.server's naming

    def log_message(self, *args: Any) -> None:
        return


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` on a loopback port the OS picked, in a thread, until the block ends; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def held_upstream() -> Iterator[HeldUpstream]:
    state = HeldUpstream()

    class Handler(FakeHandler):
        def answer(self) -> None:
            if self.path.startswith("/entrez/"):
                state.counts["pubmed"] += 1
                state.pubmed_asked.set()
                state.release.wait(timeout=60)
                self.reply(503)
            elif self.path.startswith("/rw.csv"):
                state.counts["retraction_watch"] += 1
                self.reply(200, RW_HEADER, "text/csv")
            else:
                state.counts["crossref"] += 1
                self.reply(200, CROSSREF_EMPTY)

    with serving(Handler) as url:
        state.url = url
        try:
            yield state
        finally:
            state.release.set()
