"""Seed 000 cold, today's main against this checkout, side by side in one run (issue 10).

Both versions of ``auditor/`` audit the same document against one sandbox started with the
services' real limits (NCBI 3/s, Crossref polite 10/s with 3 in flight) and ``--latency-ms 250``,
with no cache, in alternating repetitions, each in its own subprocess whose ``PYTHONPATH`` points
at that version's tree. Before each run the sandbox's rate windows and counters are reset, so the
runs cannot throttle each other. Printed (and written to ``bench/results/``): the median wall time
of each, their ratio, the requests each sent per service (client counters and the sandbox's own
count), whether every reference got the same verdict, match and finding codes, and, for each
version's median run, every request's timeline (asked, let go by the limiter, answered) with the
phases it forms (``bench/lib/timeline.py``): when ECitMatch answered, how the Crossref searches
were paced, and how long the PubMed sweep ran on after the last search.

    python bench/latency_bench.py [--base REV] [--repeats 5] [--sandbox DIR] [--seed FILE] [--out FILE]

``--base`` is a git revision of this repository (default ``main``); its ``auditor/`` is exported
with ``git archive`` into a temporary folder. The numbers describe the sandbox, not the live
services: what transfers is the ratio, since both versions meet the same limits and latency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Appended, never first: a child's PYTHONPATH names the auditor/ it measures, which must win.
    sys.path.append(str(ROOT))
from bench.lib.timeline import PHASE_HEADER, Event, markdown_rows, phases, request_kind  # noqa: E402

SEED_000 = ROOT / "seeds" / "000_594f0db58d351876.txt"
SANDBOX_OPTIONS = ("--latency-ms", "250")
"""Real limits are the emulator's defaults; only the latency is added."""


# -- child: one audit with whatever ``auditor`` PYTHONPATH provides ----------------------------


class _SendTimes(list[float]):
    """``ServiceCounters.send_times`` that also remembers which task each send belongs to."""

    def __init__(self, existing: list[float], by_task: dict[object, float]) -> None:
        super().__init__(existing)
        self.by_task = by_task

    def append(self, value: float) -> None:
        self.by_task[asyncio.current_task()] = value
        super().append(value)


def _record_requests(events: list[dict[str, Any]], start: list[float]) -> None:
    """Wrap ``HttpClient._send`` of whichever ``auditor`` is imported to log every request.

    ``queued`` is when the client asked, ``sent`` when the service's limiter let the request go
    (the moment ``_send`` appends to ``send_times``, in every version measured), ``answered`` when
    the body was read. Observation only: the request itself is unchanged.
    """
    from auditor.sources import http

    original = http.HttpClient._send
    sent_by_task: dict[object, float] = {}

    async def send(self: Any, service: str, method: str, url: str, wire: Any) -> Any:
        queued = time.monotonic()
        counters = self.counters[service]
        if not isinstance(counters.send_times, _SendTimes):
            counters.send_times = _SendTimes(counters.send_times, sent_by_task)
        try:
            return await original(self, service, method, url, wire)
        finally:
            sent = sent_by_task.pop(asyncio.current_task(), queued)
            events.append({"service": service, "kind": request_kind(service, url, dict(wire)),
                           "queued": queued - start[0], "sent": sent - start[0],
                           "answered": time.monotonic() - start[0]})

    http.HttpClient._send = send  # type: ignore[method-assign]


def _child(seed: str, entrez_base: str, crossref_base: str) -> None:
    """Audit ``seed`` once, cold, and print one JSON line (wall, counters, verdicts, request timeline)."""
    from auditor.audit import audit_documents
    from auditor.config import Settings
    from auditor.documents.loader import load_document
    from auditor.parsing import parse_document
    from auditor.sources import open_sources

    events: list[dict[str, Any]] = []
    clock = [0.0]
    _record_requests(events, clock)

    document = parse_document(load_document(seed))
    settings = Settings.load(None, environ={}, entrez_url=f"{entrez_base}/entrez/eutils/",
                             crossref_url=f"{crossref_base}/crossref/", cache_mode="no-cache",
                             email="bench@example.org")

    async def run() -> dict[str, Any]:
        async with open_sources(settings) as sources:
            start = time.perf_counter()
            clock[0] = time.monotonic()
            (report,) = await audit_documents([document], sources.entrez, sources.crossref)
            wall = time.perf_counter() - start
            counters = {name: c.as_dict() for name, c in sources.counters().items()}
        verdicts = []
        for audit in report.audits:
            match = audit.match
            verdicts.append({
                "number": audit.reference.number,
                "verdict": audit.verdict,
                "match": None if match is None else (match.pmid or match.doi),
                "codes": sorted(f.code for f in audit.findings),
                "flags": sorted(audit.flags),
                "consulted": audit.consulted,
            })
        return {"wall_s": wall, "requests": report.requests, "counters": counters, "verdicts": verdicts,
                "events": sorted(events, key=lambda e: e["sent"]),
                "auditor": str(Path(audit_documents.__code__.co_filename).parent)}

    print(json.dumps(asyncio.run(run())))


# -- parent ------------------------------------------------------------------------------------


def _export(rev: str, into: Path) -> str:
    """``auditor/`` of ``rev`` unpacked under ``into``; returns the full commit hash."""
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", rev], check=True, capture_output=True,
                            text=True).stdout.strip()
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "auditor"], check=True,
                         capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    return commit


def _run_child(tree: Path, seed: Path, entrez_base: str, crossref_base: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(seed), entrez_base,
                           crossref_base],
                          env=env, capture_output=True, text=True, timeout=300, cwd=tree)
    if done.returncode != 0:
        raise RuntimeError(f"audit under {tree} failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _differences(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[str]:
    out = []
    for left, right in zip(a, b, strict=True):
        if left != right:
            out.append(f"ref {left['number']}: {left} != {right}")
    return out


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run whose wall time is the (lower) median, so its timeline stands for the figure quoted."""
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    return ordered[(len(ordered) - 1) // 2]


def _summary(runs: list[dict[str, Any]], sandbox_counts: list[int]) -> dict[str, Any]:
    walls = [r["wall_s"] for r in runs]
    median_run = _median_run(runs)
    events = [Event(**e) for e in median_run["events"]]
    return {
        "median_run_phases": phases(events, median_run["wall_s"]),
        "median_run_timeline": [e.as_dict() for e in events],
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_runs_s": [round(w, 3) for w in walls],
        "requests_client": sorted({r["requests"] for r in runs}),
        "requests_by_service": {name: sorted({r["counters"][name]["requests"] for r in runs})
                                for name in ("pubmed", "crossref")},
        "requests_sandbox": sorted(set(sandbox_counts)),
        "rate_limited": sum(r["counters"][n]["rate_limited"] for r in runs for n in ("pubmed", "crossref")),
    }


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["--child"]:
        _child(args_in[1], args_in[2], args_in[3])
        return 0
    sys.path.insert(0, str(ROOT))
    from bench.lib.sandbox import DEFAULT_SANDBOX, running_sandbox, summarise_stats

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="main", help="git revision to compare against (default main)")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each version, alternating")
    parser.add_argument("--sandbox", type=Path, default=DEFAULT_SANDBOX)
    parser.add_argument("--seed", type=Path, default=SEED_000)
    parser.add_argument("--out", type=Path, help="write the JSON results here too")
    parser.add_argument("--shared-server", action="store_true",
                        help="serve both services from one emulator process (it computes one answer at a time, "
                             "so a slow ECitMatch holds up Crossref answers too); default: one process each")
    args = parser.parse_args(args_in)

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="latency-bench-") as tmp:
        base_tree = Path(tmp)
        base_commit = _export(args.base, base_tree)
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "auditor"],
                                    capture_output=True, text=True, check=True).stdout.strip())
        trees = {"base": base_tree, "new": ROOT}
        runs: dict[str, list[dict[str, Any]]] = {"base": [], "new": []}
        served: dict[str, list[int]] = {"base": [], "new": []}
        with contextlib.ExitStack() as stack:
            pubmed = stack.enter_context(running_sandbox(args.sandbox, SANDBOX_OPTIONS))
            crossref = pubmed if args.shared_server else stack.enter_context(
                running_sandbox(args.sandbox, SANDBOX_OPTIONS))
            servers = [pubmed] if args.shared_server else [pubmed, crossref]
            for i in range(args.repeats):
                order = ("base", "new") if i % 2 == 0 else ("new", "base")
                for name in order:
                    for server in servers:
                        server.reset()
                    time.sleep(1.1)  # let any client-side sliding window drain as well
                    runs[name].append(_run_child(trees[name], args.seed, pubmed.url, crossref.url))
                    served[name].append(sum(summarise_stats(server.stats())["server_requests"]
                                            for server in servers))
                    print(f"  {name} run {i + 1}: {runs[name][-1]['wall_s']:.2f} s, "
                          f"{runs[name][-1]['requests']} requests", file=sys.stderr)

    summary = {name: _summary(runs[name], served[name]) for name in runs}
    verdict_sets = {name: [json.dumps(r["verdicts"]) for r in runs[name]] for name in runs}
    stable = {name: len(set(v)) == 1 for name, v in verdict_sets.items()}
    differences = _differences(runs["base"][0]["verdicts"], runs["new"][0]["verdicts"])
    ratio = summary["new"]["wall_median_s"] / summary["base"]["wall_median_s"]
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "seed": args.seed.name,
        "sandbox_options": list(SANDBOX_OPTIONS) + ["(default limits: NCBI 3/s, Crossref polite 10/s, 3 in flight)"],
        "servers": "one emulator process for both services" if args.shared_server
                   else "one emulator process per service",
        "repeats": args.repeats,
        "base": {"rev": args.base, "commit": base_commit, **summary["base"]},
        "new": {"commit": head, "uncommitted_changes": dirty, **summary["new"]},
        "ratio_new_over_base": round(ratio, 3),
        "verdicts_identical": not differences and all(stable.values()),
        "verdicts_stable_across_runs": stable,
        "verdict_differences": differences,
        "references": len(runs["new"][0]["verdicts"]),
        "load_average_1min": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},
    }
    text = json.dumps(result, indent=2)
    print(text)
    print(markdown(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        args.out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    return 0


def markdown(result: dict[str, Any]) -> str:
    """The result as the short table the README quotes."""
    rows = []
    for name, label in (("base", f"{result['base']['rev']} ({result['base']['commit'][:7]})"),
                        ("new", f"this branch ({result['new']['commit'][:7]})")):
        r = result[name]
        rows.append(f"| {label} | {r['wall_median_s']:.2f} s | {', '.join(f'{w:.2f}' for w in r['wall_runs_s'])} | "
                    f"{'/'.join(map(str, r['requests_client']))} (PubMed "
                    f"{'/'.join(map(str, r['requests_by_service']['pubmed']))}, Crossref "
                    f"{'/'.join(map(str, r['requests_by_service']['crossref']))}) | "
                    f"{'/'.join(map(str, r['requests_sandbox']))} | {r['rate_limited']} |")
    return "\n".join([
        f"# Seed {result['seed'][:3]} cold, side by side ({result['date']})",
        "",
        f"{result['machine']}; sandbox {' '.join(result['sandbox_options'])}, {result['servers']}; "
        f"{result['repeats']} alternating runs each, no cache; 1-min load average "
        f"{result['load_average_1min']['before']} before, {result['load_average_1min']['after']} after.",
        "",
        "| code | median wall | runs | requests (client) | requests (sandbox) | 429s |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"Ratio (median new / median base): **{result['ratio_new_over_base']:.2f}**. "
        f"Verdicts, matches, findings, flags and consulted sources identical for all {result['references']} "
        f"references: **{'yes' if result['verdicts_identical'] else 'no'}**"
        + ("" if result["verdicts_identical"] else f" ({len(result['verdict_differences'])} differ)") + ".",
        "",
        "Where the median run's time went (seconds from the start of the audit; `bench/lib/timeline.py`):",
        "",
        PHASE_HEADER,
        markdown_rows(f"{result['base']['rev']} ({result['base']['commit'][:7]})", result["base"]["median_run_phases"]),
        markdown_rows(f"this branch ({result['new']['commit'][:7]})", result["new"]["median_run_phases"]),
        "",
    ])


if __name__ == "__main__":
    raise SystemExit(main())
