"""In-memory stand-ins for the two sources, so the resolver's strategy is tested without HTTP.

They count calls per method, which is what the "fewest requests" promises are about, and can be told
to fail a method, which is how "a failed source is never not_found" is tested end to end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from auditor.model import Record, SourceResult
from auditor.sources.base import CitMatchOutcome, CitMatchQuery


class FakeEntrez:
    def __init__(self, records: Sequence[Record], fail: Sequence[str] = ()) -> None:
        self.records = {r.pmid: r for r in records if r.pmid}
        self.fail = set(fail)
        self.calls: Counter[str] = Counter()
        self.terms: list[str] = []

    def _failed(self, method: str) -> bool:
        self.calls[method] += 1
        return method in self.fail

    async def ecitmatch(self, queries: Sequence[CitMatchQuery]) -> SourceResult[dict[str, CitMatchOutcome]]:
        if self._failed("ecitmatch"):
            return SourceResult("pubmed", error="HTTP 503", requests=1)
        out: dict[str, CitMatchOutcome] = {}
        for q in queries:
            hits = [
                r for r in self.records.values()
                if str(r.year) == q.year and r.volume == q.volume
                and q.first_page in {r.first_page, r.article_number}
                and q.journal in {a.lower() for a in r.journal_abbrevs}
            ]
            out[q.key] = (
                CitMatchOutcome(q.key, "found", hits[0].pmid) if len(hits) == 1
                else CitMatchOutcome(q.key, "not_found")
            )
        return SourceResult("pubmed", value=out, requests=1)

    async def efetch(self, pmids: Sequence[str]) -> SourceResult[dict[str, Record]]:
        if self._failed("efetch"):
            return SourceResult("pubmed", error="timeout", requests=1)
        return SourceResult("pubmed", value={p: self.records[p] for p in pmids if p in self.records}, requests=1)

    async def esearch(self, term: str, retmax: int = 5) -> SourceResult[list[str]]:
        self.terms.append(term)
        if self._failed("esearch"):
            return SourceResult("pubmed", error="HTTP 500", requests=1)
        lowered = term.lower()
        hits = [
            p for p, r in self.records.items()
            if (r.title and r.title.lower().split()[0] in lowered) or (r.doi and r.doi in lowered)
        ]
        return SourceResult("pubmed", value=hits[:retmax], requests=1)


class FakeCrossref:
    def __init__(self, records: Sequence[Record], fail: Sequence[str] = ()) -> None:
        self.records = {r.doi.lower(): r for r in records if r.doi}
        self.fail = set(fail)
        self.calls: Counter[str] = Counter()

    def _failed(self, method: str) -> bool:
        self.calls[method] += 1
        return method in self.fail

    async def works_by_dois(self, dois: Sequence[str]) -> SourceResult[dict[str, Record]]:
        if self._failed("works_by_dois"):
            return SourceResult("crossref", error="HTTP 502", requests=1)
        return SourceResult(
            "crossref", value={d: self.records[d] for d in dois if d in self.records}, requests=1
        )

    async def work(self, doi: str) -> SourceResult[Record | None]:
        if self._failed("work"):
            return SourceResult("crossref", error="HTTP 502", requests=1)
        return SourceResult("crossref", value=self.records.get(doi.lower()), requests=1)

    async def search_bibliographic(self, text: str, rows: int = 5) -> SourceResult[list[Record]]:
        if self._failed("search_bibliographic"):
            return SourceResult("crossref", error="HTTP 503", requests=1)
        lowered = text.lower()
        hits = [r for r in self.records.values() if r.title and r.title.lower() in lowered]
        return SourceResult("crossref", value=hits[:rows], requests=1)
