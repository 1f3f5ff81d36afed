"""Record the whole-document cassettes that ``auditor check --replay`` and the seed tests use.

For each document in ``seeds/`` this runs the real pipeline (``audit_documents``: the same resolver,
clients, limiter and retry code as ``auditor check``) inside a vcrpy recording, and saves the
exchanges as ``cassettes/seeds/<NNN>.yaml`` under the live services' URLs.

Two worlds to record from:

* default: the sandbox beside the checkout, serving a corpus built from
  ``records/seed-records.json`` alone (``--records``), so every answer in the cassette comes from
  those public records. The build needs the sandbox's ``emulator.build_corpus`` and is given an
  empty bench-data folder, which is what keeps other records out.
* ``--live``: the real PubMed and Crossref (needs a network; set ``AUDITOR_EMAIL``, and
  ``NCBI_API_KEY`` if you have one). Reports then reflect the literature, not the seed records.

    python scripts/record_seed_cassettes.py                 # from the sandbox
    AUDITOR_EMAIL=you@example.org python scripts/record_seed_cassettes.py --live
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import subprocess
import sys
import tempfile
from pathlib import Path

from cassette_recorder import DEFAULT_SANDBOX, REPO_ROOT, recording_settings, recording_vcr, start_sandbox

from auditor.audit import audit_documents
from auditor.documents.loader import load_document
from auditor.parsing import parse_document
from auditor.sources import open_sources

_EMPTY_BENCH_FILES = (
    "pubmed/pubmed_reference_lists.jsonl.gz",
    "jats/jats_refs.jsonl.gz",
    "matching/crossref_real_unstructured.jsonl.gz",
    "matching/glutton_pmc1943_doi_matching.jsonl.gz",
    "matching/crossref_artificial_styles_sample.jsonl.gz",
    "matching/crossref_real_structured.jsonl.gz",
)


def build_seed_corpus(sandbox: Path, records: Path, workdir: Path) -> Path:
    """A sandbox corpus (and lexicon) made from the seed records only."""
    bench = workdir / "empty-bench"
    for name in _EMPTY_BENCH_FILES:
        path = bench / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "wt", encoding="utf-8"):
            pass
    xml = bench / "pubmed" / "pubmed_records.xml.gz"
    with gzip.open(xml, "wt", encoding="utf-8") as handle:
        handle.write('<?xml version="1.0"?>\n<PubmedArticleSet></PubmedArticleSet>\n')
    out = workdir / "corpus" / "corpus.jsonl.gz"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "emulator.build_corpus", "--bench", str(bench), "--records", str(records.resolve()),
         "--out", str(out)],
        cwd=sandbox, check=True, stdout=subprocess.DEVNULL,
    )
    return out


async def _audit(seed: Path, base_url: str | None) -> int:
    document = parse_document(load_document(str(seed)))
    async with open_sources(recording_settings(base_url)) as sources:
        reports = await audit_documents([document], sources[0], sources[1])
    return reports[0].requests


def record_all(seeds: list[Path], out_dir: Path, base_url: str | None) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    vcr = recording_vcr(out_dir)
    for seed in seeds:
        name = f"{seed.name[:3]}.yaml"
        (out_dir / name).unlink(missing_ok=True)
        with vcr.use_cassette(name):
            requests = asyncio.run(_audit(seed, base_url))
        if not (out_dir / name).exists():
            # vcrpy saves nothing for a run without requests; an empty cassette still lets
            # ``--replay`` prove that the run needs no network at all.
            (out_dir / name).write_text("interactions: []\nversion: 1\n", encoding="utf-8")
        print(f"{out_dir / name}: {requests} requests recorded for {seed}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sandbox", type=Path, default=DEFAULT_SANDBOX, help="the sandbox folder")
    parser.add_argument("--records", type=Path, default=None,
                        help="seed records JSON (default: records/seed-records.json beside the sandbox)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "cassettes" / "seeds")
    parser.add_argument("--live", action="store_true", help="record from the live services")
    parser.add_argument("seeds", nargs="*", type=Path, help="documents (default: every file in seeds/)")
    args = parser.parse_args(argv)
    seeds = args.seeds or sorted((REPO_ROOT / "seeds").glob("*.txt"))
    if args.live:
        record_all(seeds, args.out, None)
        return 0
    records = args.records or args.sandbox.parent / "records" / "seed-records.json"
    with tempfile.TemporaryDirectory() as tmp:
        corpus = build_seed_corpus(args.sandbox, records, Path(tmp))
        with start_sandbox(args.sandbox, "--corpus", str(corpus), extra_records=False) as base_url:
            record_all(seeds, args.out, base_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
