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

from auditor.model import SCHEMA_VERSION, Citation, CitationFinding, ParsedDocument, ParsedFields, Reference

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


def _reference_lines(ref: Reference) -> list[str]:
    p = ref.parsed
    head = f"  [bold]{ref.number:>3}[/bold] [dim]{ref.line}:{ref.column}[/dim]  "
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
        for ref in refs:
            for line in _reference_lines(ref):
                console.print(line)
        if cits:
            console.print("  [bold]citations[/bold]")
            for cit in cits:
                numbers = ",".join(str(n) for n in cit.numbers)
                console.print(f"    [dim]{cit.line}:{cit.column}[/dim]  {escape(cit.text)} -> {numbers}")
        for f in finds:
            loc = f"{f.line}:{f.column}" if f.line is not None else "-"
            console.print(f"{escape(doc.path)}:{loc}: [yellow]{f.code}[/yellow] {escape(f.message)}")
    return buffer.getvalue()
