"""The response cache shared by every worker, in PostgreSQL: what one resolved is free for all.

The same contract as :class:`auditor.sources.cache.ResponseCache` (raw answers keyed by the
normalised request, credentials kept out of the key, positive and negative TTLs decided on read so a
changed TTL applies to stored entries, ``get``/``put``/``len``/``close``) plus ``aget``/``aput``
coroutines that the HTTP layer prefers, so a worker's event loop never waits on the network for
the cache. ``fetched_at`` is the database's clock unless a caller passes ``now``, so workers whose
clocks disagree still agree on freshness. A failing database makes the cache miss (with a warning),
never fails the audit: the cache only saves requests.
"""

from __future__ import annotations

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
_COUNT = text("SELECT count(*) FROM response_cache")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class SharedResponseCache:
    """HTTP answers with positive and negative TTLs in the ``response_cache`` table."""

    def __init__(self, engine: AsyncEngine, ttl_s: float, negative_ttl_s: float,
                 sync_url: str | None = None) -> None:
        self.ttl_s = ttl_s
        self.negative_ttl_s = negative_ttl_s
        self._engine = engine
        self._sync_url = sync_url or engine.url.render_as_string(hide_password=False)
        self._sync: Engine | None = None
        self._failures = 0

    # ------------------------------------------------------------------ async (what workers use)

    async def aget(self, key: str, now: float | None = None) -> CachedResponse | None:
        """The stored answer if it is still fresh, else None."""
        try:
            async with self._engine.connect() as conn:
                row = (await conn.execute(_GET, {"key": _hash(key)})).one_or_none()
        except SQLAlchemyError as exc:
            self._warn(exc)
            return None
        return self._fresh(row, now)

    async def aput(self, key: str, status: int, headers: Mapping[str, str], body: bytes, negative: bool,
                   now: float | None = None) -> None:
        """Store (or overwrite) one answer. Callers only store answers they could parse."""
        try:
            async with self._engine.begin() as conn:
                await conn.execute(_PUT, self._params(key, status, headers, body, negative, now))
        except SQLAlchemyError as exc:
            self._warn(exc)

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

    def _warn(self, exc: SQLAlchemyError) -> None:
        self._failures += 1
        if self._failures == 1 or self._failures % 100 == 0:
            log.warning("shared cache: database error (%s, %d so far); answering from the network",
                        type(exc).__name__, self._failures)
