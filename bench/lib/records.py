"""PubMed JSON records (bench-data) -> :class:`auditor.model.Record` (-> Vancouver strings in ``glue``).

The detection benchmark starts from *real* records and renders them the way a careful author
would print them, so any verdict other than ``verified`` on an untouched reference is the
auditor's fault, not the input's. Rendering is done from a ``Record`` (not from the JSON) so the
corruptions in :mod:`bench.lib.corrupt` work on the same data contract the pipeline uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from auditor.model import Record, RecordAuthor
from auditor.parsing.references import expand_last_page

_PAGE_RANGE = re.compile(r"^(?P<first>[A-Za-z]{0,3}\d+)(?:\s*-\s*(?P<last>[A-Za-z]{0,3}\d+))?$")
_INITIALS = re.compile(r"^[A-Z]{1,4}$")
_NOTICE_TYPES = frozenset(
    {"Erratum", "Published Erratum", "Retraction of Publication", "Expression of Concern", "Comment"}
)


def author_from_string(name: str) -> RecordAuthor:
    """``"Surname AB"`` -> family/initials; anything else (``"WHO Study Group"``) is collective."""
    parts = name.split()
    if len(parts) >= 2 and _INITIALS.match(parts[-1]) and len(parts) <= 4:
        return RecordAuthor(family=" ".join(parts[:-1]), initials=parts[-1])
    if len(parts) == 1:
        return RecordAuthor(family=parts[0])
    return RecordAuthor(collective=name)


def record_from_pubmed_json(data: Mapping[str, Any]) -> Record:
    """One line of ``pubmed_records.jsonl.gz`` as the pipeline's ``Record`` (source ``pubmed``)."""
    pages = (data.get("pages") or "").strip() or None
    first = last = article_number = None
    if pages:
        m = _PAGE_RANGE.match(pages)
        if m and (m.group("last") or len(m.group("first")) < 5) and not m.group("first").lower().startswith("e"):
            first = m.group("first")
            last = expand_last_page(first, m.group("last")) if m.group("last") else None
        elif m:
            article_number = m.group("first")
    elocation = data.get("elocation") or {}
    if not pages and elocation.get("pii"):
        article_number = elocation["pii"]
    abbrevs = tuple(dict.fromkeys(a for a in (data.get("medline_ta"), data.get("journal_iso")) if a))
    year = data.get("year")
    return Record(
        source="pubmed",
        pmid=str(data["pmid"]),
        doi=(data.get("doi") or None) and str(data["doi"]).lower(),
        title=data.get("title"),
        journal=data.get("journal"),
        journal_abbrevs=abbrevs,
        year=int(year) if year and str(year).isdigit() else None,
        volume=data.get("volume"),
        issue=data.get("issue"),
        pages=pages,
        first_page=first,
        last_page=last,
        article_number=article_number,
        authors=tuple(author_from_string(a) for a in data.get("authors") or ()),
        publication_types=tuple(data.get("pub_types") or ()),
    )


def usable_for_detection(record: Record) -> bool:
    """Records a Vancouver reference can be rendered from without guessing any field.

    Numeric volume and a simple locator are required because the corruptions change them by
    arithmetic; notices (errata, retraction notices) are excluded because citing them is not what
    the detection benchmark is about.
    """
    if not (record.title and record.journal_abbrevs and record.year and record.authors):
        return False
    if not (record.volume and record.volume.isdigit()):
        return False
    if not (record.first_page or record.article_number):
        return False
    if record.pages and not _PAGE_RANGE.match(record.pages):
        return False
    if any(a.collective for a in record.authors[:1]):
        return False
    return not _NOTICE_TYPES.intersection(record.publication_types)

