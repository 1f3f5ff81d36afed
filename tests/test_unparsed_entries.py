"""Entries the parser cannot split are searched as free text in Crossref and stay ``unchecked``.

A field-by-field verdict needs fields; a work the raw text plainly names (whole title, first
author, year) is still shown with its citation, so the user can fix the entry.
"""

from __future__ import annotations

import asyncio

from auditor.audit import esearch_term
from auditor.judging import judge, raw_names_work, same_work
from auditor.model import Reference
from auditor.parsing import parse_reference
from auditor.resolve import Resolver
from tests.builders import record
from tests.fakes import FakeCrossref, FakeEntrez

CHICAGO = ("Magilnick, Nathaniel, and Mark P. Boldin. 2018. “Molecular Moirai: Long Noncoding RNA Mediators of "
           "HSC Fate.” Current Stem Cell Reports 4 (4) (October 18): 276–286.")
MOIRAI = record("Magilnick N", "Boldin MP", source="crossref", doi="10.1007/s40778-018-0142-6",
                title="Molecular Moirai: Long Noncoding RNA Mediators of HSC Fate",
                journal="Current Stem Cell Reports", year=2018, volume="4", issue="4", pages="276-286")


def _reference(raw: str) -> Reference:
    fields, error = parse_reference(raw)
    return Reference(number=1, raw=raw, line=3, column=1, parsed=fields, parse_error=error)


def _audit(raw: str, crossref: FakeCrossref, entrez: FakeEntrez):
    resolver = Resolver(entrez, crossref, same_work=same_work, esearch_term=esearch_term,
                        raw_identity=raw_names_work)
    (res,) = asyncio.run(resolver.resolve([_reference(raw)]))
    return res, judge(res.reference, res.candidates, res.consulted, res.errors)


def test_an_unparsed_entry_that_names_a_work_is_unchecked_with_the_work_and_its_citation() -> None:
    entrez, crossref = FakeEntrez([]), FakeCrossref([MOIRAI])
    res, audit = _audit(CHICAGO, crossref, entrez)
    assert res.reference.parse_error is not None
    assert crossref.calls == {"search_bibliographic": 1} and sum(entrez.calls.values()) == 0
    assert res.consulted == {"pubmed": "not_asked", "crossref": "answered"}
    assert audit.verdict == "unchecked" and audit.findings[0].code == "REF404"
    assert "DOI:10.1007/s40778-018-0142-6" in audit.findings[0].message
    assert audit.match is not None and audit.match.doi == MOIRAI.doi
    assert audit.suggested and "Molecular Moirai" in audit.suggested


def test_a_title_hit_by_other_authors_or_another_year_is_not_named() -> None:
    other_authors = record("Someone E", source="crossref", doi="10.1/other", title=MOIRAI.title, year=2018)
    other_year = record("Magilnick N", source="crossref", doi="10.1/later", title=MOIRAI.title, year=2021)
    entrez = FakeEntrez([])
    for rec in (other_authors, other_year):
        _, audit = _audit(CHICAGO, FakeCrossref([rec]), entrez)
        assert audit.verdict == "unchecked" and audit.match is None, rec.doi


def test_raw_identity_needs_the_whole_title_in_the_text() -> None:
    ref = _reference(CHICAGO)
    shortened = record("Magilnick N", source="crossref", doi="10.1/x", title="Molecular Moirai in Mice", year=2018)
    assert raw_names_work(ref, MOIRAI)
    assert not raw_names_work(ref, shortened)
