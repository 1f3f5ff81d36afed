"""EFetch and the Retraction Watch index read PMIDs by the one rule, ``auditor.identifiers.norm_pmid``.

At most 9 ASCII digits, no leading zeros, ``0`` is none: the rule the text parser and every
document reader follow. EFetch asks PubMed only for such numbers (and answers under the caller's
spelling); the index stores and looks up PMIDs in that form, keeping its one extra CSV rule (a
spreadsheet's trailing ``.0``).
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from auditor.config import Settings
from auditor.sources import open_sources
from auditor.sources.retraction_watch import INDEX_FILE, RetractionIndex, build_index, parse_csv

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "retraction_watch"
HEADER = (FIXTURES / "edge_cases.csv").read_text(encoding="utf-8-sig").splitlines()[0]


def _row(record_id: str, original_pmid: str, notice_pmid: str = "") -> str:
    cells = dict.fromkeys(HEADER.split(","), "")
    cells.update({"Record ID": record_id, "Title": "A title", "RetractionDate": "1/15/2024 0:00",
                  "RetractionPubMedID": notice_pmid, "OriginalPaperPubMedID": original_pmid,
                  "RetractionNature": "Retraction", "OriginalPaperDOI": "unavailable", "RetractionDOI": ""})
    return ",".join(cells.values())


CSV = "\n".join([HEADER, _row("1", "12345678.0", "0"), _row("2", "0099000101", "00099000102"),
                 _row("3", "1234567890"), _row("4", "\u0661\u0662\u0663"), _row("5", "99000103")]) + "\n"


def test_index_rows_follow_the_one_pmid_rule() -> None:
    entries = {e.record_id: e for e in parse_csv(io.StringIO(CSV))}
    # 3 (ten digits) and 4 (Arabic-Indic digits) name no PMID the parser could ever cite: no row.
    assert set(entries) == {"1", "2", "5"}
    assert (entries["1"].original_pmid, entries["1"].notice_pmid) == ("12345678", None)  # the float form kept
    assert (entries["2"].original_pmid, entries["2"].notice_pmid) == ("99000101", "99000102")


def test_index_lookup_finds_a_pmid_cited_with_leading_zeros(tmp_path: Path) -> None:
    source = tmp_path / "rw.csv"
    source.write_text(CSV, encoding="utf-8")
    build_index(source, tmp_path / INDEX_FILE, {"url": "file", "checked_date": "2026-12-01"})
    index = RetractionIndex(tmp_path / INDEX_FILE)
    try:
        assert [e.record_id for e in index.lookup(pmid="0099000103")] == ["5"]
        assert [e.record_id for e in index.lookup(pmid="99000101")] == ["2"]
        assert index.lookup(pmid="1234567890") == [] and index.lookup(pmid="\u0661\u0662\u0663") == []
    finally:
        index.close()


EFETCH_XML = """<?xml version="1.0"?><PubmedArticleSet>{}</PubmedArticleSet>"""
ARTICLE = """<PubmedArticle><MedlineCitation><PMID Version="1">{pmid}</PMID><Article>
<Journal><Title>J Test</Title><JournalIssue><PubDate><Year>2020</Year></PubDate></JournalIssue></Journal>
<ArticleTitle>Title {pmid}</ArticleTitle></Article></MedlineCitation></PubmedArticle>"""


@pytest.fixture
async def pubmed() -> AsyncIterator[tuple[str, list[str]]]:
    """A stand-in EFetch on 127.0.0.1 answering every id it is asked for; records the ids asked."""
    asked: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        form = await request.post() if request.method == "POST" else request.query
        ids = str(form.get("id", "")).split(",")
        asked.extend(ids)
        body = EFETCH_XML.format("".join(ARTICLE.format(pmid=i) for i in ids if i))
        return web.Response(text=body, content_type="text/xml")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("/")).rstrip("/"), asked
    await server.close()


def _settings(base: str) -> Settings:
    return Settings.load(environ={}, entrez_url=f"{base}/entrez/eutils/", crossref_url=f"{base}/crossref/",
                         cache_mode="no-cache", retry_attempts=1, ncbi_rps=1000.0, crossref_rps=1000.0)


async def test_efetch_asks_only_pmids_and_answers_under_the_callers_spelling(
        pubmed: tuple[str, list[str]]) -> None:
    base, asked = pubmed
    async with open_sources(_settings(base)) as (entrez, _):
        result = await entrez.efetch(["0031234567", "31234568", "1234567890", "\u0661\u0662\u0663", "0"])
    assert sorted(asked) == ["31234567", "31234568"]  # PubMed's spelling; nothing it cannot hold
    assert result.ok and result.requests == 1
    assert set(result.value) == {"0031234567", "31234568"}
    assert result.value["0031234567"].pmid == "31234567"
    assert result.answered("1234567890") and "1234567890" not in result.value


async def test_efetch_with_nothing_askable_sends_nothing(pubmed: tuple[str, list[str]]) -> None:
    base, asked = pubmed
    async with open_sources(_settings(base)) as (entrez, _):
        result = await entrez.efetch(["", "0", "12a", "9" * 12])
    assert asked == [] and result.ok and result.requests == 0 and result.value == {}
