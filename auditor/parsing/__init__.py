"""Parsing stage: a loaded Document -> references, citations and citation findings (no network)."""

from __future__ import annotations

from auditor.documents.bibliography import locate_bibliography
from auditor.documents.evidence import apply_evidence
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
    if doc.references is not None:
        return _structured(doc)
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
    if doc.evidence:
        references = apply_evidence(references, doc.evidence)
    citations, flagged = find_citations(text, index, references, skip)
    findings = citation_findings(flagged, references, has_bibliography=bool(references))
    return ParsedDocument(
        document=doc,
        references=tuple(references),
        citations=tuple(citations),
        citation_findings=tuple(findings),
        bibliography_line=bibliography_line,
    )


def _structured(doc: Document) -> ParsedDocument:
    """A source that hands over its bibliography with fields (JATS element-citation, a library).

    Its citations, when it has running text, are the ones it marks up (JATS ``xref``); a library
    has no text and so no citation findings at all.
    """
    references = tuple(apply_evidence(doc.references or (), doc.evidence))
    citations = doc.citations
    findings = citation_findings([(c, False) for c in citations], references, bool(references)) if citations else []
    return ParsedDocument(
        document=doc,
        references=references,
        citations=tuple(citations or ()),
        citation_findings=tuple(findings),
        bibliography_line=references[0].line if references else None,
    )
