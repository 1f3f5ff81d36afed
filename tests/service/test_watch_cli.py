"""``auditor watch add|list|show`` against a real server, and ``auditor watch run-due`` on a store."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from auditor.cli import main
from auditor.store import watches as store_watches
from auditor.store.engine import Database
from auditor.store.tables import Job, WatchRun
from auditor.store.tokens import create_token, ensure_tenant

from .conftest import CASSETTE_000, ROOT, SEED_000

SEED_001 = next((ROOT / "seeds").glob("001_*.txt"))
CASSETTE_001 = ROOT / "cassettes" / "seeds" / "001.yaml"
FAST = "ncbi_rps = 1000.0\ncrossref_rps = 1000.0\ncrossref_concurrency = 10\n"
"""Replayed answers need no pacing: the tests' settings file lifts the services' real limits."""


def test_add_list_show_through_the_service(serve, capsys: pytest.CaptureFixture[str]) -> None:
    served = serve(workers=0)
    token = create_token(served.db, "alice").secret
    common = ["--server", served.url, "--token", token]
    assert main(["watch", "add", str(SEED_000), "--cron", "0 6 * * 1", "--timezone", "Europe/Oslo", *common]) == 0
    captured = capsys.readouterr()
    watch_id = captured.out.strip()
    assert len(watch_id) == 36 and "next run 20" in captured.err
    assert main(["watch", "list", *common]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(watch_id) and "0 6 * * 1  Europe/Oslo" in line and "no webhook" in line
    assert main(["watch", "show", watch_id, *common]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["watch"]["id"] == watch_id and shown["runs"] == []


def test_add_reports_the_422_reason_in_one_line(serve, capsys: pytest.CaptureFixture[str]) -> None:
    served = serve(workers=0)
    token = create_token(served.db, "alice").secret
    code = main(["watch", "add", str(SEED_000), "--cron", "0 6 * *", "--server", served.url, "--token", token])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "5" in err and "422" in err
    assert main(["watch", "show", "nope", "--server", served.url, "--token", token]) == 2


def test_run_due_runs_each_due_watch_once(db: Database, store_url: str, monkeypatch, tmp_path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AUDITOR_REPLAY_CASSETTE", str(CASSETTE_000))
    config = tmp_path / "fast.toml"
    config.write_text(FAST, encoding="utf-8")
    tenant = ensure_tenant(db, "alice")
    created = datetime(2020, 1, 1, tzinfo=UTC)  # years of missed Monday ticks
    store_watches.create_watch(db, tenant_id=tenant.tenant_id, filename=str(SEED_000), data=SEED_000.read_bytes(),
                               cron="0 6 * * 1", timezone="UTC", notify="changes", fail_on="major,not_found",
                               webhook_url=None, sha256="0" * 64, now=created)
    assert main(["watch", "run-due", "--database", store_url, "--config", str(config)]) == 0
    assert "1 watch run(s) were due; 1 run(s) finalised" in capsys.readouterr().err
    assert main(["watch", "run-due", "--database", store_url, "--config", str(config)]) == 0
    assert "0 watch run(s) were due" in capsys.readouterr().err
    with db.read() as session:
        runs = list(session.scalars(select(WatchRun)))
        assert len(runs) == 1 and runs[0].status == "done" and runs[0].trigger == "schedule"
        job = session.scalar(select(Job).where(Job.id == runs[0].job_id))
        assert job is not None and job.status == "succeeded" and job.summary["verified"] == 4
    assert runs[0].summary is not None and runs[0].summary.startswith("30 reference(s) added")


def test_two_run_due_processes_run_each_due_watch_exactly_once(db: Database, store_url: str, tmp_path) -> None:
    """Two schedulers (separate processes, as two machines' cron would start them) race on one store."""
    import os
    import subprocess
    import sys

    config = tmp_path / "fast.toml"
    config.write_text(FAST, encoding="utf-8")
    tenant = ensure_tenant(db, "alice")
    for _ in range(3):
        store_watches.create_watch(db, tenant_id=tenant.tenant_id, filename=str(SEED_001),
                                   data=SEED_001.read_bytes(), cron="*/5 * * * *", timezone="Europe/Oslo",
                                   notify="changes", fail_on="major,not_found", webhook_url=None, sha256="0" * 64,
                                   now=datetime(2026, 1, 1, tzinfo=UTC))
    env = {**os.environ, "AUDITOR_REPLAY_CASSETTE": str(CASSETTE_001), "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "auditor", "watch", "run-due", "--database", store_url, "--config", str(config)]
    procs = [subprocess.Popen(argv,
                              env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    due = sum(int(e.split(" watch run(s) were due")[0].split()[-1]) for e in errs)
    finalised = sum(int(e.split("; ")[1].split()[0]) for e in errs)
    assert (due, finalised) == (3, 3), errs
    with db.read() as session:
        runs = list(session.scalars(select(WatchRun)))
        jobs = list(session.scalars(select(Job)))
    assert len(runs) == 3 and {r.status for r in runs} == {"done"}
    assert len(jobs) == 3 and {(j.status, j.attempts) for j in jobs} == {("succeeded", 1)}


def test_add_list_show_on_the_store_without_a_server(db: Database, store_url: str, tmp_path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--database", store_url]
    assert main(["watch", "add", str(SEED_001), "--cron", "30 2 * * *", "--timezone", "Europe/Oslo", *common]) == 0
    watch_id = capsys.readouterr().out.strip()
    assert main(["watch", "list", *common]) == 0
    assert capsys.readouterr().out.startswith(f"{watch_id}  30 2 * * *  Europe/Oslo")
    assert main(["watch", "show", watch_id, *common]) == 0
    assert json.loads(capsys.readouterr().out)["watch"]["cron"] == "30 2 * * *"
    assert main(["watch", "add", str(SEED_001), "--cron", "61 * * * *", *common]) == 2
    assert main(["watch", "add", str(SEED_001), "--cron", "0 6 * * *", "--webhook", "http://10.0.0.1/", *common]) == 2
    assert main(["watch", "add", str(tmp_path / "missing.md"), "--cron", "0 6 * * *", *common]) == 2
    assert main(["watch", "show", "nope", *common]) == 2
    err = capsys.readouterr().err
    assert "not a valid cron" in err and "private address 10.0.0.1" in err and "no such file" in err
    assert "Traceback" not in err
    assert len(store_watches.list_watches(db, None)) == 1


def test_edit_and_delete_through_the_service(serve, monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AUDITOR_WEBHOOK_ALLOW", "127.0.0.1")
    served = serve(workers=0)
    token = create_token(served.db, "alice").secret
    common = ["--server", served.url, "--token", token]
    assert main(["watch", "add", str(SEED_000), "--cron", "0 6 * * 1", *common]) == 0
    watch_id = capsys.readouterr().out.strip()

    assert main(["watch", "edit", watch_id, "--cron", "30 2 * * *", "--timezone", "Europe/Oslo",
                 "--webhook", "http://127.0.0.1:9/hook", "--notify", "retractions", *common]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"{watch_id}  30 2 * * *  Europe/Oslo") and "retractions  webhook" in out
    assert "webhook secret (shown once" in err  # a webhook was added: its secret, once
    with served.client() as client:
        shown = client.get(f"/v1/watches/{watch_id}").json()
    assert (shown["cron"], shown["timezone"], shown["notify"]) == ("30 2 * * *", "Europe/Oslo", "retractions")
    assert shown["webhook_url"] == "http://127.0.0.1:9/hook"

    assert main(["watch", "edit", watch_id, "--webhook", "", *common]) == 0  # "" removes the webhook
    assert "no webhook" in capsys.readouterr().out
    # Refusals are one line and exit 2: a bad cron (the 422's reason), nothing to change, an unknown id.
    assert main(["watch", "edit", watch_id, "--cron", "0 6 * *", *common]) == 2
    assert main(["watch", "edit", watch_id, *common]) == 2
    assert main(["watch", "edit", "nope", "--notify", "always", *common]) == 2
    err = capsys.readouterr().err
    assert "422" in err and "use exactly 5" in err and "nothing to change" in err and "404" in err
    assert len(err.strip().splitlines()) == 3 and "Traceback" not in err

    assert main(["watch", "delete", watch_id, *common]) == 0
    assert f"deleted watch {watch_id}" in capsys.readouterr().err
    with served.client() as client:
        assert client.get(f"/v1/watches/{watch_id}").status_code == 404
    assert main(["watch", "delete", watch_id, *common]) == 2
    assert "404" in capsys.readouterr().err


def test_edit_and_delete_on_the_store_without_a_server(db: Database, store_url: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--database", store_url]
    assert main(["watch", "add", str(SEED_001), "--cron", "0 6 * * *", *common]) == 0
    watch_id = capsys.readouterr().out.strip()
    assert main(["watch", "edit", watch_id, "--cron", "15 7 * * 1-5", "--notify", "always", *common]) == 0
    assert capsys.readouterr().out.startswith(f"{watch_id}  15 7 * * 1-5  UTC")
    watch = store_watches.get_watch(db, watch_id)
    assert watch is not None and (watch.cron, watch.notify) == ("15 7 * * 1-5", "always")
    assert main(["watch", "edit", watch_id, "--timezone", "Mars/Base", *common]) == 2
    assert main(["watch", "edit", watch_id, "--webhook", "http://10.0.0.1/", *common]) == 2
    err = capsys.readouterr().err
    assert "not an IANA time zone" in err and "private address 10.0.0.1" in err
    assert main(["watch", "delete", watch_id, *common]) == 0
    assert store_watches.get_watch(db, watch_id) is None
    assert main(["watch", "delete", watch_id, *common]) == 2
