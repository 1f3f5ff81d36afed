"""Watches end to end against the sandbox: N watched documents, a world that changes, three runs.

    python bench/watch_bench.py [--docs 200] [--refs 30] [--workers 4] [--sandbox DIR] [--seed 1]

It starts the sandbox (real rate limits, 250 ms latency), an ``auditor serve`` app in this process
(SQLite store, embedded runner with ``--workers`` workers and the watch scheduler) and a local
webhook receiver that verifies every signature. Each document cites ``--refs`` real corpus works
in Vancouver style (no DOIs or PMIDs printed). Then:

1. run 1 (cold cache): every watch runs once, all in one pass (one run per watch inserted together,
   as the scheduler does when many watches come due at once): the baseline;
2. 5 cited works are retracted and 3 others corrected through the sandbox's ``POST /_records``
   (each cited by exactly one document), and the Retraction Watch copy is refreshed once (the
   daily download);
3. run 2 must report exactly those 8 changes, in the stored diffs and in the webhook deliveries,
   and nothing else; run 3 (nothing changed) must report nothing.

It prints requests per reference (as the sandbox counted them), wall time (until every run is done
and every webhook delivery job has finished) and the load average for each run.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.lib.documents import build_document  # noqa: E402
from bench.lib.sandbox import DEFAULT_SANDBOX, running_sandbox, summarise_stats  # noqa: E402


def _eligible(rec: dict[str, Any]) -> bool:
    return bool(rec.get("pmid") and rec.get("doi") and rec.get("title") and rec.get("journal_abbrev")
                and rec.get("year") and rec.get("volume") and rec.get("first_page") and rec.get("authors")
                and not rec.get("updates") and not rec.get("update_to") and not rec.get("retracted")
                and all(a.get("family") for a in rec["authors"]))


def vancouver(rec: dict[str, Any]) -> str:
    names = [f"{a['family']} {a.get('initials') or ''}".strip() for a in rec["authors"][:6]]
    authors = ", ".join(names) + (", et al" if len(rec["authors"]) > 6 else "")
    pages = rec["first_page"] + (f"-{rec['last_page']}" if rec.get("last_page") else "")
    issue = f"({rec['issue']})" if rec.get("issue") else ""
    title = rec["title"].rstrip(".")
    return f"{authors}. {title}. {rec['journal_abbrev']}. {rec['year']};{rec['volume']}{issue}:{pages}."


class Receiver:
    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.deliveries: list[dict[str, Any]] = []
        self.refused = 0
        self.lock = threading.Lock()


def start_receiver(state: Receiver) -> tuple[str, ThreadingHTTPServer]:
    from auditor.watch.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            payload = json.loads(body)
            secret = state.secrets.get(payload.get("watch", {}).get("id", ""), "")
            ok = verify(secret, self.headers.get(TIMESTAMP_HEADER), body, self.headers.get(SIGNATURE_HEADER))
            with state.lock:
                if ok:
                    state.deliveries.append(payload)
                else:
                    state.refused += 1
            self.send_response(204 if ok else 401)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/hook", server


def serve_in_thread(app: Any) -> tuple[str, Any]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()

    return f"http://127.0.0.1:{sock.getsockname()[1]}", stop


def post_json(url: str, data: Any) -> Any:
    req = urllib.request.Request(url, data=json.dumps(data).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as reply:
        return json.load(reply)


def run_all(db: Any, watch_ids: list[str], timeout: float = 3600) -> tuple[float, list[str]]:
    """One pass over every watch, as the scheduler makes it: a run per watch, all inserted in one
    transaction (the embedded runner's next tick gives them their jobs together, so their re-audits
    share identifier batches). Wait by watching the store (polling 200 runs over the API would load
    the very event loop the embedded workers run on) until every run is done and every webhook
    delivery job has finished; returns (wall seconds, run ids)."""
    import uuid

    from sqlalchemy import func, select

    from auditor.store.tables import WatchRun, WebhookDelivery, utcnow

    started = time.monotonic()
    now = utcnow()
    run_ids = [str(uuid.uuid4()) for _ in watch_ids]
    with db.write() as session:
        for i, (watch_id, run_id) in enumerate(zip(watch_ids, run_ids, strict=True)):
            session.add(WatchRun(id=run_id, watch_id=watch_id, scheduled_for=now + timedelta(microseconds=i),
                                 trigger="manual", status="pending", created_at=now, notified=False))
    while True:
        with db.read() as session:
            finished = session.scalar(select(func.count()).select_from(WatchRun).where(
                WatchRun.id.in_(run_ids), WatchRun.status.in_(("done", "failed")))) or 0
            sending = session.scalar(select(func.count()).select_from(WebhookDelivery).where(
                WebhookDelivery.run_id.in_(run_ids), WebhookDelivery.status.in_(("pending", "sending")))) or 0
        if finished == len(run_ids) and not sending:
            break
        if time.monotonic() - started > timeout:
            raise SystemExit("runs did not finish in time")
        time.sleep(1.0)
    return time.monotonic() - started, run_ids


def requests_of(stats: dict[str, Any]) -> dict[str, int]:
    per: Counter[str] = Counter()
    for key, statuses in stats.get("counts", {}).items():
        if key == "faults":
            continue
        per[key.split("/")[0]] += sum(statuses.values())
    return dict(per)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--refs", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sandbox", default=str(DEFAULT_SANDBOX))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="PATH", help="also write the figures here")
    args = parser.parse_args()

    import httpx

    from auditor.config import Settings
    from auditor.jobs.settings import JobSettings
    from auditor.service.app import create_app
    from auditor.service.settings import ServiceSettings
    from auditor.sources.http import HttpClient
    from auditor.sources.retraction_watch import refresh_index
    from auditor.store import migrate
    from auditor.store.engine import Database
    from auditor.store.tokens import create_token

    rng = random.Random(args.seed)
    sandbox_dir = Path(args.sandbox)
    with gzip.open(sandbox_dir / "corpus" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        pool = [r for r in (json.loads(line) for line in fh) if _eligible(r)]
    rng.shuffle(pool)
    changed = pool[:8]  # 5 retracted, 3 corrected; each cited by exactly one document
    others = pool[8:]
    documents: list[list[dict[str, Any]]] = [rng.sample(others, args.refs) for _ in range(args.docs)]
    hosts = rng.sample(range(args.docs), min(8, args.docs))
    expected: dict[tuple[int, str], str] = {}
    for i, rec in enumerate(changed[: len(hosts)]):
        doc = documents[hosts[i]]
        slot = rng.randrange(len(doc))
        doc[slot] = rec
        expected[(hosts[i], rec["pmid"])] = "retracted" if i < 5 else "corrected"
    total_refs = args.docs * args.refs

    work = Path(tempfile.mkdtemp(prefix="watch-bench-"))
    receiver = Receiver()
    hook_url, hook_server = start_receiver(receiver)
    os.environ["AUDITOR_WEBHOOK_ALLOW"] = "127.0.0.1"
    figures: dict[str, Any] = {"docs": args.docs, "refs_per_doc": args.refs, "workers": args.workers}
    with running_sandbox(sandbox_dir, ["--latency-ms", "250"]) as sandbox:
        rw_url = f"{sandbox.url}/retraction-watch/retraction_watch.csv"
        audit_settings = Settings.load(None, environ={}, entrez_url=sandbox.entrez_url,
                                       crossref_url=sandbox.crossref_url, cache_dir=str(work / "cache"),
                                       email="bench@example.org", retraction_watch_url=rw_url)
        db = Database(f"sqlite:///{work / 'store.sqlite3'}")
        migrate.upgrade(db)
        app = create_app(db, ServiceSettings(max_active_jobs=10_000), workers=args.workers,
                         audit_settings=audit_settings,
                         job_settings=JobSettings(poll_s=0.05, watch_interval_s=0.2, lease_s=120))
        base, stop = serve_in_thread(app)
        token = create_token(db, "bench").secret
        try:
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
                watch_ids = []
                by_watch: dict[str, int] = {}
                for i, refs in enumerate(documents):
                    text = build_document([vancouver(r) for r in refs], title=f"Watched paper {i}")
                    resp = client.post("/v1/watches", files={"file": (f"paper-{i:03d}.md", text.encode())},
                                       data={"cron": "0 0 1 1 *", "webhook_url": hook_url})
                    resp.raise_for_status()
                    watch = resp.json()
                    receiver.secrets[watch["id"]] = watch["webhook_secret"]
                    watch_ids.append(watch["id"])
                    by_watch[watch["id"]] = i

                results = []
                for label in ("run 1 (cold)", "run 2 (8 changes)", "run 3 (no change)"):
                    if label.startswith("run 2"):
                        changes = []
                        for i, rec in enumerate(changed[: len(hosts)]):
                            kind = "retraction" if i < 5 else "correction"
                            new = dict(rec)
                            new["updates"] = [{"type": kind, "doi": f"10.5555/bench-notice-{i}"}]
                            if kind == "retraction":
                                new["retracted"] = True
                                new["publication_types"] = [*rec.get("publication_types", []),
                                                            "Retracted Publication"]
                            changes.append(new)
                        post_json(f"{sandbox.url}/_records", changes)

                        async def daily() -> int:
                            async with HttpClient(audit_settings) as http:
                                state = await refresh_index(http, rw_url, audit_settings.resolved_cache_dir,
                                                            mode="refresh")
                                return state.requests

                        figures["retraction_watch_download_requests"] = asyncio.run(daily())
                    sandbox.reset()
                    before = len(receiver.deliveries)
                    load_before = os.getloadavg()
                    wall, run_ids = run_all(db, watch_ids)
                    load_after = os.getloadavg()
                    runs = [client.get(f"/v1/watches/{w}/runs/{r}").json()
                            for w, r in zip(watch_ids, run_ids, strict=True)]
                    stats = sandbox.stats()
                    per = requests_of(stats)
                    audit_requests = per.get("entrez", 0) + per.get("crossref", 0)
                    found: dict[tuple[int, str], list[str]] = {}
                    other_changes = 0
                    for run in runs:
                        diff = client.get(f"/v1/watches/{run['watch_id']}/runs/{run['id']}/diff").json()
                        for change in diff["changes"]:
                            if label.startswith("run 1"):
                                continue
                            doc = documents[by_watch[run["watch_id"]]][change["number"] - 1]
                            key = (by_watch[run["watch_id"]], doc["pmid"])
                            if key in expected and change["flags_gained"]:
                                found[key] = change["flags_gained"]
                            else:
                                other_changes += 1
                    delivered = receiver.deliveries[before:]
                    row = {
                        "run": label, "wall_s": round(wall, 1), "requests": audit_requests,
                        "requests_per_reference": round(audit_requests / total_refs, 4),
                        "retraction_watch_requests": per.get("retractionwatch", 0),
                        "rate_limited_429": summarise_stats(stats)["rate_limited_429"],
                        "429_by_endpoint": {k: v["429"] for k, v in stats.get("counts", {}).items()
                                            if isinstance(v, dict) and "429" in v},
                        "failed_runs": sum(1 for r in runs if r["status"] != "done"),
                        "expected_changes_reported": len(found) if not label.startswith("run 1") else None,
                        "other_changes": other_changes if not label.startswith("run 1") else None,
                        "deliveries": len(delivered),
                        "load_average_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
                        "load_average_15min_after": round(load_after[2], 2),
                    }
                    if label.startswith("run 2"):
                        row["all_8_correct"] = found == {k: [v] for k, v in expected.items()}
                        row["deliveries_match"] = sorted(d["watch"]["id"] for d in delivered) == sorted(
                            watch_ids[h] for h in {k[0] for k in expected})
                    results.append(row)
                    print(json.dumps(row), flush=True)
                figures["runs"] = results
                figures["signatures_refused"] = receiver.refused
        finally:
            stop()
            hook_server.shutdown()
            db.dispose()
    print("\n| run | wall | requests | per reference | 429s | changes reported | other changes | webhooks | "
          "load (1 min, before/after; 15 min) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in figures["runs"]:
        load = r["load_average_1min_before_after"]
        print(f"| {r['run']} | {r['wall_s']} s | {r['requests']} | {r['requests_per_reference']} | "
              f"{r['rate_limited_429']} | {r['expected_changes_reported']} | {r['other_changes']} | "
              f"{r['deliveries']} | {load[0]} / {load[1]}; {r['load_average_15min_after']} |")
    print(f"webhook signatures refused: {figures['signatures_refused']}; Retraction Watch download: "
          f"{figures.get('retraction_watch_download_requests')} request(s)")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
