"""``auditor worker --metrics-port``: a separate worker process serves its own upstream counters.

The API's ``/metrics`` holds only the traffic of the workers inside the API process, so a worker
on its own machine must be scraped itself. A real ``auditor worker`` runs one replayed job (seed
000's cassette, no network); its endpoint then shows that job's requests and duration, and no
store gauges (those are every API process's).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from auditor.cli import main
from auditor.store import jobs as store_jobs
from auditor.store import migrate
from auditor.store.engine import Database
from tests.test_procrastinate_pg import CASSETTE, _submit, _wait_finished

REPO_ROOT = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"worker metrics on (http://\S+/metrics)")


def test_worker_metrics_port_serves_the_workers_upstream_counters(postgres_db: str, tmp_path: Path) -> None:
    from auditor.jobs.procrastinate_app import ProcrastinateQueue

    db = Database(postgres_db)
    migrate.upgrade(db)
    queue = ProcrastinateQueue(postgres_db)
    config = tmp_path / "fast.toml"
    config.write_text("ncbi_rps = 500\ncrossref_rps = 500\ncrossref_concurrency = 8\n")
    log = tmp_path / "worker.log"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "AUDITOR_REPLAY_CASSETTE": str(CASSETTE),
           "AUDITOR_WORKER_POLL": "0.5"}
    with log.open("ab") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "auditor", "worker", "--database", postgres_db,
                                 "--concurrency", "1", "--config", str(config), "--metrics-port", "0"],
                                stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + 30
        while not (found := LISTENING.search(log.read_text())):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.1)
        ids = _submit(db, queue, 1)
        assert _wait_finished(db, ids, 60)[ids[0]].status == "succeeded"
        samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        for _ in range(50):  # the duration is observed just after the job's row says succeeded
            text = httpx.get(found.group(1), timeout=10).text
            samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                       for family in text_string_to_metric_families(text) for s in family.samples}
            if samples.get(("auditor_job_duration_seconds_count", (("status", "succeeded"),))) == 1:
                break
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
        queue.close()
    assert code == 0, log.read_text()[-2000:]
    assert samples.get(("auditor_job_duration_seconds_count", (("status", "succeeded"),))) == 1
    sent = {labels: v for (name, labels), v in samples.items() if name == "auditor_upstream_requests_total"}
    assert sent.get((("service", "pubmed"), ("status", "200")), 0) >= 1, sent
    assert sent.get((("service", "crossref"), ("status", "200")), 0) >= 1, sent
    assert not any(name.startswith("auditor_jobs") or name == "auditor_queue_depth" for name, _ in samples)
    assert store_jobs.get_job(db, ids[0]) is not None
    db.dispose()


def test_worker_metrics_port_out_of_range_is_one_error_line(capsys) -> None:
    assert main(["worker", "--database", "postgresql+psycopg://x@127.0.0.1:1/none", "--metrics-port", "70000"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "auditor: error: --metrics-port must be within 0-65535"
