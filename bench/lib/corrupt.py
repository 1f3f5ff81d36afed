"""Controlled damage to real records: one field at a time, plus fabricated references.

Each corruption changes exactly one *field group* of a :class:`Record` (a page range is one
locator, a journal name and its abbreviations are one journal), so a verdict can be attributed to
that change alone. Fabrications are either recombined from unrelated real records (a plausible
reference that points at nothing) or invented from scratch. All randomness comes from the
``random.Random`` passed in, so a seed reproduces the whole benchmark input.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import replace

from auditor.judging.pages import abbreviate_range
from auditor.model import Record, RecordAuthor

CORRUPTIONS: tuple[str, ...] = (
    "year",
    "volume",
    "first_page",
    "journal",
    "title_word",
    "first_author",
    "author_misspelling",
)
FABRICATIONS: tuple[str, ...] = ("fabricated_recombined", "fabricated_invented")
KINDS: tuple[str, ...] = ("untouched", *CORRUPTIONS, *FABRICATIONS)

EXPECTED: dict[str, frozenset[str]] = {
    "untouched": frozenset({"verified"}),
    "year": frozenset({"major"}),
    "volume": frozenset({"major"}),
    "first_page": frozenset({"major"}),
    "journal": frozenset({"major"}),
    "title_word": frozenset({"minor", "major"}),
    "first_author": frozenset({"major"}),
    "author_misspelling": frozenset({"minor"}),
    "fabricated_recombined": frozenset({"not_found"}),
    "fabricated_invented": frozenset({"not_found"}),
}
"""What a correct auditor answers for each kind (DESIGN.md vocabulary)."""

FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "year": ("year", "online_year"),
    "volume": ("volume",),
    "locator": ("first_page", "last_page", "pages", "article_number"),
    "journal": ("journal", "journal_abbrevs"),
    "title": ("title",),
    "authors": ("authors",),
}
KIND_GROUP: dict[str, str] = {
    "year": "year",
    "volume": "volume",
    "first_page": "locator",
    "journal": "journal",
    "title_word": "title",
    "first_author": "authors",
    "author_misspelling": "authors",
}

_WORD = re.compile(r"[A-Za-z]{4,}")
_STOP = frozenset(
    ["with", "from", "that", "this", "than", "into", "between", "among", "during", "after", "before", "their",
     "these", "those"]
)


class CannotCorrupt(ValueError):
    """The record lacks what this corruption needs (e.g. a surname too short to misspell)."""


def changed_groups(before: Record, after: Record) -> set[str]:
    """The field groups that differ between two records; the unit tests pin this to one."""
    return {
        group
        for group, names in FIELD_GROUPS.items()
        if any(getattr(before, n) != getattr(after, n) for n in names)
    }


def _content_words(title: str) -> list[str]:
    return [w for w in _WORD.findall(title) if w.lower() not in _STOP]


def _journal_key(record: Record) -> str:
    return re.sub(r"\W", "", (record.journal_abbrevs[0] if record.journal_abbrevs else record.journal or "").lower())


def _shift_number(value: str, rng: random.Random, low: int, high: int) -> str:
    """Change the last run of digits in ``value`` by a non-zero amount, staying positive."""
    m = re.search(r"(\d+)(?!.*\d)", value)
    if not m:
        raise CannotCorrupt(f"no digits in {value!r}")
    number = int(m.group(1))
    deltas = [d for d in range(-high, high + 1) if abs(d) >= low and number + d > 0]
    new = str(number + rng.choice(deltas)).zfill(len(m.group(1)))  # keep zero padding: e046 -> e053
    return value[: m.start(1)] + new + value[m.end(1) :]


def corrupt(record: Record, kind: str, rng: random.Random, donors: Sequence[Record]) -> Record:
    """A copy of ``record`` with one field group damaged as ``kind`` says.

    ``donors`` supply realistic wrong values (another journal, another author, another word), so
    the damage looks like a real citing error rather than noise the parser would choke on.
    """
    others = [d for d in donors if d.pmid != record.pmid]
    if kind == "year":
        if record.year is None:
            raise CannotCorrupt("no year")
        choices = [record.year + d for d in (-3, -2, -1, 1, 2, 3) if record.year + d <= 2026]
        return replace(record, year=rng.choice(choices))
    if kind == "volume":
        if not record.volume:
            raise CannotCorrupt("no volume")
        return replace(record, volume=_shift_number(record.volume, rng, 1, 5))
    if kind == "first_page":
        if record.first_page:
            first = _shift_number(record.first_page, rng, 2, 40)
            last = record.last_page
            if last and last.isdigit() and first.isdigit() and record.first_page.isdigit():
                last = str(int(last) + int(first) - int(record.first_page))
            pages = abbreviate_range(first, last)
            return replace(record, first_page=first, last_page=last, pages=pages)
        if record.article_number:
            number = _shift_number(record.article_number, rng, 1, 9)
            pages = number if record.pages else record.pages
            return replace(record, article_number=number, pages=pages)
        raise CannotCorrupt("no locator")
    if kind == "journal":
        key = _journal_key(record)
        pool = [d for d in others if d.journal_abbrevs and _journal_key(d) != key]
        if not pool:
            raise CannotCorrupt("no other journal")
        donor = rng.choice(pool)
        return replace(record, journal=donor.journal, journal_abbrevs=donor.journal_abbrevs)
    if kind == "title_word":
        title = record.title or ""
        words = _content_words(title)
        positions = [m for m in _WORD.finditer(title) if m.start() > 0 and m.group(0).lower() not in _STOP]
        lowered = {w.lower() for w in words}
        pool = sorted({w.lower() for d in others for w in _content_words(d.title or "")} - lowered)
        if not positions or not pool:
            raise CannotCorrupt("no replaceable title word")
        target = rng.choice(positions)
        new_word = rng.choice(pool)
        return replace(record, title=title[: target.start()] + new_word + title[target.end() :])
    if kind == "first_author":
        if not record.authors:
            raise CannotCorrupt("no authors")
        family = (record.authors[0].family or "").lower()
        pool = [d.authors[0] for d in others if d.authors and d.authors[0].family
                and d.authors[0].family.lower() != family and not d.authors[0].collective]
        if not pool:
            raise CannotCorrupt("no other author")
        return replace(record, authors=(rng.choice(pool), *record.authors[1:]))
    if kind == "author_misspelling":
        first = record.authors[0] if record.authors else None
        family = first.family if first else None
        if not first or not family or len(family) < 5 or not family.isalpha():
            raise CannotCorrupt("surname too short to misspell")
        spots = [i for i in range(1, len(family) - 2) if family[i] != family[i + 1]]
        if not spots:
            raise CannotCorrupt("no letters to swap")
        i = rng.choice(spots)
        misspelt = family[:i] + family[i + 1] + family[i] + family[i + 2 :]
        return replace(record, authors=(replace(first, family=misspelt), *record.authors[1:]))
    raise ValueError(f"unknown corruption {kind!r}")


def fabricate_recombined(authors_from: Record, title_from: Record, locator_from: Record) -> Record:
    """Authors of one work, title of a second, journal/year/volume/pages of a third.

    The locator is real, so ECitMatch lands on ``locator_from``; a correct judge must see that the
    title and authors are not that work's and still call the reference ``not_found``.
    """
    return Record(
        source="pubmed",
        title=title_from.title,
        journal=locator_from.journal,
        journal_abbrevs=locator_from.journal_abbrevs,
        year=locator_from.year,
        volume=locator_from.volume,
        issue=locator_from.issue,
        pages=locator_from.pages,
        first_page=locator_from.first_page,
        last_page=locator_from.last_page,
        article_number=locator_from.article_number,
        authors=authors_from.authors,
    )


def fabricate_invented(rng: random.Random, donors: Sequence[Record]) -> Record:
    """A reference to nothing: real-looking words and names, a real journal, random locator."""
    words = sorted({w.lower() for d in donors for w in _content_words(d.title or "")})
    surnames = sorted({a.family for d in donors for a in d.authors if a.family and not a.collective})
    if len(words) < 8 or len(surnames) < 4:
        raise CannotCorrupt("not enough donors to invent from")
    title_words = rng.sample(words, rng.randint(6, 10))
    title = " ".join(title_words).capitalize() + "."
    authors = tuple(
        RecordAuthor(family=rng.choice(surnames), initials="".join(rng.choice("ABCDEFGHJKLMNPRSTW")
                                                                   for _ in range(rng.randint(1, 2))))
        for _ in range(rng.randint(1, 5))
    )
    journal = rng.choice([d for d in donors if d.journal_abbrevs])
    first = rng.randint(1, 2000)
    last = first + rng.randint(3, 14)
    return Record(
        source="pubmed",
        title=title,
        journal=journal.journal,
        journal_abbrevs=journal.journal_abbrevs,
        year=rng.randint(1995, 2022),
        volume=str(rng.randint(1, 150)),
        issue=str(rng.randint(1, 12)),
        pages=abbreviate_range(str(first), str(last)),
        first_page=str(first),
        last_page=str(last),
        authors=authors,
    )
