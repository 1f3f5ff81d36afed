"""Field-by-field agreement between one reference and one record, computed once and reused.

The resolver ranks candidates with :func:`score_candidate`, decides identity with
:func:`same_work`, and the judge turns the same :class:`Comparison` into findings, so a
reference/record pair is normalised and compared exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from auditor.identifiers import norm_doi
from auditor.judging.authors import NameMatch, compare_names, first_persons, parse_vancouver, record_name
from auditor.judging.issues import issues_agree, volumes_agree
from auditor.judging.journals import journal_agrees
from auditor.judging.pages import locators_agree, record_pages
from auditor.judging.titles import TitleMatch, compare_titles, content_overlap
from auditor.model import ParsedFields, Record

YearMatch = Literal["same", "online", "different"]
_REWORDED_OVERLAP = 0.5


@dataclass(frozen=True)
class Comparison:
    """None in any field means "cannot compare": one side lacks the value."""

    title: TitleMatch | None
    first_author: NameMatch | None
    authors_found: bool | None
    """Every listed reference author appears (same or misspelled) among the record's authors."""
    journal: bool | None
    year: YearMatch | None
    volume: bool | None
    issue: bool | None
    locator: bool | None
    """First page or article number (either way round, e-prefix ignored)."""
    doi: bool | None

    @property
    def locator_hit(self) -> bool:
        """Journal, year, volume and first page all agree: what ECitMatch matches on."""
        return bool(self.journal and self.year in ("same", "online") and self.volume and self.locator)


def _year(ref_year: int | None, rec: Record) -> YearMatch | None:
    if ref_year is None or (rec.year is None and rec.online_year is None):
        return None
    if ref_year == (rec.year if rec.year is not None else rec.online_year):
        return "same"
    if rec.online_year is not None and ref_year == rec.online_year:
        return "online"  # cited by the online-first date rather than the print issue
    if rec.year is None and rec.online_year is not None and ref_year == rec.online_year + 1:
        return "online"  # only the online date is known; the print issue often follows a year later
    return "different"


@lru_cache(maxsize=8192)
def compare(ref: ParsedFields, rec: Record) -> Comparison:
    title = compare_titles(ref.title, rec.title) if ref.title and rec.title else None
    ref_names = [parse_vancouver(a) for a in ref.authors]
    rec_names = [record_name(a) for a in rec.authors]
    pair = first_persons(ref_names, rec_names)
    first = compare_names(ref_names[pair[0]], rec_names[pair[1]]) if pair else None
    found: bool | None = None
    people = [r for r in ref_names if r.person]
    if people and any(c.person for c in rec_names):
        # Group names are left out: a group is never a missing person (issue 9, item 8).
        found = all(any(compare_names(r, c) != "different" for c in rec_names) for r in people)
    rec_first, _ = record_pages(rec)
    ref_doi, rec_doi = norm_doi(ref.doi), norm_doi(rec.doi)
    return Comparison(
        title=title,
        first_author=first,
        authors_found=found,
        journal=journal_agrees(ref.journal, (rec.journal, *rec.journal_abbrevs)),
        year=_year(ref.year, rec),
        volume=volumes_agree(ref.volume, rec.volume),
        issue=issues_agree(ref.issue, rec.issue),
        locator=locators_agree((ref.first_page, ref.article_number), (rec_first, rec.article_number)),
        doi=(ref_doi == rec_doi) if ref_doi and rec_doi else None,
    )


_TITLE_SCORE = {"same": 1.0, "minor": 0.8, "related": 0.4, "different": 0.0}
_NAME_SCORE = {"same": 1.0, "misspelled": 0.7, "different": 0.0}
_YEAR_SCORE = {"same": 1.0, "online": 0.7, "different": 0.0}


def score_candidate(ref: ParsedFields, record: Record) -> float:
    """0..1 weighted agreement over the fields both sides have; 0 when nothing is comparable."""
    c = compare(ref, record)
    parts: list[tuple[float, float]] = []
    if c.title is not None:
        parts.append((3.0, _TITLE_SCORE[c.title]))
    if c.first_author is not None:
        parts.append((2.0, _NAME_SCORE[c.first_author]))
    if c.authors_found is not None:
        parts.append((0.5, float(c.authors_found)))
    if c.year is not None:
        parts.append((1.0, _YEAR_SCORE[c.year]))
    for weight, value in ((1.5, c.journal), (1.0, c.volume), (0.5, c.issue), (1.0, c.locator), (2.0, c.doi)):
        if value is not None:
            parts.append((weight, float(value)))
    total = sum(w for w, _ in parts)
    return round(sum(w * v for w, v in parts) / total, 4) if total else 0.0


def same_work(ref: ParsedFields, record: Record) -> bool:
    """Is ``record`` the work the reference means (possibly cited with errors)?

    A locator hit alone is not identity: it must be re-checked against title and first author.
    A title that is the same or slightly reworded needs some corroboration (a generic title can
    belong to several papers), two agreeing fields when the first author differs; a title that
    merely overlaps needs the first author, the year and more; a different title is accepted
    only when first author, journal, year and locator all agree (then the title itself is the major error).
    """
    c = compare(ref, record)
    checks = (
        None if c.first_author is None else c.first_author != "different",
        c.journal,
        None if c.year is None else c.year != "different",
        c.volume,
        c.locator,
        c.doi,
    )
    agree = sum(1 for v in checks if v is True)
    disagree = sum(1 for v in checks if v is False)
    first_ok = checks[0]
    if c.title == "same":
        if first_ok is False:
            # A famous title under someone else's name with one coincident field (often the
            # year) is a chimera, not a miscited paper: the title is borrowed (REF406). A
            # matching DOI, or two agreeing fields beyond the title (journal and year, volume
            # and page), show that the author list is what is wrong.
            return agree >= 2 or bool(c.doi)
        return agree >= 1 or disagree == 0
    if c.title == "minor":
        # Same author and journal but another year is typically an update or a later edition
        # ("CONSORT statement" 2004 vs "CONSORT 2010 statement"), so a wrong year needs more support.
        return (agree >= 2 and (checks[2] is not False or disagree <= 1)) or (agree >= 1 and disagree == 0)
    if c.title == "related":
        if first_ok is None and c.locator_hit:
            return True  # the record lists no authors; the full locator plus an overlapping title
        if c.first_author == "same" and c.year == "same":
            return True  # same first author and year with an overlapping title: a miscited paper
        return bool(first_ok and checks[2] and (agree >= 3 or c.authors_found))
    if c.title == "different":
        if first_ok and c.locator_hit:
            return True
        # A reworded title that keeps most of the reference's content words is the same paper
        # when either the full locator agrees (and no author contradicts it) or the whole author
        # list and the year do.
        if ref.title and record.title and content_overlap(ref.title, record.title) >= _REWORDED_OVERLAP:
            if c.locator_hit and first_ok is not False:
                return True
            return bool(
                c.first_author == "same" and c.authors_found and len(ref.authors) >= 2 and c.year == "same"
            )
        return False
    return bool(c.locator_hit and first_ok is not False)


def borrowed_title(ref: ParsedFields, record: Record) -> bool:
    """The reference's title is (nearly) the record's, whatever else differs.

    Generic topic words make loose title matches common ("low-dose naltrexone ... multiple
    sclerosis"), so a merely related title must also contain 90% of the reference's content words.
    """
    c = compare(ref, record)
    if c.title in ("same", "minor"):
        return True
    return bool(c.title == "related" and ref.title and record.title
                and content_overlap(ref.title, record.title) >= 0.9)
