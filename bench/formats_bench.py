"""Does a DOCX or PDF of a document give the auditor what its text gives it?

Every document (the three seeds plus synthetic manuscripts built from real reference strings of
the parsing subsets) is rendered as DOCX (python-docx: Word numbering, italic/superscript runs,
heading styles) and as PDF (fpdf2: running header, page numbers, superscripts; every other
synthetic document in two columns with soft hyphens), loaded back through the real loaders and
parsed. The text version is the reference:

- reference-field F1: every ParsedFields field of every reference, matched by number;
- citation recall: the text's citation markers (as number tuples) found in the rendering;
- verdict agreement: the same references audited against the sandbox (one shared cache, so a
  rendering that parses identically makes no new request) get the same verdict;
- load speed: PDF pages and DOCX documents loaded per second (rendering not counted);
- hostile PDFs (each in its own process): a 175,000-character page and a 20,000-page file, with
  the time to refusal and the peak RSS, showing the limits stop the work while it happens;
- the load average at the start and the end, since timings on a shared machine need it.

    python bench/formats_bench.py [--sandbox DIR] [--docs 20] [--refs 15] [--no-audit] [--out bench/results]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import fields as dc_fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.documents.loader import load_bytes  # noqa: E402
from auditor.model import ParsedDocument, ParsedFields  # noqa: E402
from auditor.parsing import parse_document  # noqa: E402
from bench.lib import glue  # noqa: E402
from bench.lib.documents import build_document  # noqa: E402
from bench.lib.metrics import PRF  # noqa: E402
from bench.lib.render_formats import DEJAVU, text_to_docx, text_to_pdf  # noqa: E402
from bench.lib.sandbox import DEFAULT_SANDBOX, running_sandbox  # noqa: E402

DATA = ROOT / "bench" / "data"
SOURCES = (DATA / "jats_vancouver_subset.jsonl.gz", DATA / "grobid_vancouver_subset.jsonl.gz")
FAST_SERVER = ["--ncbi-rps", "1000", "--ncbi-key-rps", "1000", "--crossref-rps", "1000",
               "--crossref-polite-rps", "1000", "--crossref-concurrency", "64", "--crossref-polite-concurrency", "64"]
FAST_CLIENT: dict[str, Any] = {"ncbi_rps": 200.0, "crossref_rps": 200.0, "crossref_concurrency": 16}
FIELDS = tuple(f.name for f in dc_fields(ParsedFields))


def documents(n_docs: int, per_doc: int, seed: int = 13) -> list[tuple[str, str, int]]:
    """(name, text, columns) for the seeds and ``n_docs`` synthetic manuscripts."""
    out = [(p.name, p.read_text(encoding="utf-8"), 1) for p in sorted((ROOT / "seeds").glob("*.txt"))]
    raws: list[str] = []
    for path in SOURCES:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            raws += [json.loads(line)["raw"] for line in handle]
    random.Random(seed).shuffle(raws)
    for i in range(n_docs):
        entries = raws[i * per_doc:(i + 1) * per_doc]
        out.append((f"synthetic-{i + 1:02d}.md", build_document(entries, f"Synthetic manuscript {i + 1}"),
                    2 if i % 2 else 1))
    return out


def _field_counts(gold: ParsedDocument, got: ParsedDocument) -> tuple[int, int, int]:
    by_number = {r.number: r.parsed for r in got.references}
    tp = fp = fn = 0
    for ref in gold.references:
        other = by_number.pop(ref.number, None)
        for name in FIELDS:
            want = getattr(ref.parsed, name)
            have = getattr(other, name) if other is not None else None
            if want in (None, (), False) and have in (None, (), False):
                continue
            if want == have:
                tp += 1
            else:
                fn += want not in (None, (), False)
                fp += have not in (None, (), False)
    for extra in by_number.values():
        fp += sum(getattr(extra, name) not in (None, (), False) for name in FIELDS)
    return tp, fp, fn


def _citation_hits(gold: ParsedDocument, got: ParsedDocument) -> tuple[int, int]:
    want = Counter(c.numbers for c in gold.citations)
    have = Counter(c.numbers for c in got.citations)
    return sum((want & have).values()), sum(want.values())


def _pages(data: bytes) -> int:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


_PROBE = """
import json, resource, sys, time
from auditor.documents.loader import load_bytes
from auditor.errors import InputError
from bench.lib.hostile_pdf import blank_pages, pdf, text_page

def peak_mb():
    # VmHWM: this process's own peak (ru_maxrss also counts the parent's RSS at fork on Linux)
    try:
        with open("/proc/self/status") as status:
            return next(int(ln.split()[1]) for ln in status if ln.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

data = pdf(text_page(175_000)) if sys.argv[1] == "dense" else blank_pages(20_000)
before = peak_mb()
start = time.perf_counter()
try:
    load_bytes(data, "hostile.pdf")
    outcome = "read"
except InputError as exc:
    outcome = str(exc)
print(json.dumps({"seconds": round(time.perf_counter() - start, 2), "outcome": outcome,
                  "rss_before_mb": round(before),
                  "peak_rss_mb": round(peak_mb())}))
"""


def hostile_figures() -> dict[str, Any]:
    """Time to refusal and peak RSS of the hostile PDFs, each measured in a fresh interpreter."""
    out: dict[str, Any] = {}
    for case in ("dense", "pages"):
        done = subprocess.run([sys.executable, "-c", _PROBE, case], cwd=ROOT, capture_output=True, text=True,
                              timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
        out[case] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sandbox", type=Path, default=DEFAULT_SANDBOX)
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--refs", type=int, default=15)
    parser.add_argument("--no-audit", action="store_true", help="skip the verdict comparison (no sandbox)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--font-dir", type=Path, default=Path("/usr/share/fonts/truetype/dejavu"),
                        help="DejaVu Sans faces for the PDFs (Helvetica, Latin-1 only, if missing)")
    args = parser.parse_args(argv)

    load_start = _load()
    docs = documents(args.docs, args.refs)
    parsed: dict[str, dict[str, ParsedDocument]] = {}
    seconds = {"docx": 0.0, "pdf": 0.0}
    pages = 0
    rows: list[dict[str, Any]] = []
    for name, text, columns in docs:
        docx_bytes = text_to_docx(text)
        pdf_bytes = text_to_pdf(text, columns=columns, soft_hyphens=columns == 2, font_dir=args.font_dir)
        pages += _pages(pdf_bytes)
        versions = {"text": parse_document(load_bytes(text.encode("utf-8"), name))}
        for fmt, data in (("docx", docx_bytes), ("pdf", pdf_bytes)):
            start = time.perf_counter()
            doc = load_bytes(data, f"{name}.{fmt}")
            seconds[fmt] += time.perf_counter() - start
            versions[fmt] = parse_document(doc)
        parsed[name] = versions
        row: dict[str, Any] = {"document": name, "columns": columns, "references": len(versions["text"].references),
                               "citations": len(versions["text"].citations)}
        for fmt in ("docx", "pdf"):
            row[f"{fmt}_fields"] = _field_counts(versions["text"], versions[fmt])
            row[f"{fmt}_citations"] = _citation_hits(versions["text"], versions[fmt])
        rows.append(row)
        print(f"{name:<34} refs {row['references']:>3} cit {row['citations']:>3}  "
              + "  ".join(f"{fmt} F1 {PRF(*row[f'{fmt}_fields']).f1:.3f} cit {row[f'{fmt}_citations'][0]}/"
                          f"{row[f'{fmt}_citations'][1]}" for fmt in ("docx", "pdf")), flush=True)

    results: dict[str, Any] = {"documents": len(docs), "pdf_pages": pages,
                               "pdf_font": "DejaVu Sans" if all((args.font_dir / f).is_file() for f in DEJAVU)
                               else "Helvetica (Latin-1)",
                               "pdf_pages_per_s": round(pages / seconds["pdf"], 1),
                               "docx_docs_per_s": round(len(docs) / seconds["docx"], 1)}
    for fmt in ("docx", "pdf"):
        tp, fp, fn = (sum(r[f"{fmt}_fields"][i] for r in rows) for i in range(3))
        hit, total = (sum(r[f"{fmt}_citations"][i] for r in rows) for i in range(2))
        results[fmt] = {"field_f1": round(PRF(tp, fp, fn).f1, 4), "citation_recall": round(hit / total, 4)}

    disagreements: list[dict[str, Any]] = []
    if not args.no_audit:
        with running_sandbox(args.sandbox, FAST_SERVER) as box, tempfile.TemporaryDirectory() as cache:
            settings = glue.make_settings(box.entrez_url, box.crossref_url, cache, email="bench@example.org",
                                          **FAST_CLIENT)
            verdicts: dict[str, dict[str, dict[int, str]]] = {}
            for fmt in ("text", "docx", "pdf"):
                reports, _ = asyncio.run(glue.audit([parsed[n][fmt] for n, _, _ in docs], settings))
                verdicts[fmt] = {n: {a.reference.number: a.verdict for a in r.audits}
                                 for (n, _, _), r in zip(docs, reports, strict=True)}
        for fmt in ("docx", "pdf"):
            same = total = checked_same = checked = 0
            for name, _, _ in docs:
                gold = verdicts["text"][name]
                total += len(gold)
                for number, verdict in gold.items():
                    got = verdicts[fmt][name].get(number)
                    same += got == verdict
                    if verdict != "unchecked":
                        checked += 1
                        checked_same += got == verdict
                    if got != verdict:
                        disagreements.append({"format": fmt, "document": name, "number": number, "text": verdict,
                                              fmt: got})
            results[fmt]["verdict_agreement"] = round(same / total, 4) if total else None
            # A text run's "unchecked" is a source failure, not a verdict: agreement among the rest.
            results[fmt]["verdict_agreement_checked"] = round(checked_same / checked, 4) if checked else None
        for row in disagreements:
            print("verdict differs:", row)
        results["references_audited"] = sum(len(v) for v in verdicts["text"].values())

    results["hostile"] = hostile_figures()
    results["load_average"] = {"start": load_start, "end": _load()}
    print(json.dumps(results, indent=2))
    stamp = time.strftime("%Y-%m-%d")
    args.out.mkdir(parents=True, exist_ok=True)
    payload = {"results": results, "rows": rows, "disagreements": disagreements}
    (args.out / f"formats-{stamp}.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    table = ["| version | reference-field F1 | citation recall | verdict agreement (all) | (text checked) |",
             "|---|---|---|---|---|"]
    for fmt in ("docx", "pdf"):
        r = results[fmt]
        agree = [f"{r[k]:.3f}" if r.get(k) is not None else "not run"
                 for k in ("verdict_agreement", "verdict_agreement_checked")]
        table.append(f"| {fmt.upper()} vs text | {r['field_f1']:.3f} | {r['citation_recall']:.3f} | {agree[0]} | "
                     f"{agree[1]} |")
    table.append("")
    table.append(f"{results['documents']} documents, {results['pdf_pages']} PDF pages; loading: "
                 f"{results['pdf_pages_per_s']} PDF pages/s, {results['docx_docs_per_s']} DOCX documents/s.")
    dense, many = results["hostile"]["dense"], results["hostile"]["pages"]
    table.append("")
    table.append(f"Hostile PDFs: a 175,000-character page refused in {dense['seconds']} s, peak RSS "
                 f"{dense['peak_rss_mb']} MB ({dense['rss_before_mb']} MB before loading): {dense['outcome']}")
    table.append(f"A 20,000-page PDF refused in {many['seconds']} s, peak RSS {many['peak_rss_mb']} MB "
                 f"({many['rss_before_mb']} MB before loading): {many['outcome']}")
    table.append("")
    table.append(f"Load average (1/5/15 min) at start {load_start}, at end {results['load_average']['end']}.")
    (args.out / f"formats-{stamp}.md").write_text("\n".join(table) + "\n", encoding="utf-8")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
