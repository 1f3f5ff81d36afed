"""The shared limiter: in-flight cap, registry sharing, header adaptation (no timing assertions)."""

from __future__ import annotations

import asyncio

from auditor.config import Settings
from auditor.sources.http import HttpClient
from auditor.sources.ratelimit import RateLimiter, get_limiter, parse_interval


async def test_concurrency_cap_holds():
    limiter = RateLimiter(rate=100000.0, concurrency=2)
    in_flight = peak = 0

    async def job():
        nonlocal in_flight, peak
        async with limiter:
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.001)
            in_flight -= 1

    await asyncio.gather(*(job() for _ in range(20)))
    assert peak == 2


async def test_raising_concurrency_wakes_waiters():
    limiter = RateLimiter(rate=100000.0, concurrency=1)
    gate = asyncio.Event()
    entered = 0

    async def job():
        nonlocal entered
        async with limiter:
            entered += 1
            await gate.wait()

    tasks = [asyncio.create_task(job()) for _ in range(3)]
    await asyncio.sleep(0.01)
    assert entered == 1
    limiter.update(concurrency=3)
    await asyncio.sleep(0.01)
    assert entered == 3
    gate.set()
    await asyncio.gather(*tasks)


def test_limiters_are_shared_per_service_and_pool(monkeypatch):
    # The registry is process-wide on purpose; start from an empty one so limits adapted from
    # response headers by earlier tests (replayed cassettes) do not leak into these defaults.
    from auditor.sources import ratelimit

    monkeypatch.setattr(ratelimit, "_REGISTRY", {})
    assert get_limiter("pubmed", "ip", 3.0) is get_limiter("pubmed", "ip", 3.0)
    assert get_limiter("pubmed", "ip", 3.0) is not get_limiter("pubmed", "key", 10.0)
    one = HttpClient(Settings.load(environ={}, cache_mode="no-cache"))
    two = HttpClient(Settings.load(environ={}, cache_mode="no-cache"))
    assert one.limiters["pubmed"] is two.limiters["pubmed"]
    assert one.limiters["pubmed"].rate == 3.0
    assert one.limiters["crossref"].rate == 5.0 and one.limiters["crossref"].concurrency == 1


def test_polite_pool_and_api_key_defaults():
    http = HttpClient(Settings.load(environ={}, cache_mode="no-cache", email="a@b.org", ncbi_api_key="k"))
    assert http.limiters["pubmed"].rate == 10.0
    assert http.limiters["crossref"].rate == 10.0 and http.limiters["crossref"].concurrency == 3


def test_crossref_headers_adapt_the_limiter():
    limiter = RateLimiter(rate=10.0, concurrency=3)
    HttpClient._adapt_crossref(limiter, {"x-rate-limit-limit": "5", "x-rate-limit-interval": "1s",
                                         "x-concurrency-limit": "1"})
    assert (limiter.rate, limiter.concurrency) == (5.0, 1)
    HttpClient._adapt_crossref(limiter, {"x-rate-limit-limit": "50", "x-rate-limit-interval": "2s"})
    assert limiter.rate == 25.0 and limiter.concurrency == 1
    assert parse_interval("1s") == 1.0 and parse_interval("bogus") is None
