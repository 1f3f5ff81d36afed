"""Where a resolution's wall time goes: one event per HTTP request, and the phases they form.

The latency benchmark records, for every request, when the client asked for it (``queued``), when
the service's limiter let it go (``sent``) and when its answer was read (``answered``), in seconds
from the start of the audit. :func:`phases` reduces one run's events to the figures the README's
floor arithmetic uses: when ECitMatch answered, how soon the first Crossref search followed, how
densely the searches were paced and how many were in flight, and how long PubMed's sweep kept
the run going after the last search (the tail). Pure functions, so they are tested without a server.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Event:
    """One HTTP request as the client saw it (retries of one look-up are separate events)."""

    service: str
    kind: str
    """``ecitmatch``, ``efetch``, ``esearch``, ``search`` (Crossref query.bibliographic), ``dois``
    (Crossref ``filter=doi:``), ``work`` (one DOI) or ``other``."""
    queued: float
    sent: float
    answered: float

    def as_dict(self) -> dict[str, Any]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()}


def request_kind(service: str, url: str, params: Mapping[str, str]) -> str:
    """What a request asks, from its URL and parameters."""
    if service == "pubmed":
        for kind in ("ecitmatch", "efetch", "esearch"):
            if kind in url.rsplit("/", 1)[-1]:
                return kind
        return "other"
    if "query.bibliographic" in params:
        return "search"
    if "filter" in params:
        return "dois"
    return "work" if "/works/" in url else "other"


def max_in_flight(events: Sequence[Event]) -> int:
    """The most of these requests that were between ``sent`` and ``answered`` at one moment."""
    edges = sorted([(e.sent, 1) for e in events] + [(e.answered, -1) for e in events],
                   key=lambda edge: (edge[0], edge[1]))  # an answer at t frees its slot before a send at t
    peak = current = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


def phases(events: Sequence[Event], wall: float) -> dict[str, Any]:
    """The run's critical path in figures (seconds from the start of the audit; None if absent)."""
    def last(kind: str) -> float | None:
        chosen = [e.answered for e in events if e.kind == kind]
        return max(chosen) if chosen else None

    searches = sorted((e for e in events if e.kind == "search"), key=lambda e: e.sent)
    gaps = [b.sent - a.sent for a, b in zip(searches, searches[1:], strict=False)]
    ecitmatch_answered = last("ecitmatch")
    last_search = searches[-1].answered if searches else None
    last_answer = max((e.answered for e in events), default=None)
    first_search = searches[0].sent if searches else None

    def r(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    return {
        "requests": len(events),
        "ecitmatch_answered_s": r(ecitmatch_answered),
        "first_search_sent_s": r(first_search),
        "searches": len(searches),
        "search_spacing_median_s": r(statistics.median(gaps)) if gaps else None,
        "search_duration_median_s": r(statistics.median(e.answered - e.sent for e in searches))
        if searches else None,
        "searches_max_in_flight": max_in_flight(searches),
        "last_search_answered_s": r(last_search),
        "tail_after_last_search_s": r(last_answer - last_search)
        if last_answer is not None and last_search is not None else None,
        "tail_requests": [e.kind for e in sorted(events, key=lambda e: e.sent)
                          if last_search is not None and e.sent >= last_search - 1e-9],
        "last_answer_s": r(last_answer),
        "client_after_last_answer_s": r(wall - last_answer) if last_answer is not None else None,
        "wall_s": r(wall),
    }


def markdown_rows(label: str, p: Mapping[str, Any]) -> str:
    """One row of the README's phase table for a run summarised by :func:`phases`."""
    def f(key: str) -> str:
        value = p.get(key)
        return "–" if value is None else f"{value:.2f}"

    spacing = p.get("search_spacing_median_s")
    pace = "–" if not spacing else f"{1 / spacing:.1f}/s"
    tail = ", ".join(p.get("tail_requests") or []) or "–"
    return (f"| {label} | {f('ecitmatch_answered_s')} | {f('first_search_sent_s')} | {p.get('searches', 0)} at {pace}, "
            f"≤ {p.get('searches_max_in_flight', 0)} in flight | {f('last_search_answered_s')} | "
            f"{f('tail_after_last_search_s')} ({tail}) | {f('client_after_last_answer_s')} | {f('wall_s')} |")


PHASE_HEADER = ("| code (median run) | ECitMatch answered | first search sent | Crossref searches | "
                "last search answered | tail after it (requests) | client after last answer | wall |\n"
                "|---|---|---|---|---|---|---|---|")
