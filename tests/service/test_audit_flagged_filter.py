"""``GET /v1/audits?flagged=``: audits with flagged references, whatever their ``fail_on``; the count is a
column written at finish (and filled in by migration 0005 for audits that finished before it)."""

from __future__ import annotations

import json

from sqlalchemy import text

from auditor.store import jobs as store_jobs
from auditor.store import migrate
from auditor.store.engine import Database
from auditor.store.tokens import ensure_tenant

from .conftest import upload, wait_for


def _finished(db: Database, tenant_id: int, name: str, flagged: int | None, exit_code: int) -> str:
    job, _ = store_jobs.submit(db, tenant_id=tenant_id, filename=name, data=name.encode(), fail_on="major", total=1)
    claimed = store_jobs.claim(db, "w", 30, 3)
    assert claimed is not None and claimed.id == job.id
    assert store_jobs.complete(db, job.id, "w", [], {"verified": 1}, exit_code, 1, flagged=flagged) == "succeeded"
    return job.id


def test_the_filter_queries_the_stored_count_not_the_outcome(db: Database) -> None:
    tenant = ensure_tenant(db, "t").tenant_id
    clean = _finished(db, tenant, "clean", 0, 0)
    flagged_ok = _finished(db, tenant, "flagged but ok under its fail_on", 2, 0)
    flagged_failing = _finished(db, tenant, "flagged and failing", 5, 1)
    failing_unflagged = _finished(db, tenant, "failing on a citation finding only", 0, 1)
    queued, _ = store_jobs.submit(db, tenant_id=tenant, filename="queued", data=b"q", fail_on="major", total=1)

    def ids(flagged: bool | None) -> list[str]:
        return [j.id for j in store_jobs.list_jobs(db, tenant, flagged=flagged)[0]]

    assert ids(True) == [flagged_failing, flagged_ok]
    assert ids(False) == [failing_unflagged, clean]
    assert ids(None) == [queued.id, failing_unflagged, flagged_failing, flagged_ok, clean]


def test_an_audit_that_passes_its_fail_on_still_has_flagged_references(serve) -> None:
    with serve().client() as client:
        lenient = upload(client, fail_on="none").json()
        strict = upload(client).json()
        lenient, strict = wait_for(client, lenient["id"]), wait_for(client, strict["id"])
        assert (lenient["outcome"], strict["outcome"]) == ("ok", "findings")
        assert lenient["flagged_references"] == strict["flagged_references"] == 26
        flagged = client.get("/v1/audits", params={"flagged": "true"}).json()["items"]
        assert [j["id"] for j in flagged] == [strict["id"], lenient["id"]]
        assert client.get("/v1/audits", params={"flagged": "false"}).json()["items"] == []
        refused = client.get("/v1/audits", params={"flagged": "maybe"})
        assert refused.status_code == 422


def test_migration_0005_counts_audits_finished_before_it(store_url: str) -> None:
    db = Database(store_url)
    try:
        migrate.upgrade(db, "0004")
        report = {"references": [{"verdict": "verified", "flags": []}, {"verdict": "verified", "flags": ["corrected"]},
                                 {"verdict": "minor", "flags": []}, {"verdict": "unchecked", "flags": []}]}
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO tenants (id, name, created_at) VALUES (1, 't', '2026-01-01')"))
            for seq, (job_id, status) in enumerate((("old-ok", "succeeded"), ("old-failed", "failed")), start=1):
                conn.execute(text(
                    "INSERT INTO jobs (seq, id, tenant_id, status, filename, fail_on, created_at, progress_done, "
                    "progress_total, attempts, cancel_requested) VALUES (:seq, :id, 1, :status, 'a', 'major', "
                    "'2026-01-01', 4, 4, 1, false)"), {"seq": seq, "id": job_id, "status": status})
            conn.execute(text("INSERT INTO reports (job_id, format, media_type, sha256, body) VALUES "
                              "('old-ok', 'json', 'application/json', '0', :body)"),
                         {"body": json.dumps(report).encode()})
        migrate.upgrade(db)
        assert migrate.at_head(db)
        with db.engine.connect() as conn:
            counts = dict(conn.execute(text("SELECT id, flagged_references FROM jobs")).fetchall())
        assert counts == {"old-ok": 2, "old-failed": None}
    finally:
        db.dispose()
