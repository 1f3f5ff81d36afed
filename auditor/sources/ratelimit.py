"""Per-service request pacing shared by every client in the process.

The services count requests in sliding one-second windows, at the moment a request *arrives*
(NCBI even counts rejected attempts), so what must be bounded is the time each request actually
leaves, not the time it was scheduled. A request therefore passes two steps:

1. **Schedule** (:meth:`RateLimiter.acquire`): take a concurrency slot (Crossref's
   ``x-concurrency-limit``) and a start time on an even schedule, and sleep until it. This keeps
   waiters in FIFO order and the sends smooth.
2. **Confirm** (:meth:`RateLimiter.confirm`), called at the last moment before the bytes go out
   (the HTTP layer calls it from aiohttp's connection-acquired trace hook, after any connect): the
   send is recorded in a :class:`SendWindow` only if at most ``limit - 1`` recorded sends lie in the
   last ``WINDOW_S`` seconds, else it waits for the oldest to leave. Check and record have no
   ``await`` between them, so they are atomic on the event loop. An event loop that was busy (a long
   judging step, a slow machine) and wakes several scheduled sends at once cannot let them out
   together: the window, not the schedule, decides.

3. **Hold until answered.** A server counts a request when it gets round to it, which is somewhere
   between our send and its answer: a server whose own event loop is busy (the sandbox computing
   an ECitMatch batch for a second or two) counts every request that arrived meanwhile at the same
   instant. So a request keeps its place in the window while it is in flight, and after its answer
   for ``WINDOW_S`` past the answer: the only moment by which the server has surely counted it.
   An earlier rule subtracted the fastest round trip ever seen, on the grounds that a server
   answers at least that long after counting. That bound is not safe: a round trip also holds the
   time a request waited before the server counted it, and when every early request waits (32
   jobs starting at once against a busy server), the "fastest" is that wait plus the server's own
   time, longer than the gap between a late count and its answer. Measured with 32 jobs: a request
   the sandbox counted 0.76 s after its send and answered 0.26 s later, against a fastest round
   trip of 0.34 s, was taken as counted 87 ms before it was, and the server refused a send.

Safety margin: at most ``floor(rate)`` requests in any ``WINDOW_S`` (1.05 s) by our clock, i.e. 95%
of the advertised rate at most. The 50 ms absorb the difference between our clock and the server's
(network, the moment its handler reads the clock).

Limiters live in a module-level registry keyed by service, pool and configured limits, so several
documents audited concurrently in one process share one budget. No asyncio locks are used, so a
limiter keeps working when a new event loop is started (as in tests).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

WINDOW_S = 1.05
"""At most ``floor(rate)`` confirmed sends in any window this long (the services count one second)."""

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Confirm = Callable[[], Awaitable[None]]
"""Records one send; call it right before the request's bytes are written."""


class Permit:
    """What ``deferred()`` yields: :meth:`confirm` each send right before it leaves, :meth:`answered`
    when its answer (the status line) is in. Sends still unanswered at the end count as answered then."""

    def __init__(self, confirm: Callable[[], Awaitable[object]],
                 answered: Callable[[object], Awaitable[None] | None]) -> None:
        self._confirm = confirm
        self._answered = answered
        self._open: list[object] = []

    async def confirm(self) -> None:
        self._open.append(await self._confirm())

    async def answered(self) -> None:
        sends, self._open = self._open, []
        for send in sends:
            result = self._answered(send)
            if result is not None:
                await result


def window_limit(rate: float) -> tuple[int, float]:
    """``(limit, span)``: at most ``limit`` sends in any ``span`` seconds keeps under ``rate`` with the margin."""
    limit = max(1, math.floor(rate))
    return limit, WINDOW_S * limit / rate


IN_FLIGHT_POLL_S = 0.01
"""While every place in the window belongs to a request still in flight, look again this often."""


class Send:
    """One request's place in a :class:`SendWindow`: held from ``start`` until ``until``."""

    __slots__ = ("start", "until")

    def __init__(self, start: float) -> None:
        self.start = start
        self.until = math.inf
        """``inf`` while in flight; after the answer, the answer's time plus the window span."""


class SendWindow:
    """The places of recent requests; :meth:`delay` says how long until one more fits."""

    def __init__(self) -> None:
        self.sends: list[Send] = []

    def delay(self, now: float, limit: int, span: float) -> float:
        self.sends = [send for send in self.sends if send.until > now]
        if len(self.sends) < limit:
            return 0.0
        holds = sorted(send.until for send in self.sends)
        first_free = holds[len(holds) - limit]
        return first_free - now if math.isfinite(first_free) else IN_FLIGHT_POLL_S

    def record(self, now: float) -> Send:
        send = Send(now)
        self.sends.append(send)
        return send

    def answered(self, send: Send, now: float, span: float) -> None:
        """The answer came at ``now``: the server has counted the request by then, so it holds until ``now + span``."""
        if not math.isinf(send.until):
            return
        send.until = max(send.start, now) + span


class InFlightGate:
    """FIFO cap on requests in flight. The one implementation, used by every limiter."""

    def __init__(self) -> None:
        self.in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self, limit: Callable[[], int | None]) -> None:
        """Take a slot; ``limit`` is read again after every wake-up (it may be raised meanwhile)."""
        while (cap := limit()) is not None and self.in_flight >= cap:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(future)
            try:
                await future
            except BaseException:
                if future in self._waiters:
                    self._waiters.remove(future)
                elif future.done() and not future.cancelled():
                    self.wake(limit())  # we were handed a slot we will not use: pass it on
                raise
        self.in_flight += 1

    def release(self, limit: int | None) -> None:
        self.in_flight -= 1
        self.wake(limit)

    def wake(self, limit: int | None) -> None:
        free = None if limit is None else limit - self.in_flight
        while self._waiters and (free is None or free > 0):
            future = self._waiters.popleft()
            if not future.done() and not future.get_loop().is_closed():
                future.set_result(None)
                if free is not None:
                    free -= 1


@dataclass
class _Limits:
    rate: float
    concurrency: int | None


class RateLimiter:
    """At most ``floor(rate)`` sends per ``WINDOW_S``, evenly scheduled, plus an optional in-flight cap.

    ``async with limiter: send()`` schedules and confirms at once. A caller that can confirm later,
    right before the bytes leave, uses ``async with limiter.deferred() as confirm: ... await confirm()``.
    ``clock`` and ``sleep`` are injectable so tests can drive a fake clock.
    """

    def __init__(self, rate: float, concurrency: int | None = None, name: str = "", *,
                 clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.name = name
        self._limits = _Limits(rate, concurrency)
        self._clock = clock
        self._sleep = sleep
        self._next_start = 0.0
        self._paused_until = 0.0
        self._window = SendWindow()
        self._gate = InFlightGate()
        self._plain: dict[asyncio.Task[object] | None, list[Send]] = {}
        self.sent: list[float] = []
        """Confirmed send times (bounded to the last 10,000), for tests and benchmarks."""

    @property
    def rate(self) -> float:
        return self._limits.rate

    @property
    def concurrency(self) -> int | None:
        return self._limits.concurrency

    @property
    def interval(self) -> float:
        limit, span = window_limit(self._limits.rate)
        return span / limit

    def update(self, rate: float | None = None, concurrency: int | None = None) -> None:
        """Adopt limits a server advertised (Crossref's ``x-rate-limit-*`` headers)."""
        if rate is not None and rate > 0:
            self._limits.rate = rate
        if concurrency is not None and concurrency > 0:
            self._limits.concurrency = concurrency
            self._gate.wake(concurrency)

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` (after a 429 the whole service should slow down)."""
        until = self._clock() + seconds
        self._next_start = max(self._next_start, until)
        self._paused_until = max(self._paused_until, until)

    async def acquire(self) -> None:
        """Take a concurrency slot and wait for this request's scheduled start (release when done)."""
        await self._gate.acquire(lambda: self._limits.concurrency)
        try:
            now = self._clock()
            start = max(now, self._next_start)
            self._next_start = start + self.interval
            if start > now:
                await self._sleep(start - now)
        except BaseException:
            self.release()
            raise

    async def confirm(self) -> Send:
        """Record a send now if the window has room, else wait until it has; call just before sending."""
        while True:
            now = self._clock()
            limit, span = window_limit(self._limits.rate)
            wait = max(self._window.delay(now, limit, span), self._paused_until - now)
            if wait <= 0:
                self.sent.append(now)
                if len(self.sent) > 10000:
                    del self.sent[:5000]
                return self._window.record(now)
            await self._sleep(wait)

    def answered(self, send: object) -> None:
        """``send`` (from :meth:`confirm`) has its answer: from now on it holds its place for a bounded time."""
        if isinstance(send, Send):
            self._window.answered(send, self._clock(), window_limit(self._limits.rate)[1])

    def release(self) -> None:
        self._gate.release(self._limits.concurrency)

    @asynccontextmanager
    async def deferred(self) -> AsyncIterator[Permit]:
        """Schedule now, confirm later: yields a :class:`Permit`."""
        await self.acquire()
        permit = Permit(self.confirm, self.answered)
        try:
            yield permit
        finally:
            await permit.answered()
            self.release()

    async def __aenter__(self) -> RateLimiter:
        await self.acquire()
        try:
            send = await self.confirm()
        except BaseException:
            self.release()
            raise
        self._plain.setdefault(asyncio.current_task(), []).append(send)
        return self

    async def __aexit__(self, *exc: object) -> None:
        stack = self._plain.get(asyncio.current_task())
        if stack:
            self.answered(stack.pop())
            if not stack:
                self._plain.pop(asyncio.current_task(), None)
        self.release()


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
