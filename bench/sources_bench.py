"""Benchmark the sources layer against the sandbox: pacing, 429s, cache, memory, faults.

    python bench/sources_bench.py --sandbox DIR                 # cold, warm, then --fault-rate 0.3
    python bench/sources_bench.py --sandbox DIR --pool public   # Crossref without a contact email

The sandbox runs with its real limits (NCBI 3/s, Crossref public 5/s conc 1, polite 10/s conc 3)
and ``--latency-ms 250``. The workload is a few dozen single look-ups per service (ECitMatch, EFetch,
ESearch; Crossref DOI, DOI batch, bibliographic search) for records of the sandbox corpus, spread
over ``--documents`` concurrent ``open_sources`` sessions to show that the limits are shared by the
whole process. Numbers measured here describe the sandbox, not live PubMed or Crossref.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from cassette_recorder import DEFAULT_SANDBOX, start_sandbox  # noqa: E402

from auditor.config import Settings  # noqa: E402
from auditor.model import SourceResult  # noqa: E402
from auditor.sources import Sources, build_term, open_sources  # noqa: E402
from auditor.sources.base import CitMatchQuery  # noqa: E402
from bench.lib import glue  # noqa: E402
from bench.lib.sandbox import Sandbox  # noqa: E402

Lookup = Callable[[Sources], Awaitable[SourceResult[Any]]]


@dataclass(frozen=True)
class Job:
    service: str
    name: str
    run: Lookup


def pick_records(sandbox: Path, count: int) -> list[dict[str, Any]]:
    """The first ``count`` corpus records that PubMed and Crossref both hold, with a full locator."""
    chosen = []
    with gzip.open(sandbox / "corpus" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if (rec.get("pmid") and rec.get("doi") and rec.get("journal_abbrev") and rec.get("volume")
                    and rec.get("first_page") and rec.get("title") and rec.get("authors")
                    and isinstance(rec["authors"][0], dict) and rec["authors"][0].get("family")):
                chosen.append(rec)
                if len(chosen) == count:
                    break
    return chosen


def build_jobs(records: list[dict[str, Any]]) -> list[Job]:
    jobs: list[Job] = []
    third = len(records) // 3
    for i, rec in enumerate(records):
        author = rec["authors"][0]
        surname = author["family"]
        query = CitMatchQuery(f"r{i}", rec["journal_abbrev"], str(rec["year"]), str(rec["volume"]),
                              str(rec["first_page"]), f"{surname} {author.get('initials') or ''}".strip())
        words = [w for w in rec["title"].split() if len(w) > 4][:4]
        kind = i // third if third else 0
        if kind == 0:
            jobs.append(Job("pubmed", "ecitmatch", lambda s, q=query: s.entrez.ecitmatch([q])))
            jobs.append(Job("crossref", "work", lambda s, d=rec["doi"]: s.crossref.work(d)))
        elif kind == 1:
            jobs.append(Job("pubmed", "efetch", lambda s, p=rec["pmid"]: s.entrez.efetch([p])))
            jobs.append(Job("crossref", "dois", lambda s, d=rec["doi"]: s.crossref.works_by_dois([d])))
        else:
            term = build_term(title_words=words, first_author=surname)
            cite = f"{surname} {rec['title']} {rec.get('journal_abbrev')} {rec['year']};{rec['volume']}"
            jobs.append(Job("pubmed", "esearch", lambda s, t=term: s.entrez.esearch(t)))
            jobs.append(Job("crossref", "search", lambda s, c=cite: s.crossref.search_bibliographic(c, rows=3)))
    return jobs


def comparable(result: SourceResult[Any]) -> Any:
    """What a look-up answered, in a form that can be compared between runs."""
    value = result.value
    if isinstance(value, dict):
        return sorted((k, repr(v)) for k, v in value.items())
    if isinstance(value, list):
        return [repr(v) for v in value]
    return repr(value)


async def run_phase(settings: Settings, jobs: list[Job], documents: int) -> dict[str, Any]:
    """All jobs at once, split over ``documents`` concurrent sessions sharing the process limiters."""
    groups = [jobs[i::documents] for i in range(documents)]
    results: dict[int, SourceResult[Any]] = {}
    counters: list[dict[str, Any]] = []
    finished: dict[str, float] = {}
    start = time.monotonic()

    async def one_document(group_index: int) -> None:
        async with open_sources(settings) as sources:
            async def one(job_index: int, job: Job) -> None:
                results[job_index] = await job.run(sources)
                finished[job.service] = max(finished.get(job.service, 0.0), time.monotonic())

            await asyncio.gather(*(one(documents * k + group_index, job)
                                   for k, job in enumerate(groups[group_index])))
            counters.append(sources.counters())

    await asyncio.gather(*(one_document(i) for i in range(documents)))
    wall = time.monotonic() - start
    per_service: dict[str, dict[str, Any]] = {}
    for service in ("pubmed", "crossref"):
        parts = [c[service] for c in counters]
        sends = sorted(t for c in parts for t in c.send_times)
        span = sends[-1] - sends[0] if len(sends) > 1 else 0.0
        per_service[service] = {
            "requests": sum(c.requests for c in parts),
            "cache_hits": sum(c.cache_hits for c in parts),
            "rate_limited": sum(c.rate_limited for c in parts),
            "retries": sum(c.retries for c in parts),
            "achieved_rps": (len(sends) - 1) / span if span > 0 else None,
            "wall_s": (finished.get(service, start) - start),
        }
    return {"wall_s": wall, "services": per_service, "results": results}


def server_429s(stats: dict[str, Any]) -> dict[str, int]:
    totals = {"entrez": 0, "crossref": 0}
    for endpoint, statuses in stats.get("counts", {}).items():
        if endpoint == "faults":
            continue
        api = endpoint.split("/")[0]
        totals[api] = totals.get(api, 0) + int(statuses.get("429", 0))
    return totals


def report(label: str, phase: dict[str, Any], allowed: dict[str, float], stats: dict[str, Any]) -> None:
    print(f"\n== {label}: wall {phase['wall_s']:.2f} s")
    print(f"{'service':9} {'requests':>8} {'cache hits':>10} {'429s':>5} {'retries':>7} "
          f"{'achieved/s':>10} {'allowed/s':>9} {'ratio':>6} {'wall s':>7}")
    for service, row in phase["services"].items():
        rate = row["achieved_rps"]
        ratio = f"{rate / allowed[service]:.0%}" if rate else "-"
        print(f"{service:9} {row['requests']:>8} {row['cache_hits']:>10} {row['rate_limited']:>5} "
              f"{row['retries']:>7} {(f'{rate:.2f}' if rate else '-'):>10} {allowed[service]:>9.1f} "
              f"{ratio:>6} {row['wall_s']:>7.2f}")
    print(f"server-side 429s: {server_429s(stats)}; faults injected: {stats.get('counts', {}).get('faults', {})}")


def memory_line() -> str:
    _, peak = tracemalloc.get_traced_memory()
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"peak Python allocations {peak / 2**20:.1f} MB (tracemalloc); max RSS {maxrss_mb:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", type=Path, default=DEFAULT_SANDBOX)
    parser.add_argument("--lookups", type=int, default=36, help="look-ups per service (default 36)")
    parser.add_argument("--documents", type=int, default=2, help="concurrent sessions sharing the limits")
    parser.add_argument("--pool", choices=("polite", "public"), default="polite")
    parser.add_argument("--api-key", action="store_true", help="send an NCBI api_key (allowance 10/s)")
    parser.add_argument("--latency-ms", type=int, default=250)
    parser.add_argument("--fault-rate", type=float, default=0.3, help="fault phase rate; 0 skips the phase")
    parser.add_argument("--fault-attempts", type=int, default=3,
                        help="attempts per request in the fault phase (fewer shows more 'unavailable')")
    args = parser.parse_args(argv)

    tracemalloc.start()
    records = pick_records(args.sandbox, args.lookups)
    jobs = build_jobs(records)
    email = "bench@example.org" if args.pool == "polite" else None
    api_key = "bench-key" if args.api_key else None
    allowed = {"pubmed": 10.0 if api_key else 3.0, "crossref": 10.0 if email else 5.0}
    print(f"workload: {len(jobs)} look-ups ({args.lookups} per service) over {args.documents} concurrent "
          f"sessions; sandbox latency {args.latency_ms} ms; Crossref {args.pool} pool")

    with tempfile.TemporaryDirectory() as cache_dir:
        with start_sandbox(args.sandbox, "--latency-ms", str(args.latency_ms)) as base:
            box = Sandbox(base)
            settings = glue.make_settings(box.entrez_url, box.crossref_url, cache_dir, email=email,
                                          ncbi_api_key=api_key)
            cold = asyncio.run(run_phase(settings, jobs, args.documents))
            report("cold cache", cold, allowed, box.stats())
            box.reset()
            warm = asyncio.run(run_phase(settings, jobs, args.documents))
            report("warm cache", warm, allowed, box.stats())
        print(memory_line())
        if args.fault_rate <= 0:
            return 0
        with start_sandbox(args.sandbox, "--latency-ms", str(args.latency_ms), "--fault-rate",
                           str(args.fault_rate), "--timeout-hold-s", "20", "--seed", "7") as base:
            box = Sandbox(base)
            faulty = glue.make_settings(box.entrez_url, box.crossref_url, cache_dir, email=email,
                                        ncbi_api_key=api_key, cache_mode="no-cache", read_timeout_s=5.0,
                                        retry_max_time_s=30.0, retry_attempts=args.fault_attempts)
            phase = asyncio.run(run_phase(faulty, jobs, args.documents))
            label = f"fault rate {args.fault_rate}, {args.fault_attempts} attempts (no cache)"
            report(label, phase, allowed, box.stats())
    answered = unavailable = invented = 0
    errors: dict[str, int] = {}
    for index, result in phase["results"].items():
        if result.ok:
            answered += 1
            if comparable(result) != comparable(cold["results"][index]):
                invented += 1
        else:
            unavailable += 1
            assert result.value is None and result.error
            kind = result.error.split(": ", 1)[-1][:40]
            errors[kind] = errors.get(kind, 0) + 1
    print(f"fault phase: {answered} answered (all identical to the fault-free answers: {invented == 0}; "
          f"{invented} differ), {unavailable} reported unavailable {errors}, 0 raised")
    print(memory_line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
