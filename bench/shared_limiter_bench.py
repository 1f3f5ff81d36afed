"""Benchmark the PostgreSQL-shared upstream limiter: several worker processes, one budget.

    python bench/shared_limiter_bench.py --sandbox ../shared/sandbox [--workers 4] [--database URL]

Starts the sandbox (real limits: NCBI 3/s per IP, 10/s per API key; Crossref public 5/s with one
request in flight, polite 10/s with three; ``--latency-ms 250``) and, unless ``--database`` is
given, a throwaway PostgreSQL (``scripts/pg_cluster.sh``). Then, per budget, ``--workers`` processes
send requests through the real ``HttpClient`` with the shared limiter, all at once, and the sandbox's
own counters say how many were refused (429). The achieved rate is measured from the sandbox's
request log (arrivals), against the budget's advertised rate. Figures describe the sandbox on this
machine, not the live services.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SCENARIOS = (
    # name, service, extra settings, advertised rate, requests per worker
    ("NCBI, no key (3/s)", "pubmed", {}, 3.0, 8),
    ("NCBI, API key (10/s)", "pubmed", {"ncbi_api_key": "bench-key"}, 10.0, 20),
    ("Crossref public (5/s, 1 in flight)", "crossref", {}, 5.0, 8),
    ("Crossref polite (10/s, 3 in flight)", "crossref", {"email": "bench@example.org"}, 10.0, 15),
)


async def worker(args: argparse.Namespace) -> None:
    from auditor.config import Settings
    from auditor.sources.http import HttpClient
    from auditor.store.shared_upstream import SharedUpstream

    extra = json.loads(args.settings)
    settings = Settings.load(environ={}, cache_mode="no-cache", entrez_url=f"{args.base}entrez/eutils/",
                             crossref_url=f"{args.base}crossref/", **extra)
    shared = SharedUpstream(args.database, settings)
    http = HttpClient(settings, limiter_factory=shared.limiter)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    pid = os.getpid()
    if args.service == "pubmed":
        url, private = f"{args.base}entrez/eutils/esearch.fcgi", [("tool", "bench")]
        asks = [[("db", "pubmed"), ("term", f"naltrexone {pid} {i}")] for i in range(args.requests)]
    else:
        url, private = f"{args.base}crossref/works", []
        asks = [[("query.bibliographic", f"naltrexone {pid} {i}"), ("rows", "1")] for i in range(args.requests)]
    if "ncbi_api_key" in extra:
        private.append(("api_key", extra["ncbi_api_key"]))
    if "email" in extra and args.service == "crossref":
        private.append(("mailto", extra["email"]))
    await asyncio.gather(*(http.fetch(args.service, url, params, private=private, validate=lambda _r: False)
                           for params in asks))
    await http.close()
    await shared.aclose()
    print(json.dumps(http.counters[args.service].as_dict()), flush=True)


async def run_scenario(database: str, base: str, log: Path, workers: int, name: str, service: str,
                       extra: dict[str, str], rate: float, requests: int) -> dict[str, object]:
    import httpx

    httpx.post(f"{base}_reset")
    start_line = len(log.read_text().splitlines()) if log.exists() else 0
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--worker", "--database", database, "--base", base, "--service", service,
        "--settings", json.dumps(extra), "--requests", str(requests),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=REPO) for _ in range(workers)]
    for proc in procs:
        assert proc.stdout is not None
        await proc.stdout.readline()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
    outs = [await proc.communicate() for proc in procs]
    counters = [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outs]
    stats = httpx.get(f"{base}_stats").json()
    lines = [json.loads(line) for line in log.read_text().splitlines()[start_line:]]
    arrivals = sorted(float(entry["ts"]) for entry in lines)
    refused = sum(1 for entry in lines if entry.get("status") == 429)
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    achieved = (len(arrivals) - 1) / span if span else 0.0
    return {"scenario": name, "workers": workers, "requests": len(arrivals), "seconds": round(span, 2),
            "achieved_rps": round(achieved, 2), "allowed_rps": rate, "ratio": round(achieved / rate, 3),
            "sandbox_429": refused, "client_429": sum(c["rate_limited"] for c in counters),
            "failures": sum(c["failures"] for c in counters), "stats": stats.get("status", stats)}


async def main(args: argparse.Namespace) -> None:
    from auditor.store import migrate
    from auditor.store.engine import Database

    cluster_dir = None
    database = args.database
    if database is None:
        out = subprocess.run(["bash", str(REPO / "scripts" / "pg_cluster.sh"), "start"], capture_output=True,
                             text=True, check=True).stdout.split()
        cluster_dir, database = out[0], out[1]
    sandbox = None
    try:
        db = Database(database)
        migrate.upgrade(db)
        db.dispose()
        log = Path(tempfile.mkdtemp()) / "requests.jsonl"
        sandbox = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--corpus", "corpus/corpus.jsonl.gz", "--port", "0",
             "--latency-ms", "250", "--log", str(log)],
            cwd=args.sandbox, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert sandbox.stdout is not None
        base = sandbox.stdout.readline().split()[-1].rstrip("/") + "/"
        rows = []
        for name, service, extra, rate, requests in SCENARIOS:
            rows.append(await run_scenario(database, base, log, args.workers, name, service, extra, rate, requests))
            row = rows[-1]
            print(f"{row['scenario']:<38} {row['workers']} workers  {row['requests']:>3} requests  "
                  f"{row['achieved_rps']:>5} of {row['allowed_rps']:>4} /s ({row['ratio']:.0%})  "
                  f"429s: {row['sandbox_429']}", flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    finally:
        if sandbox is not None:
            sandbox.terminate()
            sandbox.wait(10)
        if cluster_dir is not None:
            subprocess.run(["bash", str(REPO / "scripts" / "pg_cluster.sh"), "stop", cluster_dir], check=False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", default=str(REPO.parent / "shared" / "sandbox"))
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database", help="a migrated or empty PostgreSQL (default: a throwaway cluster)")
    parser.add_argument("--json", help="also write the rows here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--service", help=argparse.SUPPRESS)
    parser.add_argument("--settings", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=10, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    asyncio.run(worker(parsed) if parsed.worker else main(parsed))
