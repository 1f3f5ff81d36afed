"""JATS (and NLM) article XML: body text, the ``<ref-list>`` and the ``xref`` citations.

``<element-citation>`` is already structured, so its fields are taken as they are (no string
parsing) and its Vancouver rendering is what reports show; ``<mixed-citation>`` is printed text, so
it is kept as ``raw`` and parsed like any reference string, with its ``<pub-id>`` elements filling
identifiers the parser missed. In-text citations are the ``<xref ref-type="bibr">`` elements,
``<xref rid="B1">1</xref>–<xref rid="B3">3</xref>`` counting as the range 1-3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from xml.etree.ElementTree import Element

from auditor.documents.detect import child, children, local, parse_xml, text_of
from auditor.documents.libraries import make_fields, person, vancouver
from auditor.documents.loader import LineIndex
from auditor.documents.rendering import TextBuilder, make_document
from auditor.errors import InputError
from auditor.model import Citation, Document, ParsedFields, Reference
from auditor.parsing.references import parse_reference

_BLOCKS = frozenset({"p", "title", "label", "td", "th"})
_SKIP = frozenset({"ref-list", "fn-group", "table-wrap-foot"})
_RANGE_GAP_RE = re.compile(r"^\s*[-–—‐‑]\s*$")
_LIST_GAP_RE = re.compile(r"^[\s,;]*$")
_SPACE_RE = re.compile(r"\s+")


@dataclass
class _Xref:
    start: int
    end: int
    numbers: list[int]


@dataclass
class _Paragraph:
    text: str = ""
    xrefs: list[_Xref] = field(default_factory=list)

    def add(self, piece: str) -> None:
        piece = _SPACE_RE.sub(" ", piece)
        if self.text.endswith(" ") and piece.startswith(" "):
            piece = piece[1:]
        self.text += piece


def _flatten(elem: Element, para: _Paragraph, numbers: dict[str, int]) -> None:
    if elem.text:
        para.add(elem.text)
    for sub in elem:
        tag = local(sub.tag)
        if tag == "xref" and sub.get("ref-type") == "bibr":
            start = len(para.text)
            _flatten(sub, para, numbers)
            rids = (sub.get("rid") or "").split()
            para.xrefs.append(_Xref(start, len(para.text), [numbers[r] for r in rids if r in numbers]))
        elif tag:
            _flatten(sub, para, numbers)
        if sub.tail:
            para.add(sub.tail)


def _names(group: Element) -> tuple[list[str | None], bool]:
    names: list[str | None] = []
    et_al = False
    for elem in group:
        tag = local(elem.tag)
        if tag == "name":
            names.append(person(text_of(child(elem, "surname")), text_of(child(elem, "given-names"))))
        elif tag == "string-name":
            surname = text_of(child(elem, "surname"))
            names.append(person(surname, text_of(child(elem, "given-names"))) if surname else text_of(elem))
        elif tag == "collab":
            names.append(text_of(elem) or None)
        elif tag == "etal":
            et_al = True
    return names, et_al


def _pub_ids(citation: Element) -> dict[str, str]:
    return {(p.get("pub-id-type") or "").lower(): text_of(p) for p in children(citation, "pub-id")}


def element_fields(citation: Element) -> ParsedFields:
    groups = list(children(citation, "person-group"))
    authors = [g for g in groups if (g.get("person-group-type") or "author") == "author"]
    names, et_al = _names(authors[0]) if authors else _names(citation)
    ids = _pub_ids(citation)
    return make_fields(
        authors=names,
        et_al=et_al,
        title=text_of(child(citation, "article-title")) or text_of(child(citation, "chapter-title")) or None,
        journal=text_of(child(citation, "source")) or None,
        year=text_of(child(citation, "year")) or None,
        volume=text_of(child(citation, "volume")) or None,
        issue=text_of(child(citation, "issue")) or None,
        first_page=text_of(child(citation, "fpage")) or None,
        last_page=text_of(child(citation, "lpage")) or None,
        article_number=text_of(child(citation, "elocation-id")) or None,
        doi=ids.get("doi"),
        pmid=ids.get("pmid"),
        pmcid=ids.get("pmcid") or ids.get("pmc"),
    )


def _reference_content(ref: Element) -> tuple[str, ParsedFields, str | None]:
    """(raw, fields, parse error) for one ``<ref>``.

    ``<citation-alternatives>`` holding both forms: the element-citation's fields, the mixed
    citation's printed text as ``raw`` (what the reader sees).
    """
    alternatives = child(ref, "citation-alternatives")
    if alternatives is not None:
        mixed = child(alternatives, "mixed-citation")
        structured = child(alternatives, "element-citation")
        if structured is not None:
            fields = element_fields(structured)
            error = None if (fields.title or fields.journal or fields.doi or fields.pmid) else "citation has no fields"
            return (text_of(mixed) if mixed is not None else vancouver(fields)), fields, error
        ref = alternatives
    mixed = child(ref, "mixed-citation")
    if mixed is not None:
        raw = text_of(mixed)
        fields, error = parse_reference(raw)
        ids = make_fields(**{k: v for k, v in _pub_ids(mixed).items() if k in ("doi", "pmid", "pmcid")})
        fields = replace(fields, doi=fields.doi or ids.doi, pmid=fields.pmid or ids.pmid,
                         pmcid=fields.pmcid or ids.pmcid)
        return raw, fields, error
    structured = next((c for c in ref if local(c.tag) in ("element-citation", "nlm-citation", "citation")), None)
    if structured is None:
        raw = text_of(ref)
        fields, error = parse_reference(raw)
        return raw, fields, error
    fields = element_fields(structured)
    error = None if (fields.title or fields.journal or fields.doi or fields.pmid) else "citation has no fields"
    return vancouver(fields), fields, error


def _citations(para: _Paragraph, base: int, index: LineIndex) -> list[Citation]:
    """Adjacent xrefs form one marker; a dash between two of them is a range."""
    out: list[Citation] = []
    group: list[_Xref] = []
    numbers: list[int] = []

    def flush() -> None:
        if group and numbers:
            line, column = index.line_col(base + group[0].start)
            out.append(Citation(para.text[group[0].start:group[-1].end], line, column, tuple(numbers)))

    for xref in para.xrefs:
        gap = para.text[group[-1].end:xref.start] if group else None
        if gap is not None and _RANGE_GAP_RE.match(gap) and numbers and xref.numbers:
            lo, hi = numbers[-1], xref.numbers[0]
            numbers.extend(range(lo + 1, hi) if lo < hi else [])
            numbers.extend(xref.numbers)
            group.append(xref)
        elif gap is not None and _LIST_GAP_RE.match(gap):
            numbers.extend(xref.numbers)
            group.append(xref)
        else:
            flush()
            group, numbers = [xref], list(xref.numbers)
    flush()
    return out


def load_jats(data: bytes, name: str) -> Document:
    root = parse_xml(data, name, "JATS XML")
    article = next((e for e in root.iter() if local(e.tag) == "article"), None)
    if article is None:
        raise InputError(f"{name}: XML has no <article> element")
    refs = [e for ref_list in article.iter() if local(ref_list.tag) == "ref-list"
            for e in children(ref_list, "ref")]
    numbers: dict[str, int] = {}
    for position, ref in enumerate(refs, start=1):
        label = text_of(child(ref, "label")).strip("[]().")
        number = int(label) if label.isdigit() else position
        if ref.get("id"):
            numbers[ref.get("id") or ""] = number

    builder = TextBuilder()
    paragraphs: list[tuple[int, _Paragraph]] = []

    def emit(para: _Paragraph) -> None:
        if not para.text.strip():
            return
        builder.block()
        lead = len(para.text) - len(para.text.lstrip())
        start = builder.add(para.text.strip(), paragraph=len(paragraphs) + 1, line=1)
        paragraphs.append((start - lead, para))

    def walk(elem: Element) -> None:
        for sub in elem:
            tag = local(sub.tag)
            if tag in _SKIP:
                continue
            if tag in _BLOCKS:
                para = _Paragraph()
                _flatten(sub, para, numbers)
                emit(para)
            elif tag:
                walk(sub)

    title = next((e for e in article.iter() if local(e.tag) == "article-title"), None)
    if title is not None:
        para = _Paragraph()
        _flatten(title, para, numbers)
        emit(para)
    for part in ("abstract", "body"):
        for section in (e for e in article.iter() if local(e.tag) == part):
            walk(section)

    builder.block()
    builder.add("References", paragraph=len(paragraphs) + 1, line=1)
    references: list[Reference] = []
    for position, ref in enumerate(refs, start=1):
        raw, fields, error = _reference_content(ref)
        number = numbers.get(ref.get("id") or "", position)
        builder.block()
        builder.add(f"{number}. ", entry=position)
        line, column = builder.line_col()
        builder.add(raw or "(empty reference)", entry=position)
        references.append(Reference(number, raw, line, column, fields, error))
    doc = make_document(data, name, "jats", builder, references=tuple(references))
    index = LineIndex(doc.text)
    citations = tuple(c for start, para in paragraphs for c in _citations(para, start, index))
    return replace(doc, citations=citations)
