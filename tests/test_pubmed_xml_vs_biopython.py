"""Our PubMed XML parser against Biopython's, on the real recorded EFetch samples.

Biopython's ``Bio.Entrez.read`` validates against NCBI's DTDs and is the reference reading of the
format; we parse with ElementTree straight into typed Records (faster, no DTD files at run time).
This test keeps the two readings in agreement on the fields the judge relies on.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from Bio import Entrez

from auditor.sources.pubmed_xml import parse_efetch

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
# (The 2016 retraction-notice sample names a DTD Biopython does not bundle, so it would need the network.)
SAMPLES = [
    "efetch_pubmed_xml_two_records.xml",
    "efetch_pubmed_xml_abstract_two_records.xml",
    "efetch_pubmed_xml_frontiers_elocation_mathml.xml",
]


def _biopython_view(data: bytes) -> dict[str, dict[str, object]]:
    parsed = Entrez.read(io.BytesIO(data), validate=False)
    out: dict[str, dict[str, object]] = {}
    for article in parsed["PubmedArticle"]:
        citation = article["MedlineCitation"]
        art = citation["Article"]
        issue = art["Journal"]["JournalIssue"]
        pmid = str(citation["PMID"])
        out[pmid] = {
            "volume": str(issue.get("Volume")) if issue.get("Volume") else None,
            "issue": str(issue.get("Issue")) if issue.get("Issue") else None,
            "journal": str(art["Journal"].get("Title")),
            "medline_ta": str(citation["MedlineJournalInfo"]["MedlineTA"]),
            "surnames": [str(a["LastName"]) for a in art.get("AuthorList", []) if "LastName" in a],
            "pages": str(art["Pagination"]["MedlinePgn"]) if art.get("Pagination") else None,
            "types": [str(t) for t in art["PublicationTypeList"]],
        }
    return out


@pytest.mark.parametrize("sample", SAMPLES)
def test_our_records_agree_with_biopython(sample: str) -> None:
    data = (FIXTURES / sample).read_bytes()
    expected = _biopython_view(data)
    ours = parse_efetch(data)
    assert set(ours) == set(expected) and expected
    for pmid, bio in expected.items():
        record = ours[pmid]
        assert record.volume == bio["volume"]
        assert record.issue == bio["issue"]
        assert record.journal == bio["journal"]
        assert bio["medline_ta"] in record.journal_abbrevs
        assert [a.family for a in record.authors if a.family] == bio["surnames"]
        assert record.pages == bio["pages"]
        assert list(record.publication_types) == bio["types"]
