"""HttpClient takes a limiter factory and a cache from outside (PostgreSQL workers); defaults unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from auditor.config import Settings
from auditor.sources import open_sources
from auditor.sources.cache import CachedResponse, ResponseCache
from auditor.sources.http import HttpClient
from auditor.sources.ratelimit import RateLimiter, get_limiter
from auditor.sources.upstream import Upstream, sharing
from tests.upstream_fake import Throttle, serve


class MemoryCache:
    """An async-capable cache, the shape of the PostgreSQL one."""

    def __init__(self) -> None:
        self.rows: dict[str, CachedResponse] = {}
        self.closed = False
        self.async_calls = 0

    async def aget(self, key: str, now: float | None = None) -> CachedResponse | None:
        self.async_calls += 1
        return self.rows.get(key)

    async def aput(self, key: str, status: int, headers: Mapping[str, str], body: bytes, negative: bool,
                   now: float | None = None) -> None:
        self.async_calls += 1
        self.rows[key] = CachedResponse(status, dict(headers), body, 0.0, negative)

    def get(self, key: str, now: float | None = None) -> CachedResponse | None:
        raise AssertionError("the async interface should be preferred")

    def put(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("the async interface should be preferred")

    def __len__(self) -> int:
        return len(self.rows)

    def close(self) -> None:
        self.closed = True


async def test_injected_cache_and_limiters_are_used_and_the_cache_is_not_closed() -> None:
    asked: list[tuple[str, str, float, int | None]] = []

    def factory(service: str, pool: str, rate: float, concurrency: int | None) -> RateLimiter:
        asked.append((service, pool, rate, concurrency))
        return RateLimiter(1000.0, concurrency)

    cache = MemoryCache()
    throttle = Throttle(rate=1000)
    async with serve(throttle) as base:
        settings = Settings.load(environ={}, entrez_url=base, crossref_url=base, ncbi_api_key="secret-key")
        for _ in range(2):
            async with open_sources(settings, cache=cache, limiter_factory=factory) as sources:
                outcome = await sources.http.fetch("pubmed", f"{base}einfo", [("db", "pubmed")],
                                                   validate=lambda _r: False)
                assert outcome.reply is not None
    assert throttle.answered == 1 and len(cache) == 1 and cache.async_calls == 3
    assert not cache.closed
    services = {a[0] for a in asked}
    assert services == {"pubmed", "crossref"}
    pubmed_pool = next(a[1] for a in asked if a[0] == "pubmed")
    assert pubmed_pool.startswith("key:") and "secret" not in pubmed_pool


def test_sharing_installs_defaults_for_clients_opened_inside(tmp_path) -> None:
    cache = MemoryCache()
    settings = Settings.load(environ={}, cache_dir=str(tmp_path))
    with sharing(Upstream(cache=cache)):
        inside = HttpClient(settings)
    outside = HttpClient(settings)
    assert inside.cache is cache
    assert isinstance(outside.cache, ResponseCache)
    assert outside.limiters["pubmed"] is get_limiter("pubmed", "ip", 3.0)
    outside.cache.close()


async def test_the_limit_ncbi_advertises_replaces_the_assumed_one() -> None:
    # An API key makes us assume 10/s; this server applies 2/s and says so in X-RateLimit-Limit.
    # Following the header, six requests draw no 429; sent at 10/s, four would be refused.
    throttle = Throttle(rate=2, advertise=True)
    async with serve(throttle) as base:
        settings = Settings.load(environ={}, entrez_url=base, crossref_url=base, ncbi_api_key="k",
                                 cache_mode="no-cache")
        limiters = {"pubmed": RateLimiter(10.0)}
        async with open_sources(settings, limiter_factory=lambda s, p, r, c: limiters.get(s) or RateLimiter(r, c)
                                ) as sources:
            await asyncio.gather(*(sources.http.fetch("pubmed", f"{base}esearch", [("term", str(i))],
                                                      validate=lambda _r: True) for i in range(6)))
    assert limiters["pubmed"].rate == 2.0
    assert throttle.answered == 6 and throttle.rejected == 0
