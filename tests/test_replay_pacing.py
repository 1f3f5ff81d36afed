"""A replayed transport is not paced like live traffic: no limiter waits, no retry sleeps.

Counted, never timed: the limiter's entries and every ``asyncio.sleep`` with a positive delay.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from auditor.config import Settings
from auditor.sources import build_term, open_sources
from auditor.sources.ratelimit import RateLimiter

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    counts = {"limiter": 0, "sleeps": 0}
    real_acquire, real_sleep = RateLimiter.acquire, asyncio.sleep

    async def counting_acquire(self: RateLimiter) -> None:
        counts["limiter"] += 1
        await real_acquire(self)

    async def counting_sleep(delay: float, *args: Any, **kwargs: Any) -> Any:
        if delay > 0:
            counts["sleeps"] += 1
        return await real_sleep(delay, *args, **kwargs)

    monkeypatch.setattr(RateLimiter, "acquire", counting_acquire)
    monkeypatch.setattr(asyncio, "sleep", counting_sleep)
    return counts


def test_replayed_seed_run_never_waits_on_a_limiter_or_sleeps(waits: dict[str, int]) -> None:
    seed = next((ROOT / "seeds").glob("000_*.txt"))
    code = main(["check", str(seed), "--replay", str(ROOT / "cassettes" / "seeds" / "000.yaml"), "--no-progress"])
    assert code == 1
    assert waits == {"limiter": 0, "sleeps": 0}


async def test_a_replayed_429_is_retried_without_sleeping(sources_vcr: Any, waits: dict[str, int]) -> None:
    # Live defaults (3 requests/s, 1 s initial backoff): only paced=False keeps this from waiting.
    settings = Settings.load(environ={}, cache_mode="no-cache")
    with sources_vcr.use_cassette("http_429_then_success.yaml"):
        async with open_sources(settings, paced=False) as sources:
            await sources.entrez.esearch(build_term(first_author="Raser JM", journal="Science", year=2004))
            second = await sources.entrez.esearch(build_term(author="Moscicki A", journal="J Infect Dis",
                                                             year=2004))
            counters = sources.counters()
    assert second.ok and second.requests == 2
    assert counters["pubmed"].rate_limited == 1 and counters["pubmed"].retries == 1
    assert waits == {"limiter": 0, "sleeps": 0}


async def test_live_transport_is_still_paced(sources_vcr: Any, waits: dict[str, int]) -> None:
    settings = Settings.load(environ={}, cache_mode="no-cache", ncbi_rps=1000.0, retry_wait_initial_s=0.001,
                             retry_wait_max_s=0.002)
    with sources_vcr.use_cassette("http_429_then_success.yaml"):
        async with open_sources(settings) as sources:
            await sources.entrez.esearch(build_term(first_author="Raser JM", journal="Science", year=2004))
            await sources.entrez.esearch(build_term(author="Moscicki A", journal="J Infect Dis", year=2004))
    assert waits["limiter"] == 3  # every send, the retried one included, goes through the limiter
    assert waits["sleeps"] >= 1  # the retry after the 429 backs off
