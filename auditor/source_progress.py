"""Per-source progress of one audit call: which sources have been asked, how often, and whether they answered.

The audit pipeline (:func:`auditor.audit.audit_documents`, :func:`auditor.audit.reaudit_documents`)
wraps the two sources it is given in :class:`ObservedSource` proxies, so every call any stage makes
(resolver, re-check) is seen without a stage knowing about it, and reports a snapshot to the caller's
callback on every change. Shells only store the latest snapshot (the service saves it with each job
heartbeat); none reaches into a stage.

A snapshot is ``{"pubmed": {...}, "crossref": {...}, "retraction_watch": {...}}``, each with

* ``state``: ``pending`` (not asked yet), ``running`` (asked; the audit is still going), ``done``
  (the audit finished and every answer arrived), ``failed`` (some answer could not be had after
  retries: the references that needed it are ``unchecked``; set the moment it happens), or
  ``skipped`` (never needed, or switched off: Retraction Watch while replaying a cassette);
* ``requests``: HTTP requests behind the answers received so far (cache hits are free);
* ``errors``: calls that came back without (part of) their answer.

Retraction Watch is a local index (downloaded at most daily before the audit starts): ``requests``
is that download's, and it is ``done`` once consulted, ``failed`` when no copy could be had.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from auditor.sources.retraction_watch import IndexState

SOURCES = ("pubmed", "crossref", "retraction_watch")
STATES = ("pending", "running", "done", "failed", "skipped")
Snapshot = dict[str, dict[str, Any]]
Emit = Callable[[Snapshot], None]

METHODS = {
    "pubmed": frozenset({"ecitmatch", "efetch", "esearch"}),
    "crossref": frozenset({"works_by_dois", "work", "search_bibliographic"}),
}
"""The source protocols' methods (``auditor.sources.base``); every other attribute passes through."""


@dataclass
class _Counts:
    state: str = "pending"
    requests: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "requests": self.requests, "errors": self.errors}


class SourceProgress:
    """The state of each source during one audit call; ``emit`` gets a fresh snapshot on every change."""

    def __init__(self, emit: Emit, retractions: IndexState | None) -> None:
        self._emit = emit
        self._counts = {name: _Counts() for name in SOURCES}
        watch = self._counts["retraction_watch"]
        if retractions is None:
            watch.state = "skipped"
        else:
            watch.requests = retractions.requests
            if retractions.index is None:
                watch.state, watch.errors = "failed", 1
        self._publish()

    def snapshot(self) -> Snapshot:
        return {name: counts.as_dict() for name, counts in self._counts.items()}

    def _publish(self) -> None:
        self._emit(self.snapshot())

    def asked(self, source: str) -> None:
        counts = self._counts[source]
        if counts.state == "pending":
            counts.state = "running"
            self._publish()

    def answered(self, source: str, result: Any) -> None:
        """``result`` is the call's ``SourceResult``: its requests count, its error marks a failure."""
        counts = self._counts[source]
        counts.requests += int(getattr(result, "requests", 0) or 0)
        if getattr(result, "error", None) is not None:
            counts.errors += 1
            counts.state = "failed"
        self._publish()

    def finish(self) -> None:
        """The audit call is over: what was asked and answered is ``done``, what was never asked ``skipped``."""
        for counts in self._counts.values():
            if counts.state == "running":
                counts.state = "done"
            elif counts.state == "pending":
                counts.state = "skipped" if counts is not self._counts["retraction_watch"] else "done"
        self._publish()

    def observe(self, source: str, target: Any) -> Any:
        return ObservedSource(source, target, self)


class ObservedSource:
    """A source that reports each call of its protocol methods to a :class:`SourceProgress`."""

    def __init__(self, source: str, target: Any, progress: SourceProgress) -> None:
        self._source = source
        self._target = target
        self._progress = progress

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name not in METHODS.get(self._source, ()):
            return value
        return self._wrap(value)

    def _wrap(self, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(method)
        async def call(*args: Any, **kwargs: Any) -> Any:
            self._progress.asked(self._source)
            result = await method(*args, **kwargs)
            self._progress.answered(self._source, result)
            return result

        return call
