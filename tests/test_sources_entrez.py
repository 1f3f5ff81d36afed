"""EntrezClient replayed from cassettes/sources (record_mode none: an unexpected request fails)."""

from __future__ import annotations

import pytest

from auditor.sources import build_term, open_sources
from auditor.sources.base import CitMatchQuery
from auditor.sources.replay import replay_settings


async def test_ecitmatch_hit_one_request_for_all(sources_vcr):
    queries = [
        CitMatchQuery("raser2004", "Science", "2004", "304", "1811", "raser jm"),
        CitMatchQuery("moscicki2004", "J Infect Dis", "2004", "190", "37", "moscicki a"),
        CitMatchQuery("wrong-author", "Nature", "2004", "429", "827", "smith x"),
    ]
    with sources_vcr.use_cassette("entrez_ecitmatch_hit.yaml") as cassette:
        async with open_sources(replay_settings()) as (entrez, _):
            result = await entrez.ecitmatch(queries)
    assert cassette.all_played
    assert result.ok and result.requests == 1
    assert {k: (o.status, o.pmid) for k, o in result.value.items()} == {
        "raser2004": ("found", "15166317"),
        "moscicki2004": ("found", "15195241"),
        "wrong-author": ("found", "15215854"),
    }


async def test_ecitmatch_miss_and_ambiguous(sources_vcr):
    with sources_vcr.use_cassette("entrez_ecitmatch_miss.yaml"):
        async with open_sources(replay_settings()) as (entrez, _):
            result = await entrez.ecitmatch([
                CitMatchQuery("bad-page", "Science", "2004", "304", "9999", "raser jm"),
                CitMatchQuery("two-on-a-page", "J Emul Tests", "2022", "3", "100", ""),
            ])
    assert result.ok
    assert result.value["bad-page"].status == "not_found"
    assert result.value["two-on-a-page"].status == "ambiguous"
    assert all(o.pmid is None for o in result.value.values())


async def test_ecitmatch_invalid_journal(sources_vcr):
    with sources_vcr.use_cassette("entrez_ecitmatch_invalid_journal.yaml"):
        async with open_sources(replay_settings()) as (entrez, _):
            result = await entrez.ecitmatch([
                CitMatchQuery("fake", "Journal of Imaginary Results", "2010", "5", "100", "nobody a")])
    assert result.ok and result.value["fake"].status == "invalid_journal"


async def test_efetch_batch_is_one_post(sources_vcr):
    pmids = ["1000", "100000", "10024177", "10049911", "10065994", "10091249", "10098409", "10393703",
             "10403831", "10411891", "10417538", "10438482", "10440612", "10446996", "10449755", "10468624",
             "10478398", "10480510", "10482630", "10501650", "10504436", "10520600", "10521342", "10523489",
             "10542021", "15166317", "15195241", "99000001", "99000002", "99999999"]
    with sources_vcr.use_cassette("entrez_efetch_batch.yaml") as cassette:
        async with open_sources(replay_settings()) as (entrez, _):
            result = await entrez.efetch(pmids)
    assert cassette.requests[0].method == "POST"
    assert result.ok and result.requests == 1
    assert "99999999" not in result.value and len(result.value) == 29
    retracted = result.value["99000001"]
    assert [(u.kind, u.pmid) for u in retracted.updates] == [("retraction", "99000002")]
    assert result.value["99000002"].is_notice
    raser = result.value["15166317"]
    assert raser.doi == "10.1126/science.1098641" and raser.first_page == "1811"


async def test_esearch_with_results(sources_vcr):
    with sources_vcr.use_cassette("entrez_esearch_results.yaml"):
        async with open_sources(replay_settings()) as (entrez, _):
            result = await entrez.esearch(build_term(first_author="Raser JM", journal="Science", year=2004))
    assert result.ok and result.value == ["15166317"]


async def test_esearch_with_none_is_an_answer_not_an_error(sources_vcr):
    with sources_vcr.use_cassette("entrez_esearch_none.yaml"):
        async with open_sources(replay_settings()) as (entrez, _):
            result = await entrez.esearch(build_term(author="Raser JM", journal="Science", year=1901))
    assert result.ok and result.value == []


def test_build_term_tags_fields():
    assert build_term(title="Heart failure", author=["Smith J", "Doe A"], year=2019, volume="12", page="e5") == (
        "Heart failure[ti] AND Smith J[au] AND Doe A[au] AND 2019[dp] AND 12[vi] AND e5[pg]")
    assert build_term(first_author="Raser JM", journal="Science", doi="10.1/x(1)") == (
        'Raser JM[1au] AND Science[ta] AND "10.1/x(1)"[doi]')
    assert build_term(year="2018:2020") == "2018:2020[dp]"


@pytest.mark.parametrize(
    "hostile",
    ['cancer[ti] OR 1800[dp]', 'a" OR "b', "x) OR (y", "NOT cancer", "cancer*", "ti:[au]", "a AND b#c"],
)
def test_build_term_cannot_inject(hostile):
    term = build_term(title=hostile)
    body, tag = term[: -len("[ti]")], term[-len("[ti]"):]
    assert tag == "[ti]"
    for bad in ('"', "[", "]", "(", ")", "*", "#", ":"):
        assert bad not in body
    for op in (" AND ", " OR ", " NOT "):
        assert op not in f" {body} "


def test_build_term_rejects_unknown_field_and_skips_empty():
    with pytest.raises(ValueError):
        build_term(mesh="x")
    assert build_term(title="", author=None, year=2020) == "2020[dp]"


def test_build_term_title_words_are_separate_terms():
    assert build_term(title_words=["stochasticity", "gene OR"], first_author="Raser") == (
        "stochasticity[ti] AND gene or[ti] AND Raser[1au]")


async def test_replaying_context_manager_serves_the_whole_block():
    from pathlib import Path

    from auditor.sources.replay import replaying

    cassette = Path(__file__).resolve().parent.parent / "cassettes" / "sources" / "entrez_esearch_results.yaml"
    with replaying(cassette) as loaded:
        async with open_sources(replay_settings()) as (entrez, _):
            result = await entrez.esearch(build_term(first_author="Raser JM", journal="Science", year=2004))
    assert loaded.all_played and result.value == ["15166317"]
