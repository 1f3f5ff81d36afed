"""Cheap re-audits: matched references are re-checked by identifier only, the rest searched again,
and the verdicts are the ones a full audit gives."""

from __future__ import annotations

import dataclasses

from auditor.audit import audit_documents, reaudit_documents
from auditor.identifiers import text_hash
from auditor.model import ParsedDocument, Record, Update
from auditor.recheck import KnownMatch, known_matches, recheck_by_identifier
from auditor.reports.json_report import report_to_dict
from tests.builders import CREE_2010, RAKNES_2019_PLOS, TOLJAN_2018, make_report, ref
from tests.fakes import FakeCrossref, FakeEntrez

CREE_REF = ref("Cree BAC", "Kornyeyeva E", "Goodin DS",
               title="Pilot trial of low-dose naltrexone and quality of life in multiple sclerosis",
               journal="Ann Neurol", year=2010, volume="68", issue="2", pages="145-150", number=1)
TOLJAN_REF = ref("Toljan K", "Vrooman B", title="Low-Dose Naltrexone (LDN)-Review of Therapeutic Utilization",
                 journal="Med Sci (Basel)", year=2018, volume="6", issue="4", article_number="82",
                 doi="10.3390/medsci6040082", number=2)
INVENTED_REF = ref("Nobody A", title="An invented study of nothing at all", journal="J Nowhere", year=2021,
                   volume="9", pages="1-9", number=3)


def _parsed() -> ParsedDocument:
    return dataclasses.replace(make_report([]).parsed, references=(CREE_REF, TOLJAN_REF, INVENTED_REF))


def _crossref_view(record: Record) -> Record:
    return dataclasses.replace(record, source="crossref", pmid=None)


async def test_rerun_rechecks_matched_references_by_identifier_and_sees_a_new_retraction() -> None:
    doc = _parsed()
    pubmed = [CREE_2010, TOLJAN_2018, RAKNES_2019_PLOS]
    crossref = [_crossref_view(CREE_2010), _crossref_view(TOLJAN_2018)]
    [first] = await audit_documents([doc], FakeEntrez(pubmed), FakeCrossref(crossref))
    assert [a.verdict for a in first.audits] == ["verified", "verified", "not_found"]
    previous = report_to_dict(first)

    retracted = dataclasses.replace(CREE_2010, updates=(Update("retraction", pmid="99999999", source="pubmed"),))
    entrez2, crossref2 = FakeEntrez([retracted, TOLJAN_2018, RAKNES_2019_PLOS]), FakeCrossref(crossref)
    [second] = await reaudit_documents([doc], [previous], entrez2, crossref2)
    assert [a.verdict for a in second.audits] == ["verified", "verified", "not_found"]
    assert second.audits[0].flags == ("retracted",)
    # Matched references: one EFetch and one DOI batch between them; no ECitMatch line or search for
    # them. Only the not_found reference took the full path (its ECitMatch, search and sweep).
    assert entrez2.calls["efetch"] == 1 and crossref2.calls["works_by_dois"] == 1
    assert entrez2.calls["ecitmatch"] == 1 and crossref2.calls["search_bibliographic"] == 1
    full_entrez, full_crossref = FakeEntrez([retracted, TOLJAN_2018, RAKNES_2019_PLOS]), FakeCrossref(crossref)
    [full] = await audit_documents([doc], full_entrez, full_crossref)
    assert [(a.verdict, a.flags, a.match) for a in full.audits] == [
        (a.verdict, a.flags, a.match) for a in second.audits]
    assert second.requests < full.requests


async def test_a_known_identifier_that_no_longer_answers_is_searched_again() -> None:
    doc = _parsed()
    known = {(1, text_hash(CREE_REF.raw)): KnownMatch("20695007", None)}
    out, requests = await recheck_by_identifier(doc.references, known, FakeEntrez([]), FakeCrossref([]))
    assert out == {} and requests == 1
    failing = FakeEntrez([CREE_2010], fail=["efetch"])
    out, _ = await recheck_by_identifier(doc.references, known, failing, FakeCrossref([]))
    assert out == {}


def test_known_matches_take_only_same_work_verdicts_and_pair_by_number_and_text() -> None:
    report = {"references": [
        {"number": 1, "raw": "A  b", "verdict": "minor", "match": {"pmid": "1", "doi": "10.1/X"}},
        {"number": 2, "raw": "C", "verdict": "not_found", "match": None},
        {"number": 3, "raw": "D", "verdict": "unchecked", "match": {"pmid": "3", "doi": None}},
        {"number": 4, "raw": "E", "verdict": "verified", "match": {"pmid": None, "doi": None}},
    ]}
    assert known_matches(report) == {(1, text_hash("A b")): KnownMatch("1", "10.1/x")}


def test_only_the_sources_the_previous_judgement_rested_on_are_asked_again() -> None:
    def known(match: dict, parsed: dict | None = None, findings: tuple = ()) -> KnownMatch:
        ref = {"number": 1, "raw": "R", "verdict": "verified", "match": match, "parsed": parsed or {},
               "findings": list(findings)}
        return known_matches({"references": [ref]})[(1, text_hash("R"))]

    both = {"pmid": "1", "doi": "10.1/x"}
    assert known({**both, "source": "pubmed"}) == KnownMatch("1", None)  # ECitMatch: PubMed only
    assert known({**both, "source": "crossref"}) == KnownMatch(None, "10.1/x")
    assert known({**both, "source": "pubmed"}, parsed={"doi": "10.1/x"}) == KnownMatch("1", "10.1/x")
    assert known({**both, "source": "pubmed"}, findings=({"source": "crossref"},)) == KnownMatch("1", "10.1/x")
    assert known({"pmid": None, "doi": "10.1/x", "source": "pubmed"}) == KnownMatch(None, "10.1/x")


async def test_several_documents_share_one_identifier_look_up() -> None:
    doc = dataclasses.replace(_parsed(), references=(CREE_REF, TOLJAN_REF))
    other = dataclasses.replace(doc, document=dataclasses.replace(doc.document, path="other.md"))
    pubmed, crossref = [CREE_2010, TOLJAN_2018], [_crossref_view(CREE_2010), _crossref_view(TOLJAN_2018)]
    first = await audit_documents([doc, other], FakeEntrez(pubmed), FakeCrossref(crossref))
    previous = [report_to_dict(r) for r in first]
    entrez, cr = FakeEntrez(pubmed), FakeCrossref(crossref)
    second = await reaudit_documents([doc, other], previous, entrez, cr)
    assert [[a.verdict for a in r.audits] for r in second] == [["verified", "verified"]] * 2
    assert (entrez.calls["efetch"], cr.calls["works_by_dois"], entrez.calls["ecitmatch"]) == (1, 1, 0)
    assert [r.requests for r in second] == [2, 0]
