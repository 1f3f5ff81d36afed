"""ParsedDocument -> JSON-ready dicts and a terminal summary.

The dict helpers are the single definition of how parsed fields appear in any report: the audit
JSON report reuses :func:`parsed_fields_to_dict` and :func:`reference_to_dict`, so ``auditor parse``
and ``auditor check`` can never disagree on field names.
"""

from __future__ import annotations

import io
from dataclasses import fields
from typing import Any

from rich.console import Console
from rich.markup import escape

from auditor.documents.positions import Locator, position_dict
from auditor.model import (
    SCHEMA_VERSION,
    Citation,
    CitationFinding,
    Evidence,
    ParsedDocument,
    ParsedFields,
    Position,
    Reference,
)

_FIELD_NAMES = tuple(f.name for f in fields(ParsedFields))


def parsed_fields_to_dict(parsed: ParsedFields) -> dict[str, Any]:
    """Every ParsedFields field, always present (None when unknown), authors as a list."""
    out: dict[str, Any] = {}
    for name in _FIELD_NAMES:
        value = getattr(parsed, name)
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


def evidence_to_dict(evidence: Evidence | None) -> dict[str, Any] | None:
    if evidence is None:
        return None
    return {"source": evidence.source, "fields": parsed_fields_to_dict(evidence.fields)}


def reference_to_dict(ref: Reference, locator: Locator | None = None) -> dict[str, Any]:
    """``line``/``column`` are in the text rendering; ``position`` is where the original file has it."""
    return {
        "number": ref.number,
        "raw": ref.raw,
        "line": ref.line,
        "column": ref.column,
        "position": _position(locator, ref.line, ref.column),
        "parsed": parsed_fields_to_dict(ref.parsed),
        "parse_error": ref.parse_error,
        "evidence": evidence_to_dict(ref.evidence),
    }


def _position(locator: Locator | None, line: int | None, column: int | None) -> dict[str, int | None]:
    if locator is None:
        return position_dict(Position(line=line, column=column))
    return position_dict(locator.position(line, column))


def citation_to_dict(cit: Citation, locator: Locator | None = None) -> dict[str, Any]:
    return {"text": cit.text, "line": cit.line, "column": cit.column,
            "position": _position(locator, cit.line, cit.column), "numbers": list(cit.numbers)}


def citation_finding_to_dict(finding: CitationFinding, locator: Locator | None = None) -> dict[str, Any]:
    return {
        "code": finding.code,
        "message": finding.message,
        "line": finding.line,
        "column": finding.column,
        "position": _position(locator, finding.line, finding.column),
        "numbers": list(finding.numbers),
    }


def parsed_document_to_dict(parsed: ParsedDocument) -> dict[str, Any]:
    locator = Locator(parsed.document)
    doc = parsed.document
    return {
        "schema_version": SCHEMA_VERSION,
        "document": {"path": doc.path, "sha256": doc.sha256, "format": doc.format},
        "bibliography_line": parsed.bibliography_line,
        "references": [reference_to_dict(r, locator) for r in parsed.references],
        "citations": [citation_to_dict(c, locator) for c in parsed.citations],
        "citation_findings": [citation_finding_to_dict(f, locator) for f in parsed.citation_findings],
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


def _reference_lines(ref: Reference, where: str) -> list[str]:
    p = ref.parsed
    head = f"  [bold]{ref.number:>3}[/bold] [dim]{escape(where)}[/dim]  "
    if ref.parse_error:
        return [head + f"[red]unparsed[/red] ({escape(ref.parse_error)}): {escape(ref.raw)}"]
    authors = ", ".join(p.authors[:3])
    if len(p.authors) > 3:
        authors += f" (+{len(p.authors) - 3})"
    if p.et_al:
        authors += ", et al"
    bits = [escape(authors or "(no authors)")]
    bits.append(f"[cyan]{escape(p.journal or '?')}[/cyan] {p.year or '?'};{escape(_locator(p))}")
    ids = [f"doi:{p.doi}" if p.doi else "", f"PMID:{p.pmid}" if p.pmid else "", p.pmcid or ""]
    ids_text = " ".join(i for i in ids if i)
    lines = [head + ". ".join(bits) + (f"  [green]{escape(ids_text)}[/green]" if ids_text else "")]
    lines.append(f"        {escape(p.title or '(no title)')}")
    return lines


def render_text(docs: list[ParsedDocument], color: bool) -> str:
    """A summary readable at a glance; findings use ``path:line:col: CODE message`` like linters."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=200,
        highlight=False,
        soft_wrap=True,
    )
    for i, parsed in enumerate(docs):
        if i:
            console.print()
        doc = parsed.document
        refs, cits, finds = parsed.references, parsed.citations, parsed.citation_findings
        console.print(f"[bold]{escape(doc.path)}[/bold]  [dim]sha256 {doc.sha256[:12]}[/dim]")
        where = f"line {parsed.bibliography_line}" if parsed.bibliography_line else "not found"
        unparsed = sum(1 for r in refs if r.parse_error)
        console.print(
            f"  bibliography: {where}; {len(refs)} reference(s), {unparsed} unparsed; "
            f"{len(cits)} citation(s); {len(finds)} finding(s)"
        )
        locator = Locator(doc)
        for ref in refs:
            for line in _reference_lines(ref, locator.position(ref.line, ref.column).label()):
                console.print(line)
        if cits:
            console.print("  [bold]citations[/bold]")
            for cit in cits:
                numbers = ",".join(str(n) for n in cit.numbers)
                where = locator.position(cit.line, cit.column).label()
                console.print(f"    [dim]{escape(where)}[/dim]  {escape(cit.text)} -> {numbers}")
        for f in finds:
            loc = locator.position(f.line, f.column).label() or "-"
            console.print(f"{escape(doc.path)}:{loc}: [yellow]{f.code}[/yellow] {escape(f.message)}")
    return buffer.getvalue()
