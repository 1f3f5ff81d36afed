"""PubMed versus Crossref on the same work.

Independent agreement raises confidence; disagreement is reported (REF501, info) because it tells
the user which of the two to trust less and explains odd-looking findings (online-first years,
article numbers deposited as pages).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditor.identifiers import norm_doi
from auditor.judging.issues import issues_agree, volumes_agree
from auditor.judging.pages import locator_forms, record_pages
from auditor.judging.titles import compare_titles
from auditor.model import Record


@dataclass(frozen=True)
class Disagreement:
    field: str
    pubmed_value: str | None
    crossref_value: str | None
    other: Record
    """The confirming record (the one that is not primary)."""

    @property
    def message(self) -> str:
        return (f"PubMed and Crossref disagree on {self.field}: "
                f"PubMed {self.pubmed_value!r}, Crossref {self.crossref_value!r}")


def _pairs(primary: Record, other: Record) -> list[tuple[str, str | None, str | None, bool]]:
    p_first, _ = record_pages(primary)
    o_first, _ = record_pages(other)
    p_loc = frozenset().union(locator_forms(p_first), locator_forms(primary.article_number))
    o_loc = frozenset().union(locator_forms(o_first), locator_forms(other.article_number))
    title_differs = bool(primary.title and other.title
                         and compare_titles(primary.title, other.title) != "same")
    year_differs = (primary.year is not None and other.year is not None and primary.year != other.year
                    and other.year not in (primary.online_year, None)
                    and primary.year != other.online_year)
    return [
        ("title", primary.title, other.title, title_differs),
        ("year", str(primary.year), str(other.year), year_differs),
        ("volume", primary.volume, other.volume, volumes_agree(primary.volume, other.volume) is False),
        ("issue", primary.issue, other.issue, issues_agree(primary.issue, other.issue) is False),
        ("pages", p_first or primary.article_number, o_first or other.article_number,
         bool(p_loc and o_loc and not (p_loc & o_loc))),
        ("doi", primary.doi, other.doi,
         bool(primary.doi and other.doi and norm_doi(primary.doi) != norm_doi(other.doi))),
    ]


def disagreements(primary: Record, others: Sequence[Record]) -> list[Disagreement]:
    out: list[Disagreement] = []
    for other in others:
        if other.source == primary.source:
            continue
        primary_is_pubmed = primary.source == "pubmed"
        for fld, a, b, differs in _pairs(primary, other):
            if differs:
                pv, cv = (a, b) if primary_is_pubmed else (b, a)
                out.append(Disagreement(fld, pv, cv, other))
    return out
