"""A pass over several due watches re-checks all their identifiers in shared batches.

Each watch run keeps its own audit job and report, but the worker that takes the first re-audit
takes the queued ones beside it, so one EFetch (and one Crossref DOI look-up) serves the documents
of every watch of the pass, not one set per watch. The sources are in-memory fakes that count
every request (tests/fakes.py); the scheduler path is the real one (``auditor watch run-due``:
due runs, their jobs, the executor every engine uses, finalisation).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from auditor.commands.watch import run_due
from auditor.config import Settings
from auditor.jobs.settings import JobSettings
from auditor.store import watches as store_watches
from auditor.store.engine import Database
from auditor.store.tables import Job, WatchRun
from auditor.store.tokens import ensure_tenant
from tests.builders import CREE_2010, TOLJAN_2018
from tests.fakes import FakeCrossref, FakeEntrez

DOC = (
    "# Paper {n}\n\nText.\n\n## References\n\n"
    "1. Cree BAC, Kornyeyeva E, Goodin DS. Pilot trial of low-dose naltrexone and quality of life in multiple "
    "sclerosis. Ann Neurol. 2010;68(2):145-150.\n"
    "2. Toljan K, Vrooman B. Low-Dose Naltrexone (LDN)-Review of Therapeutic Utilization. Med Sci (Basel). "
    "2018;6(4):82. doi:10.3390/medsci6040082\n"
)


def _crossref_view(record: Any) -> Any:
    return dataclasses.replace(record, source="crossref", pmid=None)


def _four_watches(db: Database, monkeypatch: Any) -> tuple[FakeEntrez, FakeCrossref, Settings, list[Any]]:
    """Counting fake sources installed for every audit, and four watches of two-reference papers."""
    entrez = FakeEntrez([CREE_2010, TOLJAN_2018])
    crossref = FakeCrossref([_crossref_view(CREE_2010), _crossref_view(TOLJAN_2018)])

    @asynccontextmanager
    async def fake_sources(settings: Settings, **_: Any) -> AsyncIterator[Any]:
        yield SimpleNamespace(entrez=entrez, crossref=crossref, http=None, counters=lambda: {})

    monkeypatch.setattr("auditor.sources.open_sources", fake_sources)
    settings = Settings.load(None).with_values({"retraction_watch_url": "off"})
    tenant = ensure_tenant(db, "alice")
    watches = [store_watches.create_watch(db, tenant_id=tenant.tenant_id, filename=f"paper{n}.md",
                                          data=DOC.format(n=n).encode(), cron="0 6 * * *", timezone="UTC",
                                          notify="changes", fail_on="major", webhook_url=None,
                                          sha256="0" * 64).watch for n in range(4)]
    return entrez, crossref, settings, watches


def test_a_pass_over_several_due_watches_shares_one_identifier_batch(db: Database, monkeypatch) -> None:
    entrez, crossref, settings, watches = _four_watches(db, monkeypatch)

    def one_pass() -> None:
        for watch in watches:  # all four come due in the same pass
            store_watches.run_now(db, watch)
        asyncio.run(run_due(db, settings, JobSettings(), "test-worker"))

    one_pass()  # the baseline: full audits
    with db.read() as session:
        jobs = list(session.scalars(select(Job)))
        assert [j.status for j in jobs] == ["succeeded"] * 4 and all(j.summary["verified"] == 2 for j in jobs)
    entrez.calls.clear()
    crossref.calls.clear()

    one_pass()  # the re-audits
    with db.read() as session:
        runs = list(session.scalars(select(WatchRun).order_by(WatchRun.seq)))
        jobs = list(session.scalars(select(Job).order_by(Job.seq)))
    assert len(runs) == 8 and {r.status for r in runs} == {"done"}
    assert [j.status for j in jobs[4:]] == ["succeeded"] * 4 and all(j.summary["verified"] == 2 for j in jobs[4:])
    assert len({r.job_id for r in runs}) == 8  # each run kept its own audit and report
    # One identifier batch for the four documents of the pass (it was one per watch: 4 and 4).
    assert entrez.calls["efetch"] == 1, entrez.calls
    assert crossref.calls["works_by_dois"] == 1, crossref.calls
    assert entrez.calls["ecitmatch"] == 0 and entrez.calls["esearch"] == 0
    assert all(r.summary is not None and r.summary.startswith("no changes") for r in runs[4:])


def test_a_runner_running_many_jobs_at_once_still_batches_a_pass(db: Database, monkeypatch) -> None:
    """The embedded runner claims up to ``concurrency`` jobs in a row; each claim used to take one of
    the re-audits the first would have batched (a pass over 4 watches cost 4 EFetch, not 1)."""
    from auditor.jobs.runner import EmbeddedRunner

    entrez, crossref, settings, watches = _four_watches(db, monkeypatch)
    job_settings = dataclasses.replace(JobSettings(), concurrency=8, poll_s=0.05)

    def queue_pass() -> None:
        for watch in watches:
            store_watches.run_now(db, watch)
        store_watches.create_due_runs(db)
        store_watches.ensure_jobs(db)

    async def drain(expected: int) -> None:
        runner = EmbeddedRunner(db, 1, settings, job_settings)
        await runner.start()
        try:
            for _ in range(400):
                with db.read() as session:
                    done = [j for j in session.scalars(select(Job)) if j.status == "succeeded"]
                if len(done) >= expected:
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("the runner did not finish the pass")
        finally:
            await runner.stop()

    queue_pass()
    asyncio.run(drain(4))  # the baseline: full audits
    entrez.calls.clear()
    crossref.calls.clear()
    queue_pass()
    asyncio.run(drain(8))  # the re-audits, all queued before the runner starts claiming
    assert entrez.calls["efetch"] == 1, entrez.calls
    assert crossref.calls["works_by_dois"] == 1, crossref.calls


def test_a_pass_gets_its_jobs_in_one_transaction(db: Database, monkeypatch) -> None:
    """Jobs created one by one trickled into the queue, and busy workers claimed them a few at a time:
    every job of a pass appears at once, each already tied to its run, or none does."""
    _, _, _, watches = _four_watches(db, monkeypatch)
    for watch in watches:
        store_watches.run_now(db, watch)
    store_watches.create_due_runs(db)
    real = store_watches.store_jobs.insert_job
    calls = []

    def failing_third(session: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["filename"])
        if len(calls) == 3:
            raise RuntimeError("the store went away")
        return real(session, **kwargs)

    monkeypatch.setattr(store_watches.store_jobs, "insert_job", failing_third)
    with pytest.raises(RuntimeError):
        store_watches.ensure_jobs(db)
    with db.read() as session:
        assert list(session.scalars(select(Job))) == []
        assert all(r.job_id is None for r in session.scalars(select(WatchRun)))
    monkeypatch.setattr(store_watches.store_jobs, "insert_job", real)
    created = store_watches.ensure_jobs(db)
    with db.read() as session:
        runs = list(session.scalars(select(WatchRun)))
    assert len(created) == 4 and sorted(r.job_id for r in runs) == sorted(created)
