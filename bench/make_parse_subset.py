"""Regenerate the small labelled subsets in ``bench/data/`` from the full third-party files.

Usage::

    python bench/make_parse_subset.py JATS_REFS.jsonl.gz GROBID_CITATION_LABELED.jsonl.gz [--out bench/data]

The full files are ``jats/jats_refs.jsonl.gz`` and ``parsing/grobid_citation_labeled.jsonl.gz`` of
the project's shared bench-data collection (see ``bench/data/README.md`` for their origin). Selection
is deterministic: Vancouver-form strings only, ordered by the SHA-1 of the string, first N kept, so
rerunning gives byte-identical files.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# The strict Vancouver anchor: ``YEAR[ Mon[ d]];VOL[(ISSUE)]:PAGE``.
VANCOUVER_RE = re.compile(r"\b(?:1[6-9]|20)\d\d[a-z]?(?: [A-Z][a-z]{2,8}\.?(?: \d{1,2})?)?;\s*\d+(?:\([^)]*\))?:\s*\w")


def _read(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _key(raw: str) -> str:
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def jats_subset(path: Path, n: int) -> list[dict[str, Any]]:
    rows = []
    for rec in _read(path):
        raw = rec.get("raw")
        if not raw or rec.get("pub_type") != "journal" or not VANCOUVER_RE.search(raw):
            continue
        rows.append({"set": "jats", "source": rec["source"], "commit": rec["commit"], "ref_id": rec["ref_id"],
                     "raw": raw, "fields": rec["fields"]})
    rows.sort(key=lambda r: _key(r["raw"]))
    return rows[:n]


_GROBID_FIELDS = {
    "author": "authors_text", "title_a": "title", "title_j": "journal", "date": "date",
    "biblScope_vol": "volume", "biblScope_volume": "volume", "biblScope_issue": "issue",
    "biblScope_pp": "pages", "biblScope_page": "pages", "idno_DOI": "doi", "idno_PMID": "pmid", "idno_PMC": "pmcid",
}


def grobid_subset(path: Path, n: int) -> list[dict[str, Any]]:
    rows = []
    for rec in _read(path):
        if not rec.get("vancouver_like"):
            continue
        labels = {s["label"] for s in rec["spans"]}
        if not {"title_j", "date"} <= labels:
            continue
        fields: dict[str, str] = {}
        for span in rec["spans"]:  # the first span of each label is the cited work's own
            name = _GROBID_FIELDS.get(span["label"])
            if name and name not in fields:
                fields[name] = span["text"]
        rows.append({"set": "grobid", "source": rec["source"], "commit": rec["commit"], "index": rec["index"],
                     "raw": rec["raw"], "fields": fields})
    rows.sort(key=lambda r: _key(r["raw"]))
    return rows[:n]


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    data = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows).encode("utf-8")
    with open(path, "wb") as raw_handle, gzip.GzipFile(fileobj=raw_handle, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("jats", type=Path)
    ap.add_argument("grobid", type=Path)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "data")
    ap.add_argument("--n-jats", type=int, default=1000)
    ap.add_argument("--n-grobid", type=int, default=800)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    jats = jats_subset(args.jats, args.n_jats)
    grobid = grobid_subset(args.grobid, args.n_grobid)
    _write(args.out / "jats_vancouver_subset.jsonl.gz", jats)
    _write(args.out / "grobid_vancouver_subset.jsonl.gz", grobid)
    print(f"wrote {len(jats)} JATS and {len(grobid)} GROBID strings to {args.out}")


if __name__ == "__main__":
    main()
