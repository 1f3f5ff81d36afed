"""The interface the resolver uses to ask bibliographic sources.

Written as Protocols so the resolver can be driven by the real aiohttp clients, by cassette replays
or by an in-memory fake in tests, with no change. Every method returns a ``SourceResult``: an answer,
or a typed "unavailable" outcome once retries are exhausted (never an exception, never an empty
answer that could be mistaken for "not found").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

from auditor.model import Record, SourceName, SourceResult

T = TypeVar("T")



def partial_result(service: SourceName, value: T, asked: Iterable[str], failed: set[str],
                   error: str | None, requests: int) -> SourceResult[T]:
    """The outcome of a call sent in several batches: what arrived stands, what failed is named.

    Without this one failed batch of 20 DOIs would void the answers for the other 480. When every
    batch failed the result carries no value at all, so it cannot pass for an empty answer.
    """
    if not failed:
        return SourceResult(service, value=value, requests=requests)
    if failed.issuperset(asked):
        return SourceResult(service, error=error or "no reply", requests=requests)
    return SourceResult(service, value=value, error=error or "no reply", requests=requests,
                        unanswered=frozenset(failed))


CitMatchStatus = Literal["found", "not_found", "invalid_journal", "ambiguous"]


@dataclass(frozen=True)
class CitMatchQuery:
    """One ECitMatch line: ``journal|year|volume|first_page|author|key|``."""

    key: str
    journal: str = ""
    year: str = ""
    volume: str = ""
    first_page: str = ""
    author: str = ""
    """First author as ``surname initials``; ECitMatch uses it only to choose among candidates."""


@dataclass(frozen=True)
class CitMatchOutcome:
    key: str
    status: CitMatchStatus
    pmid: str | None = None


class EntrezSource(Protocol):
    async def ecitmatch(self, queries: Sequence[CitMatchQuery]) -> SourceResult[dict[str, CitMatchOutcome]]:
        """All queries in as few requests as the API allows; result keyed by ``CitMatchQuery.key``."""
        ...

    async def efetch(self, pmids: Sequence[str]) -> SourceResult[dict[str, Record]]:
        """PubMed records keyed by PMID (up to 200 per request, POST for long lists)."""
        ...

    async def esearch(self, term: str, retmax: int = 5) -> SourceResult[list[str]]:
        """PMIDs for a query built with ``auditor.sources.entrez.build_term`` (escaped, field-tagged)."""
        ...


class CrossrefSource(Protocol):
    async def works_by_dois(self, dois: Sequence[str]) -> SourceResult[dict[str, Record]]:
        """Records keyed by lower-cased DOI; a DOI Crossref does not know is simply absent."""
        ...

    async def work(self, doi: str) -> SourceResult[Record | None]:
        """One DOI; ``value is None`` with ``ok`` means Crossref answered 404 (a fact, not a failure)."""
        ...

    async def search_bibliographic(self, text: str, rows: int = 5) -> SourceResult[list[Record]]:
        """Candidates for a free-text citation, best first, each with ``score``."""
        ...
