"""Pausing a watch: the API field and PATCH, every scheduler path skipping it, run-now still running it,
resuming without catching up, and ``auditor watch pause|resume``."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from auditor.cli import main
from auditor.store import watches as store_watches
from auditor.store.engine import Database
from auditor.store.tables import Watch, WatchRun
from auditor.store.tokens import create_token, ensure_tenant
from auditor.watch.runs import tick

from .conftest import CASSETTE_000, SEED_000

MONDAY_6 = "0 6 * * 1"
CREATED = datetime(2026, 1, 1, tzinfo=UTC)  # a Thursday


def _watch(db: Database, tenant: str = "alice", now: datetime = CREATED) -> Watch:
    t = ensure_tenant(db, tenant)
    return store_watches.create_watch(db, tenant_id=t.tenant_id, filename=str(SEED_000), data=SEED_000.read_bytes(),
                                      cron=MONDAY_6, timezone="UTC", notify="changes", fail_on="major,not_found",
                                      webhook_url=None, sha256="0" * 64, now=now).watch


def _runs(db: Database) -> list[WatchRun]:
    with db.read() as session:
        return list(session.scalars(select(WatchRun).order_by(WatchRun.seq)))


def test_a_paused_watch_is_not_due_and_resuming_does_not_catch_up(db: Database) -> None:
    watch = _watch(db)
    paused = store_watches.set_paused(db, watch.id, True, now=CREATED + timedelta(hours=1))
    assert paused is not None and paused.paused and paused.next_run_at is None
    # Weeks of Monday ticks pass while paused: no scheduler creates a run.
    resumed_at = datetime(2026, 3, 4, 12, tzinfo=UTC)  # a Wednesday
    assert store_watches.create_due_runs(db, now=resumed_at) == []
    resumed = store_watches.set_paused(db, watch.id, False, now=resumed_at)
    assert resumed is not None and not resumed.paused
    assert resumed.next_run_at == datetime(2026, 3, 9, 6, tzinfo=UTC)  # the next Monday 06:00 after resuming
    assert store_watches.create_due_runs(db, now=resumed_at + timedelta(minutes=5)) == []  # no missed run fired
    [run] = store_watches.create_due_runs(db, now=datetime(2026, 3, 9, 6, 1, tzinfo=UTC))
    assert run.scheduled_for == datetime(2026, 3, 9, 6, tzinfo=UTC)
    # Resuming a running watch, or pausing a paused one, changes nothing.
    again = store_watches.set_paused(db, watch.id, False, now=datetime(2026, 3, 10, tzinfo=UTC))
    assert again is not None and again.next_run_at == datetime(2026, 3, 16, 6, tzinfo=UTC)
    assert store_watches.set_paused(db, "nope", True) is None


def test_a_pause_that_commits_after_the_due_check_still_wins(db: Database) -> None:
    watch = _watch(db)
    store_watches.set_paused(db, watch.id, True)
    # A scheduler that read the watch before the pause: its insert re-checks in its own transaction.
    assert store_watches._insert_run(db, watch, datetime(2026, 1, 5, 6, tzinfo=UTC), "schedule", None,
                                     unless_paused=True) is None
    assert _runs(db) == []


def test_the_embedded_scheduler_skips_paused_watches(db: Database) -> None:
    paused, active = _watch(db), _watch(db)
    store_watches.set_paused(db, paused.id, True)
    created, _ = asyncio.run(tick(db))  # both watches have missed Monday ticks since 2026-01-01
    assert created == 1
    assert [r.watch_id for r in _runs(db)] == [active.id]


def test_run_due_skips_paused_watches(db: Database, store_url: str, monkeypatch, tmp_path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AUDITOR_REPLAY_CASSETTE", str(CASSETTE_000))
    watch = _watch(db, now=datetime(2020, 1, 1, tzinfo=UTC))
    assert main(["watch", "pause", watch.id, "--database", store_url]) == 0
    line = capsys.readouterr().out
    assert line.startswith(watch.id) and "  paused  " in line and "next -" in line
    assert main(["watch", "run-due", "--database", store_url]) == 0
    assert "0 watch run(s) were due" in capsys.readouterr().err
    assert main(["watch", "list", "--database", store_url]) == 0
    assert "  paused  " in capsys.readouterr().out
    assert main(["watch", "resume", watch.id, "--database", store_url]) == 0
    assert "  active  " in capsys.readouterr().out
    assert main(["watch", "run-due", "--database", store_url]) == 0
    assert "0 watch run(s) were due" in capsys.readouterr().err  # the years of missed ticks stay missed
    assert main(["watch", "pause", "nope", "--database", store_url]) == 2
    assert "no watch nope" in capsys.readouterr().err


def _create(client: httpx.Client) -> dict:
    resp = client.post("/v1/watches", files={"file": (str(SEED_000), SEED_000.read_bytes(), "text/plain")},
                       data={"cron": MONDAY_6})
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


def test_patch_pauses_and_resumes_and_run_now_still_runs(serve) -> None:
    served = serve(workers=1, job={"watch_interval_s": 0.05})
    with served.client() as client, served.client("bob") as bob:
        watch = _create(client)
        assert watch["paused"] is False and watch["next_run_at"]
        path = f"/v1/watches/{watch['id']}"
        resp = client.patch(path, json={"paused": True})
        assert resp.status_code == 200 and resp.json()["paused"] is True and resp.json()["next_run_at"] is None
        assert client.get(path).json()["paused"] is True
        assert [w["paused"] for w in client.get("/v1/watches").json()["items"]] == [True]
        for bad in ({"paused": "yes"}, {"paused": 1}):
            refused = client.patch(path, json=bad)
            assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem")
        assert bob.patch(path, json={"paused": False}).status_code == 404
        assert client.get(path).json()["paused"] is True

        run = client.post(f"{path}/run")
        assert run.status_code == 202
        deadline = datetime.now(UTC) + timedelta(seconds=60)
        while (body := client.get(run.headers["location"]).json())["status"] not in ("done", "failed"):
            assert datetime.now(UTC) < deadline, body
            time.sleep(0.05)
        assert body["status"] == "done" and body["trigger"] == "manual"

        resumed = client.patch(path, json={"paused": False}).json()
        assert resumed["paused"] is False
        assert datetime.fromisoformat(resumed["next_run_at"]) > datetime.now(UTC)


def test_pause_and_resume_through_the_service(serve, capsys: pytest.CaptureFixture[str]) -> None:
    served = serve(workers=0)
    token = create_token(served.db, "alice").secret
    with served.client() as client:
        watch = _create(client)
    common = ["--server", served.url, "--token", token]
    assert main(["watch", "pause", watch["id"], *common]) == 0
    assert "  paused  " in capsys.readouterr().out
    assert store_watches.get_watch(served.db, watch["id"]).paused  # type: ignore[union-attr]
    assert main(["watch", "resume", watch["id"], *common]) == 0
    assert "  active  " in capsys.readouterr().out
    assert main(["watch", "pause", "nope", *common]) == 2
    err = capsys.readouterr().err
    assert "404" in err and len(err.strip().splitlines()) == 1
