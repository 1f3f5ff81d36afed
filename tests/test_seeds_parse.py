"""End-to-end parsing of the three seed documents: every field of a dozen references, all citations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.documents.loader import load_document
from auditor.model import ParsedDocument, ParsedFields
from auditor.parsing import parse_document

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _parse(prefix: str) -> ParsedDocument:
    (path,) = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    return parse_document(load_document(str(path)))


@pytest.fixture(scope="module")
def seed000() -> ParsedDocument:
    return _parse("000")


@pytest.fixture(scope="module")
def seed001() -> ParsedDocument:
    return _parse("001")


@pytest.fixture(scope="module")
def seed002() -> ParsedDocument:
    return _parse("002")


def F(**kw: Any) -> ParsedFields:  # noqa: N802 - reads like a constructor in the tables below
    kw["authors"] = tuple(kw.get("authors", ()))
    return ParsedFields(**kw)


SEED000_EXPECTED: dict[int, ParsedFields] = {
    1: F(authors=["Kreek MJ", "LaForge KS"], title="Naltrexone pharmacotherapy for opioid dependence: "
         "molecular mechanisms and clinical efficacy", journal="Neuropsychopharmacology", year=2004,
         volume="29", issue="6", first_page="1205", last_page="1213"),
    2: F(authors=["Anton RF"], title="Naltrexone for the management of alcohol dependence",
         journal="N Engl J Med", year=2008, volume="359", issue="7", first_page="715", last_page="721"),
    3: F(authors=["Lee JD", "Friedmann PD", "Kinlock TW"], et_al=True,
         title="Extended-release naltrexone to prevent opioid relapse", journal="N Engl J Med", year=2016,
         volume="374", issue="13", first_page="1232", last_page="1242"),
    4: F(authors=["Bihari B"], title="Low-dose naltrexone in the treatment of multiple sclerosis",
         journal="Ann Neurol", year=1988, volume="24", issue="Suppl", first_page="A312"),
    5: F(authors=["Toljan K", "Vrooman B"], title="Low-dose naltrexone (LDN): review of therapeutic utilization",
         journal="Med Sci (Basel)", year=2018, volume="6", issue="4", first_page="82"),
    9: F(authors=["Wang X", "Loram LC", "Ramos K"], et_al=True,
         title="Naltrexone inhibits pro-inflammatory cytokine production through TLR4 antagonism",
         journal="Front Immunol", year=2017, volume="8", first_page="809"),
    12: F(authors=["Vicenzi M", "De Marco L", "Cova E"], et_al=True,
          title="Low-dose naltrexone: a promising treatment in immune-related diseases", journal="Immunotherapy",
          year=2018, volume="10", issue="2", first_page="138", last_page="157"),
    16: F(authors=["Brenton JN", "Goldman MD"],
          title="A review of the efficacy of low-dose naltrexone in multiple sclerosis",
          journal="Mult Scler Relat Disord", year=2016, volume="9", first_page="23", last_page="29"),
    17: F(authors=["Cree BAC", "Korneyeva E", "Goodin DS"],
          title="Pilot trial of low-dose naltrexone and quality of life in multiple sclerosis", journal="Ann Neurol",
          year=2010, volume="68", issue="2", first_page="145", last_page="152"),
    18: F(authors=["Raknes G", "Småbrekke L"], title="Low-dose naltrexone and medication use in rheumatoid and "
          "seropositive arthritis: quasi-experimental before-after study", journal="Pharmacoepidemiol Drug Saf",
          year=2019, volume="28", issue="2", first_page="321", last_page="327"),
    21: F(authors=["Fava M", "Banerjee S", "El-Nahas A"], et_al=True,
          title="Low-dose naltrexone in post-COVID-19 fatigue syndrome: a potential therapeutic avenue",
          journal="Brain Behav Immun Health", year=2023, volume="29", article_number="100650"),
    23: F(authors=["Khan S", "Ghaffor R", "Arshad M"],
          title="Long-term safety of low-dose naltrexone therapy: a clinical review", journal="Cureus", year=2024,
          volume="16", issue="1", article_number="e350289"),
    27: F(authors=["Rassi-Mariani V", "Gómez-Fernández J", "Armas-Bellón F"],
          title="The use of naltrexone in chronic pain management: a narrative review", journal="Cureus",
          year=2024, volume="16", issue="6", article_number="e61690"),
    30: F(authors=["Toljan K"], title="The evolution of low-dose naltrexone therapy: future prospects in "
          "immunology and neuroinflammation", journal="Front Pharmacol", year=2025, volume="16",
          article_number="1352604"),
}


def test_seed000_has_thirty_numbered_references(seed000: ParsedDocument) -> None:
    assert [r.number for r in seed000.references] == list(range(1, 31))
    assert all(r.parse_error is None for r in seed000.references)
    assert seed000.bibliography_line is not None
    assert seed000.references[0].raw.startswith("Kreek MJ, LaForge KS.")
    assert (seed000.references[0].line, seed000.references[0].column) == (seed000.bibliography_line + 2, 3)


@pytest.mark.parametrize("number", sorted(SEED000_EXPECTED))
def test_seed000_every_field(seed000: ParsedDocument, number: int) -> None:
    ref = seed000.references[number - 1]
    assert ref.number == number
    assert ref.parsed == SEED000_EXPECTED[number]


def test_seed000_all_references_have_core_fields(seed000: ParsedDocument) -> None:
    for ref in seed000.references:
        p = ref.parsed
        assert p.authors and p.title and p.journal and p.year and p.volume, ref.raw
        assert p.first_page or p.article_number, ref.raw
        assert "*" not in p.journal


def test_seed000_citations(seed000: ParsedDocument) -> None:
    texts = {c.text: c.numbers for c in seed000.citations}
    assert texts["^{1–3}"] == (1, 2, 3)
    assert texts["^{27, 28}"] == (27, 28)
    assert texts["^{16–19}"] == (16, 17, 18, 19)
    assert texts["¹"] == (1,)
    assert texts["³"] == (3,)
    assert texts["¹²"] == (12,)
    cited = {n for c in seed000.citations for n in c.numbers}
    assert cited == set(range(1, 31))
    # Doses and durations (50 mg/day, 1–2 weeks, 2000 to 2025) are not citations.
    assert all(n <= 30 for n in cited)
    lines = seed000.document.text.split("\n")
    first = seed000.citations[0]
    assert lines[first.line - 1][first.column - 1] == "¹"
    assert lines[first.line - 1][: first.column - 1].endswith("dependence.")
    for cit in seed000.citations:
        line = lines[cit.line - 1]
        assert line[cit.column - 1 : cit.column - 1 + len(cit.text)] == cit.text


def test_seed000_findings_only_order(seed000: ParsedDocument) -> None:
    # ³ (line 27) comes before the first citation of 2 (^{1–3} in the discussion): a Vancouver-order finding.
    codes = [f.code for f in seed000.citation_findings]
    assert codes == ["CIT003"]
    finding = seed000.citation_findings[0]
    assert finding.numbers[:2] == (3, 2)


def test_seed001_headingless_list(seed001: ParsedDocument) -> None:
    refs = seed001.references
    assert [r.number for r in refs] == [1, 2, 3, 4, 5]
    assert all(r.parse_error is None for r in refs)
    assert [r.parsed.doi for r in refs] == [
        "10.1016/j.intimp.2020.106388",
        "10.3390/cancers16061240",
        "10.1016/j.intimp.2019.106068",
        "10.3892/ijo.2016.3567",
        "10.1258/ebm.2011.011096",
    ]
    assert refs[0].parsed == F(
        authors=["Ma M", "Wang X", "Liu N", "Shan F", "Feng Y"],
        title="Low-Dose Naltrexone Inhibits Colorectal Cancer Progression and Promotes Apoptosis by Increasing "
        "M1-Type Macrophages and Activating the Bax/BCL-2/Caspase-3/Parp Pathway",
        journal="International Immunopharmacology", year=2020, volume="83", article_number="106388",
        doi="10.1016/j.intimp.2020.106388",
    )
    assert refs[1].parsed == F(
        authors=["Ciwun M", "Tankiewicz-Kwedlo A", "Pawlak D"],
        title="Low-Dose Naltrexone as an Adjuvant in Combined Anticancer Therapy", journal="Cancers", year=2024,
        volume="16", issue="6", first_page="1240", doi="10.3390/cancers16061240",
    )
    assert refs[2].parsed.article_number == "106068"
    assert refs[3].parsed.et_al and refs[3].parsed.authors == ("Liu WM", "Scott KA", "Dennis JL")
    assert refs[4].parsed == F(
        authors=["Donahue RN", "McLaughlin PJ", "Zagon IS"],
        title="Low-Dose Naltrexone Suppresses Ovarian Cancer and Exhibits Enhanced Inhibition in Combination "
        "With Cisplatin",
        journal="Experimental Biology and Medicine (Maywood, N.J.)", year=2011, volume="236", issue="7",
        first_page="883", last_page="895", doi="10.1258/ebm.2011.011096",
    )
    # Body list items ("1. Immune Modulation:") and the Disclaimer/footer stay out.
    assert not any("Immune Modulation" in r.raw or "Disclaimer" in r.raw for r in refs)


def test_seed001_citations_and_no_findings(seed001: ParsedDocument) -> None:
    assert [(c.text, c.numbers) for c in seed001.citations] == [
        ("[1]", (1,)),
        ("[1-3]", (1, 2, 3)),
        ("[4]", (4,)),
        ("[4-5]", (4, 5)),
    ]
    assert seed001.citation_findings == ()


def test_seed002_no_bibliography(seed002: ParsedDocument) -> None:
    assert seed002.references == ()
    assert seed002.bibliography_line is None
    assert sorted({n for c in seed002.citations for n in c.numbers}) == list(range(1, 10))
    assert all(c.text.startswith("(") for c in seed002.citations)
    assert [f.code for f in seed002.citation_findings] == ["CIT005"]
    assert seed002.citation_findings[0].numbers == tuple(range(1, 10))


# ------------------------------------------------------------------------------------------------
# Bibliography location on small synthetic documents
# ------------------------------------------------------------------------------------------------

_ENTRIES = "1. Smith J. Title one. J Test. 2019;1:1-2.\n2. Roe B. Title two. Lancet. 2020;395:100-5.\n"


def _doc(text: str) -> ParsedDocument:
    from auditor.model import Document

    return parse_document(Document(path="t.md", sha256="0" * 64, text=text))


@pytest.mark.parametrize(
    "heading",
    [
        "References", "REFERENCES", "Bibliography", "Literature Cited", "Works Cited", "Notes and References",
        "# References", "## 7. References", "**References**", "**REFERENCES:**", "7 References", "VI. REFERENCES",
    ],
)
def test_heading_forms_and_stop_at_boilerplate(heading: str) -> None:
    parsed = _doc(f"Intro [1] [2].\n\n{heading}\n{_ENTRIES}\nAcknowledgements\n3. Thanks 2019;1:1.\n")
    assert parsed.bibliography_line == 3
    assert [r.parsed.journal for r in parsed.references] == ["J Test", "Lancet"]
    assert parsed.citation_findings == ()


def test_last_heading_wins_and_next_heading_ends_the_section() -> None:
    text = (
        "# Contents\nReferences\n\nBody cites [1].\n\n## References\n\n- Smith J. Title one. J Test. 2019;1:1-2.\n"
        "- Roe B. A title that wraps\n  over two lines. Lancet. 2020;395:100-5.\n\n"
        "## Appendix\n\n- Not a ref 2019;1:1.\n"
    )
    parsed = _doc(text)
    assert parsed.bibliography_line == 6
    assert [r.number for r in parsed.references] == [1, 2]
    assert parsed.references[1].raw == "Roe B. A title that wraps over two lines. Lancet. 2020;395:100-5."
    assert parsed.references[1].parsed.title == "A title that wraps over two lines"
    assert [f.code for f in parsed.citation_findings] == ["CIT002"]


def test_paragraph_per_entry_and_unparseable_entry_kept() -> None:
    text = (
        "Text (1), (2), (3).\n\nBibliography\n\nSmith J, Doe A. Title one that is long and\nwraps here. "
        "J Test. 2019;1(2):3-4.\n\nSee the museum notes for details\n\nRoe B. Second title. Lancet. 2020;395:100-5.\n"
    )
    parsed = _doc(text)
    assert [r.number for r in parsed.references] == [1, 2, 3]
    assert parsed.references[0].raw.endswith("wraps here. J Test. 2019;1(2):3-4.")
    assert parsed.references[1].parse_error is not None
    assert parsed.references[2].parse_error is None


def test_no_bibliography_and_no_citations() -> None:
    parsed = _doc("Just prose, written in 2019 with 4.5 mg doses.\n")
    assert (parsed.references, parsed.citations, parsed.citation_findings) == ((), (), ())


def test_trailing_paragraph_not_glued_to_last_entry() -> None:
    text = (
        "Text [1] [2].\n\nReferences\n\n1. Smith J. Title one. J Test. 2019;1:1-2.\n2. Roe B. Title two. Lancet.\n"
        "   2020;395:100-5.\n\nDr. Lena writes about natural care for a living.\n"
    )
    parsed = _doc(text)
    assert [r.raw for r in parsed.references] == [
        "Smith J. Title one. J Test. 2019;1:1-2.",
        "Roe B. Title two. Lancet. 2020;395:100-5.",
    ]


def test_markdown_list_written_with_all_ones_is_numbered_by_position() -> None:
    text = (
        "Claims [1] [2] [3].\n\n## References\n\n1. Smith J. One. J Test. 2019;1:1-2.\n"
        "1. Roe B. Two. Lancet. 2020;395:100-5.\n1. Poe C. Three. BMJ. 2018;360:k1.\n"
    )
    parsed = _doc(text)
    assert [r.number for r in parsed.references] == [1, 2, 3]
    assert parsed.citation_findings == ()
