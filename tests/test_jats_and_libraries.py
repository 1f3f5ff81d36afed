"""JATS XML and reference-manager libraries arrive as References with their fields and positions."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from auditor.cli import main
from auditor.documents.loader import load_document
from auditor.documents.positions import Locator
from auditor.parsing import parse_document
from auditor.reports.json_report import load_schema

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"


def _parsed(name: str):  # type: ignore[no-untyped-def]
    return parse_document(load_document(str(FIXTURES / name)))


def test_jats_element_citation_fields_are_taken_as_structured() -> None:
    parsed = _parsed("article.xml")
    assert parsed.document.format == "jats"
    first = parsed.references[0]
    assert first.parsed.authors == ("Kreek MJ", "LaForge KS")
    assert (first.parsed.journal, first.parsed.year, first.parsed.volume, first.parsed.issue) == (
        "Neuropsychopharmacology", 2004, "29", "6")
    assert (first.parsed.first_page, first.parsed.last_page) == ("1205", "1213")
    assert (first.parsed.doi, first.parsed.pmid) == ("10.1038/sj.npp.1300484", "15122329")
    assert first.raw.startswith("Kreek MJ, LaForge KS. Naltrexone pharmacotherapy")
    collab = parsed.references[2]
    assert collab.parsed.authors == ("WHO Study Group",) and collab.parsed.et_al


def test_jats_mixed_citation_keeps_printed_text_and_pub_ids() -> None:
    mixed = _parsed("article.xml").references[1]
    assert mixed.raw.startswith("Anton RF. Naltrexone for the management of alcohol dependence. N Engl J Med.")
    assert mixed.parsed.doi == "10.1056/nejmct0801733" and mixed.parsed.year == 2008


def test_jats_xrefs_are_citations_with_ranges() -> None:
    parsed = _parsed("article.xml")
    assert [c.numbers for c in parsed.citations] == [(1,), (2, 3, 4), (3,)]
    assert parsed.citation_findings == ()
    locator = Locator(parsed.document)
    assert locator.position(parsed.citations[2].line, parsed.citations[2].column).label() == "paragraph 4, line 1"
    ref = parsed.references[3]
    assert locator.position(ref.line, ref.column).label() == "entry 4"


def test_jats_uncited_reference_is_a_citation_finding(tmp_path: Path) -> None:
    xml = (FIXTURES / "article.xml").read_text(encoding="utf-8").replace(
        '[<xref ref-type="bibr" rid="B3">3</xref>]', "")
    xml = xml.replace('<xref ref-type="bibr" rid="B2">2</xref>&#8211;<xref ref-type="bibr" rid="B4">4</xref>',
                      '<xref ref-type="bibr" rid="B2">2</xref>')
    path = tmp_path / "a.xml"
    path.write_text(xml, encoding="utf-8")
    findings = parse_document(load_document(str(path))).citation_findings
    assert [(f.code, f.numbers) for f in findings] == [("CIT002", (3,)), ("CIT002", (4,))]


@pytest.mark.parametrize(
    ("name", "fmt", "lines"),
    [("library.bib", "bibtex", [2, 10]), ("library.ris", "ris", [1, 16]), ("library.nbib", "medline", [1, 14]),
     ("library.json", "csl-json", [None]), ("endnote.xml", "endnote-xml", [None])],
)
def test_library_entries_have_fields_and_no_citation_findings(name: str, fmt: str, lines: list[int | None]) -> None:
    parsed = _parsed(name)
    assert parsed.document.format == fmt
    assert parsed.citations == () and parsed.citation_findings == ()
    first = parsed.references[0]
    assert first.parsed.authors[0] == "Kreek MJ"
    assert first.parsed.title and first.parsed.title.startswith("Naltrexone pharmacotherapy for opioid dependence")
    assert (first.parsed.year, first.parsed.volume, first.parsed.first_page) == (2004, "29", "1205")
    assert first.parsed.last_page == "1213" and first.parsed.doi == "10.1038/sj.npp.1300484"
    assert first.raw.startswith("Kreek MJ") and "2004;29" in first.raw  # its Vancouver rendering
    locator = Locator(parsed.document)
    positions = [locator.position(r.line, r.column) for r in parsed.references]
    assert [p.entry for p in positions] == list(range(1, len(lines) + 1))
    assert [p.line for p in positions] == lines


def test_bibtex_details() -> None:
    first = _parsed("library.bib").references[0]
    assert first.parsed.authors == ("Kreek MJ", "LaForge KS", "Müller H", "World Health Organization")
    assert first.parsed.pmid == "15122329"
    second = _parsed("library.bib").references[1]
    assert (second.parsed.journal, second.parsed.year) == ("N Engl J Med", 2008)


def test_medline_continuation_lines_and_doi() -> None:
    first = _parsed("library.nbib").references[0]
    assert first.parsed.title == "Naltrexone pharmacotherapy for opioid dependence: molecular mechanisms and " \
        "clinical efficacy"
    assert first.parsed.pmid == "15122329"


def test_parse_json_of_a_library_validates_positions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(FIXTURES / "library.ris"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["document"]["format"] == "ris"
    assert data["references"][1]["position"] == {"page": None, "paragraph": None, "entry": 2, "line": 16,
                                                 "column": None}
    jsonschema.Draft202012Validator(load_schema()["$defs"]["position"]).validate(data["references"][1]["position"])


def test_jats_citation_alternatives_take_fields_from_element_and_raw_from_mixed(tmp_path: Path) -> None:
    xml = (FIXTURES / "article.xml").read_text(encoding="utf-8")
    start, end = xml.index('<ref id="B1">'), xml.index("</ref>", xml.index('<ref id="B1">')) + len("</ref>")
    element = xml[start:end].split("<label>1</label>")[1].removesuffix("</ref>")
    alt = ('<ref id="B1"><label>1</label><citation-alternatives>' + element +
           "<mixed-citation>Kreek MJ, LaForge KS. Naltrexone pharmacotherapy for opioid dependence. "
           "Neuropsychopharmacology. 2004;29(6):1205-13.</mixed-citation></citation-alternatives></ref>")
    path = tmp_path / "alt.xml"
    path.write_text(xml[:start] + alt + xml[end:], encoding="utf-8")
    first = parse_document(load_document(str(path))).references[0]
    assert first.raw == ("Kreek MJ, LaForge KS. Naltrexone pharmacotherapy for opioid dependence. "
                         "Neuropsychopharmacology. 2004;29(6):1205-13.")
    assert first.parsed.pmid == "15122329" and first.parsed.last_page == "1213"
