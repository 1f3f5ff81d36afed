"""Benchmark ``auditor serve`` against the sandbox: throughput, upstream rate, latency, warm cache, polling.

    python bench/service_bench.py --sandbox ../shared/sandbox                       # SQLite, 1 worker
    python bench/service_bench.py --sandbox ../shared/sandbox --postgres URL        # + PostgreSQL, 4 workers

The sandbox runs with its real limits (NCBI 3/s; Crossref polite 10/s, 3 in flight) and
``--latency-ms 250``. ``--documents`` (50) manuscripts of ``--refs`` (30) references each are built
from sandbox corpus records (every 4th with its DOI, every 7th with a wrong year, every 9th with an
invented title, so resolution takes every path) and submitted at once over HTTP to a real
``auditor serve`` process. Measured: documents/minute and references/second until the last job
finishes; the upstream rate the sandbox saw against the allowed rate; 429s; p50/p95 job latency
(``finished_at - created_at``, queueing included; ``run_p50_s`` is the execution alone); the same
documents re-submitted with a warm response cache; p99 of ``GET /v1/audits/{id}`` under
``--pollers`` (200) concurrent pollers (aiohttp, in two client processes), each polling once a
second for 10 s (after the runs; the server is otherwise idle); peak RSS of the serve process.

The PostgreSQL phase runs ``auditor serve --workers 4``: four workers in one process, sharing the
limiter through the database. Each worker runs ``--concurrency`` jobs at once (default: the
service's own default). Also printed: the load average at the start and end of each cold run, and the
share of one CPU the sandbox process itself used during it (its ECitMatch and BM25 searches are
single-threaded CPU work, so near 100% means the sandbox, not the client, bounds the run). Numbers
describe the sandbox on this machine, not live PubMed or Crossref.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import httpx  # noqa: E402

from bench.lib.database import wipe_postgres  # noqa: E402
from bench.lib.documents import build_document  # noqa: E402
from bench.lib.metrics import md_table  # noqa: E402
from bench.lib.ncbi_budget import ncbi_rows, paced_replay, place_budget  # noqa: E402
from bench.lib.sandbox import DEFAULT_SANDBOX, running_sandbox  # noqa: E402

ALLOWED = {"pubmed": 3.0, "crossref": 10.0}
"""The sandbox's limits for this client (NCBI without a key; Crossref's polite pool)."""


def load_records(sandbox: Path, count: int, seed: int = 7) -> list[dict[str, Any]]:
    rows = []
    with gzip.open(sandbox / "corpus" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            authors = rec.get("authors") or []
            first = authors[0] if authors and isinstance(authors[0], dict) else {}
            if (rec.get("title") and rec.get("journal") and rec.get("year") and rec.get("volume")
                    and rec.get("first_page") and first.get("family")):
                rows.append(rec)
    random.Random(seed).shuffle(rows)
    return rows[:count]


def render(rec: dict[str, Any], i: int) -> str:
    names = [f"{a['family']} {a.get('initials') or ''}".strip() for a in rec["authors"][:6] if a.get("family")]
    authors = ", ".join(names) + (", et al" if len(rec["authors"]) > 6 else "")
    title = rec["title"].rstrip(".")
    year = rec["year"]
    if i % 9 == 0:
        title = "Longitudinal outcomes of an invented intervention in a cohort that never existed"
    elif i % 7 == 0:
        year = int(year) - 3
    journal = rec.get("journal_abbrev") or rec.get("iso_abbrev") or rec["journal"]
    pages = rec["first_page"] + (f"-{rec['last_page']}" if rec.get("last_page") else "")
    text = f"{authors}. {title}. {journal}. {year};{rec['volume']}:{pages}."
    if i % 4 == 0 and rec.get("doi"):
        text += f" doi:{rec['doi']}"
    return text


def build_documents(sandbox: Path, documents: int, refs: int) -> list[bytes]:
    records = load_records(sandbox, documents * refs)
    if len(records) < documents * refs:
        raise SystemExit(f"the corpus has only {len(records)} usable records")
    return [build_document([render(records[d * refs + r], d * refs + r) for r in range(refs)],
                           title=f"Service benchmark manuscript {d}").encode("utf-8") for d in range(documents)]


def sandbox_cpu_s() -> float:
    """CPU seconds used so far by the sandbox process this benchmark started (0.0 if not found)."""
    ticks = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            cmdline = (stat.parent / "cmdline").read_bytes()
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"emulator" in cmdline and int(fields[1]) == os.getpid():
            return (int(fields[11]) + int(fields[12])) / ticks
    return 0.0


class Serve:
    def __init__(self, database: str, workers: int, env: dict[str, str], log: Path,
                 concurrency: int | None = None) -> None:
        self.log = log
        extra = ["--concurrency", str(concurrency)] if concurrency else []
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "auditor", "serve", "--port", "0", "--database", database,
                 "--workers", str(workers), "--log-level", "warning", *extra],
                env={**os.environ, "PYTHONPATH": str(REPO), **env}, stdout=out, stderr=out)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(r"serving on (http://\S+) .* x (\d+) concurrent", log.read_text(errors="replace"))
            if found:
                self.url = found.group(1)
                self.concurrency = int(found.group(2))
                return
            if self.proc.poll() is not None:
                raise SystemExit(f"auditor serve exited:\n{log.read_text()}")
            time.sleep(0.1)
        raise SystemExit("auditor serve did not start")

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def submit_all(client: httpx.AsyncClient, docs: list[bytes], tag: str) -> list[str]:
    async def one(i: int, data: bytes) -> str:
        for attempt in range(3):
            try:
                resp = await client.post("/v1/audits", files={"file": (f"doc{i}.md", data)},
                                         headers={"Idempotency-Key": f"{tag}-{i}"})
                break
            except httpx.TransportError:
                # A keep-alive connection the server closed (idle past uvicorn's 5 s) just as the
                # request went out on it. The Idempotency-Key makes the retry return the same job.
                if attempt == 2:
                    raise
        resp.raise_for_status()
        return str(resp.json()["id"])

    return list(await asyncio.gather(*(one(i, d) for i, d in enumerate(docs))))


async def wait_all(client: httpx.AsyncClient, ids: list[str]) -> list[dict[str, Any]]:
    """Wait via the list endpoint, one page request per second: polling every job would load the very
    event loop the embedded workers run in, and measure the poller instead of the service."""
    wanted, done = set(ids), {}
    while len(done) < len(wanted):
        await asyncio.sleep(1.0)
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/v1/audits", params=params)).json()
            for item in page["items"]:
                if item["id"] in wanted and item["status"] not in ("queued", "running"):
                    done[item["id"]] = item
            cursor = page["next_cursor"]
            if cursor is None:
                break
    return [done[i] for i in ids]


async def poll_latency(url: str, token: str, ids: list[str], pollers: int, interval_s: float,
                       duration_s: float, procs: int = 2) -> list[float]:
    """``pollers`` clients each GET a job's status every ``interval_s`` (jittered start) for ``duration_s``.

    The pollers are bench/poll_bench.py's: aiohttp, spread over ``procs`` client processes. One httpx
    client in this process spent 8-9 ms of CPU per request and could not send 200 a second, so the
    p99 it measured was mostly its own queue (encode/httpx#3215)."""
    import multiprocessing

    from bench.poll_bench import _client_process

    procs = max(1, min(procs, pollers))
    shares = [pollers // procs + (1 if i < pollers % procs else 0) for i in range(procs)]
    firsts = [sum(shares[:i]) for i in range(procs)]
    start_at = time.time() + 2.0 + 0.02 * pollers
    jobs = [("aiohttp", url, token, ids, firsts[i], shares[i], interval_s, start_at, duration_s) for i in range(procs)]

    def run() -> list[dict[str, Any]]:
        with multiprocessing.get_context("spawn").Pool(procs) as pool:
            return pool.map(_client_process, jobs)

    parts = await asyncio.to_thread(run)
    return [t for part in parts for t in part["times"]]


def upstream_rates(log: Path, since: float) -> dict[str, dict[str, float]]:
    """Per service: requests, 429s and the achieved rate over the busy window, from the sandbox log."""
    stamps: dict[str, list[float]] = {"pubmed": [], "crossref": []}
    limited = {"pubmed": 0, "crossref": 0}
    for line in log.read_text().splitlines():
        row = json.loads(line)
        ts = float(row["ts"])
        if ts < since or row.get("api") not in ("entrez", "crossref"):
            continue
        service = "pubmed" if row["api"] == "entrez" else "crossref"
        stamps[service].append(ts)
        limited[service] += int(row.get("status") == 429)
    out = {}
    for service, ts in stamps.items():
        window = (max(ts) - min(ts)) if len(ts) > 1 else 0.0
        out[service] = {"requests": len(ts), "rate_limited": limited[service],
                        "rate": len(ts) / window if window else 0.0, "allowed": ALLOWED[service]}
    return out


def _when(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def run_phase(name: str, database: str, workers: int, docs: list[bytes], refs: int, sandbox: Any,
                    sandbox_log: Path, tmp: Path, pollers: int, poll_interval: float,
                    concurrency: int | None = None, warm_runs: int = 1) -> dict[str, Any]:
    from auditor.store import migrate
    from auditor.store.engine import Database
    from auditor.store.tokens import create_token

    db = Database(database)
    migrate.upgrade(db)
    token = create_token(db, f"bench-{name}").secret
    db.dispose()
    env = {"AUDITOR_ENTREZ_URL": sandbox.entrez_url, "AUDITOR_CROSSREF_URL": sandbox.crossref_url,
           "AUDITOR_EMAIL": "bench@example.org", "AUDITOR_CACHE_DIR": str(tmp / f"cache-{name}"),
           "AUDITOR_MAX_ACTIVE_JOBS": "100000",
           # The sandbox's copy: a deployment reaches the real one; an unreachable default would
           # measure the download's back-off instead of the service.
           "AUDITOR_RETRACTION_WATCH_URL": f"{sandbox.url}/retraction-watch/retraction_watch.csv"}
    serve = Serve(database, workers, env, tmp / f"serve-{name}.log", concurrency)
    try:
        async with httpx.AsyncClient(base_url=serve.url, headers={"Authorization": f"Bearer {token}"},
                                     timeout=120, limits=httpx.Limits(max_connections=pollers + 10)) as client:
            since = time.time()
            load_start = os.getloadavg()[0]
            sandbox_cpu0 = sandbox_cpu_s()
            t0 = time.monotonic()
            ids = await submit_all(client, docs, f"{name}-cold")
            cold = await wait_all(client, ids)
            cold_s = time.monotonic() - t0
            sandbox_busy = (sandbox_cpu_s() - sandbox_cpu0) / cold_s
            load_end = os.getloadavg()[0]
            upstream = upstream_rates(sandbox_log, since)
            budget = place_budget(ncbi_rows(sandbox_log, since, since + cold_s + 0.5), ALLOWED["pubmed"])
            warm: list[dict[str, Any]] = []
            warm_runs_s = []
            for run in range(max(1, warm_runs)):
                t1 = time.monotonic()
                warm_ids = await submit_all(client, docs, f"{name}-warm{run or ''}")
                warm += await wait_all(client, warm_ids)
                warm_runs_s.append(time.monotonic() - t1)
            polls = (await poll_latency(serve.url, token, ids, pollers, poll_interval, 10.0)) if pollers else [0.0]
        latencies = [(_when(j["finished_at"]) - _when(j["created_at"])) for j in cold]
        run_times = [(_when(j["finished_at"]) - _when(j["started_at"])) for j in cold]
        statuses = {s: sum(1 for j in cold + warm if j["status"] == s) for s in ("succeeded", "failed", "cancelled")}
        return {"phase": name, "workers": workers, "concurrency": serve.concurrency, "documents": len(docs),
                "load_start": load_start, "load_end": load_end, "sandbox_cpu_share": sandbox_busy,
                "references": len(docs) * refs,
                "cold_s": cold_s, "docs_per_min": len(docs) / cold_s * 60, "refs_per_s": len(docs) * refs / cold_s,
                "job_p50_s": statistics.median(latencies), "job_p95_s": pct(latencies, 0.95),
                "warm_s": warm_runs_s[0], "warm_runs_s": warm_runs_s,
                "run_p50_s": statistics.median(run_times),
                "poll_p99_ms": pct(polls, 0.99) * 1000, "poll_p50_ms": statistics.median(polls) * 1000,
                "polls": len(polls), "load_average": os.getloadavg()[0], "cpus": os.cpu_count(),
                "rss_mb": serve.peak_rss_mb(), "upstream": upstream, "statuses": statuses,
                "cold_since": since, "pubmed_budget": budget}
    finally:
        serve.stop()


def table(results: list[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        up = r["upstream"]
        rows.append([
            f"{r['phase']}, {r['workers']} worker(s) x {r['concurrency']}", f"{r['docs_per_min']:.1f}",
            f"{r['refs_per_s']:.1f}",
            *(f"{up[s]['rate']:.2f}/{up[s]['allowed']:g} ({up[s]['rate'] / up[s]['allowed']:.0%})"
              for s in ("pubmed", "crossref")),
            up["pubmed"]["rate_limited"] + up["crossref"]["rate_limited"],
            f"{r['job_p50_s']:.1f} / {r['job_p95_s']:.1f}", f"{r['warm_s']:.1f}", f"{r['poll_p99_ms']:.0f}",
            f"{r['rss_mb']:.0f}", f"{r['sandbox_cpu_share']:.0%}", f"{r['load_start']:.1f} / {r['load_end']:.1f}"])
    return md_table(["setup", "docs/min", "refs/s", "PubMed req/s (of allowed)", "Crossref req/s (of allowed)",
                     "429s", "job p50 / p95 s", "warm re-run s", "GET p99 ms", "peak RSS MB", "sandbox CPU",
                     "load start / end"], rows)


def budget_table(results: list[dict[str, Any]]) -> str:
    """PubMed's budget under the limiter's hold rule (bench/lib/ncbi_budget.py), and any paced replays."""
    rows = []
    for r in results:
        b = r["pubmed_budget"]
        if not b.get("requests"):
            continue
        by = ", ".join(f"{k} {v:.2f}" for k, v in b["mean_hold_by_endpoint"].items())
        replays = "; ".join(f"{p['rate']:g}/s: {p['rate_limited']} of {p['requests']}"
                            for p in r.get("paced_replay", []))
        rows.append([f"{r['phase']}, {r['workers']} worker(s) x {r['concurrency']}", f"{b['rate']:.2f}",
                     f"{b['mean_hold_s']:.2f} ({by})", f"{b['held_share']:.0%}",
                     f"{b['ceiling_rate']:.2f} ({b['ceiling_rate'] / ALLOWED['pubmed']:.0%})", replays or "-"])
    return md_table(["setup", "PubMed req/s", "mean place hold s (by endpoint)", "place-seconds used",
                     "ceiling under the hold rule (of allowed)", "paced open-loop replay: 429s"], rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sandbox", type=Path, default=DEFAULT_SANDBOX)
    parser.add_argument("--postgres", metavar="URL", help="also run 4 workers on this PostgreSQL database (wiped)")
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--refs", type=int, default=30)
    parser.add_argument("--pollers", type=int, default=200, help="0 skips the status-poll measurement")
    parser.add_argument("--only", choices=("sqlite", "postgres"),
                        help="run one phase only (postgres needs --postgres)")
    parser.add_argument("--warm-runs", type=int, default=1, metavar="N",
                        help="re-submit the documents N times on the warm cache (the table shows the first; "
                             "the JSON has every run as warm_runs_s)")
    parser.add_argument("--poll-interval", type=float, default=1.0, help="seconds between one poller's GETs")
    parser.add_argument("--concurrency", type=int, help="jobs per worker (default: the service's default)")
    parser.add_argument("--paced-replay", type=float, action="append", default=[], metavar="RATE",
                        help="after the SQLite phase, send its cold run's PubMed requests again open loop at "
                             "RATE/s (repeatable) and count 429s: does even pacing suffice on this server?")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="work in DIR (new or empty) and keep it: the sandbox's request logs, serve logs, database")
    args = parser.parse_args()
    docs = build_documents(args.sandbox, args.documents, args.refs)
    results = []
    with tempfile.TemporaryDirectory(prefix="service-bench-") as tmpdir:
        tmp = args.keep or Path(tmpdir)
        tmp.mkdir(parents=True, exist_ok=True)
        if any(tmp.iterdir()) and args.keep:
            raise SystemExit(f"--keep {tmp}: not empty (its database and cache would make the cold run warm)")
        phases = [] if args.only == "postgres" else [("SQLite", f"sqlite:///{tmp / 'bench.sqlite3'}", 1)]
        if args.only == "postgres" and not args.postgres:
            parser.error("--only postgres needs --postgres URL")
        if args.postgres and args.only != "sqlite":
            wipe_postgres(args.postgres)
            phases.append(("PostgreSQL", args.postgres, 4))
        for name, url, workers in phases:
            log = tmp / f"sandbox-{name}.jsonl"
            with running_sandbox(args.sandbox, ["--latency-ms", "250"], log=log) as sandbox:
                print(f"{name}: {args.documents} documents x {args.refs} references ...", file=sys.stderr, flush=True)
                results.append(asyncio.run(run_phase(name, url, workers, docs, args.refs, sandbox, log, tmp,
                                                     args.pollers, args.poll_interval, args.concurrency,
                                                     args.warm_runs)))
                print(json.dumps(results[-1]), file=sys.stderr, flush=True)
                if name == "SQLite" and args.paced_replay:
                    r = results[-1]
                    rows = ncbi_rows(log, r["cold_since"], r["cold_since"] + r["cold_s"] + 0.5)
                    r["paced_replay"] = [asyncio.run(paced_replay(sandbox.url, rows, rate))
                                         for rate in args.paced_replay]
                    print(json.dumps(r["paced_replay"]), file=sys.stderr, flush=True)
    print(table(results))
    print()
    print(budget_table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
