"""CrossrefClient replayed from cassettes/sources."""

from __future__ import annotations

from auditor.sources import open_sources
from auditor.sources.replay import replay_settings


async def test_doi_batch_matches_by_lower_case_doi(sources_vcr):
    dois = ["10.1126/science.1098641", "10.1086/421467", "10.5555/EMULATOR.RETRACTED",
            "10.5555/emulator.retraction-notice", "10.5555/does-not-exist"]
    with sources_vcr.use_cassette("crossref_dois_batch.yaml") as cassette:
        async with open_sources(replay_settings()) as (_, crossref):
            result = await crossref.works_by_dois(dois)
    assert "rows=5" in cassette.requests[0].uri
    assert result.ok and result.requests == 1
    assert set(result.value) == {"10.1126/science.1098641", "10.1086/421467", "10.5555/emulator.retracted",
                                 "10.5555/emulator.retraction-notice"}
    retracted = result.value["10.5555/emulator.retracted"]
    assert [(u.kind, u.doi, u.source) for u in retracted.updates] == [
        ("retraction", "10.5555/emulator.retraction-notice", "publisher")]
    assert result.value["10.5555/emulator.retraction-notice"].is_notice


async def test_single_work_percent_encodes_doi(sources_vcr):
    with sources_vcr.use_cassette("crossref_work_single.yaml") as cassette:
        async with open_sources(replay_settings()) as (_, crossref):
            result = await crossref.work("https://doi.org/10.1126/SCIENCE.1098641")
    assert cassette.requests[0].uri.endswith("/works/10.1126%2Fscience.1098641")
    assert result.ok and result.value is not None
    assert result.value.title == "Control of stochasticity in eukaryotic gene expression"
    assert result.value.year == 2004 and result.value.volume == "304"


async def test_404_is_a_fact_not_a_failure(sources_vcr):
    with sources_vcr.use_cassette("crossref_work_404.yaml"):
        async with open_sources(replay_settings()) as sources:
            result = await sources.crossref.work("10.5555/not-a-real-doi")
            counters = sources.counters()["crossref"]
    assert result.ok and result.value is None and result.requests == 1
    assert counters.failures == 0 and counters.retries == 0


async def test_bibliographic_search_returns_scored_candidates(sources_vcr):
    text = ("Raser JM, O'Shea EK. Control of stochasticity in eukaryotic gene expression. "
            "Science. 2004;304(5678):1811-4.")
    with sources_vcr.use_cassette("crossref_search_bibliographic.yaml") as cassette:
        async with open_sources(replay_settings()) as (_, crossref):
            result = await crossref.search_bibliographic(text, rows=3)
    uri = cassette.requests[0].uri
    assert "rows=3" in uri and "select=" in uri and "score" in uri
    assert result.ok and len(result.value) == 3
    assert result.value[0].doi == "10.1126/science.1098641"
    scores = [r.score for r in result.value]
    assert all(s is not None for s in scores) and scores == sorted(scores, reverse=True)


async def test_doi_with_comma_is_asked_alone(monkeypatch):
    from auditor.model import Record, SourceResult
    from auditor.sources.crossref import CrossrefClient
    from auditor.sources.http import HttpClient

    client = CrossrefClient(HttpClient(replay_settings()))
    asked: list[str] = []

    async def fake_work(doi: str) -> SourceResult[Record | None]:
        asked.append(doi)
        return SourceResult("crossref", value=Record(source="crossref", doi=doi), requests=1)

    monkeypatch.setattr(client, "work", fake_work)
    result = await client.works_by_dois(["10.1000/A,B"])
    assert asked == ["10.1000/a,b"]
    assert result.ok and set(result.value) == {"10.1000/a,b"} and result.requests == 1
