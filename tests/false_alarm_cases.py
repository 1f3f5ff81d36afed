"""Shared helper for the false-alarm regression tests: a real printed string judged against a record.

The strings are copied verbatim from the bench data (``jats_refs``, ``pubmed_reference_lists``),
the records carry the registry's values for the same work (the sandbox corpus, as PubMed and
Crossref serve it), so each test is one real false alarm of ``bench/false_alarm_bench.py``.
"""

from __future__ import annotations

from auditor.judging import judge
from auditor.model import Record, Reference, ReferenceAudit
from auditor.parsing.references import parse_reference

ANSWERED = {"pubmed": "answered", "crossref": "answered"}


def parsed(raw: str) -> Reference:
    fields, error = parse_reference(raw)
    return Reference(number=1, raw=raw, line=1, column=1, parsed=fields, parse_error=error)


def judged(raw: str, *records: Record) -> ReferenceAudit:
    return judge(parsed(raw), records, ANSWERED)


def codes(audit: ReferenceAudit) -> set[str]:
    return {f.code for f in audit.findings}
