"""Reference-manager field data against the printed bibliography.

A Zotero, Mendeley or EndNote field stores the record the author inserted; the printed entry is
what the reader sees. Their identifiers join resolution (a DOI the printed entry omits still finds
the work), and a disagreement between them is a finding (``REF601``): the entry was edited by hand
after insertion, or the field belongs to another work. A field whose record is malformed (invalid
JSON or XML, base64 that does not decode) is ignored the same way for every field kind, plain XML
or ``w:fldData`` alike: its entry gets ``REF602`` and the document is read on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from auditor.judging.codes import severity_of
from auditor.judging.titles import compare_titles
from auditor.model import Evidence, Finding, ParsedFields, Reference

CODE = "REF601"
MALFORMED = "REF602"
"""A field whose record could not be read: ignored (never fatal), noted on the entry it displays."""


def _norm(value: str | None) -> str:
    return re.sub(r"[\W_]+", "", (value or "").lower())


def _disagreements(printed: ParsedFields, stored: ParsedFields) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for name in ("doi", "pmid", "volume", "first_page"):
        a, b = getattr(printed, name), getattr(stored, name)
        if a and b and _norm(a) != _norm(b):
            out.append((name, a, b))
    if printed.year and stored.year and printed.year != stored.year:
        out.append(("year", str(printed.year), str(stored.year)))
    if printed.title and stored.title and compare_titles(printed.title, stored.title) in ("related", "different"):
        out.append(("title", printed.title, stored.title))
    return out


def apply_evidence(references: Sequence[Reference], evidence: Sequence[Evidence]) -> list[Reference]:
    """Attach each item's field data to the entry it renders as; fill missing identifiers; note conflicts."""
    by_number: dict[int, Evidence] = {}
    problems: dict[int, dict[str, Evidence]] = {}
    for item in evidence:
        if item.problem:
            problems.setdefault(item.number, {}).setdefault(item.problem, item)
        else:
            by_number.setdefault(item.number, item)
    out: list[Reference] = []
    for ref in references:
        malformed = tuple(
            Finding(code=MALFORMED, severity=severity_of(MALFORMED), message=problem.problem or "",
                    source=problem.source, line=ref.line, column=ref.column)
            for problem in problems.get(ref.number, {}).values())
        if malformed:
            ref = replace(ref, notes=ref.notes + malformed)
        item = by_number.get(ref.number)
        if item is None:
            out.append(ref)
            continue
        notes = [
            Finding(
                code=CODE,
                severity=severity_of(CODE),
                message=f"{item.source} field data says {name} {stored!r}, the printed entry says {printed!r}",
                field=name,
                document_value=printed,
                record_value=stored,
                source=item.source,
                line=ref.line,
                column=ref.column,
            )
            for name, printed, stored in _disagreements(ref.parsed, item.fields)
        ]
        parsed = ref.parsed
        if not ref.parse_error:
            parsed = replace(parsed, doi=parsed.doi or item.fields.doi, pmid=parsed.pmid or item.fields.pmid,
                             pmcid=parsed.pmcid or item.fields.pmcid)
        out.append(replace(ref, parsed=parsed, evidence=item, notes=ref.notes + tuple(notes)))
    return out
