"""Running audit jobs: one execution (:mod:`.execute`) and the embedded runner (:mod:`.runner`).

* :func:`auditor.jobs.execute.execute_job` ``(db, job, owner, settings, job_settings, observer)``
  runs a job the caller has claimed with :func:`auditor.store.jobs.claim`; heartbeats, cancellation,
  report storage and the outcome are handled inside. Any engine (embedded, procrastinate) uses it.
  The optional :class:`~auditor.jobs.execute.Observer` (the process's ``/metrics``) hears the job's
  upstream counters as they move and its end.
* :class:`auditor.jobs.runner.EmbeddedRunner` is N workers in the serve process (SQLite mode).
* :class:`auditor.jobs.settings.JobSettings` reads lease, attempts, drain and the replay hook
  (``AUDITOR_REPLAY_CASSETTE``) from the environment.
* :class:`JobQueue`: how the API announces a new job. The embedded queue just wakes the local
  runner (its workers poll the store anyway). Another engine (procrastinate) defers its task in
  ``enqueue_in_transaction`` (same transaction as the job row, so neither exists without the other)
  or in ``enqueue`` (after commit). Pass it as ``create_app(..., queue=...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from auditor.store.tables import Job


class JobQueue(Protocol):
    def enqueue_in_transaction(self, session: Session, job: Job) -> None:
        """Called inside the transaction that creates the job (transactional enqueue); raising aborts it."""

    def enqueue(self, job_id: str) -> None:
        """Announce a committed, queued job; must be idempotent (a retried request may repeat it)."""


class EmbeddedQueue:
    """The queue is the ``jobs`` table itself; enqueue only wakes the in-process runner."""

    def __init__(self) -> None:
        self._wakers: list[object] = []

    def enqueue_in_transaction(self, session: Session, job: Job) -> None:
        """Nothing to do: the committed row is the queue entry."""

    def attach(self, runner: object) -> None:
        self._wakers.append(runner)

    def enqueue(self, job_id: str) -> None:
        for runner in self._wakers:
            runner.wake()  # type: ignore[attr-defined]
