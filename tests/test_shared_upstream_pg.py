"""The PostgreSQL-shared cache and limiter: the contract of the per-process ones, shared by processes.

Two :class:`SharedUpstream` objects stand for two worker processes (each has its own engine and
connections); the database is the only thing they share.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import psycopg
import pytest
from sqlalchemy import event

from auditor.config import Settings
from auditor.sources import open_sources
from auditor.sources.upstream import sharing
from auditor.store import migrate, shared_cache
from auditor.store.engine import Database
from auditor.store.shared_cache import SharedResponseCache
from auditor.store.shared_limiter import lock_key
from auditor.store.shared_upstream import SharedUpstream, async_url, is_postgres
from tests.pgcluster import libpq_url
from tests.upstream_fake import Throttle, serve

DAY = 86400.0


@pytest.fixture
def shared_db(postgres_db: str) -> str:
    db = Database(postgres_db)
    migrate.upgrade(db)  # the tables come from the store's migrations, as in a deployment
    db.dispose()
    return postgres_db


@pytest.fixture
async def two(shared_db: str) -> AsyncIterator[tuple[SharedUpstream, SharedUpstream]]:
    settings = Settings.load(environ={}, cache_ttl_s=DAY, cache_negative_ttl_s=60)
    one, other = SharedUpstream(shared_db, settings), SharedUpstream(shared_db, settings)
    yield one, other
    await one.aclose()
    await other.aclose()


async def test_what_one_worker_cached_the_other_reads(two: tuple[SharedUpstream, SharedUpstream]) -> None:
    one, other = two
    await one.cache.aput("GET https://x/?q=1", 200, {"content-type": "text/plain"}, b"answer", False)
    hit = await other.cache.aget("GET https://x/?q=1")
    assert hit is not None and (hit.status, hit.body, hit.headers) == (200, b"answer", {"content-type": "text/plain"})
    assert await other.cache.aget("GET https://x/?q=2") is None
    assert len(other.cache) == 1
    # the synchronous ResponseCache interface reads the same rows
    sync_hit = other.cache.get("GET https://x/?q=1")
    assert sync_hit is not None and sync_hit.body == b"answer"


async def test_ttls_are_decided_on_read(two: tuple[SharedUpstream, SharedUpstream]) -> None:
    one, other = two
    await one.cache.aput("pos", 200, {}, b"p", False, now=1000.0)
    await one.cache.aput("neg", 404, {}, b"n", True, now=1000.0)
    assert await other.cache.aget("pos", now=1000.0 + DAY - 1) is not None
    assert await other.cache.aget("pos", now=1000.0 + DAY + 1) is None
    assert await other.cache.aget("neg", now=1000.0 + 59) is not None
    assert await other.cache.aget("neg", now=1000.0 + 61) is None
    shorter = SharedResponseCache(other.engine, ttl_s=10, negative_ttl_s=1)
    assert await shorter.aget("pos", now=1000.0 + 11) is None  # a changed TTL applies to stored rows
    await one.cache.aput("pos", 200, {}, b"p2", False)  # overwrite, stamped with the database clock
    fresh = await other.cache.aget("pos")
    assert fresh is not None and fresh.body == b"p2"


def _cache_selects(upstream: SharedUpstream) -> list[str]:
    """Every statement on ``upstream``'s engine that reads ``response_cache``, as it is sent."""
    sent: list[str] = []

    @event.listens_for(upstream.engine.sync_engine, "before_cursor_execute")
    def _seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "response_cache" in statement:
            sent.append(statement)

    return sent


async def test_concurrent_reads_share_one_select(two: tuple[SharedUpstream, SharedUpstream]) -> None:
    one, other = two
    for i in range(5):
        await one.cache.aput(f"k{i}", 200, {}, f"v{i}".encode(), False)
    selects = _cache_selects(other)
    keys = ["k0", "k1", "absent", "k2", "k3", "k4", "k0"]
    hits = await asyncio.gather(*(other.cache.aget(key) for key in keys))
    assert [hit.body if hit else None for hit in hits] == [b"v0", b"v1", None, b"v2", b"v3", b"v4", b"v0"]
    assert len(selects) == 1  # one round trip for the seven reads (a key asked twice is asked once)
    assert await other.cache.aget("k4", now=1e12) is None  # freshness is still each caller's own
    assert len(selects) == 2


async def test_reads_beyond_one_batch_take_more_selects(two: tuple[SharedUpstream, SharedUpstream],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    one, other = two
    for i in range(5):
        await one.cache.aput(f"k{i}", 200, {}, f"v{i}".encode(), False)
    monkeypatch.setattr(shared_cache, "READ_BATCH_KEYS", 2)
    monkeypatch.setattr(shared_cache, "READS_IN_FLIGHT", 1)
    selects = _cache_selects(other)
    hits = await asyncio.gather(*(other.cache.aget(f"k{i}") for i in range(5)))
    assert [hit.body for hit in hits if hit] == [b"v0", b"v1", b"v2", b"v3", b"v4"]
    assert len(selects) == 3


async def test_warm_shared_cache_sends_nothing(two: tuple[SharedUpstream, SharedUpstream]) -> None:
    one, other = two
    throttle = Throttle(rate=1000)
    async with serve(throttle) as base:
        settings = Settings.load(environ={}, entrez_url=base, crossref_url=base, ncbi_rps=1000.0)
        for worker in (one, other):
            with sharing(worker.upstream()):
                async with open_sources(settings) as sources:
                    outcome = await sources.http.fetch("pubmed", f"{base}esearch", [("term", "x")],
                                                       validate=lambda _r: False)
                    assert outcome.reply is not None and outcome.reply.body == b"ok"
        assert throttle.answered == 1  # the second "worker" answered from the first one's fetch
    assert len(one.cache) == 1


async def test_pause_and_update_reach_every_worker(two: tuple[SharedUpstream, SharedUpstream], shared_db: str) -> None:
    one, other = two
    mine, theirs = one.limiter("crossref", "public", 5.0, 1), other.limiter("crossref", "public", 5.0, 1)
    assert mine.name == theirs.name
    async with mine:
        pass
    mine.update(rate=2.0, concurrency=3)
    mine.pause(30.0)
    await mine.aclose()  # the writes have reached the database
    with psycopg.connect(libpq_url(shared_db)) as conn:
        row = conn.execute("SELECT rate, concurrency, extract(epoch FROM next_start - now()) FROM upstream_limits"
                           " WHERE name = %s", (mine.name,)).fetchone()
    assert row is not None and row[0] == 2.0 and row[1] == 3
    assert row[2] > 25  # every worker's next start now waits out the 429 pause
    # The other worker adopts the advertised limits on its next reservation.
    with psycopg.connect(libpq_url(shared_db), autocommit=True) as conn:
        conn.execute("UPDATE upstream_limits SET next_start = now() WHERE name = %s", (mine.name,))
    async with theirs:
        pass
    assert (theirs.rate, theirs.concurrency) == (2.0, 3)


async def test_an_answered_start_holds_its_place_from_the_answer(two: tuple[SharedUpstream, SharedUpstream],
                                                                   shared_db: str) -> None:
    # A server may count a request just before it answers (its loop was busy), so once the
    # answer is in, the shared entry must stand at the answer's time, not at the answer minus the
    # fastest round trip seen: a slow first round trip would otherwise free the place early.
    one, _ = two
    limiter = one.limiter("pubmed", "default", 3.0)
    async with limiter.deferred() as permit:
        await permit.confirm()
        await asyncio.sleep(0.4)
        await permit.answered()
        with psycopg.connect(libpq_url(shared_db)) as conn:
            row = conn.execute("SELECT recent, extract(epoch FROM clock_timestamp())::float8 FROM upstream_limits"
                               " WHERE name = %s", (limiter.name,)).fetchone()
    assert row is not None
    entries = [float(t) for t in row[0].split()]
    assert len(entries) == 1
    assert row[1] - 0.2 < entries[0] <= row[1]  # stamped at the answer, 0.4 s after the send


async def test_a_dead_holders_slot_is_freed_by_the_database(two: tuple[SharedUpstream, SharedUpstream],
                                                           shared_db: str) -> None:
    one, _ = two
    limiter = one.limiter("crossref", "public", 1000.0, 1)
    async with limiter:  # creates the row
        pass
    holder = psycopg.connect(libpq_url(shared_db), autocommit=True)  # another worker, mid-request
    holder.execute("SELECT pg_advisory_lock(%s, 0)", (lock_key(limiter.name),))

    async def enter() -> None:
        async with limiter:
            pass

    blocked = asyncio.create_task(enter())
    await asyncio.sleep(0.3)
    assert not blocked.done()  # the only slot is taken
    holder.close()  # the holder dies: its session ends and PostgreSQL frees the lock
    await asyncio.wait_for(blocked, 10)


async def test_unreachable_database_paces_locally_instead_of_failing(caplog: pytest.LogCaptureFixture) -> None:
    upstream = SharedUpstream("postgresql+psycopg://nobody@127.0.0.1:1/none", Settings.load(environ={}))
    limiter = upstream.limiter("pubmed", "ip", 1000.0, None)
    async with limiter:
        pass
    assert limiter.reservations == 0
    assert "pacing this process alone" in caplog.text
    assert await upstream.cache.aget("anything") is None
    await upstream.aclose()


def test_urls() -> None:
    assert is_postgres("postgresql+psycopg://u@h/db") and is_postgres("postgresql://u@h/db")
    assert not is_postgres("sqlite:///x.db") and not is_postgres("not a url")
    assert async_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
