"""The JSON audit report: the machine contract, validated by ``report.schema.json``.

Reference and citation-finding dicts come from :mod:`auditor.reports.parsed`, so ``auditor parse``
and ``auditor check`` can never disagree on field names. ``render_json`` emits the report object itself
for one document and ``{"schema_version", "reports": [...]}`` for several, so the common
single-document report stays flat while a multi-document run is still one JSON value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from auditor.documents.positions import Locator, position_dict
from auditor.model import SCHEMA_VERSION, AuditReport, Finding, Position, Reference, ReferenceAudit
from auditor.reports.parsed import citation_finding_to_dict, reference_to_dict

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


def _finding_to_dict(finding: Finding, ref: Reference, locator: Locator | None) -> dict[str, Any]:
    out = asdict(finding)
    line, column = finding.line or ref.line, finding.column or ref.column
    position = locator.position(line, column) if locator is not None else Position(line=line, column=column)
    out["position"] = position_dict(position)
    return out


def _match_to_dict(audit: ReferenceAudit) -> dict[str, Any] | None:
    """The match as JSON types: tuples become lists, so the dict validates before any json round trip."""
    if audit.match is None:
        return None
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(audit.match).items()}


def audit_to_dict(audit: ReferenceAudit, locator: Locator | None = None) -> dict[str, Any]:
    out = reference_to_dict(audit.reference, locator)
    out.update(
        verdict=audit.verdict,
        flags=list(audit.flags),
        findings=[_finding_to_dict(f, audit.reference, locator) for f in audit.findings],
        match=_match_to_dict(audit),
        suggested=audit.suggested,
        consulted=dict(audit.consulted),
    )
    return out


def report_to_dict(report: AuditReport) -> dict[str, Any]:
    doc = report.parsed.document
    locator = Locator(doc)
    return {
        "schema_version": SCHEMA_VERSION,
        "document": {"path": doc.path, "sha256": doc.sha256, "format": doc.format},
        "summary": report.summary,
        "requests": report.requests,
        "references": [audit_to_dict(a, locator) for a in report.audits],
        "citation_findings": [citation_finding_to_dict(f, locator) for f in report.parsed.citation_findings],
    }


def reports_to_value(reports: Sequence[AuditReport]) -> dict[str, Any]:
    """One report object for one document; a wrapper with ``reports`` for several."""
    if len(reports) == 1:
        return report_to_dict(reports[0])
    return {"schema_version": SCHEMA_VERSION, "reports": [report_to_dict(r) for r in reports]}


def render_json(reports: Sequence[AuditReport]) -> str:
    return json.dumps(reports_to_value(reports), ensure_ascii=False, indent=2) + "\n"


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
