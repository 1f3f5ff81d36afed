"""A local stand-in for a rate-limited upstream (NCBI, Crossref) that is its own oracle.

It counts request *arrivals* in a sliding one-second window and the requests in flight, answering
429 when either exceeds its limit, exactly the way the services throttle (NCBI counts rejected
attempts too, so this does). Tests assert on its counts: zero 429s, and a busiest second close to
the allowed rate. Nothing is timed in the code under test.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Throttle:
    rate: int
    """Request starts allowed in any sliding second."""
    concurrency: int | None = None
    """Requests allowed in flight at once."""
    hold_s: float = 0.0
    """How long each answer takes (so that concurrency matters)."""
    advertise: bool = False
    """Send ``X-RateLimit-Limit`` with every answer, as NCBI does."""
    arrivals: list[float] = field(default_factory=list)
    answered: int = 0
    rejected: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    _window: deque[float] = field(default_factory=deque)

    def busiest_second(self) -> int:
        """The most arrivals in any one-second window (accepted and rejected alike)."""
        best, left = 0, 0
        for right, t in enumerate(self.arrivals):
            while t - self.arrivals[left] >= 1.0:
                left += 1
            best = max(best, right - left + 1)
        return best

    async def handle(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        self.arrivals.append(now)
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        self._window.append(now)
        over_rate = len(self._window) > self.rate
        over_concurrency = self.concurrency is not None and self.in_flight >= self.concurrency
        limit = {"X-RateLimit-Limit": str(self.rate)} if self.advertise else {}
        if over_rate or over_concurrency:
            self.rejected += 1
            return web.Response(status=429, text="rate limited", headers={"Retry-After": "1", **limit})
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.hold_s:
                await asyncio.sleep(self.hold_s)
        finally:
            self.in_flight -= 1
        self.answered += 1
        return web.Response(status=200, text="ok", headers=limit)


@asynccontextmanager
async def serve(throttle: Throttle) -> AsyncIterator[str]:
    """Run the fake on 127.0.0.1 on a free port; yields its base URL (ending in ``/``)."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", throttle.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()
