"""Identical references are resolved once per run (issue 9, item 14).

Before, 5,000 references of which 30 were distinct sent 5,000 ECitMatch lines (50 requests) and
one search per copy; two documents citing the same works each asked for them. Every copy must still
get the answer its original got.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from pathlib import Path

from auditor.audit import audit_documents
from auditor.documents.loader import load_document
from auditor.model import ParsedDocument, ParsedFields, Record, Reference, SourceResult
from auditor.parsing import parse_document
from auditor.resolve import ResolutionMemo, Resolver, reference_key
from auditor.sources import open_sources
from auditor.sources.base import CitMatchOutcome, CitMatchQuery
from auditor.sources.replay import replay_settings, replaying
from tests.fakes import FakeCrossref, FakeEntrez

ROOT = Path(__file__).resolve().parent.parent
SEED_000 = ROOT / "seeds" / "000_594f0db58d351876.txt"


class _LineCountingEntrez(FakeEntrez):
    """Counts ECitMatch lines and ESearch groups, which is what a real batch costs by."""

    def __init__(self, records: Sequence[Record]) -> None:
        super().__init__(records)
        self.lines = 0

    async def ecitmatch(self, queries: Sequence[CitMatchQuery]) -> SourceResult[dict[str, CitMatchOutcome]]:
        self.lines += len(queries)
        return await super().ecitmatch(queries)


def _same_title(fields: ParsedFields, record: Record) -> bool:
    return bool(fields.title and record.title and fields.title.lower() == record.title.lower())


def _term(fields: ParsedFields) -> str | None:
    return f"{fields.title}[ti]" if fields.title else None


def _distinct(i: int) -> Reference:
    """Even: a locator PubMed resolves; odd: a work only Crossref knows (searched, then confirmed)."""
    title = f"Distinct work number {i}"
    fields = ParsedFields(authors=("Smith AB",), title=title, journal="J Test", year=2020, volume="1",
                          first_page=str(i))
    return Reference(number=i, raw=f"Smith AB. {title}. J Test. 2020;1:{i}.", line=i, column=1, parsed=fields)


def _world() -> tuple[_LineCountingEntrez, FakeCrossref]:
    pubmed = [Record("pubmed", pmid=str(1000 + i), title=f"Distinct work number {i}", journal_abbrevs=("J Test",),
                     year=2020, volume="1", first_page=str(i)) for i in range(0, 30, 2)]
    crossref = [Record("crossref", doi=f"10.1/w{i}", title=f"Distinct work number {i}") for i in range(1, 30, 2)]
    return _LineCountingEntrez(pubmed), FakeCrossref(crossref)


def _copies(distinct: list[Reference], total: int) -> list[Reference]:
    """``total`` references cycling through ``distinct``, numbered and placed as a long list would be."""
    return [dataclasses.replace(distinct[n % len(distinct)], number=n + 1, line=n + 1) for n in range(total)]


def _resolve(refs: list[Reference], entrez: FakeEntrez, crossref: FakeCrossref) -> list:
    resolver = Resolver(entrez, crossref, same_work=_same_title, esearch_term=_term)
    return asyncio.run(resolver.resolve(refs))


def test_5000_references_of_30_distinct_ask_what_30_ask() -> None:
    distinct = [_distinct(i) for i in range(30)]
    entrez_once, crossref_once = _world()
    alone = _resolve(distinct, entrez_once, crossref_once)

    entrez, crossref = _world()
    out = _resolve(_copies(distinct, 5000), entrez, crossref)

    assert entrez.lines == entrez_once.lines == 30
    assert crossref.calls == crossref_once.calls and crossref.calls["search_bibliographic"] == 15
    assert entrez.calls == entrez_once.calls
    assert entrez.terms == entrez_once.terms  # the sweep carries each question once
    assert len(out) == 5000
    for n, res in enumerate(out):
        original = alone[n % 30]
        assert res.reference.number == n + 1  # each copy keeps its own place in the document
        assert (res.candidates, res.consulted, res.errors) == (
            original.candidates, original.consulted, original.errors)


def test_references_differing_only_in_case_and_spacing_share_one_key() -> None:
    ref = _distinct(3)
    shouty = dataclasses.replace(ref, number=9, raw="SMITH AB.  Distinct WORK number 3.\tJ Test. 2020;1:3.")
    other = _distinct(4)
    assert reference_key(ref) == reference_key(shouty)
    assert reference_key(ref) != reference_key(other)
    unparsed = Reference(1, "Some  unparseable text", 1, 1, ParsedFields(), parse_error="no fields")
    assert reference_key(unparsed) == reference_key(dataclasses.replace(unparsed, raw="Some unparseable text"))
    assert reference_key(unparsed) != reference_key(dataclasses.replace(unparsed, raw="Other unparseable text"))


def _document(references: list[Reference], name: str) -> ParsedDocument:
    base = parse_document(load_document(str(SEED_000)))
    return dataclasses.replace(base, references=tuple(references),
                               document=dataclasses.replace(base.document, path=name))


def test_documents_audited_together_resolve_a_shared_reference_once() -> None:
    distinct = [_distinct(i) for i in range(30)]
    entrez, crossref = _world()
    docs = [_document(distinct, "a.md"), _document(distinct[10:] + distinct[:10], "b.md")]
    reports = asyncio.run(audit_documents(docs, entrez, crossref))
    assert entrez.calls["ecitmatch"] == 1 and entrez.lines == 30
    assert crossref.calls["search_bibliographic"] == 15
    by_title = {a.reference.parsed.title: (a.verdict, a.match) for a in reports[0].audits}
    assert all(by_title[a.reference.parsed.title] == (a.verdict, a.match) for a in reports[1].audits)


def test_a_memo_owner_that_fails_does_not_leave_other_documents_waiting() -> None:
    async def run() -> None:
        memo = ResolutionMemo()
        assert memo.claim("k") is None
        waiting = memo.claim("k")
        assert waiting is not None
        memo.abandon("k", RuntimeError("owner crashed"))
        try:
            await waiting
        except RuntimeError as exc:
            assert "owner crashed" in str(exc)
        else:  # pragma: no cover - the assertion below explains
            raise AssertionError("a waiter of a failed owner must not get an answer")

    asyncio.run(run())


def test_seed_000_cited_twenty_times_replays_the_single_cassette() -> None:
    """Through the real clients: 600 references of which 30 are distinct make exactly the requests a
    single copy made (the cassette holds each answer once), and every copy gets its original's verdict."""
    single = parse_document(load_document(str(SEED_000)))
    document = dataclasses.replace(single, references=tuple(_copies(list(single.references), 600)))

    async def run(doc: ParsedDocument) -> list:
        async with open_sources(replay_settings()) as (entrez, crossref):
            return await audit_documents([doc], entrez, crossref)

    with replaying(ROOT / "cassettes" / "seeds" / "000.yaml") as cassette:
        (once,) = asyncio.run(run(single))
    with replaying(ROOT / "cassettes" / "seeds" / "000.yaml") as cassette:
        (report,) = asyncio.run(run(document))
        assert cassette.all_played
    assert report.requests == once.requests
    for n, audit in enumerate(report.audits):
        original = once.audits[n % 30]
        assert (audit.verdict, audit.match, audit.flags) == (original.verdict, original.match, original.flags)
        assert [f.code for f in audit.findings] == [f.code for f in original.findings]
