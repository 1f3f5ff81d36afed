"""Peak PostgreSQL connections of one ``auditor serve`` (or ``auditor worker``) process under a burst of jobs.

    python bench/connection_peak.py --sandbox ../shared/sandbox                      # serve --workers 4 --concurrency 8
    python bench/connection_peak.py --sandbox ../shared/sandbox --mode worker --concurrency 8
    python bench/connection_peak.py --replay                                         # offline: seed 000's cassette

A throwaway PostgreSQL cluster (``scripts/pg_cluster.sh``, ``max_connections`` 300 so the peak is
measured, not capped) unless ``--database`` names one. ``--mode serve`` runs ``auditor serve
--workers W --concurrency C`` (API and in-process procrastinate worker); ``--mode worker`` runs an
API with ``--workers 0`` plus one ``auditor worker --concurrency C`` and counts only the worker's
connections. ``--jobs`` documents are submitted at once and ``pg_stat_activity`` is sampled every
20 ms until they finish; the peak is printed per pool, told apart by ``application_name``
(``auditor-store``, ``auditor-queue``, ``auditor-upstream``) and per process. The sandbox runs with
its real limits and 250 ms latency (so Crossref's in-flight cap and the shared cache are used);
``--replay`` answers from the cassette with raised rates (no cache, no in-flight waits).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from bench.lib.documents import build_document  # noqa: E402
from bench.lib.sandbox import DEFAULT_SANDBOX, running_sandbox  # noqa: E402

SEED = next((REPO / "seeds").glob("000_*.txt"))
CASSETTE = REPO / "cassettes" / "seeds" / "000.yaml"
SAMPLE = """SELECT pid, application_name FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"""


@contextlib.contextmanager
def cluster(explicit: str | None) -> Iterator[str]:
    if explicit:
        yield explicit
        return
    out = subprocess.run(["bash", str(REPO / "scripts" / "pg_cluster.sh"), "start"], check=True, text=True,
                         capture_output=True).stdout.split()
    try:
        yield out[1]
    finally:
        subprocess.run(["bash", str(REPO / "scripts" / "pg_cluster.sh"), "stop", out[0]], check=False)


def corpus_documents(sandbox: Path, documents: int, refs: int) -> list[bytes]:
    rows = []
    with gzip.open(sandbox / "corpus" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            first = (rec.get("authors") or [{}])[0]
            if all(rec.get(k) for k in ("title", "journal", "year", "volume", "first_page")) and \
                    isinstance(first, dict) and first.get("family"):
                rows.append(rec)
            if len(rows) >= 20 * documents * refs:
                break
    random.Random(11).shuffle(rows)
    docs = []
    for d in range(documents):
        entries = []
        for rec in rows[d * refs:(d + 1) * refs]:
            names = ", ".join(f"{a['family']} {a.get('initials') or ''}".strip() for a in rec["authors"][:6]
                              if isinstance(a, dict) and a.get("family"))
            text = f"{names}. {rec['title'].rstrip('.')}. {rec.get('journal_abbrev') or rec['journal']}. " \
                   f"{rec['year']};{rec['volume']}:{rec['first_page']}."
            if len(entries) % 4 == 0 and rec.get("doi"):
                text += f" doi:{rec['doi']}"
            entries.append(text)
        docs.append(build_document(entries, title=f"Connection benchmark {d}").encode("utf-8"))
    return docs


def start(args: list[str], env: dict[str, str], log: Path, pattern: str) -> tuple[subprocess.Popen[bytes], str]:
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "auditor", *args], env={**os.environ, "PYTHONPATH": str(REPO),
                                **env}, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text(errors="replace"))
        if found:
            return proc, found.group(1) if found.groups() else ""
        if proc.poll() is not None:
            raise SystemExit(f"auditor {args[0]} exited:\n{log.read_text()}")
        time.sleep(0.1)
    raise SystemExit(f"auditor {args[0]} did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


async def run(args: argparse.Namespace, database: str, docs: list[bytes], env: dict[str, str], tmp: Path,
              extra: list[str]) -> dict[str, Any]:
    import psycopg

    from auditor.store import migrate
    from auditor.store.engine import Database
    from auditor.store.tokens import create_token

    db = Database(database)
    migrate.upgrade(db)
    token = create_token(db, "bench").secret
    db.dispose()
    serve_workers = args.workers if args.mode == "serve" else 0
    api, url = start(["serve", "--port", "0", "--database", database, "--workers", str(serve_workers),
                      "--concurrency", str(args.concurrency), "--log-level", "warning", *extra], env, tmp / "serve.log",
                     r"serving on (http://\S+) ")
    procs = [api]
    if args.mode == "worker":
        worker, _ = start(["worker", "--database", database, "--concurrency", str(args.concurrency),
                           "--log-level", "warning", *extra], env, tmp / "worker.log", r"worker on ")
        procs.append(worker)
    watched = procs[-1].pid
    conninfo = database.replace("postgresql+psycopg://", "postgresql://")
    peak_total, peak_by_pool = 0, Counter[str]()
    samples = 0
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            pids_of = _backend_pids(conn, watched)
            async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"},
                                         timeout=120) as client:
                t0 = time.monotonic()
                ids = [str((await client.post("/v1/audits", files={"file": (f"doc{i}.md", d)})).json()["id"])
                       for i, d in enumerate(docs)]
                pending = set(ids)
                next_check = 0.0
                while pending:
                    rows = conn.execute(SAMPLE).fetchall()
                    mine = pids_of({pid for pid, _ in rows})
                    pools = Counter(name or "?" for pid, name in rows if pid in mine)
                    samples += 1
                    peak_total = max(peak_total, sum(pools.values()))
                    for name, n in pools.items():
                        peak_by_pool[name] = max(peak_by_pool[name], n)
                    if time.monotonic() >= next_check:
                        next_check = time.monotonic() + 1.0
                        page = (await client.get("/v1/audits", params={"limit": 100})).json()["items"]
                        pending -= {j["id"] for j in page if j["status"] not in ("queued", "running")}
                    await asyncio.sleep(0.02)
                elapsed = time.monotonic() - t0
    finally:
        for proc in reversed(procs):
            stop(proc)
    c = args.concurrency
    jobs_at_once = c * (args.workers if args.mode == "serve" else 1)
    return {"mode": args.mode, "workers": args.workers if args.mode == "serve" else 1, "concurrency": c,
            "jobs_at_once": jobs_at_once, "jobs": len(docs), "elapsed_s": round(elapsed, 1), "samples": samples,
            "peak_total": peak_total, "peak_by_pool": dict(sorted(peak_by_pool.items())),
            "load_average": os.getloadavg()[0]}


def _backend_pids(conn: Any, process: int) -> Any:
    """Which backends belong to ``process``: PostgreSQL only knows the client's address and port, so map
    the process's TCP connections (``/proc/PID/net/tcp`` via its sockets' inodes) to client ports."""
    def ports() -> set[int]:
        inodes = set()
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{process}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
        found = set()
        for table in ("tcp", "tcp6"):
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{process}/net/{table}").read_text().splitlines()[1:]:
                    fields = line.split()
                    if fields[9] in inodes:
                        found.add(int(fields[1].rsplit(":", 1)[1], 16))
        return found

    def mine(pids: set[int]) -> set[int]:
        local = ports()
        rows = conn.execute("SELECT pid, client_port FROM pg_stat_activity WHERE pid = ANY(%s)", [list(pids)])
        return {pid for pid, port in rows.fetchall() if port in local}

    return mine


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", type=Path, default=DEFAULT_SANDBOX)
    parser.add_argument("--replay", action="store_true", help="answer from seed 000's cassette instead")
    parser.add_argument("--database", help="a PostgreSQL URL to use (default: a throwaway cluster)")
    parser.add_argument("--mode", choices=("serve", "worker"), default="serve")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=64)
    parser.add_argument("--refs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="auditor-conn-") as tmp_name, cluster(args.database) as database:
        tmp = Path(tmp_name)
        env = {"AUDITOR_MAX_ACTIVE_JOBS": "100000", "AUDITOR_EMAIL": "bench@example.org",
               "AUDITOR_CACHE_DIR": str(tmp / "cache")}
        if args.replay:
            config = tmp / "fast.toml"
            config.write_text("ncbi_rps = 500\ncrossref_rps = 500\ncrossref_concurrency = 8\n")
            env |= {"AUDITOR_REPLAY_CASSETTE": str(CASSETTE)}
            docs = [SEED.read_bytes()] * args.jobs
            result = asyncio.run(run(args, database, docs, env, tmp, ["--config", str(config)]))
        else:
            docs = corpus_documents(args.sandbox, args.jobs, args.refs)
            with running_sandbox(args.sandbox, ["--latency-ms", "250"]) as sandbox:
                env |= {"AUDITOR_ENTREZ_URL": sandbox.entrez_url, "AUDITOR_CROSSREF_URL": sandbox.crossref_url,
                        "AUDITOR_RETRACTION_WATCH_URL": f"{sandbox.url}/retraction-watch/retraction_watch.csv"}
                result = asyncio.run(run(args, database, docs, env, tmp, []))
        result["upstream"] = "replay" if args.replay else "sandbox (real limits, 250 ms)"
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
