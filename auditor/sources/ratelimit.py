"""Per-service request pacing shared by every client in the process.

The services count requests in sliding one-second windows (NCBI even counts rejected attempts), so
bursts are what get a client throttled. The limiter therefore spaces request *starts* evenly at a
little under the allowed rate, and separately caps how many requests are in flight (Crossref's
``x-concurrency-limit``). Limiters live in a module-level registry keyed by service, pool and
configured limits, so several documents audited concurrently in one process share one budget.

No asyncio locks are used: the slot reservation has no ``await`` inside it, so it is atomic on the
event loop, and the limiter keeps working when a new event loop is started (as in tests).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

SAFETY = 0.95
"""Fraction of the advertised rate actually used, to leave room for clock and network jitter."""


@dataclass
class _Limits:
    rate: float
    concurrency: int | None


class RateLimiter:
    """Even spacing at ``rate * SAFETY`` requests/s plus an optional in-flight cap."""

    def __init__(self, rate: float, concurrency: int | None = None, name: str = "") -> None:
        self.name = name
        self._limits = _Limits(rate, concurrency)
        self._next_start = 0.0
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def rate(self) -> float:
        return self._limits.rate

    @property
    def concurrency(self) -> int | None:
        return self._limits.concurrency

    @property
    def interval(self) -> float:
        return 1.0 / (self._limits.rate * SAFETY)

    def update(self, rate: float | None = None, concurrency: int | None = None) -> None:
        """Adopt limits a server advertised (Crossref's ``x-rate-limit-*`` headers)."""
        if rate is not None and rate > 0:
            self._limits.rate = rate
        if concurrency is not None and concurrency > 0:
            self._limits.concurrency = concurrency
            self._wake()

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` (after a 429 the whole service should slow down)."""
        self._next_start = max(self._next_start, time.monotonic() + seconds)

    async def __aenter__(self) -> RateLimiter:
        await self._acquire_slot()
        try:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self.interval
            if start > now:
                await asyncio.sleep(start - now)
        except BaseException:
            self._release_slot()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._release_slot()

    async def _acquire_slot(self) -> None:
        while self._limits.concurrency is not None and self._in_flight >= self._limits.concurrency:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(future)
            try:
                await future
            except BaseException:
                if future in self._waiters:
                    self._waiters.remove(future)
                elif future.done() and not future.cancelled():
                    self._wake()  # we were handed a slot we will not use: pass it on
                raise
        self._in_flight += 1

    def _release_slot(self) -> None:
        self._in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        free = None if self._limits.concurrency is None else self._limits.concurrency - self._in_flight
        while self._waiters and (free is None or free > 0):
            future = self._waiters.popleft()
            if not future.done() and not future.get_loop().is_closed():
                future.set_result(None)
                if free is not None:
                    free -= 1


_REGISTRY: dict[tuple[str, str, float, int | None], RateLimiter] = {}


def get_limiter(service: str, pool: str, rate: float, concurrency: int | None = None) -> RateLimiter:
    """The process-wide limiter for this service, pool and configured limits."""
    key = (service, pool, rate, concurrency)
    limiter = _REGISTRY.get(key)
    if limiter is None:
        limiter = _REGISTRY[key] = RateLimiter(rate, concurrency, name=f"{service}:{pool}")
    return limiter


def parse_interval(value: str | None) -> float | None:
    """``x-rate-limit-interval`` is "always expressed in seconds", e.g. ``1s``."""
    if not value:
        return None
    text = value.strip().lower().removesuffix("s")
    try:
        seconds = float(text)
    except ValueError:
        return None
    return seconds if seconds > 0 else None
