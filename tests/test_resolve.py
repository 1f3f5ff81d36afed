"""The resolver's promises: batched identifier and locator look-ups, searches only for what is open,
and an honest record of which sources answered or failed for each reference."""

from __future__ import annotations

import asyncio

from auditor.judging import judge
from auditor.model import ParsedFields, Record, Reference, SourceResult
from auditor.resolve import Resolver, bibliographic_text, citmatch_query
from tests.fakes import FakeCrossref, FakeEntrez


def _same_title(fields: ParsedFields, record: Record) -> bool:
    return bool(fields.title and record.title and fields.title.lower() == record.title.lower())


def _term(fields: ParsedFields) -> str | None:
    return f"{fields.title}[ti]" if fields.title else None


def _ref(n: int, title: str, **kw: object) -> Reference:
    fields = ParsedFields(title=title, authors=("Smith AB",), **kw)  # type: ignore[arg-type]
    return Reference(number=n, raw=f"Smith AB. {title}. J Test. 2020;1:{n}.", line=n, column=1, parsed=fields)


def _pubmed(n: int, title: str, **kw: object) -> Record:
    base = dict(pmid=str(1000 + n), title=title, journal_abbrevs=("J Test",), year=2020, volume="1",
                first_page=str(n))
    base.update(kw)
    return Record("pubmed", **base)  # type: ignore[arg-type]


def _run(refs: list[Reference], entrez: FakeEntrez, crossref: FakeCrossref) -> list:
    resolver = Resolver(entrez, crossref, same_work=_same_title, esearch_term=_term)
    return asyncio.run(resolver.resolve(refs))


def _locator_ref(n: int, title: str) -> Reference:
    return _ref(n, title, journal="*J Test*", year=2020, volume="1", first_page=str(n))


def test_locators_resolve_in_two_requests_for_the_whole_list() -> None:
    titles = [f"Title number {i}" for i in range(1, 31)]
    refs = [_locator_ref(i, t) for i, t in enumerate(titles, 1)]
    entrez = FakeEntrez([_pubmed(i, t) for i, t in enumerate(titles, 1)])
    crossref = FakeCrossref([])
    out = _run(refs, entrez, crossref)
    assert entrez.calls == {"ecitmatch": 1, "efetch": 1}
    assert sum(crossref.calls.values()) == 0
    assert all(len(r.candidates) == 1 and r.consulted["pubmed"] == "answered" for r in out)
    assert all(r.consulted["crossref"] == "not_asked" for r in out)


def test_dois_are_looked_up_in_one_batch_and_confirmed_in_pubmed_once() -> None:
    refs = [_ref(i, f"Paper {i}", doi=f"10.1/p{i}") for i in range(1, 6)]
    cr = [Record("crossref", doi=f"10.1/p{i}", title=f"Paper {i}") for i in range(1, 6)]
    pm = [Record("pubmed", pmid=str(i), doi=f"10.1/p{i}", title=f"Paper {i}") for i in range(1, 6)]
    entrez, crossref = FakeEntrez(pm), FakeCrossref(cr)
    out = _run(refs, entrez, crossref)
    assert crossref.calls == {"works_by_dois": 1}
    assert entrez.calls == {"esearch": 1, "efetch": 1}
    assert all({c.source for c in r.candidates} == {"pubmed", "crossref"} for r in out)


def test_locator_on_unrelated_article_is_kept_as_candidate_but_searched_further() -> None:
    ref = _locator_ref(7, "An invented study of nothing")
    entrez = FakeEntrez([_pubmed(7, "A real but unrelated article")])
    crossref = FakeCrossref([])
    (res,) = _run([ref], entrez, crossref)
    assert [c.title for c in res.candidates] == ["A real but unrelated article"]
    assert crossref.calls["search_bibliographic"] == 1
    assert entrez.calls["esearch"] == 1
    assert res.consulted == {"pubmed": "answered", "crossref": "answered"}


def test_a_failing_source_is_recorded_as_failed_not_as_an_empty_answer() -> None:
    ref = _locator_ref(3, "Something real")
    entrez = FakeEntrez([_pubmed(3, "Something real")], fail=["ecitmatch", "esearch"])
    crossref = FakeCrossref([], fail=["search_bibliographic"])
    (res,) = _run([ref], entrez, crossref)
    assert res.candidates == ()
    assert res.consulted == {"pubmed": "failed", "crossref": "failed"}
    assert res.errors == {"pubmed": "HTTP 503", "crossref": "HTTP 503"}  # the first reason each gave
    audit = judge(res.reference, res.candidates, res.consulted, res.errors)
    assert audit.verdict == "unchecked" and audit.findings[0].code == "REF403"
    assert "pubmed: HTTP 503" in audit.findings[0].message


def test_failure_stays_recorded_even_if_a_later_question_to_the_same_source_answers() -> None:
    ref = _locator_ref(3, "Something real")
    entrez = FakeEntrez([_pubmed(3, "Something real")], fail=["ecitmatch"])
    (res,) = _run([ref], entrez, FakeCrossref([]))
    assert res.consulted["pubmed"] == "failed"
    assert [c.pmid for c in res.candidates] == ["1003"]  # found through ESearch after all


def test_unparseable_references_are_not_looked_up() -> None:
    ref = Reference(number=1, raw="???", line=1, column=1, parsed=ParsedFields(), parse_error="no fields")
    entrez, crossref = FakeEntrez([]), FakeCrossref([])
    (res,) = _run([ref], entrez, crossref)
    assert sum(entrez.calls.values()) + sum(crossref.calls.values()) == 0
    assert res.consulted == {"pubmed": "not_asked", "crossref": "not_asked"}


def test_citmatch_query_needs_a_full_locator_and_strips_markup() -> None:
    fields = ParsedFields(authors=("Cree BAC",), journal="*Ann Neurol*", year=2010, volume="68", first_page="145")
    q = citmatch_query("k", fields)
    assert q is not None and (q.journal, q.year, q.volume, q.first_page, q.author) == (
        "ann neurol", "2010", "68", "145", "cree bac")
    assert citmatch_query("k", ParsedFields(journal="J", year=2010, volume="1")) is None


def test_bibliographic_text_drops_identifiers_and_markup() -> None:
    ref = Reference(1, "Ma M. Title. *Int Immunopharmacol*. 2020;83:106388. doi:10.1016/j.x.1 PMID: 123",
                    1, 1, ParsedFields())
    text = bibliographic_text(ref)
    assert "*" not in text and "10.1016" not in text and "123" not in text and "Int Immunopharmacol" in text


class _BroadEntrez(FakeEntrez):
    """ESearch that says it has 5,000 hits but returns only unrelated ones (the answer was cut)."""

    async def esearch(self, term: str, retmax: int = 5):  # type: ignore[override]
        self.calls["esearch"] += 1
        self.terms.append(term)
        return SourceResult("pubmed", value=[str(9000 + i) for i in range(retmax)], requests=1, total=5000)


def test_a_search_cut_at_retmax_is_asked_group_by_group_and_cannot_support_not_found() -> None:
    refs = [_ref(1, "A fabricated title"), _ref(2, "Another fabricated title")]
    entrez = _BroadEntrez([])
    out = _run(refs, entrez, FakeCrossref([]))
    assert entrez.calls["esearch"] == 3  # the OR'ed chunk, then each group alone
    assert all(r.consulted["pubmed"] == "failed" for r in out)
    assert all(r.consulted["crossref"] == "answered" for r in out)
    assert all("more than the" in r.errors["pubmed"] for r in out)
