"""The response cache shared by every worker, in PostgreSQL: what one resolved is free for all.

The same contract as :class:`auditor.sources.cache.ResponseCache` (raw answers keyed by the
normalised request, credentials kept out of the key, positive and negative TTLs decided on read so a
changed TTL applies to stored entries, ``get``/``put``/``len``/``close``) plus ``aget``/``aput``
coroutines that the HTTP layer prefers, so a worker's event loop never waits on the network for
the cache. ``fetched_at`` is the database's clock unless a caller passes ``now``, so workers whose
clocks disagree still agree on freshness. A failing database makes the cache miss (with a warning),
never fails the audit: the cache only saves requests.

Reads are batched: the ``aget`` calls of one event loop that arrive while a read is being set up
or is in flight share one ``SELECT ... WHERE key = ANY(...)`` (:class:`_ReadBatch`). A warm
re-run of 50 documents on ``auditor serve --workers 4`` made some 1,000 reads, each its own
checkout, BEGIN, SELECT and ROLLBACK, and that loop work (1.8 ms of CPU per read) was a good part
of what bounded the run. Reads and writes are single statements in autocommit: one statement
reads one consistent snapshot, and an upsert is atomic on its own, so BEGIN/COMMIT bought nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from auditor.sources.cache import CachedResponse

log = logging.getLogger(__name__)

_NOW = "extract(epoch FROM clock_timestamp())::float8"
_GET = text(f"SELECT status, headers, body, fetched_at, negative, {_NOW} AS db_now"
            " FROM response_cache WHERE key = :key")
_PUT = text(
    "INSERT INTO response_cache (key, request, status, headers, body, fetched_at, negative)"
    f" VALUES (:key, :request, :status, :headers, :body, coalesce(:now, {_NOW}), :negative)"
    " ON CONFLICT (key) DO UPDATE SET request = excluded.request, status = excluded.status,"
    " headers = excluded.headers, body = excluded.body, fetched_at = excluded.fetched_at,"
    " negative = excluded.negative"
)
_GET_MANY = text(f"SELECT key, status, headers, body, fetched_at, negative, {_NOW} AS db_now"
                 " FROM response_cache WHERE key = ANY(:keys)")
_COUNT = text("SELECT count(*) FROM response_cache")

READ_BATCH_KEYS = 200
"""At most this many keys per SELECT (a warm answer body is some kilobytes; efetch batches more)."""
READS_IN_FLIGHT = 4
"""At most this many batched SELECTs at once per process; what arrives meanwhile waits for the next."""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class _ReadBatch:
    """Coalesces one event loop's concurrent cache reads into ``SELECT ... WHERE key = ANY(...)``.

    A read registers its key and waits. The first read of a quiet moment schedules a flush with
    ``call_soon``, so every read made before the loop gets back to it (the other jobs' coroutines
    that were ready in the same turn) joins the same SELECT; while :data:`READS_IN_FLIGHT` are out,
    new reads gather for the next one. A key asked twice is fetched once. A failing SELECT makes
    its reads miss, as a failing single read did.
    """

    def __init__(self, cache: SharedResponseCache) -> None:
        self._cache = cache
        self._loop = asyncio.get_running_loop()
        self._pending: dict[str, list[asyncio.Future[Any]]] = {}
        self._scheduled = False
        self._in_flight: set[asyncio.Task[None]] = set()

    def read(self, hashed: str) -> asyncio.Future[Any]:
        """A future for the row stored under ``hashed`` (None when there is none)."""
        future: asyncio.Future[Any] = self._loop.create_future()
        self._pending.setdefault(hashed, []).append(future)
        self._kick()
        return future

    def _kick(self) -> None:
        if self._pending and not self._scheduled and len(self._in_flight) < READS_IN_FLIGHT:
            self._scheduled = True
            self._loop.call_soon(self._start)

    def _start(self) -> None:
        self._scheduled = False
        if not self._pending or len(self._in_flight) >= READS_IN_FLIGHT:
            return
        keys = list(self._pending)[:READ_BATCH_KEYS]
        batch = {key: self._pending.pop(key) for key in keys}
        task = self._loop.create_task(self._flush(batch), name="auditor-cache-read")
        self._in_flight.add(task)
        task.add_done_callback(self._done)
        self._kick()  # more than one batch waiting: the next SELECT goes out beside this one

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._kick()

    async def _flush(self, batch: dict[str, list[asyncio.Future[Any]]]) -> None:
        rows: dict[str, Any] = {}
        try:
            rows = {row.key: row for row in await self._cache._select(list(batch))}
        except asyncio.CancelledError:
            for futures in batch.values():
                for future in futures:
                    future.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - the cache only saves requests: any failure is a miss
            self._cache._warn(exc)
        for key, futures in batch.items():
            for future in futures:
                if not future.done():
                    future.set_result(rows.get(key))


class SharedResponseCache:
    """HTTP answers with positive and negative TTLs in the ``response_cache`` table."""

    def __init__(self, engine: AsyncEngine, ttl_s: float, negative_ttl_s: float,
                 sync_url: str | None = None) -> None:
        self.ttl_s = ttl_s
        self.negative_ttl_s = negative_ttl_s
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._sync_url = sync_url or engine.url.render_as_string(hide_password=False)
        self._sync: Engine | None = None
        self._failures = 0
        self._batch: _ReadBatch | None = None

    # ------------------------------------------------------------------ async (what workers use)

    async def aget(self, key: str, now: float | None = None) -> CachedResponse | None:
        """The stored answer if it is still fresh, else None (read together with concurrent reads)."""
        batch = self._batch
        if batch is None or batch._loop is not asyncio.get_running_loop():
            batch = self._batch = _ReadBatch(self)
        return self._fresh(await batch.read(_hash(key)), now)

    async def aput(self, key: str, status: int, headers: Mapping[str, str], body: bytes, negative: bool,
                   now: float | None = None) -> None:
        """Store (or overwrite) one answer. Callers only store answers they could parse."""
        try:
            async with self._engine.connect() as conn:
                await conn.execute(_PUT, self._params(key, status, headers, body, negative, now))
        except SQLAlchemyError as exc:
            self._warn(exc)

    async def _select(self, hashed: list[str]) -> list[Any]:
        """The stored rows of these (hashed) keys, in one statement."""
        async with self._engine.connect() as conn:
            return list((await conn.execute(_GET_MANY, {"keys": hashed})).all())

    # ------------------------------------------------------------------ ResponseCache's sync interface

    def get(self, key: str, now: float | None = None) -> CachedResponse | None:
        try:
            with self._sync_engine().connect() as conn:
                row = conn.execute(_GET, {"key": _hash(key)}).one_or_none()
        except SQLAlchemyError as exc:
            self._warn(exc)
            return None
        return self._fresh(row, now)

    def put(self, key: str, status: int, headers: Mapping[str, str], body: bytes, negative: bool,
            now: float | None = None) -> None:
        try:
            with self._sync_engine().begin() as conn:
                conn.execute(_PUT, self._params(key, status, headers, body, negative, now))
        except SQLAlchemyError as exc:
            self._warn(exc)

    def __len__(self) -> int:
        with self._sync_engine().connect() as conn:
            return int(conn.execute(_COUNT).scalar_one())

    def close(self) -> None:
        """Release the synchronous connections; the async engine belongs to its owner."""
        if self._sync is not None:
            self._sync.dispose()
            self._sync = None

    # ------------------------------------------------------------------ internals

    def _sync_engine(self) -> Engine:
        if self._sync is None:
            self._sync = create_engine(self._sync_url, pool_size=2, max_overflow=2, pool_pre_ping=True,
                                       connect_args={"application_name": "auditor-upstream"})  # as SharedUpstream's
        return self._sync

    def _fresh(self, row: Any, now: float | None) -> CachedResponse | None:
        if row is None:
            return None
        ttl = self.negative_ttl_s if row.negative else self.ttl_s
        if (now if now is not None else float(row.db_now)) - float(row.fetched_at) > ttl:
            return None
        return CachedResponse(int(row.status), json.loads(row.headers), bytes(row.body), float(row.fetched_at),
                              bool(row.negative))

    @staticmethod
    def _params(key: str, status: int, headers: Mapping[str, str], body: bytes, negative: bool,
                now: float | None) -> dict[str, Any]:
        return {"key": _hash(key), "request": key, "status": status, "headers": json.dumps(dict(headers)),
                "body": bytes(body), "now": now, "negative": bool(negative)}

    def _warn(self, exc: Exception) -> None:
        self._failures += 1
        if self._failures == 1 or self._failures % 100 == 0:
            log.warning("shared cache: database error (%s, %d so far); answering from the network",
                        type(exc).__name__, self._failures)
