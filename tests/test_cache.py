"""The SQLite response cache, alone and behind the clients (replayed cassettes)."""

from __future__ import annotations

from auditor.sources import open_sources
from auditor.sources.cache import ResponseCache, request_key
from auditor.sources.replay import replay_settings


def test_key_ignores_credentials_and_param_order():
    a = request_key("GET", "https://api.crossref.org/works", [("rows", "2"), ("mailto", "a@b.c"), ("q", "x")])
    b = request_key("get", "https://API.crossref.org/works?q=x", [("rows", "2")])
    assert a == b
    assert "a@b.c" not in a
    post = request_key("POST", "https://e/efetch.fcgi", [], [("id", "1"), ("api_key", "SECRET"), ("tool", "t")])
    assert "SECRET" not in post
    assert post != request_key("GET", "https://e/efetch.fcgi", [("id", "1")])
    assert post != request_key("POST", "https://e/efetch.fcgi", [], [("id", "2")])


def test_positive_and_negative_ttl(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite3", ttl_s=100, negative_ttl_s=10)
    cache.put("pos", 200, {"content-type": "x"}, b"body", negative=False, now=1000)
    cache.put("neg", 404, {}, b"Resource not found.", negative=True, now=1000)
    assert cache.get("pos", now=1050).body == b"body"
    assert cache.get("neg", now=1005).status == 404
    assert cache.get("neg", now=1011) is None
    assert cache.get("pos", now=1101) is None
    assert cache.get("missing") is None
    cache.close()


def test_shared_file_between_connections(tmp_path):
    one = ResponseCache(tmp_path / "c.sqlite3", 100, 10)
    two = ResponseCache(tmp_path / "c.sqlite3", 100, 10)
    one.put("k", 200, {}, b"x", negative=False)
    assert two.get("k").body == b"x"
    assert one._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    one.close()
    two.close()


async def test_warm_cache_sends_nothing(sources_vcr, tmp_path):
    settings = replay_settings(cache_mode="use", cache_dir=str(tmp_path))
    with sources_vcr.use_cassette("crossref_work_single.yaml"):  # one recorded answer, no repeats
        async with open_sources(settings) as sources:
            cold = await sources.crossref.work("10.1126/science.1098641")
            warm = await sources.crossref.work("10.1126/science.1098641")
            counters = sources.counters()["crossref"]
    assert cold.requests == 1 and warm.requests == 0
    assert warm.value == cold.value
    assert counters.requests == 1 and counters.cache_hits == 1


async def test_offline_mode_answers_from_cache_or_reports_unavailable(sources_vcr, tmp_path):
    with sources_vcr.use_cassette("crossref_work_404.yaml"):
        async with open_sources(replay_settings(cache_mode="use", cache_dir=str(tmp_path))) as (_, crossref):
            assert (await crossref.work("10.5555/not-a-real-doi")).ok
    async with open_sources(replay_settings(cache_mode="offline", cache_dir=str(tmp_path))) as (_, crossref):
        cached = await crossref.work("10.5555/not-a-real-doi")
        missing = await crossref.work("10.5555/never-asked")
    assert cached.ok and cached.value is None and cached.requests == 0
    assert not missing.ok and missing.error == "offline: not in cache"


async def test_failures_are_never_cached(sources_vcr, tmp_path):
    with sources_vcr.use_cassette("http_503_exhausted.yaml"):
        async with open_sources(replay_settings(cache_mode="use", cache_dir=str(tmp_path))) as sources:
            assert not (await sources.entrez.efetch(["15166317"])).ok
            assert not (await sources.crossref.work("10.1126/science.1098641")).ok
    cache = ResponseCache(tmp_path / "responses.sqlite3", 100, 100)
    assert len(cache) == 0
    cache.close()


async def test_refresh_fetches_again_and_no_cache_writes_nothing(sources_vcr, tmp_path):
    with sources_vcr.use_cassette("crossref_work_single.yaml", allow_playback_repeats=True) as cassette:
        async with open_sources(replay_settings(cache_mode="use", cache_dir=str(tmp_path))) as (_, crossref):
            await crossref.work("10.1126/science.1098641")
        async with open_sources(replay_settings(cache_mode="refresh", cache_dir=str(tmp_path))) as (_, crossref):
            refreshed = await crossref.work("10.1126/science.1098641")
        assert refreshed.requests == 1 and cassette.play_count == 2
    nocache_dir = tmp_path / "none"
    with sources_vcr.use_cassette("crossref_work_single.yaml"):
        async with open_sources(replay_settings(cache_mode="no-cache", cache_dir=str(nocache_dir))) as (_, cr):
            await cr.work("10.1126/science.1098641")
    assert not nocache_dir.exists()


async def test_concurrent_identical_questions_share_one_request(sources_vcr):
    import asyncio

    with sources_vcr.use_cassette("crossref_work_single.yaml"):  # holds exactly one answer
        async with open_sources(replay_settings()) as sources:
            a, b = await asyncio.gather(sources.crossref.work("10.1126/science.1098641"),
                                        sources.crossref.work("10.1126/science.1098641"))
            counters = sources.counters()["crossref"]
    assert a.ok and b.ok and a.value == b.value
    assert sorted((a.requests, b.requests)) == [0, 1]
    assert counters.requests == 1
