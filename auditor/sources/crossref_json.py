"""Crossref REST API work items into the shared model."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from typing import Any

from auditor.identifiers import norm_issns
from auditor.model import Record, RecordAuthor, Update, UpdateKind

UPDATE_TYPES: dict[str, UpdateKind] = {
    "retraction": "retraction",
    "partial_retraction": "retraction",
    "withdrawal": "retraction",
    "removal": "retraction",
    "correction": "correction",
    "erratum": "correction",
    "corrigendum": "correction",
    "expression_of_concern": "expression_of_concern",
    "expression-of-concern": "expression_of_concern",
}
"""Crossref update types that change a work's standing; ``new_version`` and others are ignored."""

_TAG = re.compile(r"<[^>]+>")
_ELOCATOR = re.compile(r"^[eE]\d+$")


def _first(values: Any) -> str | None:
    if isinstance(values, list):
        for value in values:
            if isinstance(value, str) and value.strip():
                return value
        return None
    return values if isinstance(values, str) and values.strip() else None


def _clean(text: str | None) -> str | None:
    """Crossref titles may carry JATS/HTML markup (``<i>``, ``<sub>``): keep the words only."""
    if text is None:
        return None
    cleaned = " ".join(_TAG.sub("", text).split())
    return cleaned or None


def _year(date: Any) -> int | None:
    if not isinstance(date, Mapping):
        return None
    parts = date.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        year = parts[0][0]
        if isinstance(year, int):
            return year
        if isinstance(year, str) and year.isdigit():
            return int(year)
    return None


def _initials(given: str | None) -> str | None:
    if not given:
        return None
    letters = [p[0].upper() for p in re.split(r"[\s.\-]+", given) if p and p[0].isalpha()]
    return "".join(letters) or None


def _authors(item: Mapping[str, Any]) -> tuple[RecordAuthor, ...]:
    authors = []
    for author in item.get("author") or ():
        if not isinstance(author, Mapping):
            continue
        if author.get("family") or author.get("given"):
            given = author.get("given")
            authors.append(RecordAuthor(family=author.get("family"), given=given, initials=_initials(given)))
        elif author.get("name"):
            authors.append(RecordAuthor(collective=author["name"]))
    return tuple(authors)


def _record_id(entry: Mapping[str, Any]) -> str | None:
    """The Retraction Watch ``record-id`` of a ``source: retraction-watch`` entry."""
    if entry.get("source") != "retraction-watch":
        return None
    value = entry.get("record-id")
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        return None
    return str(value).strip()


def _with_record(update: Update, record_id: str | None) -> Update:
    """The record id kept on the update and in its label, so the flag's finding names the record."""
    if record_id is None or update.record_id is not None:
        return update
    label = f"{update.label or update.kind}; Retraction Watch record {record_id}"
    return dataclasses.replace(update, record_id=record_id, label=label)


def _updates(entries: Any) -> tuple[Update, ...]:
    """Notices about a work. The publisher's and Retraction Watch's entries for one notice are one
    update (the first listed keeps its source); Retraction Watch's record id is kept either way."""
    updates: list[Update] = []
    seen: dict[tuple[str, str | None], int] = {}
    for entry in entries or ():
        if not isinstance(entry, Mapping):
            continue
        kind = UPDATE_TYPES.get(str(entry.get("type", "")).lower())
        if kind is None:
            continue
        doi = entry.get("DOI")
        doi = doi.lower() if isinstance(doi, str) else None
        label = entry.get("label") if isinstance(entry.get("label"), str) else None
        if (kind, doi) in seen:
            i = seen[(kind, doi)]
            updates[i] = _with_record(updates[i], _record_id(entry))
            continue
        seen[(kind, doi)] = len(updates)
        source = entry.get("source") if isinstance(entry.get("source"), str) else "publisher"
        updates.append(_with_record(Update(kind=kind, doi=doi, source=source or "publisher", label=label),
                                    _record_id(entry)))
    return tuple(updates)


def parse_item(item: Mapping[str, Any]) -> Record:
    """One work item (``message`` of ``/works/{doi}`` or an element of ``message.items``)."""
    doi = item.get("DOI")
    pages = _first(item.get("page"))
    first = last = None
    if pages:
        first, _, last = (p.strip() for p in pages.partition("-"))
    article_number = _first(item.get("article-number"))
    if article_number is None and pages and "-" not in pages and _ELOCATOR.match(pages):
        article_number = pages
    print_year = _year(item.get("published-print"))
    online_year = _year(item.get("published-online"))
    candidates = [y for y in (_year(item.get("issued")), _year(item.get("published")), online_year) if y]
    abbrevs: list[str] = []
    titles = item.get("container-title")
    # Every container title after the first and every short title: all are names of the journal.
    for value in [*(titles[1:] if isinstance(titles, list) else ()), *(item.get("short-container-title") or ())]:
        if isinstance(value, str) and value.strip() and value not in abbrevs:
            abbrevs.append(value)
    notice_updates = _updates(item.get("update-to"))
    score = item.get("score")
    return Record(
        source="crossref",
        doi=doi.lower() if isinstance(doi, str) else None,
        title=_clean(_first(item.get("title"))),
        journal=_clean(_first(item.get("container-title"))),
        journal_abbrevs=tuple(abbrevs),
        issns=norm_issns([*(item.get("ISSN") or ()), *(t.get("value") for t in item.get("issn-type") or ()
                                                         if isinstance(t, Mapping))]),
        year=print_year or (min(candidates) if candidates else None),
        online_year=online_year,
        volume=_first(item.get("volume")),
        issue=_first(item.get("issue")),
        pages=pages,
        first_page=first or None,
        last_page=last or None,
        article_number=article_number,
        authors=_authors(item),
        publication_types=tuple(t for t in (item.get("type"),) if isinstance(t, str)),
        updates=_updates(item.get("updated-by")),
        is_notice=bool(notice_updates),
        score=float(score) if isinstance(score, int | float) else None,
    )


def _message(body: bytes | str) -> Mapping[str, Any]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"Crossref body is not valid JSON: {exc}") from exc
    if not isinstance(data, Mapping) or data.get("status") != "ok" or not isinstance(data.get("message"), Mapping):
        raise ValueError("Crossref body has no 'ok' message")
    return data["message"]


def parse_work(body: bytes | str) -> Record:
    """The body of ``/works/{doi}``."""
    return parse_item(_message(body))


def parse_work_list(body: bytes | str) -> list[Record]:
    """The body of ``/works?...``, in the order Crossref gave (best score first for queries)."""
    items = _message(body).get("items")
    if not isinstance(items, list):
        raise ValueError("Crossref work list has no items")
    return [parse_item(item) for item in items if isinstance(item, Mapping)]
