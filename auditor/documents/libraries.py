"""Reference-manager libraries: BibTeX/BibLaTeX, RIS, CSL-JSON, PubMed/MEDLINE and EndNote XML.

A library is a bibliography without text: every entry becomes a :class:`Reference` whose fields
come from the library's own fields (no string parsing), shown in reports as its Vancouver
rendering, and there are no citations, so no citation findings. The CSL-JSON and EndNote record
readers are shared with the DOCX loader, whose Zotero/Mendeley/EndNote fields carry the same data.
Maintained parsers do the syntax where they exist (bibtexparser 2, rispy); MEDLINE's tagged format
and EndNote's XML are simple enough to read here.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple
from xml.etree.ElementTree import Element

from auditor.documents.detect import child, children, local, parse_xml, text_of
from auditor.documents.rendering import TextBuilder, make_document
from auditor.errors import InputError
from auditor.identifiers import PMID_MAX_DIGITS, norm_pmid
from auditor.judging.codes import severity_of
from auditor.judging.pages import abbreviate_range, expand_last
from auditor.model import Document, Finding, ParsedFields, Reference

MAX_AUTHORS = 6
_YEAR_RE = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_DOI_RE = re.compile(r"10\.\d{4,9}/\S+")
_PAGES_RE = re.compile(r"^\s*([A-Za-z]?\d+[A-Za-z]?)\s*(?:[-–—‐]+\s*([A-Za-z]?\d+[A-Za-z]?))?\s*$")
_ARTICLE_NUMBER_RE = re.compile(r"^(?:[Ee]\d+|\d{5,})$")
_SPACE_RE = re.compile(r"\s+")
_PMID_LABEL_RE = re.compile(r"^\s*(?:PubMed\s+PMID|PMID|PubMed)\s*:?\s*", re.IGNORECASE)
MALFORMED_CODE = "REF602"
"""Malformed reference-manager data that was ignored (a field record, or a PMID that is none)."""


# --------------------------------------------------------------------------------------------
# Field helpers shared with the DOCX and JATS loaders
# --------------------------------------------------------------------------------------------


def clean(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
        if value is None:
            return None
    text = _SPACE_RE.sub(" ", str(value)).strip()
    return text or None


def initials(given: str) -> str:
    """``Mary Jeanne`` / ``M. J.`` / ``M.J.`` / ``Jean-Pierre`` -> ``MJ`` / ``MJ`` / ``MJ`` / ``JP``."""
    parts = [p for p in re.split(r"[\s.\-‐]+", given) if p]
    out = ""
    for part in parts:
        if part.isupper() and len(part) <= 3 and part.isalpha():
            out += part  # already initials ("MJ")
        elif part[0].isalpha():
            out += part[0].upper()
    return out


def person(family: str | None, given: str | None) -> str | None:
    family = clean(family)
    if not family:
        return clean(given)
    letters = initials(given or "")
    return f"{family} {letters}" if letters else family


def split_name(name: str) -> str | None:
    """``Kreek, Mary Jeanne`` -> ``Kreek MJ``; a name without a comma is kept as written."""
    name = clean(name) or ""
    if not name:
        return None
    if "," in name:
        family, given = name.split(",", 1)
        return person(family, given)
    return name


def year_of(value: Any) -> int | None:
    m = _YEAR_RE.search(str(value or ""))
    return int(m.group(1)) if m else None


def doi_of(value: Any) -> str | None:
    m = _DOI_RE.search(str(value or ""))
    return m.group(0).rstrip(".,;)").lower() if m else None


def digits(value: Any) -> str | None:
    m = re.search(r"\d+", str(value or ""))
    return m.group(0) if m else None


def pages_of(value: Any) -> tuple[str | None, str | None, str | None]:
    """(first, last expanded, article number) from ``1205-13``, ``1205--1213``, ``e0212460``."""
    text = clean(value)
    if not text:
        return None, None, None
    m = _PAGES_RE.match(text)
    if not m:
        return None, None, None
    first, last = m.group(1), m.group(2)
    if last is None and _ARTICLE_NUMBER_RE.match(first):
        return None, None, first
    return first, expand_last(first, last) if last else None, None


def pmid_of(value: Any) -> str | None:
    """A PMID field's value (``123``, ``PMID: 123``) through the one PMID rule, :func:`norm_pmid`."""
    if value is None or isinstance(value, bool):
        return None
    return norm_pmid(_PMID_LABEL_RE.sub("", clean(value) or ""))


def pmid_problem(value: Any) -> str | None:
    """Why a PMID field's value was ignored, or ``None`` when it is a PMID (or absent)."""
    text = clean(value) if not isinstance(value, bool) else str(value)
    if not text or pmid_of(value):
        return None
    shown = text if len(text) <= 40 else text[:40] + "…"
    return (f"PMID {shown!r} ignored: a PMID is a positive integer of at most {PMID_MAX_DIGITS} digits")


def make_fields(*, authors: Sequence[str | None] = (), et_al: bool = False, title: Any = None,
                journal: Any = None, year: Any = None, volume: Any = None, issue: Any = None,
                pages: Any = None, first_page: Any = None, last_page: Any = None, article_number: Any = None,
                doi: Any = None, pmid: Any = None, pmcid: Any = None) -> ParsedFields:
    first, last, number = pages_of(pages) if pages else (clean(first_page), clean(last_page), None)
    if first and last:
        last = expand_last(first, last)
    pmc = clean(pmcid)
    return ParsedFields(
        authors=tuple(a for a in authors if a),
        et_al=et_al,
        title=(clean(title) or "").rstrip(".") or None,
        journal=clean(journal),
        year=year if isinstance(year, int) else year_of(year),
        volume=clean(volume),
        issue=clean(issue),
        first_page=first,
        last_page=last,
        article_number=clean(article_number) or number,
        doi=doi_of(doi),
        pmid=pmid_of(pmid),
        pmcid=("PMC" + digits(pmc)) if pmc and digits(pmc) else None,
    )


def vancouver(fields: ParsedFields) -> str:
    """The entry as NLM/Vancouver prints it; how a library entry appears in every report."""
    parts: list[str] = []
    names = list(fields.authors)
    if names:
        shown = ", ".join(names[:MAX_AUTHORS])
        parts.append(shown + (", et al." if len(names) > MAX_AUTHORS or fields.et_al else "."))
    for piece in (fields.title, fields.journal):
        if piece:
            parts.append(piece if piece.endswith((".", "?", "!")) else piece + ".")
    where = str(fields.year) if fields.year else ""
    if fields.volume:
        where += f";{fields.volume}"
    if fields.issue:
        where += f"({fields.issue})"
    pages = abbreviate_range(fields.first_page, fields.last_page) if fields.first_page else fields.article_number
    if pages:
        where += f":{pages}"
    if where:
        parts.append(where + ".")
    if fields.doi:
        parts.append(f"doi:{fields.doi}")
    if fields.pmid:
        parts.append(f"PMID: {fields.pmid}.")
    return " ".join(parts) or "(empty entry)"


def _csl_text(value: Any) -> str | None:
    """A CSL string variable, or ``None``: lists, objects, numbers and booleans there are malformed data."""
    return value if isinstance(value, str) else None


def _csl_number(value: Any) -> str | int | None:
    """A CSL number variable (volume, issue, page, year part): a string or an integer, nothing else."""
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None


def _csl_names(names: Any) -> list[str | None]:
    """CSL name objects -> names; parts that are not strings (``{"family": {"x": 1}}``) are dropped."""
    out: list[str | None] = []
    for name in names if isinstance(names, list) else []:
        if not isinstance(name, Mapping):
            continue
        literal = _csl_text(name.get("literal"))
        if literal:
            out.append(clean(literal))
        else:
            family = " ".join(p for p in (_csl_text(name.get("non-dropping-particle")),
                                          _csl_text(name.get("family"))) if p)
            out.append(person(family, _csl_text(name.get("given"))))
    return out


def fields_from_csl(item: Mapping[str, Any]) -> ParsedFields:
    """A CSL-JSON item (Zotero, Mendeley, citeproc) -> fields.

    The item is untrusted data from a library or a Word field: a value of the wrong JSON type is
    ignored for that field alone, so one odd field never refuses the whole document.
    """
    issued = item.get("issued")
    year: Any = None
    if isinstance(issued, Mapping):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            year = _csl_number(parts[0][0])
        year = year_of(year) or year_of(_csl_text(issued.get("raw")) or _csl_text(issued.get("literal")))
    else:
        year = year_of(_csl_number(issued))
    journal = _csl_text(item.get("container-title-short")) or _csl_text(item.get("journalAbbreviation")) or \
        _csl_text(item.get("container-title"))
    page = _csl_number(item.get("page"))
    return make_fields(
        authors=_csl_names(item.get("author")),
        title=_csl_text(item.get("title")),
        journal=journal,
        year=year,
        volume=_csl_number(item.get("volume")),
        issue=_csl_number(item.get("issue")),
        pages=str(page) if page is not None else None,
        article_number=_csl_number(item.get("number")) if item.get("type") == "article-journal" and not page
        else None,
        doi=_csl_text(item.get("DOI")) or _csl_text(item.get("doi")),
        pmid=_csl_number(item.get("PMID")),
        pmcid=_csl_text(item.get("PMCID")),
    )


def fields_from_endnote(record: Element) -> ParsedFields:
    """An EndNote ``<record>`` (EndNote XML library, or the record inside an EN.CITE field) -> fields."""
    contributors = child(record, "contributors")
    authors_elem = child(contributors, "authors")
    authors = [split_name(text_of(a)) for a in children(authors_elem, "author")] if authors_elem is not None else []
    titles = child(record, "titles")
    periodical = child(record, "periodical")
    journal = text_of(child(periodical, "abbr-1")) or text_of(child(titles, "alt-title")) or \
        text_of(child(titles, "secondary-title")) or text_of(child(periodical, "full-title"))
    dates = child(record, "dates")
    accession = text_of(child(record, "accession-num"))
    notes = text_of(child(record, "notes"))
    pmid = accession if accession.isdigit() else (re.search(r"PMID:?\s*(\d+)", notes) or [None, None])[1]
    return make_fields(
        authors=authors,
        title=text_of(child(titles, "title")),
        journal=journal,
        year=text_of(child(dates, "year")),
        volume=text_of(child(record, "volume")),
        issue=text_of(child(record, "number")),
        pages=text_of(child(record, "pages")),
        doi=text_of(child(record, "electronic-resource-num")) or None,
        pmid=pmid,
    )


# --------------------------------------------------------------------------------------------
# Library loaders
# --------------------------------------------------------------------------------------------


def _unparseable(fields: ParsedFields) -> str | None:
    if fields.title or fields.journal or fields.doi or fields.pmid:
        return None
    return "library entry has no title, journal or identifier"


class LibraryEntry(NamedTuple):
    fields: ParsedFields
    line: int | None = None
    """The entry's first line in the file, when the format has lines."""
    problems: tuple[str, ...] = ()
    """Malformed values ignored in this entry (each becomes a ``REF602`` note on the reference)."""


def malformed_note(message: str, field: str | None, value: str | None, line: int, column: int) -> Finding:
    return Finding(code=MALFORMED_CODE, severity=severity_of(MALFORMED_CODE), message=message, field=field,
                   document_value=value, line=line, column=column)


def library_document(data: bytes, name: str, fmt: str, entries: Iterable[LibraryEntry]) -> Document:
    """One block ``N. <Vancouver>`` per entry, anchored at the entry (and its line in the file)."""
    builder = TextBuilder()
    references: list[Reference] = []
    for number, (fields, source_line, problems) in enumerate(entries, start=1):
        builder.block()
        label = f"{number}. "
        builder.add(label, entry=number, line=source_line)
        line, column = builder.line_col()
        raw = vancouver(fields)
        builder.add(raw, entry=number, line=source_line)
        notes = tuple(malformed_note(p, "pmid" if p.startswith("PMID ") else None, None, line, column)
                      for p in problems)
        references.append(Reference(number, raw, line, column, fields, _unparseable(fields), notes=notes))
    if not references:
        raise InputError(f"{name}: the {fmt} library holds no entries")
    return make_document(data, name, fmt, builder, references=tuple(references), citations=None)


def _decode(data: bytes, name: str) -> str:
    from auditor.documents.loader import decode_text

    return decode_text(data, name)


_BIB_AUTHOR_SPLIT_RE = re.compile(r"\s+and\s+", re.IGNORECASE)


@functools.cache
def _latex_converter() -> Any:
    """One pylatexenc converter for the whole process: building one per field made a 100k-entry .bib hang."""
    from pylatexenc.latex2text import LatexNodes2Text

    # pylatexenc logs a warning per odd macro (``\\frac{``); a hostile file must not fill stderr
    logging.getLogger("pylatexenc").setLevel(logging.ERROR)
    return LatexNodes2Text(math_mode="verbatim")


@functools.cache
def _latex_input_errors() -> tuple[type[BaseException], ...]:
    """What pylatexenc 2 raises for malformed LaTeX: its walker's parse errors, an ``IndexError``
    when input ends inside ``\\verb`` and the like, and ``RecursionError`` for braces nested
    thousands deep. Anything else is a bug and surfaces."""
    from pylatexenc.latexwalker import LatexWalkerError

    return (LatexWalkerError, IndexError, RecursionError)


def _latex(text: str) -> str:
    """LaTeX -> text; malformed LaTeX keeps its raw text (braces dropped) instead of refusing the file."""
    if "\\" not in text and "{" not in text and "}" not in text:
        return text  # plain text: nothing for LaTeX decoding to do
    converter = _latex_converter()
    try:
        return converter.latex_to_text(text)
    except _latex_input_errors():
        return text.replace("{", "").replace("}", "")


def _split_top_level(value: str) -> list[str]:
    """Split a BibTeX name list at ``and`` outside braces (``{Smith and Sons}`` is one name)."""
    out: list[str] = []
    depth = start = i = 0
    while i < len(value):
        ch = value[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and ch.isspace():
            m = _BIB_AUTHOR_SPLIT_RE.match(value, i)
            if m:
                out.append(value[start:i])
                start = i = m.end()
                continue
        i += 1
    out.append(value[start:])
    return [v.strip() for v in out if v.strip()]


def _bib_name(name: str) -> str | None:
    if name.startswith("{") and name.endswith("}"):
        return clean(_latex(name[1:-1]))  # {World Health Organization}: a collective author
    if name.lower() == "others":
        return None
    decoded = _latex(name)
    if "," in decoded:
        parts = [p.strip() for p in decoded.split(",")]
        return person(parts[0], parts[-1] if len(parts) > 1 else "")
    words = decoded.split()
    return person(words[-1], " ".join(words[:-1])) if len(words) > 1 else clean(decoded)


def load_bibtex(data: bytes, name: str) -> Document:
    from auditor.documents.bibtex_macros import parse_bibtex

    text = _decode(data, name)
    library = parse_bibtex(text, name)
    entries: list[LibraryEntry] = []
    for entry in library.entries:
        raw = {k.lower(): str(f.value) for k, f in entry.fields_dict.items()}
        authors_raw = _split_top_level(raw.get("author", " ".join(raw.get("editor", "").split())))
        authors = [_bib_name(a) for a in authors_raw]
        fields = make_fields(
            authors=authors,
            et_al=any(a.lower() == "others" for a in authors_raw),
            title=_latex(raw["title"]) if "title" in raw else None,
            journal=_latex(raw.get("journal") or raw.get("journaltitle") or raw.get("booktitle") or "") or None,
            year=raw.get("year") or raw.get("date"),
            volume=raw.get("volume"),
            issue=raw.get("number") or raw.get("issue"),
            pages=raw.get("pages", "").replace("--", "-") or None,
            article_number=raw.get("eid"),
            doi=raw.get("doi"),
            pmid=raw.get("pmid"),
            pmcid=raw.get("pmcid"),
        )
        problem = pmid_problem(raw.get("pmid"))
        entries.append(LibraryEntry(fields, entry.start_line + 1 if entry.start_line is not None else None,
                                    (problem,) if problem else ()))
    return library_document(data, name, "bibtex", entries)


def _ris_lines(text: str) -> list[int]:
    return [i for i, ln in enumerate(text.splitlines(), start=1) if ln.startswith("TY  -")]


def load_ris(data: bytes, name: str) -> Document:
    import rispy

    text = _decode(data, name)
    try:
        records = rispy.loads(text)
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise InputError(f"{name}: not a readable RIS file ({exc})") from None
    starts = _ris_lines(text)
    entries = []
    for i, rec in enumerate(records):
        notes = " ".join(rec.get("notes", []) or [])
        pmid = rec.get("accession_number") if str(rec.get("accession_number", "")).isdigit() else None
        pmid = pmid or (re.search(r"PMID:?\s*(\d+)", notes) or [None, None])[1]
        fields = make_fields(
            authors=[split_name(a) for a in (rec.get("authors") or rec.get("first_authors") or [])],
            title=rec.get("title") or rec.get("primary_title"),
            journal=rec.get("alternate_title3") or rec.get("journal_name") or rec.get("secondary_title")
            or rec.get("alternate_title1"),
            year=rec.get("year") or rec.get("publication_year") or rec.get("date"),
            volume=rec.get("volume"),
            issue=rec.get("number") or rec.get("issue"),
            first_page=rec.get("start_page"),
            last_page=rec.get("end_page"),
            doi=rec.get("doi"),
            pmid=pmid,
        )
        entries.append(LibraryEntry(fields, starts[i] if i < len(starts) else None))
    return library_document(data, name, "ris", entries)


def load_csl_json(data: bytes, name: str) -> Document:
    try:
        value = json.loads(_decode(data, name))
    except ValueError as exc:
        raise InputError(f"{name}: not valid JSON ({exc})") from None
    items = value if isinstance(value, list) else [value]
    entries = []
    for item in items:
        if isinstance(item, Mapping):
            problem = pmid_problem(_csl_number(item.get("PMID")))
            entries.append(LibraryEntry(fields_from_csl(item), None, (problem,) if problem else ()))
    return library_document(data, name, "csl-json", entries)


_MEDLINE_TAG_RE = re.compile(r"^([A-Z][A-Z0-9]{0,3})\s*- (.*)$")


def medline_records(text: str) -> list[tuple[dict[str, list[str]], int]]:
    """MEDLINE tagged records (``TAG - value``, continuation lines indented) with their first line."""
    records: list[tuple[dict[str, list[str]], int]] = []
    current: dict[str, list[str]] | None = None
    last_tag = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            current, last_tag = None, None
            continue
        m = _MEDLINE_TAG_RE.match(line)
        if m:
            if current is None:
                current = {}
                records.append((current, number))
            last_tag = m.group(1)
            current.setdefault(last_tag, []).append(m.group(2).strip())
        elif current is not None and last_tag and line[:1].isspace():
            current[last_tag][-1] += " " + line.strip()
    return records


def load_medline(data: bytes, name: str) -> Document:
    entries = []
    for rec, line in medline_records(_decode(data, name)):
        ids = rec.get("AID", []) + rec.get("LID", [])
        doi = next((i.split(" [")[0] for i in ids if i.endswith("[doi]")), None)
        fields = make_fields(
            authors=rec.get("AU", []) or [c for c in rec.get("CN", [])],
            title=(rec.get("TI") or [None])[0],
            journal=(rec.get("TA") or rec.get("JT") or [None])[0],
            year=(rec.get("DP") or [None])[0],
            volume=(rec.get("VI") or [None])[0],
            issue=(rec.get("IP") or [None])[0],
            pages=(rec.get("PG") or [None])[0],
            doi=doi,
            pmid=(rec.get("PMID") or [None])[0],
            pmcid=(rec.get("PMC") or [None])[0],
        )
        problem = pmid_problem((rec.get("PMID") or [None])[0])
        entries.append(LibraryEntry(fields, line, (problem,) if problem else ()))
    return library_document(data, name, "medline", entries)


def load_endnote_xml(data: bytes, name: str) -> Document:
    root = parse_xml(data, name, "EndNote XML")
    records = [e for e in root.iter() if local(e.tag) == "record"]
    return library_document(data, name, "endnote-xml", [LibraryEntry(fields_from_endnote(r)) for r in records])
