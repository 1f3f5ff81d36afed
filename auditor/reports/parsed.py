"""ParsedDocument -> JSON-ready dicts and a terminal summary.

The dict helpers are the single definition of how parsed fields appear in any report: the audit
JSON report reuses :func:`parsed_fields_to_dict` and :func:`reference_to_dict`, so ``auditor parse``
and ``auditor check`` can never disagree on field names.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from auditor.model import SCHEMA_VERSION, Citation, CitationFinding, ParsedDocument, ParsedFields, Reference
from auditor.reports.terminal import paint, visible

_FIELD_NAMES = tuple(f.name for f in fields(ParsedFields))


def parsed_fields_to_dict(parsed: ParsedFields) -> dict[str, Any]:
    """Every ParsedFields field, always present (None when unknown), authors as a list."""
    out: dict[str, Any] = {}
    for name in _FIELD_NAMES:
        value = getattr(parsed, name)
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


def reference_to_dict(ref: Reference) -> dict[str, Any]:
    return {
        "number": ref.number,
        "raw": ref.raw,
        "line": ref.line,
        "column": ref.column,
        "parsed": parsed_fields_to_dict(ref.parsed),
        "parse_error": ref.parse_error,
    }


def citation_to_dict(cit: Citation) -> dict[str, Any]:
    return {"text": cit.text, "line": cit.line, "column": cit.column, "numbers": list(cit.numbers)}


def citation_finding_to_dict(finding: CitationFinding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "message": finding.message,
        "line": finding.line,
        "column": finding.column,
        "numbers": list(finding.numbers),
    }


def parsed_document_to_dict(parsed: ParsedDocument) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "document": {"path": parsed.document.path, "sha256": parsed.document.sha256},
        "bibliography_line": parsed.bibliography_line,
        "references": [reference_to_dict(r) for r in parsed.references],
        "citations": [citation_to_dict(c) for c in parsed.citations],
        "citation_findings": [citation_finding_to_dict(f) for f in parsed.citation_findings],
    }


def _locator(p: ParsedFields) -> str:
    loc = ""
    if p.volume:
        loc += p.volume
    if p.issue:
        loc += f"({p.issue})"
    pages = p.article_number or p.first_page
    if pages:
        if p.last_page and not p.article_number:
            pages += f"-{p.last_page}"
        loc += f":{pages}"
    return loc


def _reference_lines(ref: Reference, color: bool) -> list[str]:
    p = ref.parsed
    head = f"  {paint(f'{ref.number:>3}', 'bold', color)} {paint(f'{ref.line}:{ref.column}', 'dim', color)}  "
    if ref.parse_error:
        return [head + f"{paint('unparsed', 'red', color)} ({visible(ref.parse_error)}): {visible(ref.raw)}"]
    authors = ", ".join(p.authors[:3])
    if len(p.authors) > 3:
        authors += f" (+{len(p.authors) - 3})"
    if p.et_al:
        authors += ", et al"
    bits = [visible(authors or "(no authors)")]
    bits.append(f"{paint(visible(p.journal or '?'), 'cyan', color)} {p.year or '?'};{visible(_locator(p))}")
    ids = [f"doi:{p.doi}" if p.doi else "", f"PMID:{p.pmid}" if p.pmid else "", p.pmcid or ""]
    ids_text = " ".join(i for i in ids if i)
    lines = [head + ". ".join(bits) + (f"  {paint(visible(ids_text), 'green', color)}" if ids_text else "")]
    lines.append(f"        {visible(p.title or '(no title)')}")
    return lines


def render_text(docs: list[ParsedDocument], color: bool) -> str:
    """A summary readable at a glance; findings use ``path:line:col: CODE message`` like linters.

    Built as plain strings joined once (linear in the number of references and citations; no rich
    call per line), untrusted text made :func:`~auditor.reports.terminal.visible`, never interpreted.
    """
    out: list[str] = []
    for i, parsed in enumerate(docs):
        if i:
            out.append("")
        doc = parsed.document
        path = visible(doc.path)
        refs, cits, finds = parsed.references, parsed.citations, parsed.citation_findings
        out.append(f"{paint(path, 'bold', color)}  {paint(f'sha256 {doc.sha256[:12]}', 'dim', color)}")
        where = f"line {parsed.bibliography_line}" if parsed.bibliography_line else "not found"
        unparsed = sum(1 for r in refs if r.parse_error)
        out.append(f"  bibliography: {where}; {len(refs)} reference(s), {unparsed} unparsed; "
                   f"{len(cits)} citation(s); {len(finds)} finding(s)")
        for ref in refs:
            out.extend(_reference_lines(ref, color))
        if cits:
            out.append(f"  {paint('citations', 'bold', color)}")
            for cit in cits:
                numbers = ",".join(str(n) for n in cit.numbers)
                out.append(f"    {paint(f'{cit.line}:{cit.column}', 'dim', color)}  {visible(cit.text)} -> {numbers}")
        for f in finds:
            loc = f"{f.line}:{f.column}" if f.line is not None else "-"
            out.append(f"{path}:{loc}: {paint(f.code, 'yellow', color)} {visible(f.message)}")
    out.append("")
    return "\n".join(out)
