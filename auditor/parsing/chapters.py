"""Book chapters: ``Authors. Chapter. In: Editors, editors. Book. Place: Publisher; 2007. p. 793-828.``

Biomedical lists cite chapters in the Vancouver, ABNT and SciELO Harvard forms, all of which put
``In:`` between the chapter and the book. Registries file the book title where a journal's name
goes (Crossref ``container-title``), so the book is returned in the journal slot and compared like
one. Only the ``In:`` forms with printed pages are read: without pages (or in APA's ``In A. Name
(Eds.), Book``) a book's DOI or a same-titled article is too easily taken for the chapter, and the
entry stays unparsed (REF404) rather than being judged on guessed fields.
"""

from __future__ import annotations

import re

from auditor.parsing.author_year import AuthorYear
from auditor.parsing.authors import parse_apa_authors, parse_authors

_YEAR = r"(?:1[6-9]\d\d|20\d\d)"
_IN_RE = re.compile(r"[.,]\s+In:\s+(?=[A-Z\u00C0-\u00DE])")
_HEAD_YEAR_RE = re.compile(r"^(?P<authors>.+?)(?:\s*\((?P<y1>" + _YEAR + r")[a-z]?\)\.?|,\s*(?P<y2>" + _YEAR
                           + r")[a-z]?(?:\s*\[[^\]]{0,40}\])?\.)\s+(?P<title>.+)$")
_EDITORS_RE = re.compile(r"^(?P<editors>.{2,300}?)(?:,?\s*\(?(?:eds?|editors?|orgs?|coords?)\.?\)?\.?)\s+(?P<rest>.+)$",
                         re.IGNORECASE)
_PAGES_RE = re.compile(r"\b(?:pp?\.\s*)(?P<first>\d+)\s*[-–—]\s*(?P<last>\d+)\b")
_TAIL_YEAR_RE = re.compile(r"[;,]\s*(?P<year>" + _YEAR + r")[a-z]?\s*[.;,]")


def _split_authors(head: str) -> tuple[str, str] | None:
    """The longest ``Authors. `` prefix that reads as a list of persons, and the chapter title after it."""
    best = None
    for m in re.finditer(r"\.\s+(?=[A-Z\u00C0-\u00DE\d‘“\"'])", head):
        names = head[: m.start() + 1]
        if parse_apa_authors(names) or parse_authors(names.rstrip("."), strict=True):
            best = (names, head[m.end():])
    return best


def parse_chapter(text: str) -> AuthorYear | None:
    """The chapter's authors, title, book (as the journal), year and pages, or None when unsure."""
    if "In:" not in text:
        return None
    cut = _IN_RE.search(text)
    if cut is None:
        return None
    head, tail = text[: cut.start()].strip(), text[cut.end():].strip()
    pages = _PAGES_RE.search(tail)
    if pages is None:
        return None
    year: int | None = None
    m = _HEAD_YEAR_RE.match(head)
    if m:
        authors, title = m["authors"], m["title"]
        year = int(m["y1"] or m["y2"])
    else:
        split = _split_authors(head)
        if split is None:
            return None
        authors, title = split
        tail_year = _TAIL_YEAR_RE.search(tail)
        if tail_year is None:
            return None
        year = int(tail_year["year"])
    ed = _EDITORS_RE.match(tail)
    rest = ed["rest"] if ed and len(ed["editors"]) < len(tail) // 2 + 40 else tail
    book = re.split(r"\.\s+|\s+\(pp?\.", rest, maxsplit=1)[0].strip(" .")
    title = title.strip(" .")
    if not book or not title or not any(ch.isalpha() for ch in book):
        return None
    return AuthorYear(authors.strip(" ,."), title, book, year, None, None, f"{pages['first']}-{pages['last']}")
