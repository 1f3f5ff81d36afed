"""What the HTTP layer needs from a rate limiter and a response cache, and how to inject them.

By default every :class:`~auditor.sources.http.HttpClient` paces requests with the process-wide
limiters of :mod:`auditor.sources.ratelimit` and caches answers in the SQLite file of
:mod:`auditor.sources.cache`: the CLI and the embedded (SQLite) service. In PostgreSQL mode the
worker installs limiters and a cache shared through the database (:mod:`auditor.store.shared_limiter`,
:mod:`auditor.store.shared_cache`), so every worker on every machine draws on one budget per service
and reuses what any of them fetched. The audit path does not change: :func:`sharing` installs them
for everything opened inside it, and ``open_sources`` also takes them as arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from auditor.sources.cache import CachedResponse


@runtime_checkable
class Limiter(Protocol):
    """Paces request starts and caps requests in flight: ``async with limiter: send()``."""

    @property
    def rate(self) -> float: ...

    @property
    def concurrency(self) -> int | None: ...

    def update(self, rate: float | None = None, concurrency: int | None = None) -> None:
        """Adopt limits the server advertised."""

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` (after a 429)."""

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc: object) -> None: ...


LimiterFactory = Callable[[str, str, float, "int | None"], Limiter]
"""``factory(service, pool, rate, concurrency)``, the signature of ``ratelimit.get_limiter``."""


class AnswerCache(Protocol):
    """The interface of :class:`~auditor.sources.cache.ResponseCache`.

    A cache may also offer ``aget``/``aput`` coroutines with the same arguments; the HTTP layer
    prefers them, so a cache that lives behind a network connection never blocks the event loop.
    """

    def get(self, key: str, now: float | None = None) -> CachedResponse | None: ...

    def put(self, key: str, status: int, headers: Mapping[str, str], body: bytes, negative: bool,
            now: float | None = None) -> None: ...

    def __len__(self) -> int: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Upstream:
    """Limiter factory and cache to use instead of the per-process defaults (None keeps a default)."""

    limiter_factory: LimiterFactory | None = None
    cache: AnswerCache | None = None


_CURRENT: ContextVar[Upstream | None] = ContextVar("auditor_upstream", default=None)


def current() -> Upstream | None:
    """The :class:`Upstream` installed by the innermost :func:`sharing`, if any."""
    return _CURRENT.get()


@contextmanager
def sharing(upstream: Upstream) -> Iterator[Upstream]:
    """Use ``upstream`` for every ``open_sources``/``HttpClient`` created in this context.

    A context variable rather than a global: asyncio tasks started inside inherit it, and a test
    or a second worker in the same process can install a different one without leaking.
    """
    token = _CURRENT.set(upstream)
    try:
        yield upstream
    finally:
        _CURRENT.reset(token)
