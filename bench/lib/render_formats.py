"""Render one Markdown-ish text document as DOCX (python-docx) and PDF (fpdf2) with the same content.

Used by the format tests and ``bench/formats_bench.py`` to ask: does the DOCX/PDF loader give the
auditor what the text gave it? The renderings use what real producers use, not the text's markup:
Word's own automatic numbering (restarted with ``startOverride`` where the text restarts) and
bullet styles, italic and superscript runs, heading styles; in the PDF, a font's italic face,
raised smaller superscripts, running headers and page numbers, optional two columns and soft
hyphens that break long words at line ends.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

_SUP_CHARS = "⁰¹²³⁴⁵⁶⁷⁸⁹˒⁻"
_SUP_TABLE = str.maketrans({**{c: str(i) for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}, "˒": ",", "⁻": "-"})
_INLINE_RE = re.compile(
    r"(?P<bold>\*\*(?=\S)[^*\n]+?(?<=\S)\*\*)"
    r"|(?P<italic>(?<![\w*])\*(?=\S)[^*\n]+?(?<=\S)\*(?![\w*]))"
    r"|(?P<caret>\^\{[^}\n]{1,40}\})"
    r"|(?P<tag><sup>[^<\n]{1,40}</sup>)"
    r"|(?P<unicode>[" + _SUP_CHARS + r"]+)"
)
_NUMBERED_RE = re.compile(r"^\s*(\d{1,4})\.\s+(.*)$")
_BULLET_RE = re.compile(r"^\s*[-•*]\s+(.*)$")
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*)$")


def runs(line: str) -> Iterator[tuple[str, str]]:
    """(style, text) pieces: style is ``plain``, ``bold``, ``italic`` or ``sup``."""
    pos = 0
    for m in _INLINE_RE.finditer(line):
        if m.start() > pos:
            yield "plain", line[pos:m.start()]
        kind = m.lastgroup or "plain"
        text = m.group(0)
        if kind == "bold":
            yield "bold", text[2:-2]
        elif kind == "italic":
            yield "italic", text[1:-1]
        elif kind == "caret":
            yield "sup", text[2:-1]
        elif kind == "tag":
            yield "sup", text[5:-6]
        else:
            yield "sup", text.translate(_SUP_TABLE)
        pos = m.end()
    if pos < len(line):
        yield "plain", line[pos:]


def _blocks(text: str) -> Iterator[tuple[str, str, int | None]]:
    """(kind, content, number): kind is ``heading<N>``, ``numbered``, ``bullet`` or ``para``."""
    for line in text.split("\n"):
        if not line.strip():
            continue
        if m := _HEADING_RE.match(line):
            yield f"heading{len(m.group(1))}", m.group(2), None
        elif m := _NUMBERED_RE.match(line):
            yield "numbered", m.group(2), int(m.group(1))
        elif m := _BULLET_RE.match(line):
            yield "bullet", m.group(1), None
        else:
            yield "para", line, None


# --------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------


def _numbering_restart(document: object, start: int) -> str:
    """A new ``w:num`` on List Number's definition that restarts at ``start``; returns its id."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    numbering = document.part.numbering_part.element  # type: ignore[attr-defined]
    style = document.styles["List Number"]  # type: ignore[attr-defined]
    base = style.element.pPr.numPr.numId.val
    abstract = next(n for n in numbering.findall("{*}num") if n.numId == base).abstractNumId.val
    ids = [int(n.numId) for n in numbering.findall("{*}num")]
    new_id = max(ids) + 1
    numbering.append(parse_xml(
        f'<w:num {nsdecls("w")} w:numId="{new_id}"><w:abstractNumId w:val="{abstract}"/>'
        f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start}"/></w:lvlOverride></w:num>'))
    return str(new_id)


def _set_num(paragraph: object, num_id: str) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    ppr = paragraph._p.get_or_add_pPr()  # type: ignore[attr-defined]
    ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))


def text_to_docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    expected: int | None = None
    num_id = ""
    for kind, content, number in _blocks(text):
        if kind.startswith("heading"):
            paragraph = document.add_paragraph(style=f"Heading {min(int(kind[7:]), 9)}")
        elif kind == "numbered" and number is not None:
            paragraph = document.add_paragraph(style="List Number")
            if number != expected:
                num_id = _numbering_restart(document, number)
            _set_num(paragraph, num_id)
            expected = number + 1
        elif kind == "bullet":
            paragraph = document.add_paragraph(style="List Bullet")
        else:
            paragraph = document.add_paragraph()
        if kind != "numbered":
            expected = None
        for style, piece in runs(content):
            run = paragraph.add_run(piece)
            run.bold = style == "bold" or None
            run.italic = style == "italic" or None
            if style == "sup":
                run.font.superscript = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

_PDF_REPLACE = str.maketrans({"—": "-", "–": "-", "‐": "-", "‑": "-", "−": "-", "“": '"', "”": '"', "‘": "'",
                              "’": "'", "…": "...", "\t": " ", "•": "-", "\u00a0": " ", "\u2009": " ",
                              "\u202f": " ", "\u2002": " ", "\u2003": " "})
_LONG_WORD_RE = re.compile(r"(?<![\w/.:-])([a-z]{5,})([a-z]{4,})(?![\w/.-])")


def latin1(text: str) -> str:
    """The core PDF fonts speak Latin-1: typographic punctuation becomes ASCII, the rest ``?``."""
    return text.translate(_PDF_REPLACE).encode("latin-1", "replace").decode("latin-1")


DEJAVU = ("DejaVuSans.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-Bold.ttf")


def text_to_pdf(text: str, *, columns: int = 1, header: str | None = "Reference auditor test manuscript",
                soft_hyphens: bool = False, font_dir: Path | None = None) -> bytes:
    """A PDF of ``text``: 10pt body, headings bold, references as paragraphs.

    ``soft_hyphens`` puts a break opportunity into long lowercase body words, so lines end in
    ``inflam-`` / ``mation`` the way typeset PDFs do. Helvetica (Latin-1 only) unless ``font_dir``
    holds the DejaVu Sans faces, which carry Greek, dashes and typographic quotes.
    """
    from fpdf import FPDF

    family = "Helvetica"
    encode = latin1
    if font_dir is not None and all((font_dir / face).is_file() for face in DEJAVU):
        family, encode = "Body", _same

    class _Pdf(FPDF):
        def header(self) -> None:
            if header:
                self.set_font(self.family, "", 8)
                self.cell(0, 6, latin1(header), align="C")
                self.ln(10)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(self.family, "", 8)
            self.cell(0, 10, f"Page {self.page_no()}", align="C")

    pdf = _Pdf(format="A4")
    if family == "Body":
        assert font_dir is not None
        for style, face in zip(("", "I", "B"), DEJAVU, strict=True):
            pdf.add_font(family, style, str(font_dir / face))
    _Pdf.family = family
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    with pdf.text_columns(ncols=columns, gutter=8, text_align="LEFT", l_margin=20, r_margin=20) as cols:
        for kind, content, number in _blocks(text):
            size, style = (12, "B") if kind.startswith("heading") else (10, "")
            pdf.set_font(family, style, size)
            label = f"{number}. " if kind == "numbered" else "- " if kind == "bullet" else ""
            with cols.paragraph(bottom_margin=3, text_align="LEFT") as par:
                par.write(encode(label))
                for piece_style, piece in runs(content):
                    _set_run_font(pdf, family, piece_style, size, style)
                    par.write(encode(_hyphenate(piece) if soft_hyphens and piece_style == "plain" else piece))
                pdf.char_vpos = "LINE"
                pdf.set_font(family, style, size)
    out = pdf.output()
    return bytes(out)


def _hyphenate(text: str) -> str:
    return _LONG_WORD_RE.sub(lambda m: m.group(1) + "\u00ad" + m.group(2), text)


def _same(text: str) -> str:
    return text.replace("\t", " ")


def _set_run_font(pdf: object, family: str, piece_style: str, size: int, base: str) -> None:
    pdf.char_vpos = "SUP" if piece_style == "sup" else "LINE"  # type: ignore[attr-defined]
    face = {"bold": "B", "italic": "I"}.get(piece_style, base)
    pdf.set_font(family, face, size)  # type: ignore[attr-defined]
