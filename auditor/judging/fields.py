"""Turn a reference/record :class:`Comparison` into field findings (REF1xx).

Findings here carry no location and no source; :mod:`auditor.judging.judge` stamps those on, so
this module stays a pure function of the two values being compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.judging.authors import (
    compare_names,
    first_persons,
    format_record_author,
    parse_vancouver,
    record_name,
)
from auditor.judging.codes import severity_of
from auditor.judging.compare import Comparison
from auditor.judging.normalize import norm_token
from auditor.judging.pages import expand_last, locator_forms, record_pages
from auditor.model import ParsedFields, Record


@dataclass(frozen=True)
class FieldIssue:
    code: str
    field: str
    document_value: str | None
    record_value: str | None
    message: str

    @property
    def severity(self) -> str:
        return severity_of(self.code)


def _s(value: object) -> str | None:
    return None if value is None else str(value)


def _issue(code: str, fld: str, doc: object, rec: object, what: str) -> FieldIssue:
    doc_s, rec_s = _s(doc), _s(rec)
    if doc_s is None:
        message = f"{what}: missing from the reference; the record has {rec_s!r}"
    else:
        message = f"{what}: the reference has {doc_s!r}, the record has {rec_s!r}"
    return FieldIssue(code, fld, doc_s, rec_s, message)


def journal_display(rec: Record) -> str | None:
    """The short form a Vancouver reference would print, falling back to the full title."""
    return rec.journal_abbrevs[0] if rec.journal_abbrevs else rec.journal


def field_issues(ref: ParsedFields, rec: Record, c: Comparison) -> list[FieldIssue]:
    out: list[FieldIssue] = []
    if c.title in ("related", "different"):
        out.append(_issue("REF102", "title", ref.title, rec.title, "title differs"))
    elif c.title == "minor":
        out.append(_issue("REF101", "title", ref.title, rec.title, "title reworded or subtitle dropped"))
    elif not ref.title and rec.title:
        out.append(_issue("REF114", "title", None, rec.title, "title"))

    out += _author_issues(ref, rec)

    if c.journal is False:
        out.append(_issue("REF103", "journal", ref.journal, journal_display(rec), "journal differs"))
    elif not ref.journal and (rec.journal or rec.journal_abbrevs):
        out.append(_issue("REF114", "journal", None, journal_display(rec), "journal"))

    if c.year == "different":
        out.append(_issue("REF104", "year", ref.year, rec.year, "year differs"))
    elif c.year == "online":
        out.append(_issue("REF105", "year", ref.year, rec.year,
                          f"year is that of the online-first date ({rec.online_year}) or next to it, "
                          f"not the issue year"))
    elif ref.year is None and rec.year is not None:
        out.append(_issue("REF114", "year", None, rec.year, "year"))

    if c.volume is False:
        out.append(_issue("REF106", "volume", ref.volume, rec.volume, "volume differs"))
    elif not ref.volume and rec.volume:
        out.append(_issue("REF114", "volume", None, rec.volume, "volume"))

    if c.issue is False:
        out.append(_issue("REF107", "issue", ref.issue, rec.issue, "issue differs"))
    elif not ref.issue and rec.issue:
        out.append(_issue("REF107", "issue", None, rec.issue, "issue"))

    out += _page_issues(ref, rec, c)
    return out


def _page_issues(ref: ParsedFields, rec: Record, c: Comparison) -> list[FieldIssue]:
    rec_first, rec_last = record_pages(rec)
    rec_loc = rec_first or rec.article_number
    if rec.article_number and rec_first and rec.article_number != rec_first:
        rec_loc = rec.article_number
    ref_loc = ref.first_page or ref.article_number
    if c.locator is False:
        return [_issue("REF108", "pages", ref_loc, rec_loc, "first page or article number differs")]
    if c.locator is None:
        if not ref_loc and rec_loc:
            return [_issue("REF114", "pages", None, rec_loc, "pages or article number")]
        return []
    # Locator agrees; check the end page only when the match was on a real first page.
    if not (ref.first_page and rec_first and rec_last and rec_last != rec_first):
        return []
    if not (locator_forms(ref.first_page) & locator_forms(rec_first)):
        return []
    if not ref.last_page:
        return [_issue("REF109", "pages", None, f"{rec_first}-{rec_last}", "end page")]
    ref_last = expand_last(ref.first_page, ref.last_page)
    if norm_token(ref_last) != norm_token(rec_last):
        return [_issue("REF109", "pages", f"{ref.first_page}-{ref_last}", f"{rec_first}-{rec_last}",
                       "end page differs")]
    return []


def _author_issues(ref: ParsedFields, rec: Record) -> list[FieldIssue]:
    """First author, then every other printed person, graded against what the record can confirm.

    A record speaks only for the authors it lists: a Crossref item without authors, a shorter list
    or a name with no surname cannot make a printed person "not on the work". Group names inside a
    printed list are never a missing person (issue 9, item 8). REF113 (major) stays for a record
    list at least as long as the print that still lacks two or more printed persons; a single
    unconfirmed person in an otherwise agreeing list is REF115 (minor).
    """
    if not rec.authors:
        return []
    if not ref.authors:
        return [_issue("REF114", "authors", None, format_record_author(rec.authors[0]), "authors")]
    rec_names = [record_name(a) for a in rec.authors]
    ref_names = [parse_vancouver(a) for a in ref.authors]
    rec_people = [j for j, n in enumerate(rec_names) if n.person]
    out: list[FieldIssue] = []
    first = first_persons(ref_names, rec_names)
    if first is not None:
        i0, j0 = first
        grade = compare_names(ref_names[i0], rec_names[j0])
        shown = format_record_author(rec.authors[j0])
        if grade == "different" and rec_names[j0].person:
            out.append(_issue("REF110", "authors", ref.authors[i0], shown, "first author differs"))
        elif grade == "misspelled":
            out.append(_issue("REF111", "authors", ref.authors[i0], shown, "first author misspelled"))
    unmatched: list[tuple[int, str]] = []
    for i, name in enumerate(ref_names):
        if first is not None and i == first[0]:
            continue
        if name.collective:
            continue  # a group is never a missing person; it matches a record group or nothing
        best, best_j = "different", -1
        order = ([i] if i < len(rec_names) else []) + list(range(len(rec_names)))
        for j in order:
            grade = compare_names(name, rec_names[j])
            if grade == "same":
                best, best_j = grade, j
                break
            if grade == "misspelled" and best == "different":
                best, best_j = grade, j
        if best == "misspelled":
            out.append(_issue("REF111", "authors", ref.authors[i], format_record_author(rec.authors[best_j]),
                              "author misspelled"))
        elif best == "different":
            unmatched.append((i, ref.authors[i]))
    printed_people = sum(1 for n in ref_names if n.person)
    complete = len(rec_people) >= printed_people
    for i, raw in unmatched:
        if not complete and i >= len(rec_names):
            continue  # the record's list ends before this printed person: it cannot speak for them
        near = format_record_author(rec.authors[i]) if i < len(rec.authors) else None
        if complete and len(unmatched) >= 2:
            out.append(_issue("REF113", "authors", raw, near, "author not on the record"))
        else:
            out.append(_issue("REF115", "authors", raw, near, "author not confirmed by the record"))
    if not ref.et_al and printed_people < len(rec_people):
        missing = ", ".join(format_record_author(rec.authors[j]) for j in rec_people[printed_people:])
        out.append(FieldIssue("REF112", "authors", None, missing,
                              f"authors missing without 'et al': {missing}"))
    return out
