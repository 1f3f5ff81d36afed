"""The seeds' verdicts, pinned, replayed from the committed cassettes through the real pipeline.

The cassettes were recorded from the sandbox serving ``records/seed-records.json`` alone (see
cassettes/README.md), so each expectation below can be argued from a public record. Verdicts
marked GAP reflect what that replay world lacks (the record has neither PMID nor DOI, so neither
recorded service knows the work); reports/README.md lists them, and live services would differ.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from auditor.audit import audit_documents
from auditor.documents.loader import load_document
from auditor.model import AuditReport
from auditor.parsing import parse_document
from auditor.sources import open_sources
from auditor.sources.replay import replay_settings, replaying

ROOT = Path(__file__).resolve().parent.parent
SEED_000 = ROOT / "seeds" / "000_594f0db58d351876.txt"
SEED_001 = ROOT / "seeds" / "001_7a0f090a9e3e09ba.txt"
SEED_002 = ROOT / "seeds" / "002_1d80fa809f2bd198.txt"

# number: (verdict, identifier of the matched work or None, finding codes that must be present, why)
EXPECTED_000: dict[int, tuple[str, str | None, set[str], str]] = {
    1: ("not_found", None, {"REF401"}, "no Kreek/LaForge 2004 Neuropsychopharmacology paper in the records"),
    2: ("verified", "DOI:10.1056/nejmct0801733", set(), "anton-2008-nejm, via Crossref (no PMID recorded)"),
    3: ("minor", "PMID:27028913", {"REF101"}, "lee-2016-nejm: 'in Criminal Justice Offenders' dropped"),
    4: ("not_found", None, {"REF401"}, "no Bihari 1988 Ann Neurol abstract in the records"),
    5: ("verified", "PMID:30248938", set(), "toljan-2018-med-sci: same title up to punctuation"),
    6: ("verified", "PMID:24526250", set(), "younger-2014: only the acronym '(LDN)' dropped"),
    7: ("not_found", None, {"REF401"}, "Ludwig's real paper is Exp Biol Med 2017, a different title"),
    8: ("not_found", None, {"REF401"}, "no such Brain Behav Immun 2010;24(5):730 paper in the records"),
    9: ("not_found", None, {"REF401", "REF402"}, "Front Immunol 2017;8:809 is Cant et al., other authors/claim"),
    10: ("major", "DOI:10.1021/acs.jmedchem.5b00426", {"REF102"}, "selfridge-2015: locator matches, title reworded"),
    11: ("not_found", None, {"REF401"}, "Zhang's 2018 paper is J Chem Inf Model 58:816, another title"),
    12: ("not_found", None, {"REF401", "REF406"}, "Li 2018 shares the title only: other authors, journal, locator"),
    13: ("verified", "DOI:10.1007/s11481-013-9451-y", set(), "chopra-2013: acronyms dropped; no locator recorded"),
    14: ("major", "PMID:22687282", {"REF103", "REF106", "REF108"}, "mclaughlin-2012 is Biochem Pharmacol 84:746"),
    15: ("not_found", None, {"REF401"}, "GAP: donahue-2011-gynecol-oncol has no PMID or DOI in the records"),
    16: ("not_found", None, {"REF401"}, "brenton-2016 is a different paper (dietary modification, 8:54)"),
    17: ("minor", "PMID:20695007", {"REF111", "REF109"}, "cree-2010: 'Korneyeva' misspelt, end page 150"),
    18: ("major", "PMID:30763385", {"REF103", "REF106", "REF108"}, "raknes-2019 is PLoS One 14:e0212460"),
    19: ("minor", "PMID:23359310", {"REF101"}, "younger-2013: subtitle dropped"),
    20: ("not_found", None, {"REF401"}, "no Vicenzi neurodegeneration paper in the records"),
    21: ("not_found", None, {"REF401"}, "BBIH long-covid papers are O'Kelly 2022 and Isman 2024, not Fava 2023"),
    22: ("major", "DOI:10.1002/phar.2086", {"REF102", "REF103"}, "patten-2018 is Pharmacotherapy 38:382"),
    23: ("not_found", None, {"REF401"}, "no Khan Cureus 2024 paper in the records"),
    24: ("not_found", None, {"REF401", "REF406"}, "de Carvalho 2023 shares the title only: other authors, journal"),
    25: ("not_found", None, {"REF401"}, "no Bolton J Pain Res 2021 paper in the records"),
    26: ("major", "PMID:37206027", {"REF102", "REF113", "REF108"}, "partridge-2023: title, co-authors, e-locator"),
    27: ("major", "PMID:39301937", {"REF102", "REF103"}, "rassi-mariani-2024 is Pain Manag 14:453"),
    28: ("not_found", None, {"REF401"}, "GAP: aitcheson-2023 has no PMID or DOI in the records"),
    29: ("major", "PMID:34781989", {"REF108", "REF113"}, "bruun-2021-trials: article number 804, not 576"),
    30: ("not_found", None, {"REF401"}, "no Toljan Front Pharmacol 2025 paper in the records"),
}


def _identifier(audit_match: object) -> str | None:
    if audit_match is None:
        return None
    pmid, doi = getattr(audit_match, "pmid", None), getattr(audit_match, "doi", None)
    return f"PMID:{pmid}" if pmid else f"DOI:{doi}" if doi else None


def _replay(seed: Path, cassette: str) -> AuditReport:
    document = parse_document(load_document(str(seed)))

    async def run() -> AuditReport:
        async with open_sources(replay_settings()) as (entrez, crossref):
            return (await audit_documents([document], entrez, crossref))[0]

    with replaying(ROOT / "cassettes" / "seeds" / cassette) as cassette_obj:
        report = asyncio.run(run())
        assert cassette_obj.all_played, "the run no longer makes every recorded request"
    return report


@pytest.fixture(scope="module")
def seed_000() -> AuditReport:
    return _replay(SEED_000, "000.yaml")


@pytest.mark.parametrize("number", sorted(EXPECTED_000))
def test_seed_000_verdict_and_reasons(seed_000: AuditReport, number: int) -> None:
    verdict, ident, codes, why = EXPECTED_000[number]
    audit = seed_000.audits[number - 1]
    assert audit.reference.number == number
    assert audit.verdict == verdict, why
    assert _identifier(audit.match) == ident, why
    assert codes <= {f.code for f in audit.findings}, why
    assert all(state == "answered" for state in audit.consulted.values() if state != "not_asked"), why


def test_seed_000_borrowed_titles_are_named_only_where_the_title_is_borrowed(seed_000: AuditReport) -> None:
    named = {a.reference.number for a in seed_000.audits for f in a.findings if f.code == "REF406"}
    assert named == {12, 24}


def test_seed_000_costs_at_most_one_request_per_reference(seed_000: AuditReport) -> None:
    assert seed_000.requests <= len(seed_000.audits) == 30


def test_seed_000_matched_references_get_a_vancouver_suggestion(seed_000: AuditReport) -> None:
    cree = seed_000.audits[16]
    assert cree.suggested == (
        "Cree BAC, Kornyeyeva E, Goodin DS. Pilot trial of low-dose naltrexone and quality of life in "
        "multiple sclerosis. Ann Neurol. 2010;68(2):145-50. doi:10.1002/ana.22006"
    )
    assert all(a.suggested is None for a in seed_000.audits if a.match is None)


def test_seed_001_dois_resolve_and_gaps_are_not_found_with_unknown_doi() -> None:
    report = _replay(SEED_001, "001.yaml")
    verdicts = [a.verdict for a in report.audits]
    assert verdicts == ["not_found", "verified", "verified", "verified", "not_found"]
    for gap in (report.audits[0], report.audits[4]):  # GAP: ma-2020 and donahue-2011-exp-biol-med lack DOIs
        assert {f.code for f in gap.findings} == {"REF401", "REF204"}
    assert [a.match.doi for a in report.audits[1:4] if a.match] == [
        "10.3390/cancers16061240", "10.1016/j.intimp.2019.106068", "10.3892/ijo.2016.3567"]
    assert report.parsed.citation_findings == ()


def test_seed_002_needs_no_request_and_reports_the_missing_bibliography() -> None:
    report = _replay(SEED_002, "002.yaml")
    assert report.audits == () and report.requests == 0
    assert [f.code for f in report.parsed.citation_findings] == ["CIT005"]
