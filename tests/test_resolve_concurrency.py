"""PubMed's and Crossref's chains run at once, asking exactly what the strict sequence asked (issue 10).

Each test holds one source's answer back until the other source has been asked something, which
only a resolver running the two chains concurrently can satisfy; a sequential resolver waits
forever, which the timeout turns into a failure. No test measures time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from auditor.model import ParsedFields, Record, Reference, SourceResult
from auditor.resolve import Resolver
from auditor.sources.base import CitMatchOutcome, CitMatchQuery
from tests.fakes import FakeCrossref, FakeEntrez

TIMEOUT_S = 5.0


def _same_title(fields: ParsedFields, record: Record) -> bool:
    return bool(fields.title and record.title and fields.title.lower() == record.title.lower())


def _term(fields: ParsedFields) -> str | None:
    return f"{fields.title}[ti]" if fields.title else None


def _ref(n: int, title: str, locator: bool = True) -> Reference:
    extra = dict(journal="J Test", year=2020, volume="1", first_page=str(n)) if locator else {}
    fields = ParsedFields(title=title, authors=("Smith AB",), **extra)  # type: ignore[arg-type]
    return Reference(number=n, raw=f"Smith AB. {title}. J Test. 2020;1:{n}.", line=n, column=1, parsed=fields)


def _pubmed(n: int, title: str) -> Record:
    return Record("pubmed", pmid=str(1000 + n), title=title, journal_abbrevs=("J Test",), year=2020, volume="1",
                  first_page=str(n))


class _GatedEntrez(FakeEntrez):
    """ECitMatch (or EFetch) answers only once Crossref has been asked to search."""

    def __init__(self, records: Sequence[Record], gate: asyncio.Event, gated: str) -> None:
        super().__init__(records)
        self.gate, self.gated = gate, gated

    async def ecitmatch(self, queries: Sequence[CitMatchQuery]) -> SourceResult[dict[str, CitMatchOutcome]]:
        if self.gated == "ecitmatch":
            await self.gate.wait()
        return await super().ecitmatch(queries)

    async def efetch(self, pmids: Sequence[str]) -> SourceResult[dict[str, Record]]:
        if self.gated == "efetch":
            await self.gate.wait()
        return await super().efetch(pmids)


class _SignallingCrossref(FakeCrossref):
    def __init__(self, records: Sequence[Record], gate: asyncio.Event) -> None:
        super().__init__(records)
        self.gate = gate
        self.searched: list[str] = []

    async def search_bibliographic(self, text: str, rows: int = 5) -> SourceResult[list[Record]]:
        self.searched.append(text)
        self.gate.set()
        return await super().search_bibliographic(text, rows)


def _resolve(refs: list[Reference], make: object) -> tuple[list, FakeEntrez, _SignallingCrossref]:
    async def run() -> tuple[list, FakeEntrez, _SignallingCrossref]:
        gate = asyncio.Event()
        entrez, crossref = make(gate)  # type: ignore[operator]
        resolver = Resolver(entrez, crossref, same_work=_same_title, esearch_term=_term,
                            raw_identity=lambda ref, record: True)
        out = await asyncio.wait_for(resolver.resolve(refs), TIMEOUT_S)
        return out, entrez, crossref

    return asyncio.run(run())


def test_a_reference_without_a_locator_is_searched_while_ecitmatch_is_unanswered() -> None:
    refs = [_ref(1, "Found by its locator"), _ref(2, "No locator printed", locator=False)]
    out, entrez, crossref = _resolve(refs, lambda gate: (
        _GatedEntrez([_pubmed(1, "Found by its locator")], gate, "ecitmatch"), _SignallingCrossref([], gate)))
    assert len(crossref.searched) == 1 and "No locator printed" in crossref.searched[0]
    assert out[0].consulted == {"pubmed": "answered", "crossref": "not_asked"}  # still never searched
    assert entrez.calls == {"ecitmatch": 1, "efetch": 1, "esearch": 1}


def test_a_reference_ecitmatch_cannot_place_is_searched_before_the_efetch_of_the_others() -> None:
    refs = [_ref(1, "Found by its locator"), _ref(2, "A locator that places nothing")]
    out, entrez, crossref = _resolve(refs, lambda gate: (
        _GatedEntrez([_pubmed(1, "Found by its locator")], gate, "efetch"), _SignallingCrossref([], gate)))
    assert len(crossref.searched) == 1 and "places nothing" in crossref.searched[0]
    assert out[0].consulted["crossref"] == "not_asked"
    assert [c.pmid for c in out[0].candidates] == ["1001"]


def test_an_unparsed_entry_is_searched_while_pubmed_answers_for_the_parsed_ones() -> None:
    unparsed = Reference(number=2, raw="Somebody wrote something about many things once in a journal", line=2,
                         column=1, parsed=ParsedFields(), parse_error="no fields")
    refs = [_ref(1, "Found by its locator"), unparsed]
    out, _, crossref = _resolve(refs, lambda gate: (
        _GatedEntrez([_pubmed(1, "Found by its locator")], gate, "ecitmatch"), _SignallingCrossref([], gate)))
    assert crossref.searched == ["Somebody wrote something about many things once in a journal"]
    assert out[1].consulted == {"pubmed": "not_asked", "crossref": "answered"}


class _PairedSweepEntrez(FakeEntrez):
    """The first ESearch answers only once a second one has been sent."""

    def __init__(self, records: Sequence[Record]) -> None:
        super().__init__(records)
        self.second = asyncio.Event()

    async def esearch(self, term: str, retmax: int = 5) -> SourceResult[list[str]]:
        if self.calls["esearch"] == 0:
            self.calls["esearch"] += 1
            self.terms.append(term)
            await self.second.wait()
            return SourceResult("pubmed", value=[], requests=1)
        self.second.set()
        return await super().esearch(term, retmax)


def test_the_sweep_sends_its_chunks_together() -> None:
    refs = [_ref(n, f"Open reference {n}", locator=False) for n in range(1, 21)]  # two chunks of groups

    async def run() -> list:
        entrez = _PairedSweepEntrez([])
        resolver = Resolver(entrez, FakeCrossref([]), same_work=_same_title, esearch_term=_term)
        out = await asyncio.wait_for(resolver.resolve(refs), TIMEOUT_S)
        assert entrez.calls == {"esearch": 2}
        return out

    out = asyncio.run(run())
    assert all(r.consulted == {"pubmed": "answered", "crossref": "answered"} for r in out)


class _HeldBackCrossref(FakeCrossref):
    """Searches for the last references answer only once PubMed's sweep has sent an ESearch;
    the others answer in reverse order, so completion order is not reference order."""

    def __init__(self, records: Sequence[Record], sent: asyncio.Event, held: set[str]) -> None:
        super().__init__(records)
        self.sent, self.held = sent, held
        self.searchable = list(records)  # several may share a DOI, which the base class keys by

    async def search_bibliographic(self, text: str, rows: int = 5) -> SourceResult[list[Record]]:
        if any(h in text for h in self.held):
            await self.sent.wait()
        else:
            number = int(text.split("reference ")[1].split(".")[0])
            for _ in range(20 - number):  # later references answer first
                await asyncio.sleep(0)
        self.calls["search_bibliographic"] += 1
        hits = [r for r in self.searchable if r.title and f"{r.title.lower()}." in text.lower()]
        return SourceResult("crossref", value=hits[:rows], requests=1)


class _SignallingEntrez(FakeEntrez):
    def __init__(self, records: Sequence[Record], sent: asyncio.Event) -> None:
        super().__init__(records)
        self.sent = sent

    async def esearch(self, term: str, retmax: int = 5) -> SourceResult[list[str]]:
        self.sent.set()
        return await super().esearch(term, retmax)


def _open_refs() -> list[Reference]:
    return [_ref(n, f"Open reference {n}", locator=False) for n in range(1, 21)]


def _sweep(crossref_records: Sequence[Record] = ()) -> tuple[list, _SignallingEntrez]:
    async def run() -> tuple[list, _SignallingEntrez]:
        sent = asyncio.Event()
        entrez = _SignallingEntrez([], sent)
        crossref = _HeldBackCrossref(crossref_records, sent, {"Open reference 19.", "Open reference 20."})
        resolver = Resolver(entrez, crossref, same_work=_same_title, esearch_term=_term)
        return await asyncio.wait_for(resolver.resolve(_open_refs()), TIMEOUT_S), entrez

    return asyncio.run(run())


def test_a_sweep_chunk_is_sent_while_crossref_still_searches_for_later_references() -> None:
    out, entrez = _sweep()
    # Chunks follow the references' order, whatever order Crossref answered in: a rerun asks the
    # same questions (and finds them in the cache).
    assert entrez.terms == [" OR ".join(f"(Open reference {n}[ti])" for n in range(1, 16)),
                            " OR ".join(f"(Open reference {n}[ti])" for n in range(16, 21))]
    assert all(r.consulted == {"pubmed": "answered", "crossref": "answered"} for r in out)


def test_a_reference_joining_a_doi_group_already_sent_is_marked_like_the_group() -> None:
    # References 2 and 19 are distinct strings that Crossref matches to one work; 19 is ready only
    # after the first chunk, which carries the work's DOI, has been sent.
    shared = Record("crossref", doi="10.1/shared", title="Open reference 2")
    twin = Record("crossref", doi="10.1/shared", title="Open reference 19")
    out, entrez = _sweep([shared, twin])
    assert [c.doi for c in out[1].candidates] == [c.doi for c in out[18].candidates] == ["10.1/shared"]
    assert '"10.1/shared"[doi]' in entrez.terms[0]
    assert sum(t.count('"10.1/shared"[doi]') for t in entrez.terms) == 1
    assert out[1].consulted == out[18].consulted == {"pubmed": "answered", "crossref": "answered"}


def test_a_work_crossref_matched_is_looked_up_in_pubmed_by_its_doi_not_by_the_printed_title() -> None:
    # Why the sweep waits for a reference's search (issue 10): ECitMatch misses this miscited
    # reference (wrong page), Crossref's scored search still matches it, and only the DOI Crossref
    # found leads to PubMed's record, whose title the printed one does not share. Asking PubMed by
    # title before Crossref has answered would save the wait and lose the record (seed 000's
    # references 14, 26 and 27 against the sandbox).
    ref = _ref(1, "Opioid growth factor receptor axis")
    crossref_record = Record("crossref", doi="10.1/ogf", title="Opioid growth factor receptor axis")
    pubmed_record = Record("pubmed", pmid="2001", doi="10.1/ogf", title="OGF-OGFr axis: homeostatic regulator",
                           journal_abbrevs=("Biochem Pharmacol",), year=2012, volume="84", first_page="746")

    class _SlowCrossref(FakeCrossref):
        """Answers after PubMed could have been asked something else (as a real search would)."""

        async def search_bibliographic(self, text: str, rows: int = 5) -> SourceResult[list[Record]]:
            for _ in range(10):
                await asyncio.sleep(0)
            return await super().search_bibliographic(text, rows)

    async def run() -> tuple[list, FakeEntrez]:
        entrez = FakeEntrez([pubmed_record])
        resolver = Resolver(entrez, _SlowCrossref([crossref_record]), same_work=_same_title, esearch_term=_term)
        return await asyncio.wait_for(resolver.resolve([ref]), TIMEOUT_S), entrez

    (res,), entrez = asyncio.run(run())
    assert entrez.terms == ['("10.1/ogf"[doi])']
    assert {(c.source, c.pmid or c.doi) for c in res.candidates} == {("crossref", "10.1/ogf"), ("pubmed", "2001")}
    assert res.consulted == {"pubmed": "answered", "crossref": "answered"}
