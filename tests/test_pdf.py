"""PDF: reading order, running heads, superscripts, hyphenation, positions, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from auditor.documents import detect
from auditor.documents.loader import load_bytes, load_document
from auditor.documents.positions import Locator
from auditor.errors import InputError
from auditor.parsing import parse_document
from bench.lib.render_formats import text_to_pdf

ROOT = Path(__file__).resolve().parent.parent
SEED = next((ROOT / "seeds").glob("000_*.txt"))
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"

SMALL = """\
# Low-dose naltrexone and inflammation

Low-dose naltrexone dampens microglial inflammation^{1,2} and is well tolerated^{3}. Low-dose regimens differ.

## References

1. Kreek MJ, LaForge KS. Naltrexone pharmacotherapy for opioid dependence. *Neuropsychopharmacology*. \
2004;29(6):1205-1213.
2. Anton RF. Naltrexone for the management of alcohol dependence. *N Engl J Med*. 2008;359(7):715-721.
3. Younger J, Parkitny L, McLain D. The use of low-dose naltrexone as a novel anti-inflammatory \
treatment for chronic pain. *Clin Rheumatol*. 2014;33(4):451-459.
"""


def test_two_columns_soft_hyphens_and_page_breaks_parse_like_the_text() -> None:
    text_doc = parse_document(load_document(str(SEED)))
    pdf_doc = parse_document(load_bytes(text_to_pdf(SEED.read_text(encoding="utf-8"), columns=2,
                                                    soft_hyphens=True), "seed.pdf"))
    assert [(r.number, r.parsed) for r in pdf_doc.references] == [(r.number, r.parsed) for r in text_doc.references]
    assert [c.numbers for c in pdf_doc.citations] == [c.numbers for c in text_doc.citations]
    text = pdf_doc.document.text
    assert "Reference auditor test manuscript" not in text and "Page 2" not in text  # running head, page numbers
    assert "narrative synthesis" in text  # "narra-" / "tive" joined at a column's line end
    pages = {Locator(pdf_doc.document).position(r.line, r.column).page for r in pdf_doc.references}
    assert len(pages) >= 2  # the bibliography was followed across a page break


def test_superscripts_italics_and_positions() -> None:
    doc = load_bytes(text_to_pdf(SMALL), "small.pdf")
    parsed = parse_document(doc)
    assert [c.numbers for c in parsed.citations] == [(1, 2), (3,)]
    assert parsed.citation_findings == ()
    assert [r.parsed.journal for r in parsed.references] == ["Neuropsychopharmacology", "N Engl J Med",
                                                             "Clin Rheumatol"]
    where = Locator(doc).position(parsed.references[2].line, parsed.references[2].column)
    assert (where.page, where.paragraph) == (1, None) and where.line is not None and where.line > 3
    assert where.label() == f"page 1, line {where.line}"


def test_a_word_the_document_hyphenates_keeps_its_hyphen_at_a_line_end() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in ("We studied low-dose regimens and the inflam-", "mation they damp; the low-", "dose arm did well."):
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    text = load_bytes(bytes(pdf.output()), "h.pdf").text
    assert "the inflammation they damp; the low-dose arm" in text


def test_an_encrypted_pdf_is_one_clear_error() -> None:
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 5, "Secret text [1].")
    with pytest.raises(InputError, match="encrypted"):
        load_bytes(bytes(pdf.output()), "locked.pdf")


def test_owner_only_protection_is_read() -> None:
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner")  # no user password: any reader opens it
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 5, "Readable text [1].")
    assert "Readable text [1]." in load_bytes(bytes(pdf.output()), "owner.pdf").text


def test_a_scan_without_text_layer_is_one_clear_error() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    with pytest.raises(InputError, match="no text layer"):
        load_bytes(bytes(pdf.output()), "scan.pdf")


def test_page_and_character_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    data = text_to_pdf(SEED.read_text(encoding="utf-8")[:6000])
    monkeypatch.setattr(detect, "MAX_PDF_PAGES", 1)
    with pytest.raises(InputError, match="pages"):
        load_bytes(data, "long.pdf")
    monkeypatch.setattr(detect, "MAX_PDF_PAGES", 500)
    monkeypatch.setattr(detect, "MAX_PDF_CHARS", 1000)
    with pytest.raises(InputError, match="characters"):
        load_bytes(data, "long.pdf")


def test_a_damaged_pdf_is_one_clear_error() -> None:
    with pytest.raises(InputError, match="not a readable PDF"):
        load_bytes(b"%PDF-1.7\n1 0 obj garbage", "broken.pdf")


def test_a_two_column_pdf_printed_by_chromium() -> None:
    parsed = parse_document(load_document(str(FIXTURES / "chromium_two_column.pdf")))
    assert [r.number for r in parsed.references] == list(range(1, 9))
    assert all(r.parse_error is None and r.parsed.year for r in parsed.references)
    assert parsed.references[3].parsed.title == (
        "Low-dose naltrexone for the treatment of fibromyalgia: findings of a small, randomized, double-blind, "
        "placebo-controlled, counterbalanced, crossover trial assessing daily pain levels")
    # reading order: the left column's sentences, in order, before the right column's
    first = [c.numbers for c in parsed.citations[:5]]
    assert first == [(1, 2), (3,), (4,), (5, 6, 7), (8,)]
    assert parsed.citation_findings == ()
    where = Locator(parsed.document).position(parsed.references[0].line, parsed.references[0].column)
    assert where.page == 2


def test_an_unlabelled_hanging_indent_bibliography_splits_at_the_outdented_lines() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    y = 30.0
    lines = [(20, "Shown before (Anton 2008; Kreek 2004)."), (20, ""), (20, "References"), (20, ""),
             (20, "Anton RF. Naltrexone for the management of alcohol dependence. N Engl J Med."),
             (26, "2008;359(7):715-21."),
             (20, "Kreek MJ, LaForge KS. Naltrexone pharmacotherapy for opioid dependence."),
             (26, "Neuropsychopharmacology. 2004;29(6):1205-13.")]
    for x, text in lines:
        if text:
            pdf.text(x, y, text)
        y += 5
    parsed = parse_document(load_bytes(bytes(pdf.output()), "apa.pdf"))
    assert [(r.parsed.journal, r.parsed.year) for r in parsed.references] == [
        ("N Engl J Med", 2008), ("Neuropsychopharmacology", 2004)]
