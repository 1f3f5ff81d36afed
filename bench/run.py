"""Accuracy and cost of the reference auditor against public gold data, in one command.

    python bench/run.py                       # full run on the committed samples (bench/data/)
    python bench/run.py --quick               # smoke run, about 1-2 minutes
    python bench/run.py --bench-data DIR      # cost pool from the full public files (needed for 3,000 refs)
    python bench/run.py --sizes 30,300        # skip the slow 3,000-reference cost document

Phases (``--phases`` picks some): ``parsing`` (field P/R/F1 and speed), ``matching`` (string ->
PMID/DOI), ``detection`` (one-field corruptions and fabrications), ``robustness`` (detection again
with 30% injected server faults) and ``cost`` (requests, wall time, memory for 30/300/3,000
references, cold and warm cache, under the services' real rate limits and 250 ms latency).

Everything runs in-process through ``audit_documents`` against the local sandbox (the PubMed +
Crossref emulator), started here once per phase because latency, limits and faults are server
options. Cost runs are separate processes so peak memory and limiter state belong to one run.
Results go to ``bench/results/bench-DATE[-quick].md`` and ``.json`` with the machine described.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.model import ReferenceAudit  # noqa: E402
from bench import parse_bench  # noqa: E402
from bench.lib import glue  # noqa: E402
from bench.lib.corrupt import (  # noqa: E402
    CORRUPTIONS,
    EXPECTED,
    CannotCorrupt,
    corrupt,
    fabricate_invented,
    fabricate_recombined,
)
from bench.lib.documents import build_document  # noqa: E402
from bench.lib.metrics import (  # noqa: E402
    PRF,
    DetectionTally,
    MatchOutcome,
    md_table,
    pct,
    score_matching,
)
from bench.lib.records import record_from_pubmed_json  # noqa: E402
from bench.lib.samples import (  # noqa: E402
    ANYSTYLE_SUBSET,
    CROSSREF_STYLES,
    CROSSREF_STYLES_SAMPLE,
    SEED,
    GoldReference,
    gold_from_crossref_style,
    gold_from_jats,
    load_pools,
    make_anystyle_subset,
    make_crossref_styles_sample,
    make_samples,
    read_jsonl,
    seeded_sample,
)
from bench.lib.sandbox import DEFAULT_SANDBOX, Sandbox, running_sandbox, summarise_stats  # noqa: E402

PHASES = ("parsing", "matching", "detection", "robustness", "cost")
EMAIL = "bench@example.org"
"""Sent as Crossref ``mailto`` (polite pool) and NCBI ``email``, as the README asks users to do."""

# Accuracy phases measure decisions, not speed: the sandbox answers at once and without limits.
FAST_SERVER = ["--ncbi-rps", "1000", "--ncbi-key-rps", "1000", "--crossref-rps", "1000",
               "--crossref-polite-rps", "1000", "--crossref-concurrency", "64", "--crossref-polite-concurrency", "64"]
# The emulator computes one answer at a time for both services. Since the two chains run at once
# (issue 10), unthrottled ECitMatch and sweep requests of a 1,446-reference run queue behind each other
# and behind Crossref's searches past the 10 s connect timeout (the busy emulator accepts no
# connection): the references then read as
# unchecked (never not_found), and detection was no longer measured. These phases measure accuracy,
# not latency, so the client waits (connect 120 s, read 300 s) and keeps Crossref at its polite 3 in flight.
FAST_CLIENT: dict[str, Any] = {"ncbi_rps": 200.0, "crossref_rps": 200.0, "crossref_concurrency": 3,
                               "read_timeout_s": 300.0, "connect_timeout_s": 120.0}
ANCHORS = [  # short name (summary), full name (matching table), published P, R, F1
    ("glutton", "biblio-glutton (PMC 1,943-article PDF set)", "97.3", "95.5", "96.4"),
    ("Crossref", "Crossref search-based matching, SBMV (Crossref's real unstructured set)", "—", "—", "96.3"),
]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Running the pipeline on synthetic documents
# ---------------------------------------------------------------------------------------------


def chunk(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def audit_entries(sandbox: Sandbox, docs: Sequence[Sequence[str]], cache_dir: str,
                  **settings: Any) -> tuple[list[list[ReferenceAudit | None]], dict[str, Any]]:
    """Audit each list of reference strings as one synthetic document.

    Returns, per document and per entry, the audit of the reference the parser numbered like the
    entry, or None when the parser lost it; plus the sources' counters.
    """
    parsed = [glue.parse_text_document(build_document(entries), f"bench-{i}.md") for i, entries in enumerate(docs)]
    s = glue.make_settings(sandbox.entrez_url, sandbox.crossref_url, cache_dir, email=EMAIL, **settings)
    reports, counters = asyncio.run(glue.audit(parsed, s))
    out: list[list[ReferenceAudit | None]] = []
    for entries, report in zip(docs, reports, strict=True):
        by_number = {a.reference.number: a for a in report.audits}
        out.append([by_number.get(i) for i in range(1, len(entries) + 1)])
    return out, counters


def fast_run(sandbox_dir: Path, docs: Sequence[Sequence[str]], server_extra: Sequence[str] = (),
             **client: Any) -> tuple[list[list[ReferenceAudit | None]], dict[str, Any], dict[str, int]]:
    with running_sandbox(sandbox_dir, [*FAST_SERVER, *server_extra]) as sandbox, \
            tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        audits, counters = audit_entries(sandbox, docs, cache, **{**FAST_CLIENT, **client})
        return audits, counters, summarise_stats(sandbox.stats())


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def phase_parsing(args: argparse.Namespace) -> dict[str, Any]:
    """Reuses bench/parse_bench.py (the parser owner's data subsets, field rules and pooling)."""
    files = list(parse_bench.DEFAULT_FILES)
    extra = args.data / ANYSTYLE_SUBSET
    if extra.exists():
        files.append(extra)
    results: dict[str, Any] = {}
    all_rows: list[dict[str, Any]] = []
    per_set: list[dict[str, tuple[int, int, int]]] = []
    for path in files:
        if not path.exists():
            continue
        rows = parse_bench.load([path])
        if args.quick:
            rows = rows[:150]
        all_rows.extend(rows)
        counts = parse_bench.score(rows, None, show=lambda _s: None)
        per_set.append(counts)
        results[path.name] = {"n": len(rows), "fields": {f: PRF(*c).as_dict() for f, c in counts.items()}}
    pooled = parse_bench.pool(per_set)
    results["all"] = {"n": len(all_rows), "fields": {f: PRF(*c).as_dict() for f, c in pooled.items()}}
    results["refs_per_s"] = round(parse_bench.speed(all_rows), 1)
    return results


def micro(fields: dict[str, dict[str, Any]]) -> PRF:
    """Micro-average as parse_bench counts it: a field the gold never labels (tp + fn = 0) is left out."""
    labelled = [v for v in fields.values() if int(v["tp"]) + int(v["fn"])]
    return PRF(sum(int(v["tp"]) for v in labelled), sum(int(v["fp"]) for v in labelled),
               sum(int(v["fn"]) for v in labelled))


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


def phase_matching(args: argparse.Namespace, jats_rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = 60 if args.quick else args.n_matching
    result = match_set(args, [gold_from_jats(r) for r in seeded_sample(jats_rows, n, args.seed)], "JATS")
    styles_path = args.data / CROSSREF_STYLES_SAMPLE
    if styles_path.exists():
        rows = list(read_jsonl(styles_path))
        if args.quick:
            rows = rows[: 10 * len(CROSSREF_STYLES)]
        result["crossref_styles"] = match_set(args, [gold_from_crossref_style(r) for r in rows], "Crossref-styles")
    return result


def match_set(args: argparse.Namespace, golds: list[GoldReference], name: str) -> dict[str, Any]:
    """Audit gold strings as documents of 50 and score the matched identifiers against the gold."""
    docs = chunk([g.raw for g in golds], 50)
    log(f"matching: {len(golds)} {name} references in {len(docs)} documents")
    start = time.perf_counter()
    audits, counters, server = fast_run(args.sandbox, docs)
    elapsed = time.perf_counter() - start
    flat = [a for doc in audits for a in doc]
    outcomes = [
        MatchOutcome(g.gold_pmid, g.gold_doi, a.verdict if a else None,
                     a.match.pmid if a and a.match else None, a.match.doi if a and a.match else None)
        for g, a in zip(golds, flat, strict=True)
    ]

    def subset(pred: Any) -> dict[str, Any]:
        chosen = [o for o, g in zip(outcomes, golds, strict=True) if pred(g)]
        return score_matching(chosen).as_dict()

    errors = [
        {"raw": g.raw, "gold_pmid": g.gold_pmid, "gold_doi": g.gold_doi, "verdict": o.verdict,
         "pred_pmid": o.pred_pmid, "pred_doi": o.pred_doi,
         "codes": [f.code for f in a.findings] if a else []}
        for g, o, a in zip(golds, outcomes, flat, strict=True) if not o.correct
    ]
    return {
        "n": len(golds),
        "all": score_matching(outcomes).as_dict(),
        "vancouver_like": subset(lambda g: g.vancouver_like),
        "no_printed_id": subset(lambda g: not _has_printed_id(g)),
        "by_source": {src: subset(lambda g, src=src: _origin(g) == src) for src in sorted({_origin(g) for g in golds})},
        "verdicts": dict(Counter(o.verdict or "lost" for o in outcomes)),
        "wall_s": round(elapsed, 1),
        "client": counters,
        "server": server,
        "errors": errors[:40],
    }


def _origin(g: GoldReference) -> str:
    """``PLOS`` / ``scieloorg`` / ... for JATS strings, the style name for Crossref's renderings."""
    parts = g.source.split("/")
    return parts[1] if parts[0] == "crossref-styles" and len(parts) > 1 else parts[0]


def _has_printed_id(g: GoldReference) -> bool:
    raw = g.raw.lower()
    return bool((g.gold_doi and g.gold_doi in raw) or (g.gold_pmid and g.gold_pmid in raw))


# ---------------------------------------------------------------------------------------------
# Detection (and robustness: the same input under faults)
# ---------------------------------------------------------------------------------------------


def detection_items(pubmed_rows: list[dict[str, Any]], n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` base records; each untouched, once per corruption, plus ``n`` of each fabrication.

    Items are shuffled (seeded) before being cut into documents, so every document mixes kinds
    the way a real bibliography would.
    """
    rng = random.Random(seed)
    records = [record_from_pubmed_json(r) for r in pubmed_rows]
    base = seeded_sample(records, n, seed)
    items: list[dict[str, Any]] = []
    for rec in base:
        items.append({"kind": "untouched", "pmid": rec.pmid, "raw": glue.render_reference(rec)})
        for kind in CORRUPTIONS:
            try:
                bad = corrupt(rec, kind, rng, records)
            except CannotCorrupt:
                continue
            items.append({"kind": kind, "pmid": rec.pmid, "raw": glue.render_reference(bad)})
    for _ in range(n):
        a, b, c = rng.sample(records, 3)
        items.append({"kind": "fabricated_recombined", "pmid": None, "parts": [a.pmid, b.pmid, c.pmid],
                      "same_year_as_title_owner": b.year == c.year,
                      "raw": glue.render_reference(fabricate_recombined(a, b, c))})
        items.append({"kind": "fabricated_invented", "pmid": None,
                      "raw": glue.render_reference(fabricate_invented(rng, records))})
    rng.shuffle(items)
    return items


def run_detection(args: argparse.Namespace, items: list[dict[str, Any]], server_extra: Sequence[str] = (),
                  **client: Any) -> tuple[list[ReferenceAudit | None], dict[str, Any]]:
    docs = chunk([it["raw"] for it in items], 50)
    start = time.perf_counter()
    audits, counters, server = fast_run(args.sandbox, docs, server_extra, **client)
    return [a for doc in audits for a in doc], {"wall_s": round(time.perf_counter() - start, 1),
                                                "client": counters, "server": server}


def tally(items: list[dict[str, Any]], audits: list[ReferenceAudit | None]) -> DetectionTally:
    t = DetectionTally(EXPECTED)
    for item, audit in zip(items, audits, strict=True):
        t.add(item["kind"], audit.verdict if audit else None)
    return t


def misses(items: list[dict[str, Any]], audits: list[ReferenceAudit | None], per_kind: int = 8) -> list[dict[str, Any]]:
    """Examples of unexpected verdicts, for the regression tests and the report to the owners."""
    shown: Counter[str] = Counter()
    out = []
    for item, audit in zip(items, audits, strict=True):
        verdict = audit.verdict if audit else None
        if verdict in EXPECTED[item["kind"]] or shown[item["kind"]] >= per_kind:
            continue
        shown[item["kind"]] += 1
        out.append({"kind": item["kind"], "pmid": item["pmid"], "parts": item.get("parts"), "raw": item["raw"],
                    "verdict": verdict or "lost",
                    "codes": [f"{f.code} {f.field or ''}".strip() for f in audit.findings] if audit else [],
                    "match": (audit.match.pmid or audit.match.doi) if audit and audit.match else None})
    return out


def phase_detection(args: argparse.Namespace, items: list[dict[str, Any]],
                    pool_size: int) -> tuple[dict[str, Any], list[Any]]:
    base = Counter(i["kind"] for i in items)["untouched"]
    log(f"detection: {len(items)} references ({base} base records)")
    audits, run = run_detection(args, items)
    t = tally(items, audits)
    sampling = (f"{base} base records drawn with random.Random({args.seed}).sample from the {pool_size} usable "
                "PubMed records; each is rendered untouched and once per corruption kind (a corruption that does not "
                "apply, e.g. a surname too short to misspell, is skipped); corruption values and the "
                f"{base} + {base} fabricated references come from the same seeded generator; the references are "
                "shuffled and audited as documents of 50")
    recombined = [(i, a) for i, a in zip(items, audits, strict=True) if i["kind"] == "fabricated_recombined"]
    chimera = {
        "major_when_year_matches_title_owner": sum(1 for i, a in recombined if a and a.verdict == "major"
                                                   and i["same_year_as_title_owner"]),
        "year_matches_title_owner": sum(1 for i, _ in recombined if i["same_year_as_title_owner"]),
        "major_otherwise": sum(1 for i, a in recombined if a and a.verdict == "major"
                               and not i["same_year_as_title_owner"]),
        "year_differs": sum(1 for i, _ in recombined if not i["same_year_as_title_owner"]),
    }
    return {"n": len(items), "sampling": sampling, "by_kind": t.as_dict(), "recombined_detail": chimera,
            "false_alarm_rate": round(t.false_alarm_rate(), 4), "run": run, "misses": misses(items, audits)}, audits


def phase_robustness(args: argparse.Namespace, items: list[dict[str, Any]],
                     clean: list[ReferenceAudit | None]) -> dict[str, Any]:
    log(f"robustness: {len(items)} references with fault rate {args.fault_rate}")
    faults = ["--fault-rate", str(args.fault_rate), "--timeout-hold-s", "2", "--seed", str(args.seed % 100000)]
    # Client settings stay at their defaults (30 s read timeout, 5 attempts): a shorter timeout
    # mostly measures how slow the emulator is on a shared machine, not how the auditor copes.
    audits, run = run_detection(args, items, faults)
    wrong_nf = []
    unchecked = changed = 0
    other: list[dict[str, Any]] = []
    for item, before, after in zip(items, clean, audits, strict=True):
        v0 = before.verdict if before else None
        v1 = after.verdict if after else None
        if v1 == "unchecked":
            unchecked += 1
        if v1 != v0:
            changed += 1
            if v1 != "unchecked":
                other.append({"kind": item["kind"], "raw": item["raw"], "clean": v0, "faults": v1})
        if v1 == "not_found" and v0 != "not_found":
            wrong_nf.append({"kind": item["kind"], "raw": item["raw"], "clean": v0,
                             "consulted": after.consulted if after else None})
    t = tally(items, audits)
    return {"n": len(items), "fault_rate": args.fault_rate, "wrongly_not_found": len(wrong_nf),
            "wrongly_not_found_examples": wrong_nf[:10], "unchecked": unchecked,
            "verdict_changed_vs_clean": changed, "changed_other_than_unchecked": len(other),
            "changed_examples": other[:10], "by_kind": t.as_dict(), "run": run}


# ---------------------------------------------------------------------------------------------
# Cost
# ---------------------------------------------------------------------------------------------


def cost_entries(pubmed_rows: list[dict[str, Any]], jats_rows: list[dict[str, Any]], seed: int) -> list[str]:
    """Distinct real references (rendered PubMed records and printed JATS strings), seeded order."""
    entries = [glue.render_reference(record_from_pubmed_json(r)) for r in pubmed_rows]
    entries += [gold_from_jats(r).raw for r in jats_rows]
    entries = list(dict.fromkeys(entries))
    random.Random(seed).shuffle(entries)
    return entries


def cost_worker(args: argparse.Namespace) -> int:
    """One measured run in a fresh process: load, parse, audit; print JSON on stdout."""
    started = time.perf_counter()
    parsed = glue.load_and_parse(Path(args.worker_doc))
    parse_s = time.perf_counter() - started
    settings = glue.make_settings(args.worker_entrez, args.worker_crossref, args.worker_cache, email=EMAIL)
    t0 = time.perf_counter()
    reports, counters = asyncio.run(glue.audit([parsed], settings))
    audit_s = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = reports[0]
    print(json.dumps({
        "references": len(parsed.references), "parse_s": round(parse_s, 3), "audit_s": round(audit_s, 2),
        "wall_s": round(time.perf_counter() - started, 2), "requests": report.requests, "client": counters,
        "peak_rss_mb": round(peak_kb / 1024, 1), "summary": report.summary,
    }))
    return 0


def phase_cost(args: argparse.Namespace, entries: list[str]) -> dict[str, Any]:
    sizes = [30] if args.quick else args.sizes
    runs: list[dict[str, Any]] = []
    server = ["--latency-ms", str(args.latency_ms)]
    with running_sandbox(args.sandbox, server) as sandbox, tempfile.TemporaryDirectory(prefix="bench-cost-") as tmp:
        for size in sizes:
            if size > len(entries):
                runs.append({"size": size, "skipped": f"only {len(entries)} distinct references available; "
                                                      "pass --bench-data for the full pool"})
                continue
            doc = Path(tmp) / f"doc-{size}.md"
            doc.write_text(build_document(entries[:size], f"Cost document ({size} references)"), encoding="utf-8")
            cache = Path(tmp) / f"cache-{size}"
            for temperature in ("cold", "warm"):
                sandbox.reset()
                log(f"cost: {size} references, {temperature} cache")
                cmd = [sys.executable, str(Path(__file__).resolve()), "--worker-doc", str(doc), "--worker-entrez",
                       sandbox.entrez_url, "--worker-crossref", sandbox.crossref_url, "--worker-cache", str(cache)]
                proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
                if proc.returncode != 0:
                    runs.append({"size": size, "cache": temperature, "error": proc.stderr[-2000:]})
                    continue
                result = json.loads(proc.stdout.strip().splitlines()[-1])
                result.update({"size": size, "cache": temperature, **summarise_stats(sandbox.stats())})
                runs.append(result)
    return {"latency_ms": args.latency_ms, "limits": "sandbox defaults: NCBI 3/s (no API key); Crossref polite pool "
            "10/s, 3 concurrent (mailto set)", "runs": runs}


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", *a], capture_output=True, text=True, cwd=ROOT).stdout.strip()
        except OSError:
            return ""

    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"cpu_count": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "machine": platform.machine(), "memory": mem, "commit": git("rev-parse", "--short", "HEAD"),
            "dirty_tree": bool(git("status", "--porcelain", "--untracked-files=no"))}


def summary_section(results: dict[str, Any]) -> list[str]:
    """One headline table (the one for a paper); the sections below give the detail."""
    rows: list[list[object]] = []
    p = results.get("parsing")
    if p:
        m = micro(p["all"]["fields"])
        rows.append(["Parsing: field micro-F1 (JATS + GROBID + AnyStyle Vancouver strings)",
                     f"{pct(m.f1)} (P {pct(m.precision)}, R {pct(m.recall)})", f"n = {p['all']['n']}"])
        rows.append(["Parsing: speed", f"{p['refs_per_s']:,.0f} refs/s", "single core"])
    mt = results.get("matching")
    if mt:
        a = mt["all"]
        rows.append(["Matching: string -> PMID/DOI, F1 (P / R)",
                     f"{pct(a['f1'])} ({pct(a['precision'])} / {pct(a['recall'])})",
                     f"n = {a['total']}; anchors {', '.join(f'{f_} ({short})' for short, _, _, _, f_ in ANCHORS)} "
                     "on other sets"])
        v = mt["vancouver_like"]
        rows.append(["Matching: F1 on strict Vancouver strings", pct(v["f1"]), f"n = {v['total']}"])
    d = results.get("detection")
    if d:
        k = d["by_kind"]
        corr = [x for x in CORRUPTIONS if x in k]
        hits = sum(k[x]["as_expected"] for x in corr)
        total = sum(k[x]["n"] for x in corr)
        rows.append(["Detection: one-field corruptions flagged as expected", pct(hits / total if total else 0),
                     f"n = {total}, {len(corr)} kinds"])
        fab = [x for x in ("fabricated_recombined", "fabricated_invented") if x in k]
        fh = sum(k[x]["as_expected"] for x in fab)
        ft = sum(k[x]["n"] for x in fab)
        rows.append(["Detection: fabricated references -> not_found", pct(fh / ft if ft else 0), f"n = {ft}"])
        rows.append(["Detection: false alarms on untouched references", pct(d["false_alarm_rate"]),
                     f"n = {k.get('untouched', {}).get('n', 0)}"])
    r = results.get("robustness")
    if r:
        rows.append([f"Robustness: wrongly not_found at {int(r['fault_rate'] * 100)}% faults",
                     str(r["wrongly_not_found"]), f"n = {r['n']}; unchecked {r['unchecked']}"])
    c = results.get("cost")
    if c:
        for run in c["runs"]:
            if run.get("cache") == "cold" and "requests" in run:
                rows.append([f"Cost: {run['size']} references, cold cache",
                             f"{run['requests'] / max(run['references'], 1):.2f} req/ref, {run['audit_s']:.1f} s",
                             f"peak RSS {run['peak_rss_mb']:.0f} MB; {c['latency_ms']:.0f} ms latency, real limits"])
    if not rows:
        return []
    return ["## Summary", "", md_table(["measure", "result", "notes"], rows), ""]


def _chimera_note(detail: dict[str, int] | None) -> list[str]:
    if not detail:
        return []
    return [f"Recombined references judged major (matched to the work whose title they carry): "
            f"{detail['major_when_year_matches_title_owner']} of {detail['year_matches_title_owner']} whose borrowed "
            f"year equals that work's year, {detail['major_otherwise']} of {detail['year_differs']} otherwise."]


def _score_row(label: str, v: dict[str, Any]) -> list[object]:
    """``[label, n, P, R, F1]`` of a matching score (``MatchScore.as_dict``)."""
    return [label, v["total"], pct(v["precision"]), pct(v["recall"]), pct(v["f1"])]


def render_markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    out = [f"# Reference auditor benchmark, {results['date']}{' (quick)' if results['quick'] else ''}", "",
           f"Machine: {m['cpu_count']} CPUs, Python {m['python']}, {m['platform']}, memory {m['memory']}; "
           f"commit {m['commit']}{' (uncommitted changes in tree)' if m['dirty_tree'] else ''}.",
           f"Command: `{results['command']}`. Data: {results['data']}. Seed {results['seed']}.", ""]
    out += summary_section(results)
    p = results.get("parsing")
    if p:
        out += ["## Parsing (field level)", "",
                "Rules and data are `bench/parse_bench.py`'s (text compared without case/punctuation; locator = "
                "first page or article number; identifiers only when printed; micro-F1 counts each set only on the "
                "fields its gold labels, so unlabelled fields show as —).", ""]
        sets = [k for k in p if k not in ("all", "refs_per_s")] + ["all"]
        fields = list(p["all"]["fields"])
        headers = ["field"] + [f"{s.split('.')[0]} F1" for s in sets] + ["all P", "all R"]
        rows = []
        for f in fields:
            row: list[object] = [f]
            for s in sets:
                v = p[s]["fields"][f]
                row.append(pct(v["f1"]) if v["tp"] + v["fn"] else "—")  # never in this gold: no score
            v = p["all"]["fields"][f]
            row += [pct(v["precision"]) if v["tp"] + v["fp"] else "—", pct(v["recall"]) if v["tp"] + v["fn"] else "—"]
            rows.append(row)
        micro_row: list[object] = ["**micro**"]
        for s in sets:
            micro_row.append(pct(micro(p[s]["fields"]).f1))
        mm = micro(p["all"]["fields"])
        micro_row += [pct(mm.precision), pct(mm.recall)]
        rows.append(micro_row)
        rows.append(["strings"] + [str(p[s]["n"]) for s in sets] + ["", ""])
        out += [md_table(headers, rows), "", f"Speed: {p['refs_per_s']:,.0f} references/s (single core).", ""]
    mt = results.get("matching")
    if mt:
        out += ["## Matching (reference string -> PMID/DOI)", "",
                f"{mt['n']} printed JATS references with gold PMID/DOI (seeded sample), audited as documents of "
                "50 through load/parse/resolve/judge. Predicted = match id when the verdict is verified/minor/"
                "major; correct = equals gold (DOI lower-cased); P = correct/predicted, R = correct/total.", ""]
        rows = [_score_row(label, mt[key])
                for label, key in (("auditor, all", "all"), ("auditor, strict Vancouver form", "vancouver_like"),
                                   ("auditor, no printed DOI/PMID", "no_printed_id"))]
        rows += [[f"*anchor:* {name}", "other set", p_, r_, f_] for _, name, p_, r_, f_ in ANCHORS]
        out += [md_table(["system / set", "n", "P", "R", "F1"], rows), "",
                "Anchors are published figures on *their own* gold sets (different strings, a 37M/170M-record "
                "index), not on this one. Ours runs against the sandbox corpus (~6,600 records) that includes the "
                "cited records themselves, and JATS-derived records are the citing side's metadata, so fields are "
                "partly echoed back: read this as an upper bound of resolution, not a head-to-head.",
                f"Verdicts: {', '.join(f'{k} {v}' for k, v in sorted(mt['verdicts'].items()))}.", ""]
        if mt.get("by_source"):
            out += ["By origin of the printed strings (publisher styles differ: PLOS author-year, SciELO "
                    "Vancouver/ABNT/APA):", "",
                    md_table(["origin", "n", "P", "R", "F1"],
                             [_score_row(src, v) for src, v in mt["by_source"].items()]), ""]
        cs = mt.get("crossref_styles")
        if cs:
            out += ["Second set: Crossref's own artificial renderings (`crossref_artificial_styles_sample`, mostly "
                    f"not biomedical) of {cs['n'] // max(len(cs['by_source']), 1)} works the sandbox serves, in "
                    f"{len(cs['by_source'])} non-Vancouver styles; gold = DOI. It measures robustness to styles the "
                    "parser is not built for.", "",
                    md_table(["style", "n", "P", "R", "F1"],
                             [_score_row(src, v) for src, v in cs["by_source"].items()]
                             + [_score_row("all styles", cs["all"])]), "",
                    f"Verdicts: {', '.join(f'{k} {v}' for k, v in sorted(cs['verdicts'].items()))}.", ""]
    d = results.get("detection")
    if d:
        r = results.get("robustness")
        out += ["## Detection (one field corrupted, fabricated references)", "",
                f"{d['n']} references from real PubMed records rendered as NLM strings (no DOI/PMID printed, so "
                "resolution goes through ECitMatch and search). Sampling: "
                f"{d.get('sampling', 'seeded')}. Fabricated: *recombined* = authors of one record, title of a "
                "second, journal/year/volume/pages of a third; *invented* = title words and surnames drawn from the "
                "pool, a real journal, a random year/volume/page range.", ""]
        headers = ["kind", "n", "expected", "as expected %", "flagged %", "verified", "minor", "major", "not_found",
                   "unchecked"]
        if r:
            headers.append(f"as expected % at {int(r['fault_rate'] * 100)}% faults")
        rows = []
        for kind, v in d["by_kind"].items():
            verdicts = v["verdicts"]
            row = [kind, v["n"], "/".join(v["expected"]), pct(v["rate"]), pct(v["flagged"] / max(v["n"], 1))] + [
                verdicts.get(x, 0) for x in ("verified", "minor", "major", "not_found", "unchecked")]
            if r:
                row.append(pct(r["by_kind"].get(kind, {}).get("rate", 0.0)))
            rows.append(row)
        order = ["untouched", *CORRUPTIONS, "fabricated_recombined", "fabricated_invented"]
        rows.sort(key=lambda row: order.index(str(row[0])) if row[0] in order else 99)
        out += [md_table(headers, rows), "",
                "*flagged* = reported as a problem at all (minor, major or not_found), whatever the grade.",
                *_chimera_note(d.get("recombined_detail")),
                f"False-alarm rate on untouched references (anything worse than verified, unchecked excluded): "
                f"**{pct(d['false_alarm_rate'])}%**.", ""]
        if r:
            out += ["## Robustness", "",
                    f"Same {r['n']} references with the sandbox failing {int(r['fault_rate'] * 100)}% of requests "
                    "(500/502/503/timeout/truncated body; fault draws seeded; a 'timeout' holds the connection 2 s "
                    "then drops it; client at its defaults: 30 s read timeout, 5 attempts). References wrongly "
                    "reported not_found (verdict "
                    f"not_found under faults but not in the clean run): **{r['wrongly_not_found']}** (must be 0). "
                    f"Unchecked: {r['unchecked']}. "
                    f"Verdict differs from the clean run: {r['verdict_changed_vs_clean']} "
                    f"({r.get('changed_other_than_unchecked', 0)} of them to something other than unchecked).",
                    ""]
    c = results.get("cost")
    if c:
        out += ["## Cost", "",
                f"Real rate limits ({c['limits']}), {c['latency_ms']:.0f} ms latency per request; one document per "
                "size of distinct, correct real references; cold = empty cache, warm = second run on the same cache. "
                "Each run is a fresh process (peak RSS is that process's).", ""]
        rows = []
        for run in c["runs"]:
            if "skipped" in run or "error" in run:
                rows.append([run["size"], run.get("cache", "—"), "—", "—", "—", "—", "—", "—", "—",
                             run.get("skipped") or "error (see JSON)"])
                continue
            refs = max(run["references"], 1)
            per_service = " / ".join(str(run["client"].get(s, {}).get("requests", 0)) for s in ("pubmed", "crossref"))
            rows.append([run["size"], run["cache"], run["requests"], per_service, f"{run['requests'] / refs:.2f}",
                         run["server_requests"], run["rate_limited_429"], f"{run['audit_s']:.1f}",
                         f"{run['peak_rss_mb']:.0f}", ", ".join(f"{k} {v}" for k, v in run["summary"].items() if v)])
        out += [md_table(["refs", "cache", "requests", "PubMed / Crossref", "req/ref", "seen by server", "429s",
                          "wall s", "peak RSS MB", "verdicts"], rows), "",
                "*requests* = HTTP requests the pipeline sent (retries included); *seen by server* also counts "
                "rejected attempts. Wall time covers resolve + judge; load and parse are reported in the JSON "
                "(`parse_s`). Verdicts are informational: the documents are real printed references, some of them "
                "in styles the parser does not handle.", ""]
    return "\n".join(out) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sandbox", type=Path, default=DEFAULT_SANDBOX,
                    help="the emulator's directory (default: ../shared/sandbox from the repo root)")
    ap.add_argument("--data", type=Path, default=ROOT / "bench" / "data", help="committed samples (default bench/data)")
    ap.add_argument("--bench-data", type=Path, default=None,
                    help="full public bench-data directory: the cost documents draw from it (3,000 distinct "
                         "references need it); with --make-samples, the source of the samples")
    ap.add_argument("--full-accuracy", action="store_true",
                    help="with --bench-data, also draw the matching/detection samples from the full files")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    ap.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated subset of {','.join(PHASES)}")
    ap.add_argument("--quick", action="store_true", help="small smoke run (about 1-2 minutes)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--n-matching", type=int, default=500)
    ap.add_argument("--n-detection", type=int, default=150, help="base records for the detection phase")
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[30, 300, 3000],
                    help="cost document sizes (default 30,300,3000; drop 3000 to save time)")
    ap.add_argument("--latency-ms", type=float, default=250.0)
    ap.add_argument("--fault-rate", type=float, default=0.3)
    ap.add_argument("--no-write", action="store_true", help="print only; do not write bench/results")
    ap.add_argument("--make-samples", action="store_true",
                    help="rebuild the committed samples in --data from --bench-data and the sandbox corpus, then exit")
    for hidden in ("--worker-doc", "--worker-entrez", "--worker-crossref", "--worker-cache"):
        ap.add_argument(hidden, help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker_doc:
        return cost_worker(args)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(phases) - set(PHASES)
    if unknown:
        raise SystemExit(f"unknown phase(s): {', '.join(sorted(unknown))}")
    if not (args.sandbox / "emulator").is_dir():
        raise SystemExit(f"sandbox not found at {args.sandbox}; pass --sandbox DIR")
    corpus = args.sandbox / "corpus" / "corpus.jsonl.gz"
    if args.make_samples:
        if args.bench_data is None:
            raise SystemExit("--make-samples needs --bench-data DIR")
        written = make_samples(args.bench_data, corpus, args.data, seed=args.seed)
        written[ANYSTYLE_SUBSET] = make_anystyle_subset(args.bench_data, args.data)
        written[CROSSREF_STYLES_SAMPLE] = make_crossref_styles_sample(args.bench_data, corpus, args.data,
                                                                      seed=args.seed)
        for name, count in written.items():
            log(f"wrote {args.data / name} ({count} records)")
        return 0
    # Accuracy phases use the committed samples (reproducible from a clone) unless asked otherwise;
    # --bench-data always widens the cost pool, which needs 3,000 distinct references.
    full = load_pools(args.data, args.bench_data, corpus) if args.bench_data else None
    samples = load_pools(args.data, None, None)
    full_accuracy = bool(full and args.full_accuracy)
    pubmed_rows, jats_rows = full if full and full_accuracy else samples
    cost_pubmed, cost_jats = full or samples
    data_desc = (f"accuracy from {'the full public files' if full_accuracy else 'the committed samples'} "
                 f"({len(pubmed_rows)} PubMed records, {len(jats_rows)} JATS strings); cost pool from "
                 f"{'the full public files' if full else 'the committed samples'} "
                 f"({len(cost_pubmed)} PubMed records + {len(cost_jats)} JATS strings)")
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "quick": args.quick, "seed": args.seed,
        "command": "python bench/run.py " + " ".join("DIR" if a.startswith("/") else a
                                                     for a in (argv if argv is not None else sys.argv[1:])),
        "data": data_desc, "machine": machine(),
    }
    t0 = time.perf_counter()
    if "parsing" in phases:
        log("parsing")
        results["parsing"] = phase_parsing(args)
    if "matching" in phases:
        results["matching"] = phase_matching(args, jats_rows)
    if {"detection", "robustness"} & set(phases):
        items = detection_items(pubmed_rows, 12 if args.quick else args.n_detection, args.seed)
        results["detection"], clean = phase_detection(args, items, len(pubmed_rows))
        if "robustness" in phases:
            results["robustness"] = phase_robustness(args, items, clean)
    if "cost" in phases:
        results["cost"] = phase_cost(args, cost_entries(cost_pubmed, cost_jats, args.seed))
    results["total_wall_s"] = round(time.perf_counter() - t0, 1)
    text = render_markdown(results)
    print(text)
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d") + ("-quick" if args.quick else "")
        (args.out / f"bench-{stamp}.md").write_text(text, encoding="utf-8")
        (args.out / f"bench-{stamp}.json").write_text(json.dumps(results, indent=1, default=str) + "\n",
                                                      encoding="utf-8")
        log(f"wrote {args.out / f'bench-{stamp}.md'} and .json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
