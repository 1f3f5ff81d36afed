"""Issue 10, class 6 (round 3): the ISSNs EFetch and Crossref give are read, and a candidate that shares an
ISSN with the matched work lends the journal its names (the NLM title of the Royal Society's series B
changed; the print keeps the old one)."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.identifiers import norm_issns
from auditor.judging import judge
from auditor.model import Record, RecordAuthor
from auditor.sources.crossref_json import parse_item
from auditor.sources.pubmed_xml import parse_efetch
from tests.false_alarm_cases import ANSWERED, codes, parsed

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def test_efetch_issn_and_issn_linking_are_read() -> None:
    records = parse_efetch((FIXTURES / "efetch_pubmed_xml_two_records.xml").read_bytes())
    assert records["11748933"].issns == ("0011-2240",)
    assert records["11700088"].issns == ("1090-7807",)


def test_crossref_issn_and_issn_type_are_read() -> None:
    data = json.loads((FIXTURES / "works_doi_plos_one_updated_by_correction_EXCERPT.json").read_text())
    assert parse_item(data.get("message", data)).issns == ("1932-6203",)
    item = {"DOI": "10.1/x", "ISSN": ["0962-8452"], "issn-type": [{"value": "1471-2954", "type": "electronic"}]}
    assert parse_item(item).issns == ("0962-8452", "1471-2954")


def test_issn_normalisation() -> None:
    assert norm_issns(["09628452", "1471-295x", "0962-8452", "not an issn", None, 12]) == ("0962-8452", "1471-295X")


HOLDERIED = ("Holderied MW, von Helversen O (2003) Echolocation range and wing- beat period match in aerial-hawking "
             "bats. Proc R Soc Lond B 270:2293-2299")
PUBMED_VIEW = Record(source="pubmed", pmid="14613617", doi="10.1098/rspb.2003.2487",
                     title="Echolocation range and wingbeat period match in aerial-hawking bats.",
                     journal="Proceedings. Biological sciences", journal_abbrevs=("Proc Biol Sci",),
                     issns=("0962-8452",), year=2003, volume="270", pages="2293-9",
                     authors=(RecordAuthor("Holderied", initials="MW"), RecordAuthor("von Helversen", initials="O")))
SAME_JOURNAL = Record(source="crossref", doi="10.1098/rspb.2003.2500", title="Another paper of the same issue",
                      journal="Proceedings of the Royal Society of London. Series B: Biological Sciences",
                      issns=("0962-8452", "1471-2954"), year=2003, volume="270", pages="2300-2305",
                      authors=(RecordAuthor("Other", initials="A"),))


def test_a_candidate_sharing_the_issn_names_the_journal() -> None:
    audit = judge(parsed(HOLDERIED), [PUBMED_VIEW, SAME_JOURNAL], ANSWERED)
    assert audit.match is not None and audit.match.pmid == "14613617"
    assert "REF103" not in codes(audit), audit.findings


def test_without_a_shared_issn_the_names_do_not_travel() -> None:
    other = Record(**{**SAME_JOURNAL.__dict__, "issns": ("1234-5678",)})
    assert "REF103" in codes(judge(parsed(HOLDERIED), [PUBMED_VIEW, other], ANSWERED))
