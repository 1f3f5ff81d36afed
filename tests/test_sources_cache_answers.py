"""What the clients cache and how a cached answer is read back.

An answer is stored negative (short-lived) when any key asked for is missing from it, a stored body
today's parser rejects is a cache miss rather than a crash, and a cache that fails mid-run stays off.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from aiohttp import web

from auditor.sources import open_sources
from auditor.sources.base import CitMatchQuery
from auditor.sources.cache import ResponseCache
from auditor.sources.replay import replay_settings
from tests.test_http_hostile_servers import _settings, serve  # noqa: F401  (the fixture)

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
TWO_RECORDS = (FIXTURES / "efetch_pubmed_xml_two_records.xml").read_bytes()  # PMIDs 11748933, 11700088


def _negatives(cache_dir: Path) -> list[int]:
    with sqlite3.connect(cache_dir / "responses.sqlite3") as db:
        return [row[0] for row in db.execute("SELECT negative FROM responses")]


async def test_a_batch_answer_missing_one_asked_key_is_cached_as_negative(serve, tmp_path) -> None:  # noqa: F811
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=TWO_RECORDS, content_type="text/xml")

    base = await serve(handler)
    async with open_sources(_settings(base, cache_mode="use", cache_dir=str(tmp_path))) as (entrez, _):
        complete = await entrez.efetch(["11748933", "11700088"])
        partial = await entrez.efetch(["11748933", "11700088", "99999999"])
    assert complete.ok and partial.ok and "99999999" not in (partial.value or {})
    assert sorted(_negatives(tmp_path)) == [0, 1]  # only the answer lacking 99999999 expires early


async def test_an_ecitmatch_answer_without_a_lines_own_key_is_unavailable(serve) -> None:  # noqa: F811
    async def handler(request: web.Request) -> web.Response:
        # As many lines as asked, but the second comes back under a key that was never sent.
        return web.Response(text="j|2020|1|1||q0|123\nk|2020|2|2||zz|NOT_FOUND\n")

    base = await serve(handler)
    queries = [CitMatchQuery(key="a", journal="j", year="2020", volume="1", first_page="1"),
               CitMatchQuery(key="b", journal="k", year="2020", volume="2", first_page="2")]
    async with open_sources(_settings(base)) as (entrez, _):
        result = await entrez.ecitmatch(queries)
    assert not result.ok and result.value is None and "did not answer 1 of 2" in (result.error or "")


async def test_a_cached_body_the_parser_now_rejects_is_a_miss_not_a_crash(sources_vcr, tmp_path) -> None:
    with sources_vcr.use_cassette("crossref_work_single.yaml"):
        async with open_sources(replay_settings(cache_mode="use", cache_dir=str(tmp_path))) as (_, crossref):
            assert (await crossref.work("10.1126/science.1098641")).ok
    with sqlite3.connect(tmp_path / "responses.sqlite3") as db:
        db.execute("UPDATE responses SET body = ?", (b"<html>Service Unavailable</html>",))
    async with open_sources(replay_settings(cache_mode="offline", cache_dir=str(tmp_path))) as sources:
        again = await sources.crossref.work("10.1126/science.1098641")
        hits = sources.counters()["crossref"].cache_hits
    assert not again.ok and again.error == "offline: not in cache" and hits == 0


def test_a_cache_that_fails_mid_run_is_not_touched_again(tmp_path, capsys) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite3", 100, 10)
    db = cache._db
    db.close()  # every statement now raises sqlite3.ProgrammingError
    assert cache.get("k") is None
    calls: list[str] = []

    class Tripwire:
        def execute(self, *args: object) -> None:
            calls.append("execute")
            raise AssertionError("the disabled cache was used again")

    cache._db = Tripwire()  # type: ignore[assignment]
    cache.put("k", 200, {}, b"x", negative=False)
    assert cache.get("k") is None and calls == []
    assert capsys.readouterr().err.count("disabled for this run") == 1


async def test_an_answer_is_parsed_once_whether_fresh_or_cached(serve, tmp_path, monkeypatch) -> None:  # noqa: F811
    """The validator and the client share one parse of each answer (it was parsed twice)."""
    from auditor.sources import entrez as entrez_module

    parsed: list[int] = []
    real = entrez_module.parse_efetch

    def counting(body: bytes | str) -> dict[str, object]:
        parsed.append(len(body))
        return real(body)  # type: ignore[return-value]

    monkeypatch.setattr(entrez_module, "parse_efetch", counting)

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=TWO_RECORDS, content_type="text/xml")

    base = await serve(handler)
    settings = _settings(base, cache_mode="use", cache_dir=str(tmp_path))
    for _run in ("fresh", "cached"):
        async with open_sources(settings) as (entrez, _):
            result = await entrez.efetch(["11748933", "11700088"])
        assert result.ok and sorted(result.value or {}) == ["11700088", "11748933"]
    assert len(parsed) == 2  # once per request: the network answer, then the cached one
