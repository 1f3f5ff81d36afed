"""Word (.docx) documents: paragraphs in reading order, as the reader sees them, plus the
reference manager's field data behind the citations.

What is rendered, and why:
- Body paragraphs and tables in document order, then endnotes under a ``Notes`` heading and
  footnotes under ``Footnotes`` (both headings end a bibliography section, so notes are never glued
  onto the last reference; endnotes that *are* the references are found as a trailing numbered list).
- Tracked changes in their accepted state: ``w:ins``/``w:moveTo`` kept, ``w:del``/``w:moveFrom`` dropped.
- Automatic numbering rebuilt from ``w:numPr`` (direct or through the paragraph style) and
  ``numbering.xml``: start values, ``startOverride`` restarts, per-level counters, ``lvlText``.
  Bullets render as ``-``, so a bibliography numbered only by list formatting keeps its numbers.
- Superscript runs (direct ``w:vertAlign`` or through a character style) that hold citation numbers
  become ``¹˒²`` (as a text file writes them), italic runs ``*journal*`` and heading paragraphs
  ``## Heading``: the markers the text parser already understands, so every later stage is unchanged.
- Fields: the displayed result is the text; the code (``w:instrText`` joined over all its runs, or
  base64 ``w:fldData``) of Zotero/Mendeley ``CSL_CITATION`` and EndNote ``EN.CITE`` fields becomes
  :class:`~auditor.model.Evidence` for the bibliography number each cited item renders as.

Positions are paragraph numbers (every ``w:p`` in that order, empty ones included) and the line
within the paragraph (manual line breaks).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from auditor.documents.detect import local, parse_xml, read_zip
from auditor.documents.libraries import fields_from_csl, fields_from_endnote
from auditor.documents.rendering import TextBuilder, make_document, superscript
from auditor.errors import InputError
from auditor.model import Document, Evidence, ParsedFields

_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml", "word/numbering.xml", "word/styles.xml")
_CITATION_SUP_RE = re.compile(r"^[\s\[\(]*\d{1,4}(?:\s*[,;–\-−‐]\s*\d{1,4})*[\s\]\)]*$")
_NUMBERS_RE = re.compile(r"\d{1,4}(?:\s*[–\-−‐]\s*\d{1,4})?")
_TRUE_OFF = frozenset({"0", "false", "off", "none"})


def _attr(elem: Element | None, name: str) -> str | None:
    """``w:val`` and friends, whatever the namespace (transitional or strict OOXML)."""
    if elem is None:
        return None
    for key, value in elem.attrib.items():
        if key.rsplit("}", 1)[-1] == name:
            return value
    return None


def _find(elem: Element | None, *path: str) -> Element | None:
    for name in path:
        if elem is None:
            return None
        elem = next((c for c in elem if local(c.tag) == name), None)
    return elem


def _on(elem: Element | None) -> bool:
    return elem is not None and (_attr(elem, "val") or "true").lower() not in _TRUE_OFF


# --------------------------------------------------------------------------------------------
# Styles and numbering
# --------------------------------------------------------------------------------------------


@dataclass
class _Style:
    based_on: str | None = None
    superscript: bool | None = None
    italic: bool | None = None
    heading: int | None = None
    num_id: str | None = None
    ilvl: int | None = None


class _Styles:
    def __init__(self, root: Element | None) -> None:
        self._styles: dict[str, _Style] = {}
        for st in root if root is not None else []:
            if local(st.tag) != "style":
                continue
            style = _Style(based_on=_attr(_find(st, "basedOn"), "val"))
            rpr = _find(st, "rPr")
            align = _attr(_find(rpr, "vertAlign"), "val")
            if align is not None:
                style.superscript = align == "superscript"
            if _find(rpr, "i") is not None:
                style.italic = _on(_find(rpr, "i"))
            name = (_attr(_find(st, "name"), "val") or "").lower()
            m = re.match(r"heading\s*([1-9])$", name)
            if m:
                style.heading = int(m.group(1))
            elif name == "title":
                style.heading = 1
            ppr = _find(st, "pPr")
            outline = _attr(_find(ppr, "outlineLvl"), "val")
            if style.heading is None and outline is not None and outline.isdigit() and int(outline) < 9:
                style.heading = int(outline) + 1
            numpr = _find(ppr, "numPr")
            if numpr is not None:
                style.num_id = _attr(_find(numpr, "numId"), "val")
                ilvl = _attr(_find(numpr, "ilvl"), "val")
                style.ilvl = int(ilvl) if ilvl and ilvl.isdigit() else None
            self._styles[_attr(st, "styleId") or ""] = style

    def lookup(self, style_id: str | None, name: str) -> Any:
        """A property through the ``basedOn`` chain (bounded: hostile files loop)."""
        seen = 0
        while style_id and seen < 20:
            style = self._styles.get(style_id)
            if style is None:
                return None
            value = getattr(style, name)
            if value is not None:
                return value
            style_id, seen = style.based_on, seen + 1
        return None


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                           (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letters(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


_MAX_LETTER_NUMBER = 32_767
"""Word's own ceiling for a list number; beyond it letters and roman numerals would take unbounded
time and memory (``w:start w:val="99999999999999999999"`` in lowerRoman is a hang), so decimal is used."""


def _format(n: int, fmt: str) -> str:
    if not 0 < n <= _MAX_LETTER_NUMBER:
        return str(n)
    if fmt in ("lowerLetter",):
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


class _Numbering:
    """Counters per list (``w:num``), with the restarts Word applies."""

    def __init__(self, root: Element | None) -> None:
        abstract: dict[str, dict[int, _Level]] = {}
        self._nums: dict[str, tuple[str, dict[int, int]]] = {}
        for elem in root if root is not None else []:
            tag = local(elem.tag)
            if tag == "abstractNum":
                levels: dict[int, _Level] = {}
                for lvl in elem:
                    if local(lvl.tag) != "lvl":
                        continue
                    ilvl = _attr(lvl, "ilvl") or "0"
                    start = _attr(_find(lvl, "start"), "val") or "1"
                    levels[int(ilvl) if ilvl.isdigit() else 0] = _Level(
                        start=int(start) if start.lstrip("-").isdigit() else 1,
                        fmt=_attr(_find(lvl, "numFmt"), "val") or "decimal",
                        text=_attr(_find(lvl, "lvlText"), "val") or "",
                    )
                abstract[_attr(elem, "abstractNumId") or ""] = levels
        self._abstract = abstract
        for elem in root if root is not None else []:
            if local(elem.tag) != "num":
                continue
            overrides: dict[int, int] = {}
            for override in elem:
                if local(override.tag) != "lvlOverride":
                    continue
                value = _attr(_find(override, "startOverride"), "val")
                ilvl = _attr(override, "ilvl") or "0"
                if value and value.isdigit() and ilvl.isdigit():
                    overrides[int(ilvl)] = int(value)
            self._nums[_attr(elem, "numId") or ""] = (_attr(_find(elem, "abstractNumId"), "val") or "", overrides)
        self._counters: dict[str, dict[int, int]] = {}
        self._restarted: set[tuple[str, int]] = set()

    def label(self, num_id: str, ilvl: int) -> str | None:
        if num_id not in self._nums or num_id == "0":
            return None
        abstract_id, overrides = self._nums[num_id]
        levels = self._abstract.get(abstract_id, {})
        level = levels.get(ilvl, _Level())
        # Lists sharing an abstract definition continue each other unless one restarts it.
        key = abstract_id if ilvl not in overrides else num_id
        counters = self._counters.setdefault(key, {})
        if ilvl in overrides and (num_id, ilvl) not in self._restarted:
            self._restarted.add((num_id, ilvl))
            counters[ilvl] = overrides[ilvl] - 1
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt == "bullet":
            return "-"
        if level.fmt == "none":
            return None

        def value(match: re.Match[str]) -> str:
            k = int(match.group(1)) - 1
            lvl = levels.get(k, _Level())
            return _format(counters.get(k, lvl.start), lvl.fmt)

        return re.sub(r"%([1-9])", value, level.text).strip() or None


# --------------------------------------------------------------------------------------------
# Fields (Zotero, Mendeley, EndNote)
# --------------------------------------------------------------------------------------------


@dataclass
class _Field:
    instr: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    result: list[str] = field(default_factory=list)
    in_result: bool = False


@dataclass
class _Cited:
    key: str
    fields: ParsedFields
    source: str


class _Malformed(Exception):
    """A field's record cannot be read; the reason is the message of the entry's ``REF602`` note."""


def _csl_items(instr: str, source: str) -> list[_Cited]:
    start = instr.find("{")
    if start == -1:
        return []
    try:
        payload, _ = json.JSONDecoder().raw_decode(instr[start:])
    except (ValueError, RecursionError):  # nesting beyond the parser's limit is malformed field data too
        raise _Malformed("its CSL-JSON is not valid JSON") from None
    items = payload.get("citationItems") if isinstance(payload, dict) else None
    out: list[_Cited] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("itemData"), dict):
            continue
        data = item["itemData"]
        uris = item.get("uris") or item.get("uri") or []
        key = str(uris[0] if isinstance(uris, list) and uris else item.get("id") or data.get("id") or data.get("title"))
        out.append(_Cited(key, fields_from_csl(data), source))
    return out


def _endnote_items(xml: str, name: str) -> list[_Cited]:
    if "<" not in xml:
        return []
    try:
        root = parse_xml(xml[xml.find("<"):].encode("utf-8"), name, "EndNote field")
    except RecursionError:
        raise _Malformed("its EndNote XML is nested too deeply") from None
    except InputError as exc:  # "name: not well-formed EndNote field (…)": keep only the reason
        raise _Malformed("its " + str(exc).split(": ", 1)[-1].replace("EndNote field", "EndNote XML")) from None
    out: list[_Cited] = []
    for cite in (e for e in root.iter() if local(e.tag) == "Cite"):
        record = next((e for e in cite if local(e.tag) == "record"), None)
        if record is None:
            continue
        recnum = next(("".join(e.itertext()) for e in cite if local(e.tag) == "RecNum"), "")
        out.append(_Cited(f"endnote:{recnum}" if recnum else f"endnote:{len(out)}", fields_from_endnote(record),
                          "endnote"))
    return out


def _decode_fld_data(data: list[str]) -> str:
    blob = "".join("".join(data).split())
    if not blob:
        return ""
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        raise _Malformed("its w:fldData is not base64") from None
    for encoding in ("utf-8", "utf-16"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _cited_numbers(result: str) -> list[int]:
    numbers: list[int] = []
    for piece in _NUMBERS_RE.findall(result):
        bounds = re.split(r"\s*[–\-−‐]\s*", piece)
        if len(bounds) == 2 and int(bounds[0]) < int(bounds[1]) <= int(bounds[0]) + 200:
            numbers.extend(range(int(bounds[0]), int(bounds[1]) + 1))
        else:
            numbers.append(int(bounds[0]))
    return numbers


# --------------------------------------------------------------------------------------------
# Reading order
# --------------------------------------------------------------------------------------------


@dataclass
class _Run:
    text: str
    superscript: bool = False
    italic: bool = False


class _Reader:
    def __init__(self, name: str, styles: _Styles, numbering: _Numbering) -> None:
        self.name = name
        self.styles = styles
        self.numbering = numbering
        self.builder = TextBuilder()
        self.paragraph = 0
        self.fields: list[_Field] = []
        self.note_numbers: dict[tuple[str, str], int] = {}
        self.first_numbers: dict[str, int] = {}
        self.evidence: list[Evidence] = []

    # -- paragraphs ------------------------------------------------------------------------

    def blocks(self, container: Element) -> Iterator[Element]:
        """Paragraphs in reading order: tables row by row, content controls opened."""
        for elem in container:
            tag = local(elem.tag)
            if tag == "p":
                yield elem
            elif tag in ("tbl", "tr", "tc", "sdt", "sdtContent", "customXml", "txbxContent", "ins", "moveTo"):
                yield from self.blocks(elem)

    def read(self, container: Element) -> None:
        for p in self.blocks(container):
            self.read_paragraph(p)

    def read_paragraph(self, p: Element, prefix: str | None = None) -> None:
        self.paragraph += 1
        ppr = _find(p, "pPr")
        style_id = _attr(_find(ppr, "pStyle"), "val")
        lines: list[list[_Run]] = [[]]
        self.collect(p, lines, style_id)
        # A field whose code never reached "separate" by the paragraph's end is broken (citation
        # codes never hold a paragraph mark); dropping it keeps it from swallowing the rest as code.
        while self.fields and not self.fields[-1].in_result:
            self.fields.pop()
        prefix = prefix or self.list_label(ppr, style_id)
        heading = self.styles.lookup(style_id, "heading")
        texts = [self.compose(line) for line in lines]
        if not any(t.strip() for t in texts):
            return
        if prefix:
            texts[0] = f"{prefix} {texts[0].lstrip()}"
        if heading:
            texts[0] = "#" * min(heading, 6) + " " + texts[0].strip()
        self.builder.block()
        for number, text in enumerate(texts, start=1):
            if number > 1:
                self.builder.newline()
            self.builder.add(text, paragraph=self.paragraph, line=number)

    def list_label(self, ppr: Element | None, style_id: str | None) -> str | None:
        numpr = _find(ppr, "numPr")
        num_id = _attr(_find(numpr, "numId"), "val") if numpr is not None else None
        ilvl_text = _attr(_find(numpr, "ilvl"), "val") if numpr is not None else None
        if num_id is None:
            num_id = self.styles.lookup(style_id, "num_id")
        if num_id is None:
            return None
        ilvl = int(ilvl_text) if ilvl_text and ilvl_text.isdigit() else (self.styles.lookup(style_id, "ilvl") or 0)
        return self.numbering.label(num_id, min(ilvl, 8))

    # -- runs --------------------------------------------------------------------------------

    def collect(self, elem: Element, lines: list[list[_Run]], style_id: str | None) -> None:
        for sub in elem:
            tag = local(sub.tag)
            if tag in ("del", "moveFrom", "pPr", "rPr"):
                continue
            if tag == "r":
                self.run(sub, lines)
            elif tag == "fldSimple":
                frame = _Field(instr=[_attr(sub, "instr") or ""], in_result=True)
                self.fields.append(frame)
                self.collect(sub, lines, style_id)
                self.fields.pop()
                self.finish(frame)
            elif tag in ("ins", "moveTo", "hyperlink", "smartTag", "sdt", "sdtContent", "customXml", "fldSimple"):
                self.collect(sub, lines, style_id)

    def run(self, r: Element, lines: list[list[_Run]]) -> None:
        rpr = _find(r, "rPr")
        char_style = _attr(_find(rpr, "rStyle"), "val")
        align = _attr(_find(rpr, "vertAlign"), "val")
        if align is not None:
            superscript = align == "superscript"
        else:
            superscript = bool(self.styles.lookup(char_style, "superscript"))
        italic_elem = _find(rpr, "i")
        italic = _on(italic_elem) if italic_elem is not None else bool(self.styles.lookup(char_style, "italic"))
        for sub in r:
            tag = local(sub.tag)
            if tag == "fldChar":
                self.field_char(sub)
            elif tag == "instrText":
                if self.fields and not self.fields[-1].in_result:
                    self.fields[-1].instr.append(sub.text or "")
            elif self.fields and not self.fields[-1].in_result:
                continue  # anything between begin and separate is field code, not text
            elif tag == "t":
                self.emit(lines, _Run(sub.text or "", superscript, italic))
            elif tag == "tab":
                self.emit(lines, _Run("\t"))
            elif tag in ("br", "cr"):
                lines.append([])
            elif tag == "noBreakHyphen":
                self.emit(lines, _Run("-", superscript, italic))
            elif tag == "sym":
                code = _attr(sub, "char") or ""
                if re.fullmatch(r"[0-9A-Fa-f]{1,6}", code) and int(code, 16) < 0x110000:
                    self.emit(lines, _Run(chr(int(code, 16))))
            elif tag in ("footnoteReference", "endnoteReference"):
                kind = "footnote" if tag == "footnoteReference" else "endnote"
                key = (kind, _attr(sub, "id") or "")
                number = self.note_numbers.setdefault(key, sum(1 for k in self.note_numbers if k[0] == kind) + 1)
                if kind == "endnote":
                    self.emit(lines, _Run(str(number), superscript=True))

    def emit(self, lines: list[list[_Run]], run: _Run) -> None:
        lines[-1].append(run)
        for frame in self.fields:
            if frame.in_result:
                frame.result.append(run.text)

    def field_char(self, elem: Element) -> None:
        kind = _attr(elem, "fldCharType")
        if kind == "begin":
            frame = _Field()
            data = _find(elem, "fldData")
            if data is not None and data.text:
                frame.data.append(data.text)
            self.fields.append(frame)
        elif kind == "separate" and self.fields:
            self.fields[-1].in_result = True
        elif kind == "end" and self.fields:
            frame = self.fields.pop()
            if self.fields and not self.fields[-1].in_result:
                # A field nested in another's code (EN.CITE.DATA inside EN.CITE) lends it its data.
                self.fields[-1].data.extend(frame.data)
                if "EN.CITE" not in "".join(frame.instr):
                    return
            self.finish(frame)

    @staticmethod
    def compose(runs: list[_Run]) -> str:
        """Runs -> text with the parser's markers: ``¹˒²`` for citation superscripts, ``*x*`` italics."""
        merged: list[_Run] = []
        for run in runs:
            if merged and merged[-1].superscript == run.superscript and merged[-1].italic == run.italic:
                merged[-1] = _Run(merged[-1].text + run.text, run.superscript, run.italic)
            else:
                merged.append(run)
        out: list[str] = []
        for run in merged:
            text = run.text
            if run.superscript and _CITATION_SUP_RE.match(text):
                out.append(superscript(text))
            elif run.italic and re.search(r"\w", text):
                core = text.strip()
                lead = text[: len(text) - len(text.lstrip())]
                trail = text[len(text.rstrip()):]
                out.append(f"{lead}*{core}*{trail}")
            else:
                out.append(text)
        return "".join(out)

    # -- evidence ----------------------------------------------------------------------------

    def finish(self, frame: _Field) -> None:
        instr = " ".join("".join(frame.instr).split())
        upper = instr.upper()
        if "ZOTERO_ITEM" in upper and "CSL_CITATION" in upper or \
                upper.startswith("ADDIN CSL_CITATION") or "MENDELEY CITATION" in upper:
            source = "zotero" if "ZOTERO_ITEM" in upper else "mendeley"
            try:
                items = _csl_items(instr, source)
            except _Malformed as exc:
                self.malformed(frame, source, str(exc))
                return
        elif upper.startswith("ADDIN EN.CITE") and not upper.startswith("ADDIN EN.CITE.DATA"):
            xml = instr[len("ADDIN EN.CITE"):].strip()
            try:
                items = _endnote_items(xml if "<" in xml else _decode_fld_data(frame.data), self.name)
            except _Malformed as exc:
                self.malformed(frame, "endnote", str(exc))
                return
        else:
            return
        if not items:
            return
        shown = self.shown_numbers(frame)
        numbers = shown if len(shown) == len(items) else None
        for i, item in enumerate(items):
            if numbers is not None:
                number = numbers[i]
                self.first_numbers.setdefault(item.key, number)
            else:
                number = self.first_numbers.setdefault(item.key, len(self.first_numbers) + 1)
            self.evidence.append(Evidence(number, item.fields, item.source))

    @staticmethod
    def shown_numbers(frame: _Field) -> list[int]:
        result = "".join(frame.result)
        return _cited_numbers(result) if _CITATION_SUP_RE.match(result) else []  # "(Kreek 2004)": no numbers

    def malformed(self, frame: _Field, source: str, reason: str) -> None:
        """One rule for every field kind: a record that cannot be read is ignored, never fatal; each
        entry the field displays (its citation numbers) gets an ``REF602`` note saying so."""
        for number in dict.fromkeys(self.shown_numbers(frame)):
            self.evidence.append(Evidence(number, ParsedFields(), source,
                                          problem=f"{source} field data ignored: {reason}"))


def _notes(reader: _Reader, root: Element | None, kind: str, heading: str) -> None:
    """Notes in the order their marks appear in the text, each labelled with its displayed number."""
    if root is None:
        return
    notes = {(_attr(n, "id") or ""): n for n in root if local(n.tag) == kind}
    ordered = sorted((reader.note_numbers[(kind, i)], n) for i, n in notes.items() if (kind, i) in reader.note_numbers)
    if not ordered:
        return
    reader.builder.block()
    reader.builder.add(heading, paragraph=reader.paragraph + 1, line=1)
    for number, note in ordered:
        for i, p in enumerate(reader.blocks(note)):
            reader.read_paragraph(p, prefix=f"{number}." if i == 0 else None)


def load_docx(data: bytes, name: str) -> Document:
    parts = read_zip(data, name, lambda n: n in _PARTS)
    if "word/document.xml" not in parts:
        raise InputError(f"{name}: not a readable Word document (a ZIP archive without word/document.xml)")
    parsed = {key: parse_xml(body, name, key) for key, body in parts.items()}
    reader = _Reader(name, _Styles(parsed.get("word/styles.xml")), _Numbering(parsed.get("word/numbering.xml")))
    body = _find(parsed["word/document.xml"], "body")
    if body is None:
        raise InputError(f"{name}: word/document.xml has no body")
    reader.read(body)
    _notes(reader, parsed.get("word/endnotes.xml"), "endnote", "Notes")
    _notes(reader, parsed.get("word/footnotes.xml"), "footnote", "Footnotes")
    return make_document(data, name, "docx", reader.builder, evidence=tuple(reader.evidence))
