"""One object per worker process that hands the HTTP layer its PostgreSQL-shared limiter and cache.

Usage (what ``auditor worker`` does)::

    shared = SharedUpstream(database_url, settings)
    with sharing(shared.upstream()):        # every open_sources() inside uses them
        ...run jobs...
    await shared.aclose()

It owns one small async engine (created lazily inside the running event loop, as async
connections belong to one loop) and one :class:`SharedRateLimiter` per budget, so every job in the
process draws on the same rows.
"""

from __future__ import annotations

from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from auditor.config import Settings
from auditor.sources.upstream import Upstream
from auditor.store.shared_cache import SharedResponseCache
from auditor.store.shared_limiter import SharedRateLimiter

APPLICATION_NAME = "auditor-upstream"
"""``application_name`` of the limiter/cache connections (see :data:`auditor.store.engine.APPLICATION_NAME`)."""


def is_postgres(url: str) -> bool:
    """True for ``postgresql://`` and ``postgresql+driver://`` URLs."""
    try:
        return make_url(url).get_backend_name() == "postgresql"
    except Exception:  # noqa: BLE001 - anything unparsable is simply not a PostgreSQL URL
        return False


def async_url(url: str) -> str:
    """``url`` with the psycopg 3 driver (plain ``postgresql://`` would pick psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class SharedUpstream:
    """The PostgreSQL-shared limiter factory and response cache for one process."""

    def __init__(self, database_url: str, settings: Settings, pool_size: int = 10) -> None:
        self.url = async_url(database_url)
        self.settings = settings
        self._pool_size = pool_size
        self._engine: AsyncEngine | None = None
        self._limiters: dict[str, SharedRateLimiter] = {}
        self._cache: SharedResponseCache | None = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            self._engine = create_async_engine(self.url, pool_size=self._pool_size, max_overflow=self._pool_size,
                                               pool_pre_ping=True, connect_args={"application_name": APPLICATION_NAME})
        return self._engine

    def limiter(self, service: str, pool: str, rate: float, concurrency: int | None = None) -> SharedRateLimiter:
        """The shared limiter for this budget (the signature of ``ratelimit.get_limiter``)."""
        name = f"{service}:{pool}:{rate:g}:{concurrency if concurrency is not None else '-'}"
        limiter = self._limiters.get(name)
        if limiter is None:
            limiter = self._limiters[name] = SharedRateLimiter(self.engine, name, rate, concurrency)
        return limiter

    @property
    def cache(self) -> SharedResponseCache:
        if self._cache is None:
            self._cache = SharedResponseCache(self.engine, self.settings.cache_ttl_s,
                                              self.settings.cache_negative_ttl_s, sync_url=self.url)
        return self._cache

    def upstream(self) -> Upstream:
        """What to install with :func:`auditor.sources.upstream.sharing` (the cache unless ``no-cache``)."""
        cache = self.cache if self.settings.cache_mode != "no-cache" else None
        return Upstream(limiter_factory=self.limiter, cache=cache)

    async def aclose(self) -> None:
        for limiter in self._limiters.values():
            await limiter.aclose()
        if self._cache is not None:
            self._cache.close()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
