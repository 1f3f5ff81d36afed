"""Bibliographic sources: PubMed (E-utilities) and Crossref behind one HTTP layer.

Usage::

    async with open_sources(settings) as sources:
        entrez, crossref = sources                 # unpacks like a tuple
        result = await entrez.efetch(["11748933"])
        print(sources.counters())                  # per-service requests, cache hits, 429s

Both clients share one :class:`~auditor.sources.http.HttpClient` (one aiohttp session, one cache,
the process-wide limiters), so a whole run is paced and counted in one place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import NamedTuple

from auditor.config import Settings
from auditor.sources.crossref import CrossrefClient
from auditor.sources.entrez import EntrezClient, build_term
from auditor.sources.http import HttpClient, ServiceCounters

__all__ = ["CrossrefClient", "EntrezClient", "HttpClient", "ServiceCounters", "Sources", "build_term",
           "open_sources"]


class Sources(NamedTuple):
    entrez: EntrezClient
    crossref: CrossrefClient

    @property
    def http(self) -> HttpClient:
        return self.entrez.http

    def counters(self) -> dict[str, ServiceCounters]:
        """Live counters keyed by service name (``pubmed``, ``crossref``)."""
        return self.entrez.http.counters


@asynccontextmanager
async def open_sources(settings: Settings, *, paced: bool = True) -> AsyncIterator[Sources]:
    """Open both clients over one shared session and cache; close them on exit.

    ``paced=False`` is for a replayed transport (``--replay``): see :attr:`HttpClient.paced`.
    """
    http = HttpClient(settings, paced=paced)
    try:
        yield Sources(EntrezClient(http), CrossrefClient(http))
    finally:
        await http.close()
