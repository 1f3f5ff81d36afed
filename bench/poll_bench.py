"""Benchmark the status poll, ``GET /v1/audits/{id}``, of a real ``auditor serve`` under many pollers.

    python bench/poll_bench.py                          # SQLite, 200 pollers at 1/s for 10 s
    python bench/poll_bench.py --postgres URL           # PostgreSQL (the database is wiped)
    python bench/poll_bench.py --pollers 400 --duration 20

No sandbox: the server answers its jobs from the committed cassette of seed 000
(``AUDITOR_REPLAY_CASSETTE``), so ``--jobs`` (5) real audits finish in seconds and leave real rows
(summary, per-source progress). Then ``--pollers`` clients, spread over ``--client-procs`` (2) client
processes so one client's event loop does not bound the figure, each GET one job's status every
``--interval`` seconds (jittered start) for ``--duration`` seconds, with a bearer token, over
keep-alive connections. The server is otherwise idle (one embedded worker, as ``auditor serve``
starts by default).

Printed: p50/p95/p99/max latency, requests answered, the rate achieved against the rate asked,
non-200 answers, the serve process's CPU per request (its user+system time over the polling window
divided by requests: the figure the machine's load moves least), and the load average before and
after. The machine's load matters: clients and server share its CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from bench.lib.database import wipe_postgres  # noqa: E402
from bench.lib.metrics import md_table  # noqa: E402

SEED = next((REPO / "seeds").glob("000_*.txt"))
CASSETTE = REPO / "cassettes" / "seeds" / "000.yaml"


class Serve:
    """``auditor serve --port 0`` as a child process, its URL read from its first line."""

    def __init__(self, database: str, log: Path, workers: int, extra_env: dict[str, str]) -> None:
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "auditor", "serve", "--port", "0", "--database", database,
                 "--workers", str(workers), "--log-level", "warning"],
                env={**os.environ, "PYTHONPATH": str(REPO), "AUDITOR_REPLAY_CASSETTE": str(CASSETTE),
                     "AUDITOR_MAX_ACTIVE_JOBS": "100000", **extra_env}, stdout=out, stderr=out)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(r"serving on (http://\S+) ", log.read_text(errors="replace"))
            if found:
                self.url = found.group(1)
                return
            if self.proc.poll() is not None:
                raise SystemExit(f"auditor serve exited:\n{log.read_text()}")
            time.sleep(0.1)
        raise SystemExit("auditor serve did not start")

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def seed_jobs(url: str, token: str, count: int) -> list[str]:
    data = SEED.read_bytes()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        ids = []
        for i in range(count):
            resp = client.post("/v1/audits", files={"file": (SEED.name, data)}, headers={"Idempotency-Key": f"p{i}"})
            resp.raise_for_status()
            ids.append(resp.json()["id"])
        deadline = time.monotonic() + 120
        for job_id in ids:
            while client.get(f"/v1/audits/{job_id}").json()["status"] in ("queued", "running"):
                if time.monotonic() > deadline:
                    raise SystemExit("the seed jobs did not finish within 120 s")
                time.sleep(0.2)
    return ids


async def _pollers(client_kind: str, url: str, token: str, ids: list[str], first: int, count: int,
                   interval: float, start_at: float, duration: float) -> dict[str, Any]:
    times: list[float] = []
    stamps: list[float] = []
    statuses: dict[int | str, int] = {}
    headers = {"Authorization": f"Bearer {token}"}
    if client_kind == "httpx":
        # Idle connections expire on the client before uvicorn's 5 s keep-alive closes them under a request.
        limits = httpx.Limits(max_connections=count + 5, max_keepalive_connections=count + 5, keepalive_expiry=3.0)
        hx = httpx.AsyncClient(base_url=url, headers=headers, timeout=60, limits=limits)

        async def get(path: str) -> int:
            return (await hx.get(path)).status_code

        async def close() -> None:
            await hx.aclose()
        errors: tuple[type[Exception], ...] = (httpx.HTTPError,)
    else:
        import aiohttp

        session = aiohttp.ClientSession(url, headers=headers, timeout=aiohttp.ClientTimeout(total=60),
                                        connector=aiohttp.TCPConnector(limit=count + 5, keepalive_timeout=3.0))

        async def get(path: str) -> int:
            async with session.get(path) as resp:
                await resp.read()
                return resp.status

        async def close() -> None:
            await session.close()
        errors = (aiohttp.ClientError,)
    try:
        # Open every connection just before the window (uvicorn closes idle ones after 5 s), so the
        # window measures polls, not TCP handshakes.
        await asyncio.sleep(max(0.0, start_at - 1.5 - time.time()))
        await asyncio.gather(*(get(f"/v1/audits/{ids[0]}") for _ in range(count)))
        await asyncio.sleep(max(0.0, start_at - time.time()))
        stop_at = time.monotonic() + duration
        cpu0 = time.process_time()
        window_start = time.perf_counter()

        async def poller(k: int) -> None:
            await asyncio.sleep(random.Random(k).uniform(0, interval))
            while time.monotonic() < stop_at:
                began = time.perf_counter()
                try:
                    code: int | str = await get(f"/v1/audits/{ids[k % len(ids)]}")
                except errors as exc:
                    code = type(exc).__name__
                elapsed = time.perf_counter() - began
                times.append(elapsed)
                stamps.append(began - window_start)
                statuses[code] = statuses.get(code, 0) + 1
                await asyncio.sleep(max(0.0, interval - elapsed))

        await asyncio.gather(*(poller(first + k) for k in range(count)))
        cpu = time.process_time() - cpu0
    finally:
        await close()
    return {"times": times, "stamps": stamps, "statuses": statuses, "cpu_s": cpu}


def _client_process(args: tuple[str, str, str, list[str], int, int, float, float, float]) -> dict[str, Any]:
    return asyncio.run(_pollers(*args))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(database: str, label: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from auditor.store import migrate
    from auditor.store.engine import Database
    from auditor.store.tokens import create_token

    db = Database(database)
    migrate.upgrade(db)
    token = create_token(db, f"poll-{label}").secret
    db.dispose()
    serve = Serve(database, tmp / f"serve-{label}.log", args.workers, {})
    try:
        ids = seed_jobs(serve.url, token, args.jobs)
        time.sleep(1.0)  # let the worker settle after its last job
        procs = max(1, min(args.client_procs, args.pollers))
        shares = [args.pollers // procs + (1 if i < args.pollers % procs else 0) for i in range(procs)]
        start_at = time.time() + 2.0 + 0.02 * args.pollers
        firsts = [sum(shares[:i]) for i in range(procs)]
        jobs = [(args.client, serve.url, token, ids, firsts[i], shares[i], args.interval, start_at, args.duration)
                for i in range(procs)]
        load_start = os.getloadavg()
        with multiprocessing.get_context("spawn").Pool(procs) as pool:
            pending = pool.map_async(_client_process, jobs)
            time.sleep(max(0.0, start_at - time.time()))
            cpu0, t0 = serve.cpu_s(), time.monotonic()
            results = pending.get(timeout=args.duration + 120)
            window = time.monotonic() - t0
            cpu = serve.cpu_s() - cpu0
        load_end = os.getloadavg()
    finally:
        serve.stop()
    times = [t for r in results for t in r["times"]]
    slowest = sorted(((t, s) for r in results for t, s in zip(r["times"], r["stamps"], strict=True)), reverse=True)
    statuses: dict[str, int] = {}
    for r in results:
        for code, n in r["statuses"].items():
            statuses[str(code)] = statuses.get(str(code), 0) + n
    return {"store": label, "pollers": args.pollers, "interval_s": args.interval, "duration_s": args.duration,
            "client": args.client, "client_procs": procs, "requests": len(times),
            "achieved_per_s": len(times) / args.duration,
            "asked_per_s": args.pollers / args.interval, "statuses": statuses,
            "p50_ms": statistics.median(times) * 1000, "p95_ms": pct(times, 0.95) * 1000,
            "p99_ms": pct(times, 0.99) * 1000, "max_ms": max(times) * 1000,
            "server_cpu_ms_per_request": cpu / len(times) * 1000, "server_cpu_share": cpu / window,
            "client_cpu_share": sum(r["cpu_s"] for r in results) / window,
            "client_cpu_ms_per_request": sum(r["cpu_s"] for r in results) / len(times) * 1000,
            "load_start": load_start, "load_end": load_end, "cpus": os.cpu_count(),
            "slowest_ms_at_s": [[round(t * 1000, 1), round(at, 2)] for t, at in slowest[:20]]}


def table(results: list[dict[str, Any]]) -> str:
    rows = [[r["store"], f"{r['pollers']} x {1 / r['interval_s']:g}/s", f"{r['achieved_per_s']:.0f}",
             f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}", f"{r['p99_ms']:.1f}", f"{r['max_ms']:.0f}",
             f"{r['server_cpu_ms_per_request']:.2f}", f"{r['server_cpu_share']:.0%}",
             " ".join(f"{k}:{v}" for k, v in sorted(r["statuses"].items())),
             f"{r['load_start'][0]:.2f} / {r['load_end'][0]:.2f}"] for r in results]
    return md_table(["store", "pollers", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "server CPU ms/req",
                     "server CPU", "answers", "load 1-min start / end"], rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL database instead (wiped)")
    parser.add_argument("--sqlite-too", action="store_true", help="with --postgres: run SQLite first as well")
    parser.add_argument("--pollers", type=int, default=200)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between one poller's GETs")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of polling")
    parser.add_argument("--jobs", type=int, default=5, help="finished audits the pollers read")
    parser.add_argument("--workers", type=int, default=1, help="serve --workers (default 1, as serve starts)")
    parser.add_argument("--client-procs", type=int, default=2, help="client processes the pollers are split over")
    parser.add_argument("--client", choices=("aiohttp", "httpx"), default="aiohttp",
                        help="HTTP client of the pollers (default aiohttp: its C parser costs the client less "
                        "CPU per request, which the server shares the machine with)")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="poll-bench-") as tmpdir:
        tmp = Path(tmpdir)
        runs = []
        if not args.postgres or args.sqlite_too:
            runs.append(("SQLite", f"sqlite:///{tmp / 'poll.sqlite3'}"))
        if args.postgres:
            wipe_postgres(args.postgres)
            runs.append(("PostgreSQL", args.postgres))
        for label, url in runs:
            print(f"{label}: {args.pollers} pollers ...", file=sys.stderr, flush=True)
            results.append(run(url, label, args, tmp))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
