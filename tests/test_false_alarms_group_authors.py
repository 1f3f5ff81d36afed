"""Issue 9 item 8: group names inside author lists are recognised and are never a missing person.

``GOLDHIRSCH`` and ``JUMPSTART`` are real strings from the bench data; ``TESTER`` is the issue's own
example shape (a person followed by a working group).
"""

from __future__ import annotations

from auditor.model import Record, RecordAuthor
from tests.false_alarm_cases import codes, judged, parsed

GOLDHIRSCH = ("Goldhirsch A, Ingle JN, Gelber RD, Coates AS, Thürlimann B, Senn HJ; Panel members. Thresholds for "
              "therapies: highlights of the St. Gallen International Expert Consensus on the Primary Therapy of Early "
              "Breast Cancer 2009. Ann Oncol. 2009;20(8):1319-29. DOI:10.1093/annonc/mdp322")
JUMPSTART = ("Jumpstart Consortium Human Microbiome Project Data Generation Working Group (2012) Evaluation of 16S "
             "rDNA-based community profiling for human microbiome research. PLoS One 7: e39315 "
             "doi:10.1371/journal.pone.0039315")
TESTER = "Tester A, Emulator Working Group. Checking references against registries. J Test Med. 2020;12(3):45-52."
_PEOPLE = [("Goldhirsch", "A"), ("Ingle", "JN"), ("Gelber", "RD"), ("Coates", "AS"), ("Thürlimann", "B"),
           ("Senn", "HJ")]


def test_group_after_the_persons_is_not_missing_from_a_record_without_it() -> None:
    rec = Record(source="pubmed", pmid="19535820", doi="10.1093/annonc/mdp322",
                 title="Thresholds for therapies: highlights of the St Gallen International Expert Consensus on the "
                       "primary therapy of early breast cancer 2009.",
                 journal="Annals of oncology", journal_abbrevs=("Ann Oncol",), year=2009, volume="20", issue="8",
                 pages="1319-29", authors=tuple(RecordAuthor(f, initials=i) for f, i in _PEOPLE))
    audit = judged(GOLDHIRSCH, rec)
    assert audit.verdict == "verified", audit.findings
    assert not codes(audit) & {"REF110", "REF112", "REF113", "REF115"}


def test_a_person_and_a_working_group_are_two_authors() -> None:
    assert parsed(TESTER).parsed.authors == ("Tester A", "Emulator Working Group")
    rec = Record(source="pubmed", pmid="1", title="Checking references against registries", journal="J Test Med",
                 year=2020, volume="12", issue="3", pages="45-52", authors=(RecordAuthor("Tester", initials="A"),))
    audit = judged(TESTER, rec)
    assert audit.verdict == "verified", audit.findings


def test_group_author_leading_an_author_year_string() -> None:
    fields = parsed(JUMPSTART).parsed
    assert fields.authors == ("Jumpstart Consortium Human Microbiome Project Data Generation Working Group",)
    assert (fields.journal, fields.volume, fields.article_number) == ("PLoS One", "7", "e39315")
