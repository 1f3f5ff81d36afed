"""The cheap status poll: one Core SELECT outside any transaction, the same answer as the ORM path.

``GET /v1/audits/{id}`` with a bearer token reads token and job in one statement
(:func:`auditor.store.jobs.job_for_token` on :meth:`Database.statement`). These tests pin what
that must not change: the same fields and values as a job read through the ORM in every status,
a revocation made through another connection (another process) refused on the very next poll,
other tenants' jobs invisible, and no transaction (so no snapshot) held around the statement.
"""

from __future__ import annotations

import gc

from sqlalchemy import text

from auditor.service.schemas import AuditStatus
from auditor.store import jobs as store_jobs
from auditor.store.engine import Database
from auditor.store.tokens import create_token, ensure_tenant, hash_secret, list_tokens, revoke_token

from .conftest import upload, wait_for

PROBLEM = "application/problem+json"


def _submit(db: Database, tenant_id: int, name: str) -> str:
    job, _ = store_jobs.submit(db, tenant_id=tenant_id, filename=name, data=name.encode(), fail_on="major",
                               total=3)
    return job.id


def test_the_one_statement_read_gives_the_orm_answer_in_every_status(db: Database) -> None:
    digest = hash_secret(create_token(db, "alice").secret)
    tenant_id = ensure_tenant(db, "alice").tenant_id
    ids = {"queued": _submit(db, tenant_id, "queued.txt")}
    for status in ("running", "succeeded", "failed", "cancelled"):
        job_id = _submit(db, tenant_id, f"{status} «é».txt")
        ids[status] = job_id
        claimed = store_jobs.claim(db, "w", 30, 3, job_id=job_id)
        assert claimed is not None
        store_jobs.heartbeat(db, job_id, "w", 30, progress_done=2, progress_sources={
            "pubmed": {"state": "running", "requests": 4, "errors": 1},
            "crossref": {"state": "done", "requests": 2, "errors": 0},
            "retraction_watch": {"state": "skipped", "requests": 0, "errors": 0}})
        if status == "succeeded":
            store_jobs.complete(db, job_id, "w", [], {"verified": 1, "minor": 1, "major": 1, "not_found": 0,
                                                      "unchecked": 0}, 1, 3, flagged=2)
        elif status in ("failed", "cancelled"):
            error = {"type": "about:blank", "title": "Job failed", "status": 500, "detail": "boom"}
            store_jobs.finish_unsuccessfully(db, job_id, "w", status, error if status == "failed" else None)
    for status, job_id in ids.items():
        valid, row = store_jobs.job_for_token(db, digest, job_id)
        assert valid and row is not None
        orm = store_jobs.get_job(db, job_id, tenant_id)
        assert orm is not None and orm.status == status
        fast, slow = AuditStatus.of(row), AuditStatus.of(orm)
        assert fast == slow, status
        assert fast.model_dump(mode="json") == slow.model_dump(mode="json")
    failed = AuditStatus.of(store_jobs.job_for_token(db, digest, ids["failed"])[1])  # type: ignore[arg-type]
    assert failed.error is not None and failed.error.detail == "boom"
    assert AuditStatus.of(store_jobs.job_for_token(db, digest, ids["running"])[1]).progress.sources is not None  # type: ignore[arg-type]


def test_unknown_revoked_and_other_tenants_tokens(db: Database) -> None:
    alice = create_token(db, "alice")
    bob = create_token(db, "bob")
    job_id = _submit(db, ensure_tenant(db, "alice").tenant_id, "a.txt")
    valid, row = store_jobs.job_for_token(db, hash_secret(alice.secret), job_id)
    assert valid and row is not None and row.id == job_id
    assert store_jobs.job_for_token(db, hash_secret(bob.secret), job_id) == (True, None)  # another tenant's job
    assert store_jobs.job_for_token(db, hash_secret(alice.secret), "no-such-job") == (True, None)
    assert store_jobs.job_for_token(db, hash_secret("ra_unknown"), job_id) == (False, None)
    assert revoke_token(db, alice.id)
    assert store_jobs.job_for_token(db, hash_secret(alice.secret), job_id) == (False, None)


def test_statement_connections_hold_no_transaction_between_statements(db: Database) -> None:
    """A second statement sees what another connection committed after the first one.

    On SQLite a BEGIN would pin the first statement's snapshot; on PostgreSQL ``now()`` is the
    transaction's start, so it only moves between statements when each is its own transaction.
    """
    other = Database(db.url)
    try:
        tenant_id = ensure_tenant(db, "t").tenant_id
        with db.statement() as conn:
            before = conn.execute(text("SELECT count(*) FROM jobs")).scalar_one()
            first_now = conn.execute(text("SELECT CURRENT_TIMESTAMP")).scalar_one() if db.dialect == "postgresql" \
                else None
            _submit(other, tenant_id, "meanwhile.txt")
            after = conn.execute(text("SELECT count(*) FROM jobs")).scalar_one()
            if db.dialect == "postgresql":
                assert conn.execute(text("SELECT CURRENT_TIMESTAMP")).scalar_one() > first_now
        assert after == before + 1
    finally:
        other.dispose()


def test_over_http_the_poll_equals_the_listing_and_revocation_elsewhere_is_immediate(serve) -> None:
    server = serve()
    with server.client("alice") as alice, server.client("bob") as bob:
        job = upload(alice).json()
        done = wait_for(alice, job["id"])
        assert done["status"] == "succeeded"
        polled = alice.get(f"/v1/audits/{job['id']}")
        assert polled.status_code == 200 and polled.headers["content-type"] == "application/json"
        (listed,) = alice.get("/v1/audits").json()["items"]  # built from the ORM row
        assert polled.json() == listed
        assert "retry-after" not in polled.headers  # finished: nothing to wait for
        foreign = bob.get(f"/v1/audits/{job['id']}")
        assert foreign.status_code == 404 and foreign.headers["content-type"] == PROBLEM
        assert foreign.json()["detail"] == f"no audit {job['id']}"
        # Revoked through another engine, as `auditor token revoke` in another process does.
        other = Database(server.db.url)
        try:
            (token,) = [t for t in list_tokens(other) if t.tenant == "alice"]
            assert revoke_token(other, token.id)
        finally:
            other.dispose()
        refused = alice.get(f"/v1/audits/{job['id']}")
        assert refused.status_code == 401 and refused.headers["content-type"] == PROBLEM
        assert refused.json()["detail"] == "the token is unknown or revoked"
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert bob.get(f"/v1/audits/{job['id']}").status_code == 404  # bob's token is untouched


def test_serve_freezes_the_start_up_heap() -> None:
    from auditor.commands.serve import freeze_startup_heap

    try:
        frozen = freeze_startup_heap()
        assert frozen == gc.get_freeze_count() > 1000  # at least the imported modules' objects
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
