"""A corpus record as the auditor receives it from PubMed and Crossref, without HTTP.

The false-alarm benchmark judges real printed references against their real records. Those records
live in the sandbox corpus; to see them exactly as the pipeline does, each one is rendered by the
sandbox's own EFetch and Crossref renderers (the wire formats copied from real recordings) and read
back by the auditor's own parsers (:mod:`auditor.sources.pubmed_xml`, :mod:`auditor.sources.crossref_json`).
Nothing is sent over a network, so the benchmark runs in seconds and a registry name form that a
parser drops shows up as a false alarm, as it would in production.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from auditor.model import Record

CorpusRecord = dict[str, Any]


class RegistryViews:
    """Renders corpus records as the PubMed and Crossref views the resolver would hand the judge."""

    def __init__(self, sandbox: Path) -> None:
        if str(sandbox) not in sys.path:
            sys.path.insert(0, str(sandbox))
        from emulator.corpus import load_records  # type: ignore[import-not-found]
        from emulator.crossref import Crossref  # type: ignore[import-not-found]
        from emulator.entrez import Entrez  # type: ignore[import-not-found]

        self.records: list[CorpusRecord] = load_records([sandbox / "corpus" / "corpus.jsonl.gz"])
        self.by_pmid = {r["pmid"]: r for r in self.records if r.get("pmid")}
        self.by_doi = {r["doi"]: r for r in self.records if r.get("doi")}
        # The renderers need only these attributes; building the search indexes would cost seconds.
        entrez = object.__new__(Entrez)
        entrez.docs, entrez.by_doi = self.by_pmid, self.by_doi
        crossref = object.__new__(Crossref)
        crossref.by_pmid, crossref.by_doi = self.by_pmid, self.by_doi
        crossref.indexed = {"date-parts": [[2026, 1, 1]], "date-time": "2026-01-01T00:00:00Z",
                            "timestamp": 1767225600000, "version": "3.54.1"}
        self._entrez, self._crossref = entrez, crossref

    def find(self, pmid: str | None, doi: str | None) -> CorpusRecord | None:
        """The gold record: by PMID first (PubMed is the authority the corpus was built in)."""
        if pmid and pmid in self.by_pmid:
            return self.by_pmid[pmid]
        if doi and doi.lower() in self.by_doi:
            return self.by_doi[doi.lower()]
        return None

    def views(self, record: CorpusRecord) -> list[Record]:
        """The PubMed record (when it has a PMID) and the Crossref record (when it has a DOI)."""
        from auditor.sources.crossref_json import parse_item
        from auditor.sources.pubmed_xml import parse_efetch

        out: list[Record] = []
        if record.get("pmid"):
            parsed = parse_efetch(self._entrez._article(record))
            out += list(parsed.values())
        if record.get("doi"):
            out.append(parse_item(self._crossref.item(record)))
        return out


def consulted_for(views: Iterable[Record]) -> dict[str, str]:
    """Both sources answered: the resolver always asks both for a reference with a locator."""
    del views
    return {"pubmed": "answered", "crossref": "answered"}
