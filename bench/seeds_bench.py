"""Audit the seed documents against the sandbox and print what it cost, cold and warm.

The sandbox runs with the services' real limits (NCBI 3/s, Crossref 5/s public or 10/s polite,
concurrency 1/3) and 250 ms latency per request, so wall times are what a user would wait for
against services that answer in a quarter of a second. Requests are counted twice: by the client
(``AuditReport.requests``) and by the server (``/_stats``), and the two must agree.

A third run injects faults (30% of requests fail as 500/502/503, timeouts or truncated bodies) and
checks the promise that matters most: no reference that verifies in the clean run is reported
``not_found``; failures may only make it ``unchecked``.

    python bench/seeds_bench.py [--sandbox DIR] [--latency-ms 250] [--fault-rate 0.3] [--email ADDR]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.config import Settings  # noqa: E402
from auditor.model import AuditReport, ParsedDocument  # noqa: E402
from bench.lib import glue  # noqa: E402
from bench.lib.sandbox import DEFAULT_SANDBOX, running_sandbox, summarise_stats  # noqa: E402


def _run(doc: ParsedDocument, settings: Settings) -> tuple[AuditReport, float]:
    start = time.perf_counter()
    reports, _ = asyncio.run(glue.audit([doc], settings))
    return reports[0], time.perf_counter() - start


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sandbox", type=Path, default=DEFAULT_SANDBOX)
    parser.add_argument("--latency-ms", type=float, default=250.0)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--email", default="bench@example.org", help="contact (polite pool); '' for public")
    parser.add_argument("--retries", type=int, default=5, help="attempts per request in the fault run")
    parser.add_argument("seeds", nargs="*", type=Path)
    args = parser.parse_args(argv)
    seeds = args.seeds or sorted((ROOT / "seeds").glob("*.txt"))
    docs = [glue.load_and_parse(path) for path in seeds]
    email = args.email or None
    options = ["--latency-ms", str(args.latency_ms)]
    clean: dict[str, AuditReport] = {}

    print(f"sandbox latency {args.latency_ms:g} ms, real limits, {'polite' if email else 'public'} Crossref pool")
    print(f"{'document':<34} {'refs':>4} {'run':<5} {'requests':>8} {'req/ref':>7} {'server':>6} {'429s':>4} "
          f"{'wall s':>7}  verdicts")
    with tempfile.TemporaryDirectory() as cache, running_sandbox(args.sandbox, options) as box:
        for doc in docs:
            for label in ("cold", "warm"):
                box.reset()
                settings = glue.make_settings(box.entrez_url, box.crossref_url, cache, email=email, retry_attempts=3)
                report, wall = _run(doc, settings)
                server = summarise_stats(box.stats())
                refs = len(doc.references)
                per_ref = f"{report.requests / refs:.2f}" if refs else "-"
                summary = " ".join(f"{k}={v}" for k, v in report.summary.items() if v)
                print(f"{Path(doc.document.path).name:<34} {refs:>4} {label:<5} {report.requests:>8} {per_ref:>7} "
                      f"{server['server_requests']:>6} {server['rate_limited_429']:>4} {wall:>7.2f}  {summary}")
                if label == "cold":
                    clean[doc.document.path] = report
    print(f"peak RSS {_peak_rss_mb():.0f} MB")

    if args.fault_rate <= 0:
        return 0
    print(f"\nfault run: {args.fault_rate:.0%} of requests fail (500/502/503/timeout/truncate), "
          f"{args.retries} attempts, cold cache")
    fault_options = [*options, "--fault-rate", str(args.fault_rate), "--timeout-hold-s", "2"]
    wrong = 0
    with tempfile.TemporaryDirectory() as cache, running_sandbox(args.sandbox, fault_options) as box:
        settings = glue.make_settings(box.entrez_url, box.crossref_url, cache, email=email,
                                      retry_attempts=args.retries, read_timeout_s=1.5)
        for doc in docs:
            report, wall = _run(doc, settings)
            server = summarise_stats(box.stats())
            before = clean[doc.document.path]
            flips: dict[str, Any] = {}
            for old, new in zip(before.audits, report.audits, strict=True):
                if old.verdict != new.verdict:
                    key = f"{old.verdict}->{new.verdict}"
                    flips[key] = flips.get(key, 0) + 1
                    if new.verdict == "not_found":
                        wrong += 1
            print(f"{Path(doc.document.path).name:<34} requests {report.requests:>3}  faults so far "
                  f"{server['faults']:>3}  wall {wall:6.2f} s  changed {flips or 'none'}")
    print(f"references wrongly reported not_found under faults: {wrong}")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
