"""What changed between two JSON audit reports of the same document.

The diff works on the published JSON report (``report.schema.json``), not on in-memory objects, so a
report written months ago by ``auditor check`` and one a watch stored today compare the same way.

Pairing references across runs (the rule the README documents):

1. the same number and the same raw text (whitespace-normalised SHA-256): the usual case, since a
   watch re-audits the stored bytes;
2. the same raw text under another number: the entry was renumbered in a revised document;
3. whatever is left is ``added`` (only in the new report) or ``removed`` (only in the old one). An entry
   whose text was edited is therefore a removal plus an addition, never silently "the same reference".

Two reports are of the same document when their ``document.sha256`` or their ``document.path`` agree;
a differing hash under the same path is a revision (``document_changed``). Anything else is refused.

Findings are compared by (code, field, record value, identifier), not by message: messages carry
details such as "after 5 attempt(s)" that change from run to run without the finding changing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

from auditor.errors import InputError
from auditor.identifiers import text_hash
from auditor.model import FLAG_ORDER, Match

FLAG_WORDS = {
    "retracted": ("cited work retracted", "cited works retracted"),
    "expression_of_concern": ("cited work given an expression of concern",
                              "cited works given an expression of concern"),
    "corrected": ("cited work corrected", "cited works corrected"),
}
MATCH_FIELDS = tuple(f.name for f in fields(Match) if f.name not in ("score", "authors"))
"""What "the matched record changed" looks at: the fields of :class:`auditor.model.Match` (the
report's ``match``) but the agreement score and the author list, which alone are not a change."""


class DiffError(InputError):
    """The two reports cannot be compared (not reports, or of different documents): exit 2."""


raw_hash = text_hash
"""Whitespace-normalised SHA-256 of a reference's text, the cross-run identity of an entry."""


@dataclass(frozen=True)
class FindingKey:
    code: str
    field: str | None
    record_value: str | None
    identifier: str | None
    message: str
    """Carried for display only; not part of equality."""

    def key(self) -> tuple[str, str | None, str | None, str | None]:
        return (self.code, self.field, self.record_value, self.identifier)


@dataclass(frozen=True)
class ReferenceChange:
    """How one reference changed from the old run to the new one."""

    number: int
    """The number in the new report (the old one for a removed reference)."""
    raw: str
    status: str
    """``changed``, ``added``, ``removed`` or ``renumbered`` (renumbered and possibly changed)."""
    old_number: int | None = None
    verdict_before: str | None = None
    verdict_after: str | None = None
    flags_gained: tuple[str, ...] = ()
    flags_lost: tuple[str, ...] = ()
    findings_added: tuple[FindingKey, ...] = ()
    findings_resolved: tuple[FindingKey, ...] = ()
    match_before: dict[str, Any] | None = None
    match_after: dict[str, Any] | None = None
    match_fields_changed: tuple[str, ...] = ()
    """Which of :data:`MATCH_FIELDS` differ; ``pmid``/``doi`` mean another work was matched."""

    @property
    def verdict_changed(self) -> bool:
        return self.verdict_before != self.verdict_after

    @property
    def is_change(self) -> bool:
        return bool(self.status in ("added", "removed") or self.verdict_changed or self.flags_gained
                    or self.flags_lost or self.findings_added or self.findings_resolved
                    or self.match_fields_changed)


@dataclass(frozen=True)
class ReportDiff:
    document_path: str
    old_sha256: str
    new_sha256: str
    since: str | None
    """ISO date of the old run, when known; used in the summary line."""
    changes: tuple[ReferenceChange, ...] = ()
    unchanged: int = 0
    summary_before: dict[str, int] = field(default_factory=dict)
    summary_after: dict[str, int] = field(default_factory=dict)

    @property
    def document_changed(self) -> bool:
        return self.old_sha256 != self.new_sha256

    def flags_gained(self) -> dict[str, int]:
        counts: dict[str, int] = {f: 0 for f in FLAG_ORDER}
        for change in self.changes:
            for flag in change.flags_gained:
                counts[flag] = counts.get(flag, 0) + 1
        return {f: n for f, n in counts.items() if n}

    @property
    def gained_a_flag(self) -> bool:
        return bool(self.flags_gained())

    def summary_line(self) -> str:
        """``2 cited works retracted since 2026-11-01; 1 verdict changed``, or ``no changes since ...``."""
        since = f"since {self.since}" if self.since else "since the previous report"
        parts = [f"{n} {FLAG_WORDS[flag][0 if n == 1 else 1]}" for flag, n in self.flags_gained().items()]
        lost = sum(len(c.flags_lost) for c in self.changes)
        verdicts = sum(1 for c in self.changes if c.status not in ("added", "removed") and c.verdict_changed)
        added = sum(1 for c in self.changes if c.status == "added")
        removed = sum(1 for c in self.changes if c.status == "removed")
        other = sum(1 for c in self.changes if c.is_change and not (c.flags_gained or c.flags_lost or c.verdict_changed)
                    and c.status not in ("added", "removed"))
        head = "; ".join(parts) + f" {since}" if parts else ""
        tail = [text for n, text in (
            (lost, f"{lost} flag(s) lifted"), (verdicts, f"{verdicts} verdict(s) changed"),
            (added, f"{added} reference(s) added"), (removed, f"{removed} reference(s) removed"),
            (other, f"{other} reference(s) with other changes")) if n]
        if not head and not tail:
            return f"no changes {since}"
        if not head:
            return "; ".join(tail) + f" {since}"
        return "; ".join([head, *tail])

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReportDiff:
        """The inverse of :meth:`to_dict` (a stored diff rendered as text or HTML)."""
        doc = data.get("document") or {}
        changes = []
        for c in data.get("changes") or ():
            values = dict(c)
            for name in ("findings_added", "findings_resolved"):
                values[name] = tuple(FindingKey(**f) for f in values.get(name) or ())
            for name in ("flags_gained", "flags_lost", "match_fields_changed"):
                values[name] = tuple(values.get(name) or ())
            changes.append(ReferenceChange(**values))
        verdicts = data.get("verdicts") or {}
        return cls(document_path=str(doc.get("path", "")), old_sha256=str(doc.get("old_sha256", "")),
                   new_sha256=str(doc.get("new_sha256", "")), since=data.get("since"), changes=tuple(changes),
                   unchanged=int(data.get("unchanged", 0)), summary_before=dict(verdicts.get("before") or {}),
                   summary_after=dict(verdicts.get("after") or {}))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``auditor diff --format json``, the stored diff of a watch run, webhooks)."""
        return {
            "document": {"path": self.document_path, "old_sha256": self.old_sha256,
                         "new_sha256": self.new_sha256, "changed": self.document_changed},
            "since": self.since,
            "summary": self.summary_line(),
            "flags_gained": self.flags_gained(),
            "verdicts": {"before": self.summary_before, "after": self.summary_after},
            "unchanged": self.unchanged,
            "changes": [_change_dict(c) for c in self.changes],
        }


def _change_dict(change: ReferenceChange) -> dict[str, Any]:
    out = asdict(change)
    for name in ("findings_added", "findings_resolved"):
        out[name] = [asdict(f) for f in getattr(change, name)]
    for name in ("flags_gained", "flags_lost", "match_fields_changed"):
        out[name] = list(getattr(change, name))
    return out


# ---------------------------------------------------------------------------------------------


def _one_report(value: Any, label: str) -> Mapping[str, Any]:
    """The single-document report inside ``value``; a wrapper of one report is unwrapped."""
    if not isinstance(value, Mapping):
        raise DiffError(f"{label}: not an auditor JSON report (expected an object)")
    if "reports" in value and "references" not in value:
        reports = value.get("reports")
        if not isinstance(reports, list) or len(reports) != 1:
            n = len(reports) if isinstance(reports, list) else 0
            raise DiffError(f"{label}: holds {n} document reports; diff compares the reports of one document")
        value = reports[0]
        if not isinstance(value, Mapping):
            raise DiffError(f"{label}: not an auditor JSON report")
    doc = value.get("document")
    refs = value.get("references")
    if not isinstance(doc, Mapping) or not isinstance(doc.get("sha256"), str) or not isinstance(refs, list):
        raise DiffError(f"{label}: not an auditor JSON report (no document.sha256 or references)")
    for i, ref in enumerate(refs):
        if (not isinstance(ref, Mapping) or isinstance(ref.get("number"), bool)
                or not isinstance(ref.get("number"), int) or not isinstance(ref.get("raw"), str)
                or not isinstance(ref.get("verdict"), str) or not isinstance(ref.get("flags", []), list)
                or not isinstance(ref.get("findings", []), list)
                or not isinstance(ref.get("match"), Mapping | None)):
            raise DiffError(f"{label}: reference {i + 1} is not in the report format")
    return value


def _findings(ref: Mapping[str, Any]) -> dict[tuple[Any, ...], FindingKey]:
    out: dict[tuple[Any, ...], FindingKey] = {}
    for f in ref.get("findings") or ():
        if not isinstance(f, Mapping) or not isinstance(f.get("code"), str):
            continue
        fk = FindingKey(code=f["code"], field=_str(f.get("field")), record_value=_str(f.get("record_value")),
                        identifier=_str(f.get("identifier")), message=str(f.get("message") or ""))
        out.setdefault(fk.key(), fk)
    return out


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None if value is None else str(value)


def _flags(ref: Mapping[str, Any]) -> set[str]:
    return {f for f in ref.get("flags") or () if isinstance(f, str)}


def _match(ref: Mapping[str, Any]) -> dict[str, Any] | None:
    match = ref.get("match")
    return {k: match.get(k) for k in MATCH_FIELDS} if isinstance(match, Mapping) else None


def _compare(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, status: str) -> ReferenceChange:
    ref = new if new is not None else old
    assert ref is not None
    old_flags = _flags(old) if old is not None else set()
    new_flags = _flags(new) if new is not None else set()
    old_f = _findings(old) if old is not None else {}
    new_f = _findings(new) if new is not None else {}
    m_old = _match(old) if old is not None else None
    m_new = _match(new) if new is not None else None
    if old is not None and new is not None:
        changed = tuple(k for k in MATCH_FIELDS if (m_old or {}).get(k) != (m_new or {}).get(k))
    else:
        changed = ()
    return ReferenceChange(
        number=int(ref["number"]), raw=str(ref["raw"]), status=status,
        old_number=int(old["number"]) if old is not None else None,
        verdict_before=old.get("verdict") if old is not None else None,
        verdict_after=new.get("verdict") if new is not None else None,
        flags_gained=tuple(f for f in FLAG_ORDER if f in new_flags - old_flags),
        flags_lost=tuple(f for f in FLAG_ORDER if f in old_flags - new_flags),
        findings_added=tuple(v for k, v in new_f.items() if k not in old_f),
        findings_resolved=tuple(v for k, v in old_f.items() if k not in new_f),
        match_before=m_old, match_after=m_new, match_fields_changed=changed,
    )


def pair_references(old_refs: Sequence[Mapping[str, Any]], new_refs: Sequence[Mapping[str, Any]]
                    ) -> list[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None, str]]:
    """(old, new, status) triples in new-report order, removed references last (see module doc)."""
    by_exact: dict[tuple[int, str], list[int]] = defaultdict(list)
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, ref in enumerate(old_refs):
        by_exact[(ref["number"], raw_hash(ref["raw"]))].append(i)
    used: set[int] = set()
    pairs: list[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None, str]] = []
    pending: list[int] = []
    slots: dict[int, int] = {}
    for j, ref in enumerate(new_refs):
        candidates = by_exact.get((ref["number"], raw_hash(ref["raw"])))
        if candidates:
            i = candidates.pop(0)
            used.add(i)
            slots[j] = len(pairs)
            pairs.append((old_refs[i], ref, "changed"))
        else:
            slots[j] = len(pairs)
            pairs.append((None, ref, "added"))
            pending.append(j)
    for i, ref in enumerate(old_refs):
        if i not in used:
            by_text[raw_hash(ref["raw"])].append(i)
    for j in pending:
        candidates = by_text.get(raw_hash(new_refs[j]["raw"]))
        if candidates:
            i = candidates.pop(0)
            used.add(i)
            pairs[slots[j]] = (old_refs[i], new_refs[j], "renumbered")
    pairs += [(ref, None, "removed") for i, ref in enumerate(old_refs) if i not in used]
    return pairs


def diff_reports(old: Any, new: Any, since: date | str | None = None,
                 old_label: str = "OLD", new_label: str = "NEW") -> ReportDiff:
    """Compare two parsed JSON reports of one document; raises :class:`DiffError` for any other pair."""
    a = _one_report(old, old_label)
    b = _one_report(new, new_label)
    doc_a, doc_b = a["document"], b["document"]
    same_bytes = doc_a.get("sha256") == doc_b.get("sha256")
    same_path = isinstance(doc_a.get("path"), str) and doc_a.get("path") == doc_b.get("path")
    if not (same_bytes or same_path):
        raise DiffError(
            f"{old_label} and {new_label} are reports of different documents "
            f"({_short(doc_a.get('path'))} sha256 {str(doc_a.get('sha256'))[:12]}…, "
            f"{_short(doc_b.get('path'))} sha256 {str(doc_b.get('sha256'))[:12]}…)")
    changes: list[ReferenceChange] = []
    unchanged = 0
    for o, n, status in pair_references(a["references"], b["references"]):
        change = _compare(o, n, status)
        if change.is_change or status == "renumbered":
            changes.append(change)
        else:
            unchanged += 1
    since_text = since.isoformat() if isinstance(since, date) else since
    return ReportDiff(
        document_path=str(doc_b.get("path") or doc_a.get("path") or ""),
        old_sha256=str(doc_a["sha256"]), new_sha256=str(doc_b["sha256"]), since=since_text,
        changes=tuple(changes), unchanged=unchanged,
        summary_before=_summary(a), summary_after=_summary(b),
    )


def _summary(report: Mapping[str, Any]) -> dict[str, int]:
    summary = report.get("summary")
    if isinstance(summary, Mapping):
        return {str(k): v for k, v in summary.items() if isinstance(v, int)}
    return {}


def _short(value: Any) -> str:
    text = str(value) if value is not None else "?"
    return text if len(text) <= 60 else text[:57] + "..."
