"""Cheap re-audits: re-check by identifier what the previous run already matched.

A watched document is re-audited unchanged, week after week. What can change is the standing of the
works it cites (retracted, corrected) and their metadata, and both are read from the matched record
itself. So a reference that the previous run matched to a PMID or DOI is re-checked by identifier
only: one EFetch for all such PMIDs (200 per request) and one Crossref DOI-filter look-up for all
such DOIs, instead of the ECitMatch/search/sweep cascade. Only references that were ``not_found``
or ``unchecked`` (or are new) take the full path again.

This sits beside :mod:`auditor.resolve` rather than inside it: it produces the same
:class:`~auditor.resolve.Resolution` objects, so the judge cannot tell the two paths apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.identifiers import norm_doi, text_hash
from auditor.model import Record, Reference, SourceResult
from auditor.resolve import Resolution
from auditor.sources.base import CrossrefSource, EntrezSource

RECHECKED_VERDICTS = frozenset({"verified", "minor", "major"})


@dataclass(frozen=True)
class KnownMatch:
    """What the previous run matched a reference to."""

    pmid: str | None
    doi: str | None


def known_matches(previous: Mapping[str, Any]) -> dict[tuple[int, str], KnownMatch]:
    """From a previous JSON report: (number, raw-text hash) -> the matched identifiers, for the
    references it judged the same work (the pairing rule of :mod:`auditor.watch.diff`)."""
    out: dict[tuple[int, str], KnownMatch] = {}
    for ref in previous.get("references") or ():
        if not isinstance(ref, Mapping) or ref.get("verdict") not in RECHECKED_VERDICTS:
            continue
        match = ref.get("match")
        if not isinstance(match, Mapping):
            continue
        pmid = match.get("pmid") if isinstance(match.get("pmid"), str) else None
        doi = match.get("doi") if isinstance(match.get("doi"), str) else None
        if (pmid or doi) and isinstance(ref.get("number"), int) and isinstance(ref.get("raw"), str):
            out[(ref["number"], text_hash(ref["raw"]))] = _sources_asked(ref, match, pmid, norm_doi(doi) or None)
    return out


def _sources_asked(ref: Mapping[str, Any], match: Mapping[str, Any], pmid: str | None, doi: str | None) -> KnownMatch:
    """Ask again the sources the previous run's judgement rested on, and no others.

    The matched record's source always; the other one only when the previous run had its record
    too: the reference prints that identifier (step 1 of the resolver fetched it), or a finding
    cites that source (a disagreement between the two, a flag). Asking a source the first run
    never consulted would add candidates, and with them findings (REF501) that are not changes of
    the cited work but of the method.
    """
    parsed = ref.get("parsed") if isinstance(ref.get("parsed"), Mapping) else {}
    cited = {f.get("source") for f in ref.get("findings") or () if isinstance(f, Mapping)}
    source = match.get("source")
    want_pubmed = source == "pubmed" or bool(parsed.get("pmid")) or "pubmed" in cited
    want_crossref = source == "crossref" or bool(parsed.get("doi")) or "crossref" in cited
    if not ((want_pubmed and pmid) or (want_crossref and doi)):
        return KnownMatch(pmid, doi)
    return KnownMatch(pmid if want_pubmed else None, doi if want_crossref else None)


def _state(result: SourceResult[dict[str, Record]] | None, key: str | None) -> str:
    if result is None or key is None:
        return "not_asked"
    return "answered" if result.answered(key) else "failed"


def known_positions(references: Sequence[Reference], known: Mapping[tuple[int, str], KnownMatch]
                    ) -> dict[int, KnownMatch]:
    """List position -> what the previous run matched, for the references it pairs with."""
    out: dict[int, KnownMatch] = {}
    for i, ref in enumerate(references):
        km = known.get((ref.number, text_hash(ref.raw)))
        if km is not None and ref.parse_error is None:
            out[i] = km
    return out


async def recheck_by_identifier(
    references: Sequence[Reference], known: Mapping[tuple[int, str], KnownMatch] | Mapping[int, KnownMatch],
    entrez: EntrezSource, crossref: CrossrefSource,
) -> tuple[dict[int, Resolution], int]:
    """Resolutions for the references whose known identifiers still answer, by list position, and
    the requests sent. ``known`` is keyed by (number, text hash), or by list position when the list
    spans several documents (so their look-ups share one batch). A reference whose look-up failed
    or came back empty is left out, so the caller sends it down the full path."""
    wanted: dict[int, KnownMatch] = (
        dict(known) if all(isinstance(k, int) for k in known) else known_positions(references, known))  # type: ignore[arg-type]
    pmids = sorted({k.pmid for k in wanted.values() if k.pmid})
    dois = sorted({k.doi for k in wanted.values() if k.doi})

    async def none() -> None:
        return None

    fetched, found = await asyncio.gather(entrez.efetch(pmids) if pmids else none(),
                                          crossref.works_by_dois(dois) if dois else none())
    requests = (fetched.requests if fetched else 0) + (found.requests if found else 0)
    out: dict[int, Resolution] = {}
    for i, km in wanted.items():
        pubmed_state, crossref_state = _state(fetched, km.pmid), _state(found, km.doi)
        if "failed" in (pubmed_state, crossref_state):
            continue
        candidates = [r for r in ((fetched.value or {}).get(km.pmid) if fetched and km.pmid else None,
                                  (found.value or {}).get(km.doi) if found and km.doi else None) if r is not None]
        if not candidates:
            continue  # the known identifiers no longer answer: search again
        out[i] = Resolution(references[i], tuple(candidates),
                            {"pubmed": pubmed_state, "crossref": crossref_state})
    return out, requests
