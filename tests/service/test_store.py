"""The store on its own: migrations match the tables, and the lease rules that make effects exactly-once."""

from __future__ import annotations

from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import update

from auditor.store import jobs as store_jobs
from auditor.store import migrate
from auditor.store.engine import Database, database_url
from auditor.store.tables import Base, Job, StoredReport, utcnow
from auditor.store.tokens import authenticate, create_token, ensure_tenant, hash_secret, list_tokens

REPORT = [store_jobs.RenderedReport("json", "application/json", b"{}")]


def _job(db: Database, **kwargs: object) -> str:
    tenant = ensure_tenant(db, "t").tenant_id
    job, _ = store_jobs.submit(db, tenant_id=tenant, filename="a.txt", data=b"text", fail_on="major", total=1,
                               **kwargs)  # type: ignore[arg-type]
    return job.id


def _expire(db: Database, job_id: str) -> None:
    with db.write() as session:
        session.execute(update(Job).where(Job.id == job_id).values(lease_expires_at=utcnow() - timedelta(seconds=1)))


def test_migrations_create_exactly_the_declared_tables(db: Database) -> None:
    assert migrate.at_head(db)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": migrate.owned_by_store})
        assert compare_metadata(context, Base.metadata) == []
    migrate.upgrade(db)  # idempotent
    assert migrate.current_revision(db) == migrate.head_revision(db)


def test_tokens_are_256_bit_and_stored_only_as_hashes(db: Database) -> None:
    issued = create_token(db, "ci", tenant="acme")
    assert issued.secret.startswith("ra_") and len(issued.secret) >= 3 + 43
    with db.engine.connect() as conn:
        dump = "\n".join(str(row) for row in conn.exec_driver_sql("SELECT * FROM tokens"))
    assert issued.secret not in dump and hash_secret(issued.secret) in dump
    assert authenticate(db, issued.secret).tenant == "acme"
    assert authenticate(db, issued.secret + "x") is None and authenticate(db, "") is None
    assert [t.name for t in list_tokens(db)] == ["ci"]


def test_a_lease_is_exclusive_until_it_expires_and_a_lost_lease_writes_nothing(db: Database) -> None:
    job_id = _job(db)
    first = store_jobs.claim(db, "w1", 30, 3)
    assert first is not None and first.id == job_id and first.attempts == 1
    assert store_jobs.claim(db, "w2", 30, 3) is None
    assert store_jobs.heartbeat(db, job_id, "w2", 30).held is False
    _expire(db, job_id)
    second = store_jobs.claim(db, "w2", 30, 3)
    assert second is not None and second.attempts == 2 and second.lease_owner == "w2"
    # The first worker wakes up and finishes: it no longer holds the lease, so nothing is written.
    assert store_jobs.complete(db, job_id, "w1", REPORT, {"verified": 1}, 0, 1) == "lost"
    assert store_jobs.get_report(db, job_id, "json") is None
    assert store_jobs.complete(db, job_id, "w2", REPORT, {"verified": 1}, 0, 1) == "succeeded"
    assert store_jobs.complete(db, job_id, "w2", [store_jobs.RenderedReport("json", "x", b"[]")], {}, 1, 1) == "lost"
    stored = store_jobs.get_report(db, job_id, "json")
    assert isinstance(stored, StoredReport) and stored.body == b"{}"  # immutable once written


def test_an_idle_claim_takes_no_write_transaction(db: Database, monkeypatch) -> None:
    writes = 0
    real_write = db.write

    def claim(owner: str) -> Job | None:
        nonlocal writes

        def counting_write():  # type: ignore[no-untyped-def]
            nonlocal writes
            writes += 1
            return real_write()

        with monkeypatch.context() as patch:
            patch.setattr(db, "write", counting_write)
            return store_jobs.claim(db, owner, 30, 3)

    for _ in range(3):
        assert claim("w1") is None
    assert writes == 0
    job_id = _job(db)
    claimed = claim("w1")
    assert claimed is not None and claimed.id == job_id and writes == 1
    _expire(db, job_id)  # a lapsed lease is work too: it must still be taken over
    again = claim("w2")
    assert again is not None and again.lease_owner == "w2" and writes == 2


def test_a_job_that_keeps_dying_fails_and_a_dead_cancelled_job_is_cancelled(db: Database) -> None:
    doomed, cancelled = _job(db), _job(db)
    for attempt in range(3):
        assert store_jobs.claim(db, f"w{attempt}", 30, 3, job_id=doomed) is not None
        _expire(db, doomed)
    assert store_jobs.claim(db, "w9", 30, 3, job_id=doomed) is None
    failed = store_jobs.get_job(db, doomed)
    assert failed.status == "failed" and "3 times" in failed.error["detail"]
    assert store_jobs.claim(db, "w1", 30, 3, job_id=cancelled) is not None
    assert store_jobs.cancel_or_delete(db, cancelled, failed.tenant_id)[0] == "cancelling"
    _expire(db, cancelled)
    assert store_jobs.claim(db, "w2", 30, 3) is None
    assert store_jobs.get_job(db, cancelled).status == "cancelled"


def test_release_requeues_without_counting_the_attempt(db: Database) -> None:
    job_id = _job(db)
    store_jobs.claim(db, "w1", 30, 3)
    assert store_jobs.release(db, job_id, "w1")
    job = store_jobs.get_job(db, job_id)
    assert (job.status, job.attempts, job.lease_owner) == ("queued", 0, None)
    assert not store_jobs.release(db, job_id, "w1")


def test_database_url_precedence_and_validation(tmp_path) -> None:
    import pytest

    from auditor.errors import ConfigError

    assert database_url("sqlite:///x.db", {"AUDITOR_DATABASE_URL": "sqlite:///y.db"}) == "sqlite:///x.db"
    assert database_url(None, {"AUDITOR_DATABASE_URL": "sqlite:///y.db"}) == "sqlite:///y.db"
    assert database_url(None, {}).startswith("sqlite:///") and database_url(None, {}).endswith("auditor.sqlite3")
    assert database_url("postgresql://u@h/d", {}).startswith("postgresql+psycopg://")
    for bad in ("mysql://u@h/d", "not a url", "postgresql+psycopg2://u@h/d"):
        with pytest.raises(ConfigError):
            database_url(bad, {})


def test_a_failing_transactional_enqueue_stores_no_job(db: Database) -> None:
    import pytest

    tenant = ensure_tenant(db, "t").tenant_id
    seen: list[str] = []

    def refuse(session: object, job: Job) -> None:
        seen.append(job.id)
        raise RuntimeError("queue down")

    with pytest.raises(RuntimeError):
        store_jobs.submit(db, tenant_id=tenant, filename="a", data=b"x", fail_on="major", total=0, within=refuse)
    assert seen and store_jobs.get_job(db, seen[0]) is None and store_jobs.load_document(db, seen[0]) is None
