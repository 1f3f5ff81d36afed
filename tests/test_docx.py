"""DOCX: reading order, accepted tracked changes, Word numbering, superscripts, notes and the
reference manager's field data, all landing in the same Document the text path produces."""

from __future__ import annotations

from pathlib import Path

from auditor.documents.loader import load_bytes, load_document
from auditor.documents.positions import Locator
from auditor.model import Document, ParsedDocument
from auditor.parsing import parse_document
from bench.lib.render_formats import text_to_docx
from tests.docx_parts import b64, endnote_cite, field, package, para, run, zotero_citation

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def _load(data: bytes) -> Document:
    return load_bytes(data, "t.docx")


def _lines(doc: Document) -> list[str]:
    return [ln for ln in doc.text.split("\n") if ln]


def test_seeds_rendered_to_docx_parse_exactly_like_the_text() -> None:
    for seed in SEEDS:
        text_doc: ParsedDocument = parse_document(load_document(str(seed)))
        docx_doc = parse_document(_load(text_to_docx(seed.read_text(encoding="utf-8"))))
        assert [(r.number, r.raw, r.parsed) for r in docx_doc.references] == \
            [(r.number, r.raw, r.parsed) for r in text_doc.references], seed.name
        assert [c.numbers for c in docx_doc.citations] == [c.numbers for c in text_doc.citations], seed.name
        assert [f.code for f in docx_doc.citation_findings] == [f.code for f in text_doc.citation_findings]


def test_tables_are_read_row_by_row_in_body_order() -> None:
    table = ("<w:tbl><w:tr><w:tc>" + para(run("A1")) + "</w:tc><w:tc>" + para(run("B1")) + "</w:tc></w:tr>"
             "<w:tr><w:tc>" + para(run("A2")) + "</w:tc></w:tr></w:tbl>")
    doc = _load(package(para(run("before")) + table + para(run("after"))))
    assert _lines(doc) == ["before", "A1", "B1", "A2", "after"]


def test_tracked_changes_are_read_accepted() -> None:
    body = para(run("Kept "), '<w:ins w:id="1" w:author="x">' + run("inserted ") + "</w:ins>",
                '<w:del w:id="2" w:author="x"><w:r><w:delText>deleted </w:delText></w:r></w:del>', run("end."))
    assert _lines(_load(package(body))) == ["Kept inserted end."]


NUMBERING = (
    '<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
    '<w:lvlText w:val="%1."/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/>'
    '<w:lvlText w:val="%1.%2)"/></w:lvl></w:abstractNum>'
    '<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="5"/><w:numFmt w:val="decimal"/>'
    '<w:lvlText w:val="[%1]"/></w:lvl></w:abstractNum>'
    '<w:abstractNum w:abstractNumId="2"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="\uf0b7"/>'
    "</w:lvl></w:abstractNum>"
    '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
    '<w:num w:numId="2"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/>'
    "</w:lvlOverride></w:num>"
    '<w:num w:numId="3"><w:abstractNumId w:val="1"/></w:num>'
    '<w:num w:numId="4"><w:abstractNumId w:val="2"/></w:num>'
)
STYLES = (
    '<w:style w:type="paragraph" w:styleId="RefList"><w:name w:val="Ref List"/><w:pPr><w:numPr>'
    '<w:numId w:val="3"/></w:numPr></w:pPr></w:style>'
    '<w:style w:type="character" w:styleId="CiteBase"><w:name w:val="Cite base"/><w:rPr>'
    '<w:vertAlign w:val="superscript"/></w:rPr></w:style>'
    '<w:style w:type="character" w:styleId="Cite"><w:name w:val="Cite"/><w:basedOn w:val="CiteBase"/></w:style>'
    '<w:style w:type="character" w:styleId="JournalName"><w:name w:val="Journal"/><w:rPr><w:i/></w:rPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>'
)


def test_word_numbering_is_reconstructed_with_levels_starts_and_restarts() -> None:
    body = "".join([
        para(run("one"), num=(1, 0)), para(run("sub"), num=(1, 1)), para(run("two"), num=(1, 0)),
        para(run("plain")),
        para(run("again"), num=(2, 0)),  # a new list on the same definition, restarted at 1
        para(run("five"), style="RefList"), para(run("six"), style="RefList"),  # numbering via the style
        para(run("dot"), num=(4, 0)),
    ])
    doc = _load(package(body, numbering=NUMBERING, styles=STYLES))
    assert _lines(doc) == ["1. one", "1.a) sub", "2. two", "plain", "1. again", "[5] five", "[6] six", "- dot"]


def test_a_bibliography_numbered_only_by_list_formatting_keeps_its_numbers() -> None:
    refs = ["Kreek MJ, LaForge KS. Naltrexone pharmacotherapy for opioid dependence. Neuropsychopharmacology. "
            "2004;29(6):1205-13.",
            "Anton RF. Naltrexone for the management of alcohol dependence. N Engl J Med. 2008;359(7):715-21."]
    body = para(run("Shown before"), run("1,2", style="Cite"), run(".")) + para(run("References"), style="Heading1") \
        + "".join(para(run(r), style="RefList") for r in refs)
    parsed = parse_document(_load(package(body, numbering=NUMBERING, styles=STYLES)))
    assert [r.number for r in parsed.references] == [5, 6]
    assert parsed.references[0].parsed.journal == "Neuropsychopharmacology"
    assert [c.numbers for c in parsed.citations] == [(1, 2)]  # superscript through a based-on character style


def test_superscripts_and_italics_become_the_parsers_markers() -> None:
    body = para(run("Effects"), run("3-5", sup=True), run(" in m"), run("2", sup=False), run(" and "),
                run("N Engl J Med", style="JournalName"), run(". Also 5"), run("th", sup=True), run("."))
    (line,) = _lines(_load(package(body, styles=STYLES)))
    assert line == "Effects³⁻⁵ in m2 and *N Engl J Med*. Also 5th."


def test_footnotes_and_endnotes_follow_the_body_in_mark_order() -> None:
    notes = ('<w:endnote w:type="separator" w:id="-1">' + para(run("----")) + "</w:endnote>"
             '<w:endnote w:id="7">' + para(run("Second note.")) + "</w:endnote>"
             '<w:endnote w:id="3">' + para(run("First note.")) + "</w:endnote>")
    foot = '<w:footnote w:id="2">' + para(run("A footnote.")) + "</w:footnote>"
    body = para(run("Text"), '<w:r><w:endnoteReference w:id="3"/></w:r>', run(" more"),
                '<w:r><w:endnoteReference w:id="7"/></w:r>', '<w:r><w:footnoteReference w:id="2"/></w:r>')
    doc = _load(package(body, endnotes=notes, footnotes=foot))
    assert _lines(doc) == ["Text¹ more²", "Notes", "1. First note.", "2. Second note.", "Footnotes",
                           "1. A footnote."]


def test_positions_are_paragraph_and_line() -> None:
    body = para(run("first")) + para() + para(run("second"), "<w:r><w:br/></w:r>", run("wrapped [1]"))
    doc = _load(package(body))
    assert _lines(doc) == ["first", "second", "wrapped [1]"]
    parsed = parse_document(doc)
    (cit,) = parsed.citations
    where = Locator(doc).position(cit.line, cit.column)
    assert (where.paragraph, where.line, where.column) == (3, 2, 9)
    assert where.label() == "paragraph 3, line 2"


KREEK = {"id": 11, "type": "article-journal", "title": "Naltrexone pharmacotherapy for opioid dependence",
         "container-title": "Neuropsychopharmacology", "author": [{"family": "Kreek", "given": "Mary Jeanne"}],
         "issued": {"date-parts": [[2004]]}, "volume": "29", "page": "1205-1213", "DOI": "10.1038/sj.npp.1300484",
         "PMID": "15122329"}
ANTON = {"id": 12, "type": "article-journal", "title": "Naltrexone for the management of alcohol dependence",
         "container-title": "N Engl J Med", "author": [{"family": "Anton", "given": "Raymond F"}],
         "issued": {"date-parts": [[2008]]}, "volume": "359", "page": "715-721"}
BIBLIOGRAPHY = [
    "Kreek MJ. Naltrexone pharmacotherapy for opioid dependence. Neuropsychopharmacology. 2004;29(6):1205-13.",
    "Anton RF. Naltrexone for the management of alcohol dependence. N Engl J Med. 2007;359(7):715-21.",
]


def _with_citations(citation_fields: str) -> bytes:
    body = para(run("As shown"), citation_fields, run(".")) + para(run("References"))
    body += "".join(para(run(f"{n}. {text}")) for n, text in enumerate(BIBLIOGRAPHY, start=1))
    return package(body)


def test_zotero_field_split_over_runs_is_evidence_joining_identifiers() -> None:
    parsed = parse_document(_load(_with_citations(field(zotero_citation([KREEK, ANTON]), "1,2", pieces=7, sup=True))))
    assert [c.numbers for c in parsed.citations] == [(1, 2)]
    first, second = parsed.references
    assert first.evidence is not None and first.evidence.source == "zotero"
    assert (first.parsed.doi, first.parsed.pmid) == ("10.1038/sj.npp.1300484", "15122329")  # joined from the field
    assert first.notes == ()
    (note,) = second.notes  # the printed year was edited by hand
    assert (note.code, note.field, note.document_value, note.record_value) == ("REF601", "year", "2007", "2008")


def test_mendeley_field_numbers_items_in_first_citation_order() -> None:
    mendeley = zotero_citation([ANTON]).replace("ADDIN ZOTERO_ITEM CSL_CITATION", "ADDIN CSL_CITATION")
    fields = field(zotero_citation([KREEK]).replace("ADDIN ZOTERO_ITEM", "ADDIN"), "(Kreek 2004)") + \
        field(mendeley, "(Anton 2008)")
    parsed = parse_document(_load(_with_citations(fields)))
    assert [(r.evidence.source if r.evidence else None) for r in parsed.references] == ["mendeley", "mendeley"]
    assert parsed.references[0].evidence and parsed.references[0].evidence.fields.pmid == "15122329"


def test_endnote_field_with_base64_field_data() -> None:
    records = [{"surname": "Kreek", "author": "Kreek, M. J.", "year": "2004", "title": KREEK["title"],
                "journal": "Neuropsychopharmacology", "pages": "1205-13", "volume": "30", "doi": KREEK["DOI"]}]
    cite = field("ADDIN EN.CITE ", "[1]", fld_data=b64(endnote_cite(records)))
    parsed = parse_document(_load(_with_citations(cite)))
    first = parsed.references[0]
    assert first.evidence is not None and first.evidence.source == "endnote"
    assert first.parsed.doi == KREEK["DOI"]
    assert [(n.code, n.field) for n in first.notes] == [("REF601", "volume")]


def test_endnote_field_with_inline_xml_and_nested_data_field() -> None:
    records = [{"surname": "Anton", "author": "Anton, R. F.", "year": "2008", "title": ANTON["title"],
                "journal": "N Engl J Med", "display": "2"}]
    inline = field("ADDIN EN.CITE " + endnote_cite(records), "2", pieces=5, sup=True)
    parsed = parse_document(_load(_with_citations(inline)))
    assert parsed.references[1].evidence is not None
    assert [(n.code, n.field) for n in parsed.references[1].notes] == [("REF601", "year")]


def test_hostile_field_data_is_ignored_not_fatal() -> None:
    body = field("ADDIN ZOTERO_ITEM CSL_CITATION {not json", "1") + field("ADDIN EN.CITE ", "2", fld_data="!!!")
    parsed = parse_document(_load(_with_citations(body)))
    assert all(r.evidence is None for r in parsed.references)


def test_committed_docx_with_zotero_and_endnote_fields() -> None:
    parsed = parse_document(load_document(str(ROOT / "tests" / "fixtures" / "formats" / "fields.docx")))
    assert [c.numbers for c in parsed.citations] == [(1, 2), (3,)]
    sources = [r.evidence.source if r.evidence else None for r in parsed.references]
    assert sources == ["zotero", "zotero", "endnote"]
    third = parsed.references[2]
    assert third.parsed.pmid == "24526250" and third.parsed.doi == "10.1007/s10067-014-2517-2"
    assert [(n.code, n.field, n.document_value, n.record_value) for n in third.notes] == [
        ("REF601", "year", "2015", "2014")]
    assert parsed.references[1].parsed.doi == "10.1056/nejmct0801733"  # the printed entry has no DOI


def test_a_field_that_never_separates_does_not_swallow_the_document() -> None:
    broken = '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>ADDIN ZOTERO_ITEM</w:instrText></w:r>'
    doc = _load(package(para(run("Before"), broken) + para(run("After [1]."))))
    assert _lines(doc) == ["Before", "After [1]."]
