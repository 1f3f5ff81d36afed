"""Upstream rate limits shared by every worker on every machine, through PostgreSQL.

NCBI (3 requests/s per IP, 10/s per API key) and Crossref (a rate and a concurrency cap per pool)
count what *all* our workers send. A per-process limiter lets four workers send four times the
budget; this one draws every request start from one row per service in the database:

* **Rate.** A row holds the next allowed start time. A worker reserves a start with one atomic
  statement, ``UPDATE ... SET next_start = greatest(next_start, clock_timestamp()) + interval
  RETURNING``, and sleeps until it locally; no lock is held while sleeping, and every worker reads
  the *database's* clock, so machines whose clocks disagree still agree on the schedule.
* **Window.** At the last moment before sending (the HTTP layer confirms from aiohttp's
  connection-acquired hook, after any connect), the start is confirmed against the row's record of
  recent starts: at most ``floor(rate)`` in any ``WINDOW_S`` (the services' one second plus 50 ms),
  in one single-row ``UPDATE``. A worker that woke late (a loaded machine, a slow round trip) would
  otherwise start close to the requests scheduled after it and push one second over the budget; it
  waits instead. The entry is held while the request is in flight and, once the answer is in, for
  ``WINDOW_S`` after the answer (by then the server has surely counted it): the rule of
  :mod:`auditor.sources.ratelimit`, kept in the row.
* **Concurrency.** Crossref also caps requests in flight. Each in-flight request holds one of N
  session advisory locks (``pg_try_advisory_lock(service_key, slot)``) on its own connection for the
  duration of the request. A crashed worker's connection closes and PostgreSQL frees its slot at
  once: no lease to expire, nothing stuck. Waiters in one process queue locally first, so only as
  many as there are slots poll the database.
* **Adaptation.** ``update`` (Crossref's advertised limits) and ``pause`` (after a 429) are written to
  the row, so what one worker learns slows every worker down.

The object is a drop-in for :class:`auditor.sources.ratelimit.RateLimiter` (the same async context
manager, ``deferred()``, ``rate``, ``concurrency``, ``update``, ``pause``) and uses its
:class:`~auditor.sources.ratelimit.InFlightGate` for the local queue. If the database cannot be reached the
limiter says so once and paces this process alone, rather than failing the audit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from auditor.sources.ratelimit import (
    IN_FLIGHT_POLL_S,
    InFlightGate,
    Permit,
    RateLimiter,
    window_limit,
)

log = logging.getLogger(__name__)

WINDOW_S = 1.05
"""The sliding window every start is confirmed against: at most ``floor(rate)`` confirmed starts in
any ``WINDOW_S`` seconds (95% of the rate at most). The services count in one-second windows; the
extra 50 ms absorb the jitter between a confirmation and the request's arrival. Starts are scheduled
``WINDOW_S / floor(rate)`` apart, so on-time starts pass and a late one waits."""
IN_FLIGHT_S = 60.0
"""A confirmed start holds its place while in flight, but at most this long: a worker that dies
mid-request frees its place after this (its answer would have long timed out)."""
POLL_INITIAL_S = 0.002
POLL_MAX_S = 0.02
"""Backoff while every concurrency slot is held elsewhere."""
RECOVERY_S = 30.0
"""After a database failure, pace this process alone for this long, then try the database again."""

_ENSURE = text(
    "INSERT INTO upstream_limits (name, rate, concurrency, next_start)"
    " VALUES (:name, :rate, :concurrency, clock_timestamp()) ON CONFLICT (name) DO NOTHING"
)
_INTERVAL = ":window / greatest(1, floor(rate))"
_RESERVE = text(
    "UPDATE upstream_limits"
    f" SET next_start = greatest(next_start, clock_timestamp()) + make_interval(secs => {_INTERVAL})"
    " WHERE name = :name"
    f" RETURNING extract(epoch FROM next_start - clock_timestamp())::float8 - {_INTERVAL} AS delay,"
    " rate, concurrency"
)
_PAUSE = text(
    "UPDATE upstream_limits SET next_start = greatest(next_start, clock_timestamp() + make_interval(secs => :secs))"
    " WHERE name = :name"
)
_UPDATE = text(
    "UPDATE upstream_limits SET rate = coalesce(:rate, rate), concurrency = coalesce(:concurrency, concurrency)"
    " WHERE name = :name"
)
_UNLOCK = text("SELECT pg_advisory_unlock(:key, :slot)")
_RECENT = ("(SELECT array_agg(t ORDER BY t) FROM unnest(string_to_array(coalesce(recent, ''), ' ')::float8[]) t"
           " WHERE t > extract(epoch FROM clock_timestamp()) - :window)")
_CONFIRM = text(
    # One statement, so the row lock lasts microseconds and the clock is read under it (a concurrent
    # confirmation makes PostgreSQL re-evaluate this row's condition and values after it commits).
    # The entry is stamped IN_FLIGHT_S ahead (held while in flight) and moved back by _ANSWERED;
    # it is the last element of the new list (the kept entries come out sorted), which RETURNING gives.
    f"UPDATE upstream_limits SET recent = array_to_string(coalesce({_RECENT}, '{{}}'::float8[])"
    " || (extract(epoch FROM clock_timestamp()) + :in_flight)::float8, ' ')"
    f" WHERE name = :name AND coalesce(cardinality({_RECENT}), 0) < greatest(1, floor(rate))"
    " RETURNING split_part(recent, ' ', -1) AS marker"
)
_ANSWERED = text(
    # The answer is in: the server has counted the request by now, so its entry becomes now
    # (never earlier than the send), held for the window after it.
    "UPDATE upstream_limits SET recent = array_to_string(array_replace(string_to_array(recent, ' '),"
    " CAST(:marker AS text), greatest(CAST(CAST(:marker AS text) AS float8) - :in_flight,"
    " extract(epoch FROM clock_timestamp()))::float8::text), ' ')"
    " WHERE name = :name"
)
_WINDOW_WAIT = text(
    # How long until the window has room again: the oldest start that must leave it, plus the window.
    f"SELECT ({_RECENT})[greatest(1, coalesce(cardinality({_RECENT}), 0) - greatest(1, floor(rate))::int + 1)]"
    " + :window - extract(epoch FROM clock_timestamp()) FROM upstream_limits WHERE name = :name"
)


def lock_key(name: str) -> int:
    """A stable signed 32-bit key for the advisory locks of one limiter row."""
    value = zlib.crc32(name.encode("utf-8"))
    return value - (1 << 32) if value >= 1 << 31 else value


def _try_lock_sql(slots: int) -> Any:
    # CASE evaluates its WHEN clauses in order and stops at the first true one, so at most one
    # lock is taken per call, in one round trip.
    whens = " ".join(f"WHEN pg_try_advisory_lock(:key, {slot}) THEN {slot}" for slot in range(slots))
    return text(f"SELECT CASE {whens} ELSE NULL END")


@dataclass
class _Permit:
    """What one ``async with`` holds: a connection and advisory-lock slot, or the local fallback."""

    conn: AsyncConnection | None = None
    slot: int | None = None
    fallback: RateLimiter | None = None
    started: list[str] = field(default_factory=list)
    """Starts confirmed and not yet answered: their window entries."""


class SharedRateLimiter:
    """One service's budget, shared through the ``upstream_limits`` row called ``name``."""

    def __init__(self, engine: AsyncEngine, name: str, rate: float, concurrency: int | None = None) -> None:
        self.name = name
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._configured = (rate, concurrency)
        self._rate = rate
        self._concurrency = concurrency
        self._key = lock_key(name)
        self._ready = False
        self._gate = InFlightGate()
        self._plain: dict[asyncio.Task[Any] | None, list[object]] = {}
        self._last_wait = 0.001
        self._held: dict[asyncio.Task[Any] | None, list[_Permit]] = {}
        self._pending: list[tuple[Any, dict[str, Any]]] = []
        self._background: set[asyncio.Task[None]] = set()
        self._paused_until = 0.0
        self._fallback: RateLimiter | None = None
        self._fallback_until = 0.0
        self.reservations = 0
        """Start times reserved in the database."""
        self.confirmed = 0
        """Starts confirmed against the shared window (one per request sent through the database)."""

    # ------------------------------------------------------------------ the RateLimiter interface

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def concurrency(self) -> int | None:
        return self._concurrency

    @property
    def interval(self) -> float:
        return WINDOW_S / max(1, math.floor(self._rate))

    def update(self, rate: float | None = None, concurrency: int | None = None) -> None:
        """Adopt limits a server advertised, here and (shortly) for every worker."""
        rate = rate if rate is not None and rate > 0 else None
        concurrency = concurrency if concurrency is not None and concurrency > 0 else None
        if rate is None and concurrency is None:
            return
        if rate is not None:
            self._rate = rate
        if concurrency is not None:
            self._concurrency = concurrency
            self._gate.wake(concurrency)
        self._write(_UPDATE, {"rate": rate, "concurrency": concurrency})

    def pause(self, seconds: float) -> None:
        """Hold every worker's requests back for ``seconds`` (after a 429)."""
        if seconds <= 0:
            return
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
        self._write(_PAUSE, {"secs": float(seconds)})

    async def acquire(self) -> None:
        """Take a concurrency slot (local queue, then an advisory lock) and wait for the reserved start."""
        fallback = self._degraded()
        if fallback is not None:
            await fallback.acquire()
            self._push(_Permit(fallback=fallback))
            return
        limit = self._concurrency
        if limit is not None:
            await self._gate.acquire(lambda: self._concurrency)
        permit = _Permit()
        try:
            await self._flush()
            if limit is not None:
                permit.conn, permit.slot = await self._take_slot(limit)
            await self._wait_for_start(permit.conn)
        except BaseException as exc:
            await self._release_slot(permit)
            if limit is not None:
                self._gate.release(self._concurrency)
            if isinstance(exc, SQLAlchemyError):
                self._degrade(exc)
                return await self.acquire()
            raise
        self._push(permit if limit is not None else _Permit(slot=-1))

    async def confirm(self) -> object:
        """Record one start in the shared window, waiting until it has room; call right before sending.

        The entry is held while the request is in flight; :meth:`answered` (or the end of the
        permit) bounds it. It is kept on this task's permit the moment the database has it, so a
        cancellation cannot strand it."""
        permit = self._top()
        if permit is not None and permit.fallback is not None:
            return await permit.fallback.confirm()
        try:
            while not await self._confirm(permit):
                await asyncio.sleep(self._last_wait)
        except SQLAlchemyError as exc:
            self._degrade(exc)
            fallback = self._degraded()
            return await fallback.confirm() if fallback is not None else None
        return None

    async def answered(self, send: object = None) -> None:
        """The answer is in: bound how long this task's started requests keep their places.

        Awaited, so that the place is free for the next start as soon as possible."""
        if send is not None and self._fallback is not None:
            self._fallback.answered(send)
        permit = self._top()
        if permit is None or not permit.started:
            return
        started, permit.started = permit.started, []
        try:
            async with self._engine.connect() as conn:
                for marker in started:
                    await conn.execute(_ANSWERED, {"name": self.name, "marker": marker, "in_flight": IN_FLIGHT_S})
        except SQLAlchemyError as exc:  # the entries free themselves after IN_FLIGHT_S
            self._degrade(exc)

    async def release(self) -> None:
        if (top := self._top()) is not None and top.started:
            await asyncio.shield(self.answered())
        permit = self._pop()
        if permit is None:
            return
        if permit.fallback is not None:
            permit.fallback.release()
            return
        if permit.slot is None or permit.slot < 0:
            return
        try:
            await self._release_slot(permit)
        finally:
            self._gate.release(self._concurrency)

    @asynccontextmanager
    async def deferred(self) -> AsyncIterator[Permit]:
        """Reserve now, confirm later: yields a :class:`~auditor.sources.ratelimit.Permit`."""
        await self.acquire()
        permit = Permit(self.confirm, self.answered)
        try:
            yield permit
        finally:
            await self.release()  # answers what is still open

    async def __aenter__(self) -> SharedRateLimiter:
        await self.acquire()
        try:
            send = await self.confirm()
        except BaseException:
            await self.release()
            raise
        if send is not None:  # the local fallback's own record
            self._plain.setdefault(asyncio.current_task(), []).append(send)
        return self

    async def __aexit__(self, *exc: object) -> None:
        stack = self._plain.get(asyncio.current_task())
        if stack:
            send = stack.pop()
            if not stack:
                self._plain.pop(asyncio.current_task(), None)
            await self.answered(send)
        await self.release()

    async def aclose(self) -> None:
        """Wait for the pending writes (pause/update) to reach the database."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self._flush()

    # ------------------------------------------------------------------ internals

    def _push(self, permit: _Permit) -> None:
        self._held.setdefault(asyncio.current_task(), []).append(permit)

    def _top(self) -> _Permit | None:
        stack = self._held.get(asyncio.current_task())
        return stack[-1] if stack else None

    def _pop(self) -> _Permit | None:
        task = asyncio.current_task()
        stack = self._held.get(task)
        if not stack:
            return None
        permit = stack.pop()
        if not stack:
            del self._held[task]
        return permit

    async def _ensure(self, conn: AsyncConnection) -> None:
        if not self._ready:
            rate, concurrency = self._configured
            await conn.execute(_ENSURE, {"name": self.name, "rate": rate, "concurrency": concurrency})
            self._ready = True

    async def _take_slot(self, limit: int) -> tuple[AsyncConnection, int]:
        """Hold one of ``limit`` advisory locks on a connection of our own until the request ends."""
        wait = POLL_INITIAL_S
        while True:
            conn = await self._engine.connect()
            try:
                await self._ensure(conn)
                slot = (await conn.execute(_try_lock_sql(limit), {"key": self._key})).scalar()
            except BaseException:
                await conn.close()
                raise
            if slot is not None:
                return conn, int(slot)
            await conn.close()
            await asyncio.sleep(wait)
            wait = min(POLL_MAX_S, wait * 2)
            limit = self._concurrency or limit

    async def _release_slot(self, permit: _Permit) -> None:
        conn, slot = permit.conn, permit.slot
        permit.conn = None
        if conn is None:
            return
        try:
            if slot is not None and slot >= 0:
                await conn.execute(_UNLOCK, {"key": self._key, "slot": slot})
        except SQLAlchemyError:
            # Never hand a connection that may still hold the lock back to the pool.
            await conn.invalidate()
        finally:
            await conn.close()

    async def _wait_for_start(self, conn: AsyncConnection | None) -> None:
        local_pause = self._paused_until - time.monotonic()
        if local_pause > 0:  # our own 429 pause, even before its write reached the database
            await asyncio.sleep(local_pause)
        delay = await self._reserve(conn)
        if delay > 0:
            await asyncio.sleep(delay)

    async def _confirm(self, permit: _Permit | None) -> bool:
        """Record this start in the row's window if there is room (True), else set ``_last_wait`` to
        how long until there may be room (capped: places held by requests in flight free up when
        their answers come, not at a time the row knows)."""
        params = {"name": self.name, "window": self._window(), "in_flight": IN_FLIGHT_S}
        async with self._engine.connect() as conn:
            row = (await conn.execute(_CONFIRM, params)).first()
            if row is not None:
                self.confirmed += 1
                if permit is not None:
                    permit.started.append(str(row.marker))
                return True
            wait = (await conn.execute(_WINDOW_WAIT, params)).scalar()
        self._last_wait = min(IN_FLIGHT_POLL_S, max(0.001, float(wait))) if wait is not None else 0.001
        return False

    async def _reserve(self, conn: AsyncConnection | None) -> float:
        params = {"name": self.name, "window": self._window()}
        if conn is None:
            async with self._engine.connect() as own:
                await self._ensure(own)
                row = (await own.execute(_RESERVE, params)).one_or_none()
        else:
            row = (await conn.execute(_RESERVE, params)).one_or_none()
        if row is None:  # the row vanished (a test truncated the table): create it again
            self._ready = False
            return await self._reserve(conn)
        self.reservations += 1
        self._rate = float(row.rate)
        self._concurrency = row.concurrency
        return float(row.delay)

    def _window(self) -> float:
        """The window for ``floor(rate)`` starts at the rate last read from the row."""
        return window_limit(self._rate)[1]

    def _write(self, statement: Any, params: dict[str, Any]) -> None:
        """Queue a pause/update for the database; send it now if an event loop is running."""
        self._pending.append((statement, {"name": self.name, **params}))
        if self._fallback is not None:
            if "secs" in params:
                self._fallback.pause(params["secs"])
            else:
                self._fallback.update(params.get("rate"), params.get("concurrency"))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # sent before the next request instead
        task = loop.create_task(self._flush())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _flush(self) -> None:
        if not self._pending or self._degraded() is not None:
            return
        pending, self._pending = self._pending, []
        try:
            async with self._engine.connect() as conn:
                await self._ensure(conn)
                for statement, params in pending:
                    await conn.execute(statement, params)
        except SQLAlchemyError as exc:
            self._degrade(exc)

    def _degraded(self) -> RateLimiter | None:
        """The local limiter while the database is out, None once it is time to try it again."""
        if self._fallback is not None and time.monotonic() < self._fallback_until:
            return self._fallback
        return None

    def _degrade(self, exc: SQLAlchemyError) -> None:
        if self._degraded() is None:
            log.warning("shared limiter %s: database unavailable (%s: %s); pacing this process alone for %.0f s",
                        self.name, type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "", RECOVERY_S)
        if self._fallback is None:
            self._fallback = RateLimiter(self._rate, self._concurrency, name=self.name)
        self._fallback_until = time.monotonic() + RECOVERY_S
