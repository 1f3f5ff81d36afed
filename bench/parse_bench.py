"""Field-level accuracy and speed of ``auditor.parsing.parse_reference`` on labelled Vancouver strings.

Usage::

    python bench/parse_bench.py                      # the copied subsets in bench/data/
    python bench/parse_bench.py FILE.jsonl.gz ...    # any file written by bench/make_parse_subset.py
    python bench/parse_bench.py --errors title       # also print mismatches of one field

How fields are compared (be aware when reading the figures):

* Text fields (authors, title, journal) are compared after NFKC, case folding and removal of every
  character that is not a letter or digit. So ``J. Biol. Chem.`` equals ``J Biol Chem`` and quote
  marks, trailing full stops or a dropped space do not count; any real word difference does.
* ``authors`` is the whole list as one string: our ``"Surname Initials"`` names joined, against the
  gold list (JATS) or the gold author span (GROBID) with ``et al`` removed. One wrong name fails it.
* ``year`` is the first four-digit year of the gold date.
* ``first_page`` is the *locator*: our ``first_page`` or else ``article_number`` against the gold
  ``fpage`` or else ``elocation`` (JATS) / the first half of the page span (GROBID), because the
  labels themselves put e-locators in ``fpage``; the parser's choice between them is a documented
  convention, not something the gold can judge.
* ``last_page`` is expanded on both sides (``1789-800`` -> ``1800``) since JATS labels mix both forms.
* Identifiers (doi lower-cased, pmid, pmcid) are only expected when the gold value is printed in the
  string: PMC/PLOS attach unprinted ids in the XML that no string parser can recover.
* Counting: a field is a true positive when both sides have it and they agree; a predicted value that
  disagrees or has no gold is a false positive; a gold value that is missed or disagrees is a false
  negative (so one wrong value costs both precision and recall). Micro-F1 pools all fields.
* A field the gold set never labels (JATS has no PMCIDs tagged, though 77 strings print one) is shown
  as n/a and left out of micro-F1, since every prediction would count as a false positive.
* Gold labels are not perfect (JATS sometimes omits ``fpage`` that is printed; GROBID spans sometimes
  include stray punctuation), so 100% is not reachable; mismatches are printed with ``--errors``.

Speed is single-core wall time of ``parse_reference`` over all strings (best of three runs).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.model import ParsedFields  # noqa: E402
from auditor.parsing.references import expand_last_page, parse_reference  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_FILES = (DATA / "jats_vancouver_subset.jsonl.gz", DATA / "grobid_vancouver_subset.jsonl.gz")
FIELDS = ("authors", "title", "journal", "year", "volume", "issue", "first_page", "last_page", "doi", "pmid", "pmcid")

_NON_ALNUM = re.compile(r"[\W_]+")
# Name suffixes: JATS tags them apart (and its printed-name fields drop them), NLM keeps them.
_SUFFIX = re.compile(r"\s(?:Jr|Sr|II|III|IV|Filho|Neto|Junior|Júnior|Sobrinho)\b\.?")
_ETAL = re.compile(r"\bet\.?\s*al\b\.?|\band others\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_RANGE = re.compile(r"\s*[-–—‐‑]\s*")


def norm(value: object) -> str | None:
    if value is None:
        return None
    text = _NON_ALNUM.sub("", unicodedata.normalize("NFKC", str(value)).casefold())
    return text or None


def _pages(first: str | None, last: str | None) -> tuple[str | None, str | None]:
    if first and last:
        return first, expand_last_page(first, last)
    return first, last


def _printed(value: str | None, raw: str) -> str | None:
    if not value:
        return None
    return value if norm(value) and norm(value) in (norm(raw) or "") else None


def gold_fields(rec: dict[str, Any]) -> dict[str, str | None]:
    f = rec["fields"]
    raw = rec["raw"]
    if rec["set"] == "jats":
        first = f.get("fpage") or f.get("elocation")
        _, last = _pages(f.get("fpage"), f.get("lpage"))
        authors = _SUFFIX.sub("", " ".join(f.get("authors") or [])) or None
        year = f.get("year")
        gold = {"authors": authors, "title": f.get("title"), "journal": f.get("journal"), "year": year,
                "volume": f.get("volume"), "issue": f.get("issue"), "first_page": first, "last_page": last}
        ids = {"doi": f.get("doi"), "pmid": f.get("pmid"), "pmcid": f.get("pmcid")}
    else:
        pages = f.get("pages")
        first = last = None
        if pages:
            parts = _RANGE.split(pages.strip(" .,;"), maxsplit=1)
            first = parts[0] or None
            if len(parts) == 2 and parts[1]:
                _, last = _pages(first, parts[1])
        date = _YEAR.search(f.get("date") or "")
        authors = _SUFFIX.sub("", _ETAL.sub(" ", f["authors_text"])) if f.get("authors_text") else None
        gold = {"authors": authors, "title": f.get("title"), "journal": f.get("journal"),
                "year": date.group(1) if date else None, "volume": f.get("volume"), "issue": f.get("issue"),
                "first_page": first, "last_page": last}
        ids = {k: _strip_id_label(f.get(k)) for k in ("doi", "pmid", "pmcid")}
    for key, value in ids.items():
        gold[key] = _printed(value, raw)
    return {k: norm(v) for k, v in gold.items()}


def _strip_id_label(value: str | None) -> str | None:
    if not value:
        return None
    value = re.sub(r"^\s*(?:doi|pmid|pmcid|pubmed|central)\s*:?\s*", "", value, flags=re.IGNORECASE)
    value = value.replace(" ", "")
    if value.upper().startswith("PMCPMC"):
        value = value[3:]
    return value


def predicted_fields(p: ParsedFields) -> dict[str, str | None]:
    return {k: norm(v) for k, v in {
        "authors": _SUFFIX.sub("", " ".join(p.authors)) or None, "title": p.title, "journal": p.journal, "year": p.year,
        "volume": p.volume, "issue": p.issue, "first_page": p.first_page or p.article_number,
        "last_page": p.last_page, "doi": p.doi, "pmid": p.pmid, "pmcid": p.pmcid,
    }.items()}


def load(paths: list[Path]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def score(rows: list[dict[str, Any]], errors_for: str | None = None,
          show: Callable[[str], None] = print) -> dict[str, tuple[int, int, int]]:
    counts = {f: [0, 0, 0] for f in FIELDS}  # tp, fp, fn
    for rec in rows:
        parsed, _ = parse_reference(rec["raw"])
        pred, gold = predicted_fields(parsed), gold_fields(rec)
        for field in FIELDS:
            pv, gv = pred[field], gold[field]
            c = counts[field]
            if pv and gv and pv == gv:
                c[0] += 1
                continue
            if pv:
                c[1] += 1
            if gv:
                c[2] += 1
            if field == errors_for and (pv or gv):
                show(f"  {rec['raw']}\n    got  {pv}\n    gold {gv}")
    return {f: (c[0], c[1], c[2]) for f, c in counts.items()}


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def report(name: str, counts: dict[str, tuple[int, int, int]]) -> float:
    print(f"\n{name}")
    print(f"  {'field':<11} {'P':>6} {'R':>6} {'F1':>6}   {'tp':>5} {'fp':>5} {'fn':>5}")
    totals = [0, 0, 0]
    for field, (tp, fp, fn) in counts.items():
        if tp + fn == 0:
            print(f"  {field:<11} {'n/a':>6} {'n/a':>6} {'n/a':>6}   {tp:5d} {fp:5d} {fn:5d}  (never labelled here)")
            continue
        p, r, f = _prf(tp, fp, fn)
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
        print(f"  {field:<11} {p:6.3f} {r:6.3f} {f:6.3f}   {tp:5d} {fp:5d} {fn:5d}")
    p, r, f = _prf(*totals)
    print(f"  {'micro':<11} {p:6.3f} {r:6.3f} {f:6.3f}   {totals[0]:5d} {totals[1]:5d} {totals[2]:5d}")
    return f


def pool(counts_per_set: Iterable[dict[str, tuple[int, int, int]]]) -> dict[str, tuple[int, int, int]]:
    """Sum per-set counts, each set only on the fields it labels (see the docstring on n/a)."""
    pooled = {f: (0, 0, 0) for f in FIELDS}
    for counts in counts_per_set:
        for field, (tp, fp, fn) in counts.items():
            if tp + fn:
                a, b, c = pooled[field]
                pooled[field] = (a + tp, b + fp, c + fn)
    return pooled


def speed(rows: list[dict[str, Any]]) -> float:
    raws = [r["raw"] for r in rows]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for raw in raws:
            parse_reference(raw)
        best = min(best, time.perf_counter() - start)
    return len(raws) / best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Field-level P/R/F1 and speed of the reference parser.")
    ap.add_argument("files", nargs="*", type=Path, default=list(DEFAULT_FILES))
    ap.add_argument("--errors", metavar="FIELD", choices=FIELDS, help="print mismatches for FIELD")
    args = ap.parse_args(argv)
    all_rows: list[dict[str, Any]] = []
    per_set: list[dict[str, tuple[int, int, int]]] = []
    for path in args.files:
        rows = load([path])
        all_rows.extend(rows)
        counts = score(rows, args.errors)
        report(f"{path.name}: {len(rows)} strings", counts)
        per_set.append(counts)
    if len(args.files) > 1:
        report(f"all files: {len(all_rows)} strings (each set counted on the fields it labels)", pool(per_set))
    print(f"\nspeed: {speed(all_rows):,.0f} references/s (single core, best of 3, {len(all_rows)} strings)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
