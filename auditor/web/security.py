"""Security headers on every response, and the one CSP that lets the stored HTML report run in a frame.

Pages: scripts and styles only from our own ``/static`` files (no ``unsafe-inline``), no framing.
The HTML report (``/v1/audits/{id}/report`` answered as ``text/html``) is byte for byte what
``auditor check`` writes, with one inline ``<style>`` and one inline ``<script>`` (its filters). Its CSP
allows exactly those two blocks by hash (computed once from the report template, never from a stored
report, so nothing a document contains can be allowed), may be framed by our own pages only, and is
sandboxed (``sandbox allow-scripts``): even opened directly, the report runs in an opaque origin with
no access to the session cookie or the API.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "form-action 'self'; frame-src 'self'; base-uri 'none'; frame-ancestors 'none'")
REPORT_PATH = re.compile(r"^/v1/audits/[^/]+/report$")
COMMON = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
          "cross-origin-opener-policy": "same-origin"}


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


@cache
def report_csp() -> str:
    """The report's CSP: its template's own inline style and script, by hash."""
    from auditor.reports.html import render_html

    empty = render_html([])
    styles = [_sha256(s) for s in re.findall(r"<style>(.*?)</style>", empty, re.S)]
    scripts = [_sha256(s) for s in re.findall(r"<script>(.*?)</script>", empty, re.S)]
    none = "'none'"
    return (f"default-src 'none'; script-src {' '.join(scripts) or none}; style-src {' '.join(styles) or none}; "
            "img-src data:; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'self'; sandbox allow-scripts")


class SecurityHeaders:
    """Pure ASGI middleware (no body buffering, streaming-safe): adds the headers a route did not set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON.items():
                    headers.setdefault(name, value)
                is_report = REPORT_PATH.match(path) and headers.get("content-type", "").startswith("text/html")
                if is_report:
                    headers["content-security-policy"] = report_csp()
                    headers["x-frame-options"] = "SAMEORIGIN"
                else:
                    headers.setdefault("content-security-policy", PAGE_CSP)
                    headers.setdefault("x-frame-options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)
