"""PDF documents through pdfplumber (pdfminer.six, MIT): text in reading order with page+line positions.

A PDF has no paragraphs, only positioned words, so this module rebuilds what a reader sees:
- Running headers, footers and page numbers removed: lines in the top or bottom margin whose
  text (digits ignored) repeats on other pages, or that are only a page number.
- Two columns found per page by a vertical gutter that no line crosses; full-width lines (title,
  wide headings) split the page into bands, each read left column then right column.
- Superscripts detected from a smaller size and a raised baseline and, when they hold citation
  numbers, written ``¹˒²`` as a text file would; italic faces written ``*journal*`` and larger lines ``## heading``:
  the markers the text parser already understands.
- Lines joined into paragraphs (a wider gap, an indent, a short last line, an entry label such as
  ``12.`` or ``[12]`` start a new one), across column and page breaks, so a bibliography is
  followed across pages; a line-end hyphen is dropped (``inflam-``/``mation``) unless the document
  elsewhere writes that word with its hyphen (``low-dose``).

Refused with one clear line: encrypted files that need a password, files without a text layer
(scans), more than ``MAX_PDF_PAGES`` pages or ``MAX_PDF_CHARS`` characters, and every limit of
:mod:`auditor.documents.pdf_budget` (characters per page, inflated stream bytes, nested or
repeated drawing objects, time per page), all enforced while pdfminer works, not afterwards.
"""

from __future__ import annotations

import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from auditor.documents import detect
from auditor.documents.pdf_budget import Budget, PdfLimit, budgeted, lay_out
from auditor.documents.rendering import TextBuilder, make_document, superscript
from auditor.errors import InputError
from auditor.model import Document

_CITATION_RE = re.compile(r"^[\[(]?\d{1,4}(?:[,;–\-−‐]\d{1,4})*[\])]?[,.;]?$")
_LABEL_RE = re.compile(
    r"^(?:(?P<bracket>\[\d{1,4}\])|(?P<paren>\(\d{1,4}\))|(?P<dot>\d{1,4}[.)](?=\s))|(?P<bullet>[-•–·▪]\s))")
_PAGE_NUMBER_RE = re.compile(r"^(?:page\s*)?[#ivxlc]+(?:\s*(?:of|/)\s*#+)?$|^[-–]\s*#+\s*[-–]$", re.IGNORECASE)
_HYPHEN_END_RE = re.compile(r"([A-Za-z]+)[-\u00ad]$")
_WORD_START_RE = re.compile(r"^([a-z]+)")
_HYPHENATED_RE = re.compile(r"\b[A-Za-z]+-[A-Za-z]+\b")
_MARGIN = 0.09
_URL_TAIL_RE = re.compile(r"(?:https?://|doi\.org/|\b10\.\d{4,9}/)\S*[\w/.\-]$")
_URL_CONTINUES_RE = re.compile(r"^(?:[\d./\-_]|[\w\-]*\d)")


@dataclass
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    italic: bool


@dataclass
class _Line:
    words: list[_Word]
    page: int
    column: int = 0
    number: int = 0
    text: str = ""
    size: float = 0.0

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words if w.size >= self.size * 0.85)

    @property
    def bottom(self) -> float:
        return statistics.median(w.bottom for w in self.words if w.size >= self.size * 0.85)


@dataclass
class _Page:
    number: int
    width: float
    height: float
    lines: list[_Line] = field(default_factory=list)


def _open(data: bytes, name: str) -> Any:
    import pdfplumber

    try:
        return pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many unrelated types on hostile files
        inner = [exc, exc.__cause__, exc.__context__, *exc.args]
        chain = " ".join(f"{type(e).__name__} {e}" for e in inner if e is not None)
        if "Password" in chain or "Encrypt" in chain:
            raise InputError(f"{name}: the PDF is encrypted and needs a password; save an unprotected copy") from None
        raise InputError(f"{name}: not a readable PDF ({type(exc).__name__})") from None


def _words(page: Any) -> list[_Word]:
    out = []
    for w in page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False, x_tolerance=1.5):
        text = w["text"].replace("\u00ad", "-") if w["text"].endswith("\u00ad") else w["text"].replace("\u00ad", "")
        if not text.strip() or not w.get("upright", True):
            continue
        font = str(w.get("fontname", ""))
        out.append(_Word(text, float(w["x0"]), float(w["x1"]), float(w["top"]), float(w["bottom"]),
                         float(w["size"]), "Italic" in font or "Oblique" in font))
    return out


def _cluster(words: list[_Word], page: int, body: float) -> list[_Line]:
    """Words -> lines: full-size words by baseline, smaller ones (superscripts) joined to the line they touch."""
    main = sorted((w for w in words if w.size >= body * 0.9), key=lambda w: (w.bottom, w.x0))
    small = [w for w in words if w.size < body * 0.9]
    lines: list[_Line] = []
    for w in main:
        if lines and abs(lines[-1].words[-1].bottom - w.bottom) <= max(w.size, 1.0) * 0.35:
            lines[-1].words.append(w)
        else:
            lines.append(_Line([w], page))
    orphans: list[_Word] = []
    for w in small:
        hosts = [ln for ln in lines if min(x.top for x in ln.words) - 1 <= w.bottom <= ln.words[0].bottom + 1]
        host = min(hosts, key=lambda ln: abs(ln.words[0].bottom - w.bottom), default=None)
        if host is not None:
            host.words.append(w)
        else:
            orphans.append(w)
    for w in sorted(orphans, key=lambda w: (w.bottom, w.x0)):
        last = lines[-1] if lines else None
        if last and last.words[0].size < body * 0.9 and abs(last.words[-1].bottom - w.bottom) <= w.size * 0.35:
            last.words.append(w)
        else:
            lines.append(_Line([w], page))
    for ln in lines:
        ln.words.sort(key=lambda w: w.x0)
        ln.size = max(w.size for w in ln.words)
    return sorted(lines, key=lambda ln: ln.top)


def _gutter(words: list[_Word], width: float) -> float | None:
    """An x between 30% and 70% of the width whose strip (a word space either side) few rows cross,
    with a column of text on each side."""
    if len(words) < 30:
        return None
    rows: dict[int, list[_Word]] = {}
    for w in words:
        rows.setdefault(round(w.bottom / 3), []).append(w)
    best: tuple[float, float] | None = None
    half = statistics.median(w.size for w in words) * 0.6  # a gutter is an empty strip, not a word space
    x = width * 0.3
    while x <= width * 0.7:
        crossing = sum(1 for row in rows.values() if any(w.x0 < x + half and w.x1 > x - half for w in row))
        if crossing <= len(rows) * 0.15 and (best is None or crossing < best[0]):
            left = [w for w in words if w.x1 <= x]
            right = [w for w in words if w.x0 >= x]
            if len(left) >= len(words) * 0.2 and len(right) >= len(words) * 0.2:
                top = max(min(w.top for w in left), min(w.top for w in right))
                bottom = min(max(w.bottom for w in left), max(w.bottom for w in right))
                shorter = min(max(w.bottom for w in side) - min(w.top for w in side) for side in (left, right))
                if bottom - top >= shorter * 0.5:
                    best = (crossing, x)
        x += 2.0
    return best[1] if best else None


def _read_order(words: list[_Word], page: int, width: float, body: float) -> list[_Line]:
    gutter = _gutter(words, width)
    if gutter is None:
        return _cluster(words, page, body)
    rows: dict[int, list[_Word]] = {}
    for w in words:
        rows.setdefault(round(w.bottom / 3), []).append(w)
    crossing_rows = set()
    for key, row in rows.items():
        row.sort(key=lambda w: w.x0)
        if any(w.x0 < gutter < w.x1 for w in row) or any(
                a.x1 <= gutter <= b.x0 and b.x0 - a.x1 < body * 0.8 for a, b in zip(row, row[1:], strict=False)):
            crossing_rows.add(key)  # a word crosses the gutter, or only a word space spans it
    full = [w for w in words if round(w.bottom / 3) in crossing_rows]
    rest = [w for w in words if round(w.bottom / 3) not in crossing_rows]
    left = _cluster([w for w in rest if w.x1 <= gutter or (w.x0 + w.x1) / 2 < gutter], page, body)
    right = _cluster([w for w in rest if not (w.x1 <= gutter or (w.x0 + w.x1) / 2 < gutter)], page, body)
    for ln in right:
        ln.column = 1
    full_lines = _cluster(full, page, body)
    for ln in full_lines:
        ln.column = 2
    order: list[_Line] = []
    previous = float("-inf")
    for boundary in [*(ln.top for ln in full_lines), float("inf")]:
        order += [ln for ln in left if previous <= ln.top < boundary]
        order += [ln for ln in right if previous <= ln.top < boundary]
        order += [ln for ln in full_lines if ln.top == boundary]
        previous = boundary
    return order


def _compose(line: _Line, body: float) -> str:
    """One line's text; a run of raised, smaller words holding numbers becomes ``¹˒²``."""
    baseline = line.bottom
    groups: list[tuple[bool, list[_Word]]] = []
    for w in line.words:
        sup = w.size < line.size * 0.9 and w.bottom < baseline - w.size * 0.2
        if groups and groups[-1][0] and sup:
            groups[-1][1].append(w)
        else:
            groups.append((sup, [w]))
    out = ""
    previous: _Word | None = None
    italic_open = False
    for sup, words in groups:
        for w in words if not sup else [words[0]]:
            text = w.text
            if sup:
                joined = "".join(x.text for x in words)
                text = superscript(joined.rstrip(",.;")) + joined[len(joined.rstrip(",.;")):] \
                    if _CITATION_RE.match(joined) else joined
            gap = w.x0 - previous.x1 if previous is not None else 0.0
            space = previous is not None and gap > min(w.size, previous.size) * 0.18 and not sup \
                and not (text == "-" and w is line.words[-1])  # a hyphen glyph set apart at the line end
            italic = w.italic and not sup
            if italic_open and not italic:
                out += "*"
                italic_open = False
            if space:
                out += " "
            if italic and not italic_open and re.search(r"\w", text):
                out += "*"
                italic_open = True
            out += text
            previous = words[-1] if sup else w
    if italic_open:
        out += "*"
    return re.sub(r"\*([.,;:])\*", r"\1", out)


def _running_heads(pages: list[tuple[Any, list[_Word]]], body: float) -> list[list[_Word]]:
    """Each page's words without running heads, footers and page numbers.

    Done before the column split, on full-width rows of the top and bottom margins: a centred
    running head straddles the gutter and would otherwise be cut into two column "lines".
    """
    def key(line: _Line) -> str:
        return re.sub(r"\d+", "#", " ".join(_compose(line, body).lower().split()))

    margins: list[list[tuple[str, _Line]]] = []
    for page, words in pages:
        height = float(page.height)
        zone = [w for w in words if w.bottom < height * _MARGIN or w.top > height * (1 - _MARGIN)]
        margins.append([(key(ln), ln) for ln in _cluster(zone, page.page_number, body)])
    counts = Counter(k for rows in margins for k in {k for k, _ in rows})
    repeated = {k for k, n in counts.items() if n >= 2 and n * 2 >= len(pages)}
    out = []
    for (_, words), rows in zip(pages, margins, strict=True):
        drop = {id(w) for k, ln in rows if k in repeated or _PAGE_NUMBER_RE.match(k) for w in ln.words}
        out.append([w for w in words if id(w) not in drop])
    return out


def _deliberate_break(prev: _Line, line: _Line, right: float) -> bool:
    """The previous line stopped although the next line's first word would have fitted on it."""
    first = line.words[0]
    return prev.x1 + (first.x1 - first.x0) + first.size * 0.5 < right


def label_kind(text: str) -> str | None:
    m = _LABEL_RE.match(text)
    return m.lastgroup if m else None


def _boundary(prev: _Line, line: _Line, pitch: float, body: float,
              extents: dict[tuple[int, int], tuple[float, float]], opened_by: str | None) -> str:
    """How ``line`` follows ``prev``: ``new`` paragraph, ``soft`` line break, or ``join`` (same paragraph).

    Only what the layout proves (a gap, an indent, a label, a heading) starts a paragraph; a line
    that merely stops early with a full stop becomes a line break, which the text parser then
    weighs exactly as it weighs a hard-wrapped text file.
    """
    if line.size > body * 1.12 or prev.size > body * 1.12:
        same_heading = abs(line.size - prev.size) < body * 0.05 and 0 < line.top - prev.top < line.size * 1.6
        return "join" if same_heading else "new"
    left, right = extents[(line.page, line.column)]
    p_left, p_right = extents[(prev.page, prev.column)]
    kind = label_kind(line.text)
    if kind in ("dot", "bullet") or (kind is not None and kind == opened_by):
        return "new"
    if kind is not None and _deliberate_break(prev, line, p_right):
        return "new"  # "(1)"/"[1]" after a wrap is a citation, after a deliberate break an entry
    if prev.page != line.page or prev.column != line.column:
        if not _deliberate_break(prev, line, p_right):
            return "join"
        return "new" if prev.text.rstrip().endswith((".", ":", "?", "!")) else "soft"
    if line.top - prev.top > pitch * 1.35:
        return "new"
    if label_kind(prev.text) and len(prev.words) > 1 and abs(line.x0 - prev.words[1].x0) < body * 0.3:
        return "join"  # the text of a labelled entry continues under its first word (hanging label)
    if line.x0 > left + body * 1.2 and line.x0 > prev.x0 + body and _deliberate_break(prev, line, right):
        return "new"  # a first-line indent after a paragraph's short last line (after a full line: hanging)
    if prev.x0 > line.x0 + body:
        return "new"  # the previous lines hung (a hanging-indent bibliography)
    if _deliberate_break(prev, line, right) and prev.text.rstrip().endswith((".", ":", "?", "!")):
        return "soft"
    return "join"


def _join(left: str, right: str, hyphenated: set[str], brim: bool = False) -> tuple[str, str]:
    """(text to keep of ``left``, separator) for joining two lines of a paragraph.

    ``brim``: the left line runs to the column's edge, the mark of a token broken where it did not fit.
    """
    if left.endswith("*") and right.startswith("*") and not left.endswith("**"):
        return left[:-1], " " + "\x00"  # italics running over the line break: one italic span
    if brim and _URL_TAIL_RE.search(left) and _URL_CONTINUES_RE.match(right):
        return left, ""  # a DOI or URL broken at the line end without a hyphen
    m = _HYPHEN_END_RE.search(left)
    start = _WORD_START_RE.match(right)
    if m and start and not left.endswith(" -"):
        if f"{m.group(1)}-{start.group(1)}".lower() in hyphenated:
            return left, ""
        return left[:-1], ""
    return left, " "


def load_pdf(data: bytes, name: str) -> Document:
    budget = Budget(max_chars=detect.MAX_PDF_CHARS)
    try:
        with budgeted(budget):
            raw_pages = _extract(data, name, budget)
    except PdfLimit as exc:
        raise InputError(f"{name}: {exc} (limits of the PDF reader); refused") from None
    return _layout(data, name, raw_pages)


def _count_pages(pdf: Any, name: str) -> None:
    """Refuse more than ``MAX_PDF_PAGES`` pages after walking at most that many + 1 of the page tree
    (pdfplumber's ``pages`` builds every page first: 20,000 blank pages took 7 s to be refused)."""
    from pdfminer.pdfpage import PDFPage

    limit = detect.MAX_PDF_PAGES
    try:
        count = 0
        for count, _ in enumerate(PDFPage.create_pages(pdf.doc), start=1):  # noqa: B007 - counted
            if count > limit:
                break
        if count <= limit:
            count = len(pdf.pages)
    except Exception:  # noqa: BLE001 - a broken page tree surfaces here
        raise InputError(f"{name}: not a readable PDF (broken page tree)") from None
    if count > limit:
        raise InputError(f"{name}: more than {limit} pages; refused")


def _extract(data: bytes, name: str, budget: Budget) -> list[tuple[Any, list[_Word]]]:
    """Each page's words, extracted under ``budget``: the limits stop the work, not a count afterwards."""
    pdf = _open(data, name)
    try:
        _count_pages(pdf, name)
        raw_pages: list[tuple[Any, list[_Word]]] = []
        for page in pdf.pages:
            try:
                lay_out(page, budget)
                words = _words(page)
            except InputError:
                raise
            except Exception as exc:  # noqa: BLE001 - pdfminer on a hostile content stream (PdfLimit is none)
                raise InputError(f"{name}: page {page.page_number} cannot be read ({type(exc).__name__})") from None
            raw_pages.append((page, words))
    finally:
        pdf.stream.close()  # not pdf.close(): that rebuilds every page object of the file just to close it
    return raw_pages


def _layout(data: bytes, name: str, raw_pages: list[tuple[Any, list[_Word]]]) -> Document:
    chars = sum(len(w.text) for _, words in raw_pages for w in words)
    if chars == 0:
        raise InputError(f"{name}: the PDF has no text layer (a scanned image?); run OCR on it first")
    sizes = Counter(round(w.size, 1) for _, words in raw_pages for w in words for _ in w.text)
    body = sizes.most_common(1)[0][0]
    pages = []
    for (page, _), words in zip(raw_pages, _running_heads(raw_pages, body), strict=True):
        layout = _Page(page.page_number, float(page.width), float(page.height))
        layout.lines = _read_order(words, layout.number, layout.width, body)
        for ln in layout.lines:
            ln.text = _compose(ln, body)
        pages.append(layout)
    lines = [ln for page in pages for ln in page.lines]
    for page in pages:
        for number, ln in enumerate(page.lines, start=1):
            ln.number = number
    return _assemble(data, name, lines, body)


def _assemble(data: bytes, name: str, lines: list[_Line], body: float) -> Document:
    extents: dict[tuple[int, int], tuple[float, float]] = {}
    for ln in lines:
        left, right = extents.get((ln.page, ln.column), (ln.x0, ln.x1))
        extents[(ln.page, ln.column)] = (min(left, ln.x0), max(right, ln.x1))
    pitches = [b.top - a.top for a, b in zip(lines, lines[1:], strict=False)
               if a.page == b.page and a.column == b.column and 0 < b.top - a.top < body * 3]
    # The lower quartile: documents of one-line paragraphs would make the median a paragraph gap.
    pitch = (statistics.quantiles(pitches, n=4)[0] if len(pitches) >= 4 else min(pitches)) if pitches else body * 1.2
    hyphenated = {m.group(0).lower() for ln in lines for m in _HYPHENATED_RE.finditer(ln.text)}
    builder = TextBuilder()
    paragraph: list[tuple[_Line, str]] = []

    def flush() -> None:
        if not paragraph:
            return
        builder.block()
        texts = [ln.text for ln, _ in paragraph]
        if paragraph[0][0].size > body * 1.12:
            texts[0] = "## " + texts[0]
        for i, (ln, _) in enumerate(paragraph):
            text, sep = texts[i], ""
            if i + 1 < len(paragraph):
                following = paragraph[i + 1][1]
                right_edge = extents[(ln.page, ln.column)][1]
                text, sep = _join(text, texts[i + 1], hyphenated, brim=right_edge - ln.x1 < ln.size * 0.6)
                if sep.endswith("\x00"):
                    texts[i + 1] = texts[i + 1][1:]
                    sep = sep[:-1]
                elif following == "soft" and sep == " ":
                    sep = "\n"  # no hyphen or URL carried over: keep the line break for the parser
            builder.add(text, page=ln.page, line=ln.number)
            if sep == "\n":
                builder.newline()
            elif sep:
                builder.add(sep, page=ln.page, line=ln.number)
        paragraph.clear()

    for ln in lines:
        how = _boundary(paragraph[-1][0], ln, pitch, body, extents, label_kind(paragraph[0][0].text)) \
            if paragraph else "new"
        if how == "new":
            flush()
        paragraph.append((ln, how))
    flush()
    return make_document(data, name, "pdf", builder)
