"""Every finding code the auditor can emit, in one table.

Codes are part of the user contract (CI filters, suppressions and SARIF rules key on them), so they
live in one place with their default severity and a one-line description; the README's code table
is rendered from here by :func:`codes_markdown` so documentation and behaviour cannot drift apart.

Families:
  REF1xx  a field of the reference disagrees with the matched record
  REF2xx  an identifier (DOI, PMID) in the reference points elsewhere
  REF3xx  the standing of the cited work (retracted, corrected, expression of concern)
  REF4xx  how resolution ended (not found, locator on another article, unchecked)
  REF5xx  PubMed and Crossref disagree with each other
  REF6xx  the document's own reference-manager data disagrees with its printed entry, or is malformed
  CIT0xx  in-text citations versus the bibliography (emitted by the parser)
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.model import Severity


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    """Default severity; the verdict of a reference is derived from REF1xx/REF2xx severities."""
    summary: str


_TABLE: tuple[Code, ...] = (
    Code("REF101", "minor", "Title reworded slightly or subtitle dropped/added"),
    Code("REF102", "major", "Title substantially different from the matched work"),
    Code("REF103", "major", "Journal differs from the matched work (abbreviations are accepted)"),
    Code("REF104", "major", "Year differs from the matched work"),
    Code("REF105", "minor", "Year matches the online-first date, not the print issue"),
    Code("REF106", "major", "Volume differs"),
    Code("REF107", "minor", "Issue differs or is missing"),
    Code("REF108", "major", "First page or article number differs"),
    Code("REF109", "minor", "End page differs or is missing"),
    Code("REF110", "major", "First author differs"),
    Code("REF111", "minor", "Author name misspelled (surname or initials)"),
    Code("REF112", "minor", "Authors missing from a list not truncated with et al"),
    Code("REF113", "major", "Author not on the matched work"),
    Code("REF114", "minor", "Identifying field missing from the reference"),
    Code("REF115", "minor", "One printed author not confirmed by the record (the rest of the list agrees)"),
    Code("REF201", "major", "DOI belongs to another work"),
    Code("REF202", "major", "DOI differs from the matched work's DOI"),
    Code("REF203", "major", "PMID differs from the matched work's PMID"),
    Code("REF204", "major", "DOI not registered with Crossref (fabricated, mistyped, or another agency)"),
    Code("REF301", "error", "Cited work has been retracted"),
    Code("REF302", "info", "Cited work has a published correction (erratum)"),
    Code("REF303", "major", "Cited work carries an expression of concern"),
    Code("REF304", "info", "Reference points at a notice (erratum/retraction), not the article"),
    Code("REF305", "error", "Cited work is listed in the Retraction Watch database (evidence: record id, nature, "
         "date, reasons; severity follows the nature: retraction error, expression of concern major, "
         "correction info)"),
    Code("REF401", "error", "No credible match in any source: possibly fabricated"),
    Code("REF402", "info", "Journal/year/volume/page lands on an unrelated article"),
    Code("REF403", "info", "Not checked: a source failed, so absence proves nothing"),
    Code("REF404", "minor", "Not checked: the reference could not be parsed"),
    Code("REF405", "info", "Not checked: a source was not consulted (nothing to search it with)"),
    Code("REF406", "info", "Not found, but a real work has a similar title: possibly a chimeric citation"),
    Code("REF501", "info", "PubMed and Crossref disagree about a field of the same work"),
    Code("REF601", "minor", "Reference-manager field data (Zotero/Mendeley/EndNote) disagrees with the printed entry"),
    Code("REF602", "info", "Malformed reference-manager data ignored (unreadable field record, or an identifier "
         "that cannot be a PMID)"),
    Code("CIT001", "major", "Cited number has no bibliography entry"),
    Code("CIT002", "minor", "Bibliography entry never cited in the text"),
    Code("CIT003", "minor", "First citations out of numeric order (Vancouver)"),
    Code("CIT004", "major", "Malformed citation range (such as 5-3)"),
    Code("CIT005", "major", "Citations but no bibliography"),
)

CODES: dict[str, Code] = {c.code: c for c in _TABLE}


def severity_of(code: str) -> Severity:
    """Default severity for ``code``; unknown codes (from newer parsers) are treated as minor."""
    entry = CODES.get(code)
    return entry.severity if entry else "minor"


def codes_markdown() -> str:
    """The code table as a Markdown table for the README."""
    lines = ["| Code | Severity | Meaning |", "|---|---|---|"]
    lines += [f"| `{c.code}` | {c.severity} | {c.summary} |" for c in _TABLE]
    return "\n".join(lines) + "\n"
