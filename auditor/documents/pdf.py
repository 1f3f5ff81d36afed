"""PDF documents through pdfplumber (pdfminer.six, MIT): text in reading order with page+line positions.

A PDF has no paragraphs, only positioned words, so this module rebuilds what a reader sees:
- Running headers, footers and page numbers removed: lines in the top or bottom margin whose
  text (digits ignored) repeats on other pages, or that are only a page number.
- Two columns found per page by a vertical gutter that no line crosses; full-width lines (title,
  wide headings) split the page into bands, each read left column then right column.
- Superscripts detected from a smaller size and a raised baseline and, when they hold citation
  numbers, written ``^{1,2}``; italic faces written ``*journal*`` and larger lines ``## heading``:
  the markers the text parser already understands.
- Lines joined into paragraphs (a wider gap, an indent, a short last line, an entry label such as
  ``12.`` or ``[12]`` start a new one), across column and page breaks, so a bibliography is
  followed across pages; a line-end hyphen is dropped (``inflam-``/``mation``) unless the document
  elsewhere writes that word with its hyphen (``low-dose``).

Refused with one clear line: encrypted files that need a password, files without a text layer
(scans), more than ``MAX_PDF_PAGES`` pages or ``MAX_PDF_CHARS`` characters.
"""

from __future__ import annotations

import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from auditor.documents import detect
from auditor.documents.rendering import TextBuilder, make_document
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
    """An x between 30% and 70% of the width that few rows cross, with a column of text on each side."""
    if len(words) < 30:
        return None
    rows: dict[int, list[_Word]] = {}
    for w in words:
        rows.setdefault(round(w.bottom / 3), []).append(w)
    best: tuple[float, float] | None = None
    x = width * 0.3
    while x <= width * 0.7:
        crossing = sum(1 for row in rows.values() if any(w.x0 < x < w.x1 for w in row))
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
    crossing_rows = {round(w.bottom / 3) for w in words if w.x0 < gutter < w.x1}
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
    """One line's text; a run of raised, smaller words holding numbers becomes ``^{...}``."""
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
                text = "^{" + joined.strip("[]().,;") + "}" if _CITATION_RE.match(joined) else joined
            gap = w.x0 - previous.x1 if previous is not None else 0.0
            space = previous is not None and gap > min(w.size, previous.size) * 0.18 and not sup
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


def _headers_and_footers(pages: list[_Page]) -> None:
    """Drop running heads and page numbers from the top and bottom margins of each page."""
    def key(line: _Line) -> str:
        return re.sub(r"\d+", "#", " ".join(line.text.lower().split()))

    def margin_lines(page: _Page) -> list[_Line]:
        return [ln for ln in page.lines if ln.bottom < page.height * _MARGIN or ln.top > page.height * (1 - _MARGIN)]

    counts = Counter(key(ln) for page in pages for ln in {key(x): x for x in margin_lines(page)}.values())
    repeated = {k for k, n in counts.items() if n >= 2 and n * 2 >= len(pages)}
    for page in pages:
        drop = {id(ln) for ln in margin_lines(page) if key(ln) in repeated or _PAGE_NUMBER_RE.match(key(ln))}
        page.lines = [ln for ln in page.lines if id(ln) not in drop]


def _deliberate_break(prev: _Line, line: _Line, right: float) -> bool:
    """The previous line stopped although the next line's first word would have fitted on it."""
    first = line.words[0]
    return prev.x1 + (first.x1 - first.x0) + first.size * 0.5 < right


def label_kind(text: str) -> str | None:
    m = _LABEL_RE.match(text)
    return m.lastgroup if m else None


def _new_paragraph(prev: _Line, line: _Line, pitch: float, body: float,
                   extents: dict[tuple[int, int], tuple[float, float]], opened_by: str | None) -> bool:
    """Does ``line`` start a new paragraph? ``opened_by`` is the label kind the current one began with."""
    if line.size > body * 1.12 or prev.size > body * 1.12:
        same_heading = abs(line.size - prev.size) < body * 0.05 and 0 < line.top - prev.top < line.size * 1.6
        return not same_heading
    left, right = extents[(line.page, line.column)]
    p_left, p_right = extents[(prev.page, prev.column)]
    kind = label_kind(line.text)
    if kind in ("dot", "bullet") or (kind is not None and kind == opened_by):
        return True
    if kind is not None and _deliberate_break(prev, line, p_right):
        return True  # "(1)"/"[1]" after a wrap is a citation, after a deliberate break an entry
    if prev.page != line.page or prev.column != line.column:
        return _deliberate_break(prev, line, p_right) or line.x0 > left + body * 1.5
    if line.top - prev.top > pitch * 1.35:
        return True
    if label_kind(prev.text) and len(prev.words) > 1 and abs(line.x0 - prev.words[1].x0) < body * 0.3:
        return False  # the text of a labelled entry continues under its first word (hanging label)
    if line.x0 > left + body * 1.2 and line.x0 > prev.x0 + body:
        return True  # a first-line indent
    if prev.x0 > line.x0 + body:
        return True  # the previous lines hung (a hanging-indent bibliography)
    return _deliberate_break(prev, line, right) and prev.text.rstrip().endswith((".", ":", "?", "!"))


def _join(left: str, right: str, hyphenated: set[str]) -> tuple[str, str]:
    """(text to keep of ``left``, separator) for joining two lines of a paragraph."""
    if left.endswith("*") and right.startswith("*") and not left.endswith("**"):
        return left[:-1], " " + "\x00"  # italics running over the line break: one italic span
    m = _HYPHEN_END_RE.search(left)
    start = _WORD_START_RE.match(right)
    if m and start and not left.endswith(" -"):
        if f"{m.group(1)}-{start.group(1)}".lower() in hyphenated:
            return left, ""
        return left[:-1], ""
    return left, " "


def load_pdf(data: bytes, name: str) -> Document:
    pdf = _open(data, name)
    with pdf:
        try:
            count = len(pdf.pages)
        except Exception:  # noqa: BLE001 - a broken page tree surfaces here
            raise InputError(f"{name}: not a readable PDF (broken page tree)") from None
        if count > detect.MAX_PDF_PAGES:
            raise InputError(f"{name}: {count} pages (limit {detect.MAX_PDF_PAGES}); refused")
        raw_pages: list[tuple[Any, list[_Word]]] = []
        chars = 0
        for page in pdf.pages:
            try:
                words = _words(page)
            except Exception as exc:  # noqa: BLE001 - pdfminer on a hostile content stream
                raise InputError(f"{name}: page {page.page_number} cannot be read ({type(exc).__name__})") from None
            chars += sum(len(w.text) for w in words)
            if chars > detect.MAX_PDF_CHARS:
                raise InputError(f"{name}: more than {detect.MAX_PDF_CHARS} characters of text; refused")
            raw_pages.append((page, words))
    if chars == 0:
        raise InputError(f"{name}: the PDF has no text layer (a scanned image?); run OCR on it first")
    sizes = Counter(round(w.size, 1) for _, words in raw_pages for w in words for _ in w.text)
    body = sizes.most_common(1)[0][0]
    pages = []
    for page, words in raw_pages:
        layout = _Page(page.page_number, float(page.width), float(page.height))
        layout.lines = _read_order(words, layout.number, layout.width, body)
        for ln in layout.lines:
            ln.text = _compose(ln, body)
        pages.append(layout)
    _headers_and_footers(pages)
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
    pitch = statistics.median(pitches) if pitches else body * 1.2
    hyphenated = {m.group(0).lower() for ln in lines for m in _HYPHENATED_RE.finditer(ln.text)}
    builder = TextBuilder()
    paragraph: list[_Line] = []

    def flush() -> None:
        if not paragraph:
            return
        builder.block()
        heading = paragraph[0].size > body * 1.12
        texts = [ln.text for ln in paragraph]
        pieces: list[tuple[str, _Line]] = []
        carry = ""
        for i, ln in enumerate(paragraph):
            text = carry + texts[i]
            carry = ""
            if i + 1 < len(paragraph):
                text, sep = _join(text, texts[i + 1], hyphenated)
                if sep.endswith("\x00"):
                    texts[i + 1] = texts[i + 1][1:]
                    sep = sep[:-1]
                text += sep
            pieces.append((text, ln))
        if heading:
            pieces[0] = ("## " + pieces[0][0], pieces[0][1])
        for text, ln in pieces:
            builder.add(text, page=ln.page, line=ln.number)
        paragraph.clear()

    for ln in lines:
        if paragraph and _new_paragraph(paragraph[-1], ln, pitch, body, extents, label_kind(paragraph[0].text)):
            flush()
        paragraph.append(ln)
    flush()
    return make_document(data, name, "pdf", builder)
