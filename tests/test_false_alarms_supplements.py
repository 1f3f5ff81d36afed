"""Issue 10, class 1: a supplement is part of the issue, never of the volume (real strings)."""

from __future__ import annotations

import pytest

from auditor.judging.issues import issues_agree, volumes_agree
from auditor.model import Record, RecordAuthor
from tests.false_alarm_cases import codes, judged, parsed

LANDRINE = ("Landrine H, Klonoff EA, Reina-Patton A. Minors' access to tobacco before and after the California "
            "STAKE Act. Tob Control. 2000;9 Suppl 2:II15–7. Epub 2000/06/07. ; PubMed Central PMCID: PMCPMC1766282.")
FILLATREAU = ("Fillatreau S. Cytokine-producing B cells as regulators of pathogenic and protective immune responses. "
              "Ann Rheum Dis. 2013;72 Suppl 2:ii80–4. Epub 2012/12/21. doi: 10.1136/annrheumdis-2012-202253 .")
SMITH = ("Smith SM, Jenkinson M, Woolrich MW, Beckmann CF, Behrens TE, Johansen-Berg H, et al. Advances in "
         "functional and structural MR image analysis and implementation as FSL. Neuroimage. 2004;23 Suppl 1:S208–19.")


@pytest.mark.parametrize(("raw", "volume", "issue"), [
    (LANDRINE, "9", "Suppl 2"),
    (FILLATREAU, "72", "Suppl 2"),
    (SMITH, "23", "Suppl 1"),
    ("Minayo MCS. Title of a paper here. Cienc Saude Coletiva. 2010;15Suppl 2:3099-108.", "15", "Suppl 2"),
])
def test_supplement_is_parsed_into_the_issue(raw: str, volume: str, issue: str) -> None:
    fields = parsed(raw).parsed
    assert (fields.volume, fields.issue) == (volume, issue)


def test_supplement_reference_verifies_against_pubmed_and_crossref_forms() -> None:
    pubmed = Record(source="pubmed", pmid="23253921", doi="10.1136/annrheumdis-2012-202253",
                    title="Cytokine-producing B cells as regulators of pathogenic and protective immune responses",
                    journal="Annals of the rheumatic diseases", journal_abbrevs=("Ann Rheum Dis",), year=2013,
                    volume="72", issue="Suppl 2", pages="ii80-4", authors=(RecordAuthor("Fillatreau", "S", "S"),))
    crossref = Record(source="crossref", doi="10.1136/annrheumdis-2012-202253", title=pubmed.title,
                      journal="Annals of the Rheumatic Diseases", year=2013, volume="72", issue="suppl_2",
                      pages="ii80-ii84", authors=(RecordAuthor("Fillatreau", "Simon"),))
    audit = judged(FILLATREAU, pubmed, crossref)
    assert audit.verdict == "verified", audit.findings
    assert not codes(audit) & {"REF106", "REF107"}


@pytest.mark.parametrize(("a", "b", "agree"), [
    ("Suppl 2", "S2", True), ("Suppl 2", "suppl_2", True), ("(Suppl 1)", "Suppl 1", True),
    ("3 Suppl 1", "3", True), ("Spec No", "Spec No 1", True), ("Suppl 1", "Suppl 2", False), ("3", "4", False),
])
def test_issue_forms_of_one_supplement(a: str, b: str, agree: bool) -> None:
    assert issues_agree(a, b) is agree


def test_volume_number_ignores_a_supplement_but_not_another_volume() -> None:
    assert volumes_agree("15 Suppl 2", "15") is True
    assert volumes_agree("15Suppl", "15") is True
    assert volumes_agree("15 Suppl 2", "16") is False
