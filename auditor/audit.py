"""The one ``audit()`` call that the CLI, the HTTP service and scheduled jobs all go through.

Keeping this the single entry point is what makes a replayed run (cassettes) and a live run take
exactly the same path: only the transport under the sources differs.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from auditor.judging import judge, raw_names_work, same_work
from auditor.judging.compare import borrowed_title, compare
from auditor.judging.retraction_watch import apply_retraction_watch
from auditor.judging.titles import STOPWORDS
from auditor.model import AuditReport, ParsedDocument, ParsedFields, Record, ReferenceAudit
from auditor.resolve import ResolutionMemo, Resolver
from auditor.source_progress import Emit, SourceProgress
from auditor.sources.base import CrossrefSource, EntrezSource
from auditor.sources.entrez import build_term
from auditor.sources.retraction_watch import IndexState

_WORD = re.compile(r"[^\W\d_][\w-]*", re.UNICODE)


def esearch_term(fields: ParsedFields) -> str | None:
    """A PubMed query for a reference whose identifiers and locator did not settle it.

    Title words plus the first author's surname: specific enough to land on the work, and free of
    the year, volume and pages, which are exactly the fields a miscited reference gets wrong.
    Rare title words carry the search; PubMed drops words it does not index rather than failing.
    """
    first = fields.authors[0].split() if fields.authors else []
    surname = first[0] if 1 <= len(first) <= 3 else None  # longer: a collective author, no surname
    words = [w for w in _WORD.findall(fields.title or "") if w.lower() not in STOPWORDS and len(w) > 2]
    if words:
        words = sorted(words, key=len, reverse=True)[:6]
        return build_term(title_words=words, first_author=surname)
    # No usable title: ask by who, where and when, so PubMed is still consulted before any
    # "not found" (a verdict that requires every source to have answered).
    journal = re.sub(r"[*_]", "", fields.journal or "").strip() or None
    if surname and (journal or fields.year):
        return build_term(first_author=surname, journal=journal, year=fields.year)
    return None


def _evidence(fields: ParsedFields, record: Record) -> bool:
    """A search hit that is not the work but says something about the reference: its locator lands
    there, or its title is borrowed from there (the signature of a chimeric, invented citation)."""
    return compare(fields, record).locator_hit or borrowed_title(fields, record)


def _with_notes(audit: ReferenceAudit) -> ReferenceAudit:
    """Findings the parse stage made about the entry itself (REF601) travel with the judge's."""
    notes = audit.reference.notes
    return replace(audit, findings=audit.findings + notes) if notes else audit


async def audit_documents(
    documents: Sequence[ParsedDocument],
    entrez: EntrezSource,
    crossref: CrossrefSource,
    progress: Callable[[int], None] | None = None,
    retractions: IndexState | None = None,
    sources_progress: Emit | None = None,
) -> list[AuditReport]:
    """Resolve and judge every reference of every document; documents run concurrently.

    Concurrency is safe for the services because rate limits live in the shared HTTP layer, not
    per document. One memo serves the whole call, so a reference cited by several documents (or
    several times in one) is resolved once. ``retractions`` is the local Retraction Watch index (see
    ``auditor.sources.retraction_watch.open_for_audit``); every shell passes it, and ``None`` means
    it is not in use (``--replay``, or switched off), which leaves ``consulted`` without it.
    ``sources_progress`` receives the per-source state (:mod:`auditor.source_progress`) on every change.
    """
    memo = ResolutionMemo()
    tracker = SourceProgress(sources_progress, retractions) if sources_progress is not None else None
    if tracker is not None:
        entrez, crossref = tracker.observe("pubmed", entrez), tracker.observe("crossref", crossref)

    async def one(doc: ParsedDocument) -> AuditReport:
        resolver = Resolver(
            entrez, crossref, same_work=same_work, esearch_term=esearch_term, progress=progress,
            evidence=_evidence, raw_identity=raw_names_work, memo=memo,
        )
        resolutions = await resolver.resolve(doc.references)
        # Judging is pure CPU work (string comparison of every candidate): in a thread, so that the
        # event loop keeps sending other documents' requests (and answering the service's callers).
        audits = await asyncio.to_thread(
            lambda: tuple(_with_notes(judge(r.reference, r.candidates, r.consulted, r.errors)) for r in resolutions))
        if retractions is not None:
            audits = tuple(apply_retraction_watch(a, retractions) for a in audits)
        return AuditReport(parsed=doc, audits=audits, requests=resolver.requests)

    reports = list(await asyncio.gather(*(one(doc) for doc in documents)))
    if tracker is not None:
        tracker.finish()
    return reports


async def reaudit_documents(
    documents: Sequence[ParsedDocument],
    previous: Sequence[Mapping[str, Any] | None],
    entrez: EntrezSource,
    crossref: CrossrefSource,
    status_entrez: EntrezSource | None = None,
    status_crossref: CrossrefSource | None = None,
    retractions: IndexState | None = None,
    sources_progress: Emit | None = None,
) -> list[AuditReport]:
    """A re-run that reuses what the previous run established (scheduled watches).

    ``previous[i]`` is the JSON report of the last run of ``documents[i]`` (or None). References it
    matched are re-checked by identifier only (``auditor.recheck``), through ``status_entrez`` /
    ``status_crossref`` when given: sources over a cache-bypassing client, so a retraction published
    yesterday is seen today. The rest, and any re-checked reference the judge no longer accepts,
    go through the full resolver. Judging and the Retraction Watch step are the same as
    :func:`audit_documents`, so the verdicts cannot depend on which path a reference took.
    ``sources_progress`` is as for :func:`audit_documents` (status checks count under their source).
    """
    from auditor.recheck import known_matches, known_positions, recheck_by_identifier

    tracker = SourceProgress(sources_progress, retractions) if sources_progress is not None else None
    if tracker is not None:
        status_entrez = tracker.observe("pubmed", status_entrez or entrez)
        status_crossref = tracker.observe("crossref", status_crossref or crossref)
        entrez, crossref = tracker.observe("pubmed", entrez), tracker.observe("crossref", crossref)

    # One identifier look-up for all documents together: EFetch takes 200 PMIDs per request and
    # Crossref 20 DOIs, so a batch of documents costs little more than one.
    flat = [ref for doc in documents for ref in doc.references]
    wanted: dict[int, Any] = {}
    offset = 0
    for doc, prior in zip(documents, previous, strict=True):
        if prior:
            for i, km in known_positions(doc.references, known_matches(prior)).items():
                wanted[offset + i] = km
        offset += len(doc.references)
    rechecked, recheck_requests = await recheck_by_identifier(
        flat, wanted, status_entrez or entrez, status_crossref or crossref)
    # The shared look-up is counted once, on the first document (per-document counts then add up).
    payer = 0

    async def one(doc: ParsedDocument, start: int) -> AuditReport:
        refs = doc.references
        judged: dict[int, ReferenceAudit] = {}
        for i in range(len(refs)):
            res = rechecked.get(start + i)
            if res is None:
                continue
            audit = judge(res.reference, res.candidates, res.consulted, res.errors)
            if audit.verdict in ("verified", "minor", "major"):
                judged[i] = audit
        requests = recheck_requests if start == payer else 0
        rest = [i for i in range(len(refs)) if i not in judged]
        if rest:
            resolver = Resolver(entrez, crossref, same_work=same_work, esearch_term=esearch_term,
                                evidence=_evidence, raw_identity=raw_names_work)
            for i, r in zip(rest, await resolver.resolve([refs[i] for i in rest]), strict=True):
                judged[i] = judge(r.reference, r.candidates, r.consulted, r.errors)
            requests += resolver.requests
        audits = tuple(judged[i] for i in range(len(refs)))
        if retractions is not None:
            audits = tuple(apply_retraction_watch(a, retractions) for a in audits)
        return AuditReport(parsed=doc, audits=audits, requests=requests)

    starts = []
    offset = 0
    for doc in documents:
        starts.append(offset)
        offset += len(doc.references)
    reports = list(await asyncio.gather(*(one(d, s) for d, s in zip(documents, starts, strict=True))))
    if tracker is not None:
        tracker.finish()
    return reports
