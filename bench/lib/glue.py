"""The one place where the benchmark touches the auditor's own modules.

The auditor's stages were written in parallel with this benchmark; keeping every import of them
here means a renamed function is fixed in one file, and the rest of ``bench`` depends only on the
data contract in :mod:`auditor.model`. Exceptions: ``bench/parse_bench.py`` (the parser owner's
benchmark) and the page-range helpers that ``records``/``corrupt`` reuse from the auditor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from auditor.model import AuditReport, ParsedDocument, Record


def parse_text_document(text: str, name: str = "bench.md") -> ParsedDocument:
    """Parse document text exactly as ``auditor check`` would after loading the file."""
    import hashlib

    from auditor.documents.loader import decode_text
    from auditor.model import Document
    from auditor.parsing import parse_document

    data = text.encode("utf-8")
    return parse_document(Document(path=name, sha256=hashlib.sha256(data).hexdigest(), text=decode_text(data, name)))


def load_and_parse(path: Path) -> ParsedDocument:
    from auditor.documents.loader import load_document
    from auditor.parsing import parse_document

    return parse_document(load_document(str(path)))


def render_reference(record: Record) -> str:
    """NLM string for a record without its DOI, via the judge's own renderer.

    The DOI is dropped on purpose: a reference carrying its DOI is resolved by identifier alone,
    and the detection benchmark is about the harder path (locator and text search).
    """
    from auditor.judging.suggest import suggest

    return suggest(replace(record, doi=None, pmid=None, pmcid=None))


def make_settings(entrez_url: str, crossref_url: str, cache_dir: str, **overrides: Any) -> Any:
    from auditor.config import Settings

    return Settings.load(None, environ={}, entrez_url=entrez_url, crossref_url=crossref_url,
                         cache_dir=cache_dir, **overrides)


async def audit(documents: Sequence[ParsedDocument], settings: Any) -> tuple[list[AuditReport], dict[str, Any]]:
    """Run the pipeline on parsed documents; also return the sources' per-service counters."""
    from auditor.audit import audit_documents
    from auditor.sources import open_sources

    async with open_sources(settings) as sources:
        entrez, crossref = sources
        reports = await audit_documents(documents, entrez, crossref)
        counters = {name: c.as_dict() for name, c in sources.counters().items()}
    return reports, counters
