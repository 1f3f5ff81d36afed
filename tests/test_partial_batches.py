"""A call sent in several batches keeps the answers that arrived when one batch fails.

Only the references in the failed batch become ``unchecked``; the others are judged on the answers
that did arrive. Before, one failed batch of 20 DOIs voided the other batches' answers too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiohttp import web

from auditor.audit import esearch_term
from auditor.judging import judge, same_work
from auditor.model import Record, SourceResult
from auditor.resolve import Resolver
from auditor.sources import open_sources
from auditor.sources.crossref import DOI_BATCH
from tests.builders import ref
from tests.fakes import FakeCrossref, FakeEntrez
from tests.test_http_hostile_servers import _settings, serve  # noqa: F401  (the fixture)


def _item(doi: str) -> dict[str, object]:
    return {"DOI": doi, "title": [f"Work {doi}"], "type": "journal-article"}


async def test_a_failed_doi_batch_leaves_the_other_batches_answers_standing(serve) -> None:  # noqa: F811
    dois = [f"10.1/w{i}" for i in range(DOI_BATCH + 5)]
    failing: set[str] = set()  # the DOIs of whichever batch carries w7, however the client splits them

    async def handler(request: web.Request) -> web.Response:
        asked = [d.removeprefix("doi:") for d in request.query.get("filter", "").split(",")]
        if "10.1/w7" in asked:
            failing.update(asked)
            return web.Response(status=503, text="busy")
        return web.json_response({"status": "ok", "message": {"items": [_item(d) for d in asked]}})

    base = await serve(handler)
    async with open_sources(_settings(base)) as (_, crossref):
        result = await crossref.works_by_dois(dois)
    assert not result.ok and "503" in (result.error or "")
    assert 0 < len(failing) < len(dois) and result.unanswered == failing
    assert set(result.value or {}) == set(dois) - failing
    assert all(result.answered(d) for d in set(dois) - failing)
    assert not any(result.answered(d) for d in failing)


async def test_when_every_batch_fails_nothing_passes_for_an_empty_answer(serve) -> None:  # noqa: F811
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=503, text="busy")

    base = await serve(handler)
    async with open_sources(_settings(base)) as (_, crossref):
        result = await crossref.works_by_dois([f"10.1/w{i}" for i in range(DOI_BATCH + 5)])
    assert result.value is None and not result.unanswered and not result.answered("10.1/w0")


BATCH_ERROR = "crossref answered HTTP 503 for the second DOI batch"


class _HalfAnsweringCrossref(FakeCrossref):
    """Answers the DOI batch for some DOIs and reports the others' batch as failed."""

    def __init__(self, records: Sequence[Record], lost: set[str]) -> None:
        super().__init__(records)
        self.lost = lost

    async def works_by_dois(self, dois: Sequence[str]) -> SourceResult[dict[str, Record]]:
        self.calls["works_by_dois"] += 1
        found = {d: self.records[d] for d in dois if d in self.records and d not in self.lost}
        return SourceResult("crossref", value=found, error=BATCH_ERROR, requests=2, unanswered=frozenset(self.lost))

    async def search_bibliographic(self, text: str, rows: int = 5) -> SourceResult[list[Record]]:
        self.calls["search_bibliographic"] += 1
        return SourceResult("crossref", value=[], requests=1)  # answers, finds nothing


def test_only_the_references_in_the_failed_batch_are_unchecked() -> None:
    works = [Record("crossref", doi=f"10.1/p{i}", title=f"A study of thing {i} in mice", year=2020,
                    journal="J Test", volume="1", first_page=str(i)) for i in (1, 2)]
    refs = [ref("Smith AB", title=f"A study of thing {i} in mice", journal="J Test", year=2020, volume="1",
                pages=str(i), doi=f"10.1/p{i}", number=i) for i in (1, 2)]
    crossref = _HalfAnsweringCrossref(works, lost={"10.1/p2"})
    entrez = FakeEntrez([])
    resolver = Resolver(entrez, crossref, same_work=same_work, esearch_term=esearch_term)
    out = asyncio.run(resolver.resolve(refs))
    audits = [judge(r.reference, r.candidates, r.consulted, r.errors) for r in out]
    assert [r.consulted["crossref"] for r in out] == ["answered", "failed"]
    assert audits[0].match is not None and audits[0].match.doi == "10.1/p1"
    assert audits[1].verdict == "unchecked" and BATCH_ERROR in audits[1].findings[0].message
