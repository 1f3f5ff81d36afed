"""The post-judging step that applies the local Retraction Watch index to every judged reference.

It runs after the judge, in one place (:func:`auditor.audit.audit_documents`), and costs no request:
the matched work's DOI and PMID are looked up in the local copy. A listed work gains its flag
(``retracted``, ``expression_of_concern``, ``corrected``) and one REF305 finding per notice with
the evidence: the record id, the nature, the notice date and identifier, and the reasons. A
retraction followed by a later ``Reinstatement`` row no longer flags the work. The verdict never
changes: flags stand beside it, as everywhere else.
"""

from __future__ import annotations

import dataclasses

from auditor.model import FLAG_ORDER, Finding, ReferenceAudit, Severity
from auditor.sources.retraction_watch import INDEX_NAME, IndexState, RetractionEntry

CODE = "REF305"
MAX_FINDINGS = 10
_FLAG = {"retraction": "retracted", "expression_of_concern": "expression_of_concern", "correction": "corrected"}
_SEVERITY: dict[str, Severity] = {"retraction": "error", "expression_of_concern": "major", "correction": "info"}
_LABEL = {"retraction": "Retraction", "expression_of_concern": "Expression of concern", "correction": "Correction"}
_FLAG_ORDER = FLAG_ORDER


def standing(entries: list[RetractionEntry]) -> list[RetractionEntry]:
    """The notices that still hold: a retraction dated before a later reinstatement is lifted."""
    reinstated = max((e.notice_date for e in entries if e.nature == "reinstatement" and e.notice_date),
                     default=None)
    out = []
    for e in entries:
        if e.nature == "reinstatement":
            continue
        lifted = reinstated is not None and (e.notice_date is None or e.notice_date <= reinstated)
        if e.nature == "retraction" and lifted:
            continue
        out.append(e)
    return out


def _finding(audit: ReferenceAudit, e: RetractionEntry) -> Finding:
    when = e.notice_date.isoformat() if e.notice_date else "date unknown"
    notice = f"DOI:{e.notice_doi}" if e.notice_doi else f"PMID:{e.notice_pmid}" if e.notice_pmid else None
    work = f"DOI:{e.original_doi}" if e.original_doi else f"PMID:{e.original_pmid}"
    reasons = f"; reasons: {' '.join(e.reasons)}" if e.reasons else ""
    return Finding(
        code=CODE, severity=_SEVERITY[e.nature],
        message=f"Retraction Watch record {e.record_id}: {_LABEL[e.nature].lower()} on {when}"
        f"{f' (notice {notice})' if notice else ''}{reasons}",
        record_value=f"{_LABEL[e.nature]} (record {e.record_id})", source=INDEX_NAME,
        identifier=notice or work, line=audit.reference.line, column=audit.reference.column,
    )


def apply_retraction_watch(audit: ReferenceAudit, state: IndexState) -> ReferenceAudit:
    """The audit with the index's flags and evidence added, and the index named in ``consulted``."""
    consulted = dict(audit.consulted)
    index = state.index
    if index is None:
        consulted[INDEX_NAME] = "failed" if state.error else "not_asked"
        return dataclasses.replace(audit, consulted=consulted)
    match = audit.match
    if match is None or not (match.doi or match.pmid):
        consulted[index.consulted_key] = "not_asked"
        return dataclasses.replace(audit, consulted=consulted)
    consulted[index.consulted_key] = "answered"
    entries = standing(index.lookup(match.doi, match.pmid))
    if not entries:
        return dataclasses.replace(audit, consulted=consulted)
    flags = set(audit.flags) | {_FLAG[e.nature] for e in entries}
    findings = (*audit.findings, *(_finding(audit, e) for e in entries[:MAX_FINDINGS]))
    return dataclasses.replace(audit, flags=tuple(f for f in _FLAG_ORDER if f in flags), findings=findings,
                               consulted=consulted)
