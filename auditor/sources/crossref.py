"""Crossref REST API client: DOI batches through ``filter=doi:``, single DOIs, bibliographic search.

Identification goes in the User-Agent (set on the shared session) and ``mailto``; both put the
client in the polite pool, whose limits the shared limiter follows from the response headers.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from auditor.identifiers import norm_doi
from auditor.model import Record, SourceResult
from auditor.sources.base import partial_result
from auditor.sources.crossref_json import parse_work, parse_work_list
from auditor.sources.http import HttpClient, ParsedOnce, Reply

DOI_BATCH = 20
"""DOIs per ``filter=doi:`` request: keeps URLs short and answers small."""
SEARCH_SELECT = ("DOI,title,author,container-title,short-container-title,published-print,published-online,"
                 "issued,volume,issue,page,article-number,type,updated-by,update-to,score")


class CrossrefClient:
    """Crossref works; satisfies ``auditor.sources.base.CrossrefSource``."""

    service = "crossref"

    def __init__(self, http: HttpClient) -> None:
        self.http = http
        self.base_url = http.settings.crossref_url
        email = http.settings.email
        self._private = [("mailto", email)] if email else []

    async def works_by_dois(self, dois: Sequence[str]) -> SourceResult[dict[str, Record]]:
        wanted = list(dict.fromkeys(d for d in (norm_doi(x) for x in dois) if d))
        asked = list(wanted)
        found: dict[str, Record] = {}
        failed: set[str] = set()
        error: str | None = None
        requests = 0
        # A comma inside a DOI would split the filter list, so such DOIs are asked one by one.
        for doi in [d for d in wanted if "," in d]:
            single = await self.work(doi)
            requests += single.requests
            if not single.ok:
                failed.add(doi)
                error = error or single.error
            elif single.value is not None:
                found[doi] = single.value
        wanted = [d for d in wanted if "," not in d]
        for start in range(0, len(wanted), DOI_BATCH):
            batch = wanted[start:start + DOI_BATCH]
            params = [("filter", ",".join(f"doi:{d}" for d in batch)), ("rows", str(len(batch)))]

            parse = ParsedOnce(parse_work_list)

            def all_found(reply: Reply, asked: frozenset[str] = frozenset(batch),
                          parse: ParsedOnce[list[Record]] = parse) -> bool:
                # Negative (short-lived in the cache) when any asked DOI is missing from the answer.
                return not asked <= {r.doi for r in parse(reply.body)}

            outcome = await self.http.fetch(self.service, self.base_url + "works", params,
                                            private=self._private, post=False, validate=all_found)
            requests += outcome.requests
            if outcome.error or outcome.reply is None:
                failed.update(batch)
                error = error or outcome.error or "no reply"
                continue
            wanted_set = set(batch)
            for record in parse(outcome.reply.body):
                # Items come back in no particular order: match them by lower-cased DOI.
                if record.doi in wanted_set:
                    found[record.doi] = record
        return partial_result(self.service, found, asked, failed, error, requests)

    async def work(self, doi: str) -> SourceResult[Record | None]:
        clean = norm_doi(doi)
        if not clean:
            return SourceResult(self.service, value=None)

        parse = ParsedOnce(parse_work)

        def validate(reply: Reply) -> bool:
            if reply.status == 404:
                return True
            parse(reply.body)
            return False

        outcome = await self.http.fetch(self.service, self.base_url + "works/" + quote(clean, safe=""),
                                        [], private=self._private, post=False, validate=validate,
                                        accept=(200, 404))
        if outcome.error or outcome.reply is None:
            return SourceResult(self.service, error=outcome.error, requests=outcome.requests)
        if outcome.reply.status == 404:
            return SourceResult(self.service, value=None, requests=outcome.requests)
        return SourceResult(self.service, value=parse(outcome.reply.body), requests=outcome.requests)

    async def search_bibliographic(self, text: str, rows: int = 5) -> SourceResult[list[Record]]:
        query = " ".join(text.split())
        if not query:
            return SourceResult(self.service, value=[])
        params = [("query.bibliographic", query), ("rows", str(rows)), ("select", SEARCH_SELECT)]
        parse = ParsedOnce(parse_work_list)
        outcome = await self.http.fetch(self.service, self.base_url + "works", params, private=self._private,
                                        post=False, validate=lambda r: not parse(r.body))
        if outcome.error or outcome.reply is None:
            return SourceResult(self.service, error=outcome.error, requests=outcome.requests)
        return SourceResult(self.service, value=list(parse(outcome.reply.body)), requests=outcome.requests)
