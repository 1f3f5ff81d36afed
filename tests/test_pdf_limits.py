"""PDF limits stop pdfminer's work while it happens: dense pages, stream bombs, nested drawing objects.

Each hostile PDF is built here with pypdf. Bounded time and memory are shown by *which* error is
raised (the limit that stopped the work), never by timing: without the limits these files take
tens of seconds and hundreds of MB, or never finish.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from pypdf.generic import ArrayObject, NameObject

from auditor.cli import main
from auditor.documents import pdf_budget
from auditor.documents.loader import load_bytes
from auditor.errors import InputError
from bench.lib.hostile_pdf import blank_pages
from bench.lib.hostile_pdf import forms as _forms
from bench.lib.hostile_pdf import pdf as _pdf
from bench.lib.hostile_pdf import stream as _stream
from bench.lib.hostile_pdf import text_page as _text_page


def test_a_normal_page_still_reads() -> None:
    doc = load_bytes(_pdf(b"BT /F1 12 Tf 72 700 Td (Smith J. A title. J Med. 2004;1:1-2.) Tj ET"), "ok.pdf")
    assert "Smith J. A title" in doc.text


def test_a_text_dense_page_is_refused_while_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_budget, "MAX_PDF_PAGE_CHARS", 5_000)  # the real 40,000 works alike, only slower
    counted: list[int] = []
    real_char = pdf_budget.Budget.char

    def spy(self: pdf_budget.Budget) -> None:
        counted.append(1)
        real_char(self)

    monkeypatch.setattr(pdf_budget.Budget, "char", spy)
    with pytest.raises(InputError, match=f"page 1 holds more than {pdf_budget.MAX_PDF_PAGE_CHARS} characters"):
        load_bytes(_pdf(_text_page(175_000)), "dense.pdf")
    # the page was abandoned at the limit, not extracted whole and counted afterwards
    assert len(counted) == pdf_budget.MAX_PDF_PAGE_CHARS + 1


def test_the_document_character_limit_counts_across_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("auditor.documents.detect.MAX_PDF_CHARS", 10_000)
    with pytest.raises(InputError, match="more than 10000 characters of text"):
        load_bytes(_pdf(_text_page(4_000), pages=3), "long.pdf")


def test_the_cli_says_it_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_budget, "MAX_PDF_PAGE_CHARS", 3_000)
    path = tmp_path / "dense.pdf"
    path.write_bytes(_pdf(_text_page(4_000)))
    assert main(["parse", str(path)]) == 2
    assert capsys.readouterr().err == (f"auditor: error: {path}: page 1 holds more than 3000 characters "
                                       "(limits of the PDF reader); refused\n")


def test_a_flate_bomb_content_stream_is_refused_before_it_is_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_budget, "MAX_PDF_STREAM_BYTES", 1 << 20)
    inflated: list[int] = []
    real = pdf_budget.zlib.decompressobj

    class Spy:
        def __init__(self) -> None:
            self.inner = real()

        def decompress(self, data: bytes, max_length: int = 0) -> bytes:
            out = self.inner.decompress(data, max_length)
            inflated.append(len(out))
            return out

    monkeypatch.setattr(pdf_budget.zlib, "decompressobj", Spy)
    bomb = _stream(b"BT /F1 12 Tf 72 700 Td (x) Tj ET\n" + b" " * (16 << 20), flate=True)
    with pytest.raises(InputError, match="a stream inflates beyond 1 MB"):
        load_bytes(_pdf(bomb), "bomb.pdf")
    assert inflated and max(inflated) <= (1 << 20) + 1  # never inflated whole


@pytest.mark.parametrize("encoding", ["hex+flate", "runlength"])
def test_bombs_behind_other_filters_are_refused(encoding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_budget, "MAX_PDF_STREAM_BYTES", 1 << 20)
    body = b"BT /F1 12 Tf 72 700 Td (x) Tj ET\n" + b" " * (4 << 20)
    if encoding == "runlength":
        stream = _stream(b"".join([b"\x20" + body[:33]] + [b"\x81 "] * ((4 << 20) // 128)) + b"\x80",
                         extra={"/Filter": NameObject("/RunLengthDecode")})
    else:
        stream = _stream(zlib.compress(body, 9).hex().encode() + b">", extra={
            "/Filter": ArrayObject([NameObject("/ASCIIHexDecode"), NameObject("/FlateDecode")])})
    with pytest.raises(InputError, match="a stream inflates beyond 1 MB"):
        load_bytes(_pdf(stream), "bomb.pdf")


def test_deeply_nested_forms_are_refused() -> None:
    xobjects, content = _forms(40, 1, b"BT /F1 12 Tf 72 700 Td (deep) Tj ET"), b"/X0 Do"
    with pytest.raises(InputError, match=f"nested more than {pdf_budget.MAX_PDF_FORM_DEPTH} deep"):
        load_bytes(_pdf(content, xobjects), "nested.pdf")


def test_a_drawing_bomb_of_repeated_forms_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_budget, "MAX_PDF_XOBJECT_DRAWS", 300)  # the real 5,000 works alike, only slower
    # 30^6 = 729 million draws of one form: pdfminer alone would never finish
    xobjects, content = _forms(6, 30, b"0 0 m 1 1 l S"), b"/X0 Do"
    with pytest.raises(InputError, match="more than 300 drawing objects"):
        load_bytes(_pdf(content, xobjects), "fanout.pdf")


def test_a_form_drawn_many_times_spends_the_byte_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_budget, "MAX_PDF_STREAM_BYTES", 1 << 20)
    xobjects, content = _forms(2, 200, b"%" + b"c" * 14_000 + b"\n0 0 m 1 1 l S"), b"/X0 Do"
    # 14 kB drawn 200 times = 2.8 MB interpreted, though it inflates only once
    with pytest.raises(InputError, match="content streams inflate beyond 1 MB"):
        load_bytes(_pdf(content, xobjects), "repeat.pdf")


def test_the_time_budget_is_checked_cooperatively(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_budget, "MAX_PDF_PAGE_SECONDS", -1.0)  # every check finds the page over time
    with pytest.raises(InputError, match="page 1 takes more than"):
        load_bytes(_pdf(_text_page(8_000)), "slow.pdf")
    monkeypatch.setattr(pdf_budget, "MAX_PDF_PAGE_SECONDS", 1e9)
    monkeypatch.setattr(pdf_budget, "MAX_PDF_SECONDS", -1.0)
    with pytest.raises(InputError, match="the document takes more than"):
        load_bytes(_pdf(_text_page(8_000)), "slow.pdf")


def test_without_a_budget_pdfminer_decodes_as_before() -> None:
    pdf_budget._install_decode_guard()
    stream = pdf_budget.PDFStream({"Filter": pdf_budget.LITERALS_FLATE_DECODE[0]}, zlib.compress(b"x" * 5000))
    assert stream.get_data() == b"x" * 5000


def test_too_many_pages_are_refused_after_walking_only_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from pdfminer.pdfpage import PDFPage

    monkeypatch.setattr("auditor.documents.detect.MAX_PDF_PAGES", 20)
    walked: list[int] = []
    real = PDFPage.create_pages

    def counting(doc):  # type: ignore[no-untyped-def]
        for page in real(doc):
            walked.append(1)
            yield page

    monkeypatch.setattr(PDFPage, "create_pages", counting)
    with pytest.raises(InputError, match="more than 20 pages; refused"):
        load_bytes(blank_pages(60), "many.pdf")
    assert len(walked) == 21
