"""Benchmark inputs: seeded samples of the public gold data, and their committed copies.

``bench/data/`` holds small samples (a few hundred records) so the benchmark runs from a clone
without the full data; ``make_samples`` rebuilds them byte-for-byte from the public files and the
sandbox corpus (only references whose gold record the sandbox serves are useful: a gold PMID the
emulator does not know can only ever be "not found").
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.lib.records import record_from_pubmed_json, usable_for_detection

SEED = 20261123
PUBMED_SAMPLE = "pubmed_records_sample.jsonl.gz"
JATS_SAMPLE = "jats_matching_sample.jsonl.gz"
VANCOUVER_HINT = re.compile(r"(?:1[89]|20)\d\d[a-z]?(?: [A-Z][a-z]{2}(?: \d{1,2})?)?;\s*\d+[^:;]*:\s*[A-Za-z]?\d+")

_PUBMED_KEYS = ("pmid", "journal", "journal_iso", "medline_ta", "volume", "issue", "year", "title", "pages",
                "elocation", "authors", "pub_types", "doi", "source", "commit")
_JATS_KEYS = ("source", "commit", "ref_id", "raw", "fields")


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def write_jsonl_gz(path: Path, rows: Iterable[Mapping[str, Any]]) -> int:
    """Deterministic gzip (mtime 0) so a rebuilt sample is byte-identical and diffs stay empty."""
    count = 0
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        for row in rows:
            gz.write((json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
            count += 1
    return count


def corpus_identifiers(corpus_path: Path) -> tuple[set[str], set[str]]:
    """PMIDs and lower-cased DOIs the sandbox serves."""
    pmids: set[str] = set()
    dois: set[str] = set()
    for rec in read_jsonl(corpus_path):
        if rec.get("pmid"):
            pmids.add(str(rec["pmid"]))
        if rec.get("doi"):
            dois.add(str(rec["doi"]).lower())
    return pmids, dois


@dataclass(frozen=True)
class GoldReference:
    """A printed reference string with the identifiers of the work it cites."""

    raw: str
    gold_pmid: str | None
    gold_doi: str | None
    fields: Mapping[str, Any]
    """Gold fields as tagged in the JATS XML (for the parsing benchmark)."""
    source: str = ""

    @property
    def vancouver_like(self) -> bool:
        return bool(VANCOUVER_HINT.search(self.raw))


def gold_from_jats(row: Mapping[str, Any]) -> GoldReference:
    f = row.get("fields") or {}
    return GoldReference(
        raw=" ".join(str(row["raw"]).split()),
        gold_pmid=str(f["pmid"]) if f.get("pmid") else None,
        gold_doi=str(f["doi"]).lower().strip() if f.get("doi") else None,
        fields=f,
        source=str(row.get("source", "")),
    )


def select_jats(rows: Iterable[Mapping[str, Any]], pmids: set[str], dois: set[str]) -> list[dict[str, Any]]:
    """Printed JATS references whose gold PMID or DOI the sandbox serves, in a stable order."""
    out = []
    for row in rows:
        f = row.get("fields") or {}
        if not row.get("raw"):
            continue
        pmid = str(f["pmid"]) if f.get("pmid") else None
        doi = str(f["doi"]).lower() if f.get("doi") else None
        if (pmid and pmid in pmids) or (doi and doi in dois):
            out.append({k: row.get(k) for k in _JATS_KEYS})
    return sorted(out, key=lambda r: (r["source"], r["ref_id"] or "", r["raw"]))


def select_pubmed(rows: Iterable[Mapping[str, Any]], pmids: set[str]) -> list[dict[str, Any]]:
    """PubMed records the sandbox serves and that render as a complete Vancouver reference."""
    out = []
    for row in rows:
        if str(row.get("pmid")) not in pmids or row.get("format") == "PubmedBookArticle":
            continue
        if usable_for_detection(record_from_pubmed_json(row)):
            out.append({k: row.get(k) for k in _PUBMED_KEYS})
    return sorted(out, key=lambda r: int(r["pmid"]))


def seeded_sample(rows: list[dict[str, Any]], n: int, seed: int = SEED) -> list[dict[str, Any]]:
    """``n`` rows drawn without replacement, reproducible from the seed."""
    rng = random.Random(seed)
    picked = rows[:] if n >= len(rows) else rng.sample(rows, n)
    return picked


def make_samples(bench_data: Path, corpus: Path, out_dir: Path, n_pubmed: int = 400, n_jats: int = 500,
                 seed: int = SEED) -> dict[str, int]:
    """Write the committed samples under ``out_dir`` from the full public files."""
    pmids, dois = corpus_identifiers(corpus)
    pubmed = select_pubmed(read_jsonl(bench_data / "pubmed" / "pubmed_records.jsonl.gz"), pmids)
    jats = select_jats(read_jsonl(bench_data / "jats" / "jats_refs.jsonl.gz"), pmids, dois)
    out_dir.mkdir(parents=True, exist_ok=True)
    return {
        PUBMED_SAMPLE: write_jsonl_gz(out_dir / PUBMED_SAMPLE, seeded_sample(pubmed, n_pubmed, seed)),
        JATS_SAMPLE: write_jsonl_gz(out_dir / JATS_SAMPLE, seeded_sample(jats, n_jats, seed)),
    }


def load_pools(data_dir: Path, bench_data: Path | None, corpus: Path | None) -> tuple[list[dict[str, Any]],
                                                                                       list[dict[str, Any]]]:
    """(PubMed rows, JATS rows): the full usable sets with ``--bench-data``, else the samples."""
    if bench_data is not None and corpus is not None:
        pmids, dois = corpus_identifiers(corpus)
        pubmed = select_pubmed(read_jsonl(bench_data / "pubmed" / "pubmed_records.jsonl.gz"), pmids)
        jats = select_jats(read_jsonl(bench_data / "jats" / "jats_refs.jsonl.gz"), pmids, dois)
        return pubmed, jats
    return list(read_jsonl(data_dir / PUBMED_SAMPLE)), list(read_jsonl(data_dir / JATS_SAMPLE))


# ---------------------------------------------------------------------------------------------
# AnyStyle labelled strings, in bench/parse_bench.py's row format
# ---------------------------------------------------------------------------------------------

ANYSTYLE_SUBSET = "anystyle_vancouver_subset.jsonl.gz"
_LABEL_NUMBER = re.compile(r"^\s*\[?\d{1,4}\s*[.\-)\]]\s*")
_VOLUME_SPAN = re.compile(r"(?:(?P<year>(?:1[6-9]|20)\d\d)[a-z]?\s*[;,]\s*)?(?P<vol>[A-Za-z]?\d+[A-Za-z]?)"
                          r"\s*(?:\((?P<iss>[^)]+)\))?")
_MONTH_TAIL = re.compile(r"[.;,]?\s*(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s*$")
_YEAR_IN = re.compile(r"(?<!\d)(?:1[6-9]|20)\d\d(?!\d)")


def _strip(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split()).strip(" .,;:")
    return text or None


def anystyle_row(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """AnyStyle spans -> the ``fields`` parse_bench expects (``set`` ``anystyle``), or None.

    AnyStyle's labels are coarser than JATS: a ``volume`` span may hold ``1998;71:`` or
    ``28 (3):`` and an ``author`` span may start with the list number. Those are split here, by
    rules written down so the gold is reproducible; strings whose spans cannot be split that way
    are left out rather than guessed.
    """
    spans: dict[str, str] = {}
    for span in row.get("spans") or ():
        spans.setdefault(span["label"], span["text"])
    if not {"author", "title", "volume"} <= spans.keys() or not ({"journal", "container-title"} & spans.keys()):
        return None
    before, _, after = spans["volume"].rpartition(";")
    m = _VOLUME_SPAN.match(after.strip())
    if not m:
        return None
    year = _YEAR_IN.search(spans.get("date") or "") or _YEAR_IN.search(before) or _YEAR_IN.search(m.group(0))
    pages = _strip(re.sub(r"^\s*pp?\.\s*", "", spans.get("pages", "")))
    doi = spans.get("doi")
    fields = {
        "authors_text": _strip(_LABEL_NUMBER.sub("", spans["author"])),
        "title": _strip(spans["title"]),
        "journal": _strip(_MONTH_TAIL.sub("", spans.get("journal") or spans.get("container-title") or "")),
        "date": year.group(0) if year else None,
        "volume": m.group("vol"),
        "issue": _strip(m.group("iss")),
        "pages": pages,
        "doi": _strip(re.sub(r"^\s*(?:doi\s*:?\s*|https?://(?:dx\.)?doi\.org/)", "", doi, flags=re.I)) if doi else None,
    }
    return {"set": "anystyle", "source": row.get("source"), "commit": row.get("commit"), "index": row.get("index"),
            "raw": row["raw"], "fields": {k: v for k, v in fields.items() if v}}


def anystyle_subset(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every strict-Vancouver AnyStyle string whose spans split cleanly (a few hundred)."""
    out = [r for r in (anystyle_row(row) for row in rows if row.get("vancouver_like")) if r is not None]
    return sorted(out, key=lambda r: (str(r["source"]), int(r["index"] or 0)))


def make_anystyle_subset(bench_data: Path, out_dir: Path) -> int:
    rows = read_jsonl(bench_data / "parsing" / "anystyle_labeled.jsonl.gz")
    return write_jsonl_gz(out_dir / ANYSTYLE_SUBSET, anystyle_subset(rows))


# ---------------------------------------------------------------------------------------------
# Crossref's artificial citation styles (a second, non-Vancouver matching set)
# ---------------------------------------------------------------------------------------------

CROSSREF_STYLES_SAMPLE = "crossref_styles_sample.jsonl.gz"
CROSSREF_STYLES = ("apa", "chicago-author-date", "elsevier-without-titles", "degraded_all_authors")
"""Four of Crossref's eleven renderings: two common author-date styles, one without titles (the
hardest for a title-driven search) and one with degraded punctuation."""


def select_crossref_styles(rows: Iterable[Mapping[str, Any]], dois: set[str], n_works: int,
                           seed: int = SEED) -> list[dict[str, Any]]:
    """``n_works`` gold DOIs the sandbox serves, each rendered in every style of CROSSREF_STYLES."""
    by_doi: dict[str, dict[str, str]] = {}
    for row in rows:
        doi = str(row.get("gt_doi") or "").lower()
        if row.get("style") in CROSSREF_STYLES and doi in dois and row.get("ref_string"):
            by_doi.setdefault(doi, {})[str(row["style"])] = " ".join(str(row["ref_string"]).split())
    complete = sorted(d for d, styles in by_doi.items() if len(styles) == len(CROSSREF_STYLES))
    chosen = sorted(random.Random(seed).sample(complete, min(n_works, len(complete))))
    return [{"style": style, "gt_doi": doi, "ref_string": by_doi[doi][style]}
            for doi in chosen for style in CROSSREF_STYLES]


def gold_from_crossref_style(row: Mapping[str, Any]) -> GoldReference:
    # The renderings carry their own list label ("[1] ", "1 "); in a document the entry number is that label.
    raw = re.sub(r"^\s*(?:\[\d+\]|\(\d+\)|\d+)\s+", "", str(row["ref_string"]))
    return GoldReference(raw=raw, gold_pmid=None, gold_doi=str(row["gt_doi"]).lower(),
                         fields={}, source=f"crossref-styles/{row['style']}")


def make_crossref_styles_sample(bench_data: Path, corpus: Path, out_dir: Path, n_works: int = 60,
                                seed: int = SEED) -> int:
    _, dois = corpus_identifiers(corpus)
    rows = read_jsonl(bench_data / "matching" / "crossref_artificial_styles_sample.jsonl.gz")
    return write_jsonl_gz(out_dir / CROSSREF_STYLES_SAMPLE, select_crossref_styles(rows, dois, n_works, seed))
