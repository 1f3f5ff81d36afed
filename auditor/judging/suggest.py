"""The corrected reference in NLM/Vancouver style, rebuilt from the matched record.

``Surname AB, Surname CD, Surname EF, et al. Title. Journal Abbrev. Year;Vol(Issue):Pages. doi:DOI``
NLM lists up to six authors and then ``et al.``, prints page ranges in short form (``1205-13``) and
uses the MedlineTA/ISO journal abbreviation, which is why the record's first abbreviation wins.
"""

from __future__ import annotations

from auditor.judging.authors import format_record_author
from auditor.judging.fields import journal_display
from auditor.judging.normalize import strip_markup
from auditor.judging.pages import abbreviate_range, record_pages
from auditor.model import Record

MAX_AUTHORS = 6


def _sentence(text: str) -> str:
    text = " ".join(text.split()).rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


def format_authors(record: Record) -> str | None:
    names = [format_record_author(a) for a in record.authors]
    names = [n for n in names if n]
    if not names:
        return None
    if len(names) > MAX_AUTHORS:
        return ", ".join(names[:MAX_AUTHORS]) + ", et al."
    return ", ".join(names) + "."


def format_pages(record: Record) -> str | None:
    first, last = record_pages(record)
    if first:
        return abbreviate_range(first, last)
    return record.article_number


def suggest(record: Record) -> str:
    """NLM/Vancouver string for ``record``; parts the record lacks are simply left out."""
    parts: list[str] = []
    authors = format_authors(record)
    if authors:
        parts.append(authors)
    if record.title:
        parts.append(_sentence(strip_markup(record.title)))
    journal = journal_display(record)
    if journal:
        parts.append(_sentence(journal))
    where = str(record.year) if record.year is not None else ""
    if record.volume:
        where += f";{record.volume}"
    if record.issue:
        where += f"({record.issue})"
    pages = format_pages(record)
    if pages:
        where += f":{pages}"
    if where:
        parts.append(where + ".")
    if record.doi:
        parts.append(f"doi:{record.doi}")
    return " ".join(parts)
