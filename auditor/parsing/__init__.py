"""Parsing stage: a loaded Document -> references, citations and citation findings (no network)."""

from __future__ import annotations

from auditor.documents.bibliography import locate_bibliography
from auditor.documents.loader import LineIndex
from auditor.model import Document, ParsedDocument, Reference
from auditor.parsing.citations import citation_findings, find_citations
from auditor.parsing.references import parse_reference

__all__ = ["parse_document", "parse_reference"]


def parse_document(doc: Document) -> ParsedDocument:
    """Locate the bibliography, parse every entry (keeping unparseable ones) and map citations.

    ``Reference.line``/``column`` point at the first character of the entry text (after its label);
    the bibliography itself is excluded from the citation scan so its ``[1]`` labels are not citations.
    ``bibliography_line`` is the heading's line, or the first entry's line for a heading-less list.
    """
    text = doc.text
    index = LineIndex(text)
    bib = locate_bibliography(text)
    references: list[Reference] = []
    skip: list[tuple[int, int]] = []
    bibliography_line = None
    if bib is not None:
        skip.append((bib.heading_offset if bib.heading_offset is not None else bib.start, bib.end))
        if bib.entries:
            bibliography_line = index.line_col(bib.heading_offset if bib.heading_offset is not None else bib.start)[0]
        for entry in bib.entries:
            fields, error = parse_reference(entry.raw)
            line, column = index.line_col(entry.offset)
            references.append(Reference(entry.number, entry.raw, line, column, fields, error))
    citations, flagged = find_citations(text, index, references, skip)
    findings = citation_findings(flagged, references, has_bibliography=bool(references))
    return ParsedDocument(
        document=doc,
        references=tuple(references),
        citations=tuple(citations),
        citation_findings=tuple(findings),
        bibliography_line=bibliography_line,
    )
