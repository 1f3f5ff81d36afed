"""The data that flows between the pipeline stages.

Every stage (load -> parse -> resolve -> judge -> render) consumes and produces these frozen
dataclasses, so each stage can be tested alone and the CLI, HTTP service and scheduled jobs are thin
shells over the same calls. Field names are part of the JSON report contract: rename nothing
without bumping ``SCHEMA_VERSION``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

SCHEMA_VERSION = "1.2"
"""1.1: ``match`` gained ``authors``; ``match.pages`` writes the end page in full.
1.2: positions in the units of the source format (page, paragraph, entry), the document format
and reference-manager evidence."""

# ---------------------------------------------------------------------------------------------
# Documents and parsing
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """Where a stretch of ``Document.text`` came from in the original file.

    A loader that renders a DOCX, PDF or XML file to text records one anchor per rendered line
    start: from ``offset`` on, the text is ``line`` of ``page``/``paragraph``/``entry`` until the
    next anchor. Reports map every line/column back through these, so a reader is sent to
    "page 3, line 12" of the PDF rather than to a line of a rendering they never see.
    """

    offset: int
    page: int | None = None
    paragraph: int | None = None
    entry: int | None = None
    line: int | None = None
    """Line within the page or paragraph; for a library entry, its line in the file when known."""


@dataclass(frozen=True)
class Position:
    """A location as the reader of the original format counts: line/column for text, paragraph and
    line for DOCX, page and line for PDF, entry (and file line) for libraries."""

    line: int | None = None
    column: int | None = None
    page: int | None = None
    paragraph: int | None = None
    entry: int | None = None

    def label(self) -> str:
        """``12:5`` for text; ``page 3, line 12`` / ``paragraph 7, line 1`` / ``entry 4, line 10``."""
        unit = [f"{name} {value}" for name, value in
                (("page", self.page), ("paragraph", self.paragraph), ("entry", self.entry)) if value is not None]
        if not unit:
            if self.line is None:
                return ""
            return f"{self.line}:{self.column if self.column is not None else 1}"
        if self.line is not None:
            unit.append(f"line {self.line}")
        return ", ".join(unit)


@dataclass(frozen=True)
class Evidence:
    """What a reference manager stored about a cited item (Zotero/Mendeley CSL-JSON, EndNote XML).

    It is what the author's library says, not what the document prints, so it joins resolution
    with its identifiers and is compared with the printed entry (never silently preferred).
    """

    number: int
    """The bibliography number the cited item renders as."""
    fields: ParsedFields
    source: str
    """``zotero``, ``mendeley`` or ``endnote``."""
    problem: str | None = None
    """Set when the field's record was malformed and ignored (``fields`` is then empty): the entry
    gets an ``REF602`` note instead of evidence."""


@dataclass(frozen=True)
class Document:
    """A loaded document: decoded text with the provenance needed to trust a report about it."""

    path: str
    """The path as the user gave it (not resolved), so reports stay machine-independent."""
    sha256: str
    """Hash of the raw bytes on disk, so a report can be tied to the exact file audited."""
    text: str
    """Decoded text with line ends normalised to ``\\n``; offsets into it map to line/column."""
    format: str = "text"
    """What the bytes were: ``text``, ``docx``, ``pdf``, ``jats``, ``bibtex``, ``ris``, ``csl-json``,
    ``medline`` or ``endnote-xml`` (see :func:`auditor.documents.detect.sniff`)."""
    anchors: tuple[Anchor, ...] = ()
    """Sorted by offset; empty for text files, whose own line/column is the position."""
    references: tuple[Reference, ...] | None = None
    """Set by loaders of structured sources (JATS element-citation, libraries): the bibliography
    with its fields, used instead of locating and parsing one in ``text``."""
    citations: tuple[Citation, ...] | None = None
    """With ``references``: the in-text citations the source marks up (JATS xref). ``None`` with
    references means the source has no running text (a library), so no citation findings."""
    evidence: tuple[Evidence, ...] = ()
    """Reference-manager field data found in the document (DOCX fields)."""


@dataclass(frozen=True)
class ParsedFields:
    """Field-level view of one reference string, as the document states it (never corrected)."""

    authors: tuple[str, ...] = ()
    """``"Surname Initials"`` for persons; collective authors kept verbatim."""
    et_al: bool = False
    """True when the list was truncated with ``et al``: missing authors are then not an error."""
    title: str | None = None
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    """Expanded in full (``883-95`` -> ``895``) so comparison never sees NLM's short form."""
    article_number: str | None = None
    """E-locators such as ``e0212460`` or ``106388`` that stand where pages would."""
    doi: str | None = None
    """Lower-cased, without ``https://doi.org/`` or ``doi:`` prefixes."""
    pmid: str | None = None
    pmcid: str | None = None


@dataclass(frozen=True)
class Reference:
    """One entry of the bibliography."""

    number: int
    """The number printed in the document, or the position for unnumbered lists (1-based)."""
    raw: str
    """The entry text with wrapped lines joined; what the document actually says."""
    line: int
    column: int
    parsed: ParsedFields
    parse_error: str | None = None
    """Why the entry could not be parsed into fields; such entries are kept, never dropped."""
    evidence: Evidence | None = None
    """The reference manager's record of this entry, when the document carried one."""
    notes: tuple[Finding, ...] = ()
    """Findings about the entry itself made before resolution (field data vs printed entry)."""


@dataclass(frozen=True)
class Citation:
    """One in-text citation marker (``[1-3]``, ``^{6,7}``, ``¹²``, ``(4)``)."""

    text: str
    line: int
    column: int
    numbers: tuple[int, ...]
    """Reference numbers it points at, ranges expanded, in the order written."""


CitationCode = Literal[
    "CIT001",  # cited number has no bibliography entry
    "CIT002",  # bibliography entry never cited
    "CIT003",  # first citations out of numeric order
    "CIT004",  # malformed range such as 5-3
    "CIT005",  # citations but no bibliography
]


@dataclass(frozen=True)
class CitationFinding:
    code: str
    message: str
    line: int | None
    column: int | None
    numbers: tuple[int, ...] = ()


@dataclass(frozen=True)
class ParsedDocument:
    document: Document
    references: tuple[Reference, ...]
    citations: tuple[Citation, ...]
    citation_findings: tuple[CitationFinding, ...]
    bibliography_line: int | None = None
    """Line of the reference-section heading, or None when no bibliography was found."""


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------

SourceName = Literal["pubmed", "crossref"]
UpdateKind = Literal["retraction", "correction", "expression_of_concern"]


@dataclass(frozen=True)
class RecordAuthor:
    family: str | None = None
    given: str | None = None
    initials: str | None = None
    collective: str | None = None
    """Group authors ("WHO Study Group") have no family/given split."""


@dataclass(frozen=True)
class Update:
    """A notice that changes the standing of a work: retraction, erratum, expression of concern."""

    kind: UpdateKind
    pmid: str | None = None
    doi: str | None = None
    source: str | None = None
    """Who asserted it: ``pubmed``, ``publisher``, ``retraction-watch``..."""
    label: str | None = None
    record_id: str | None = None
    """The Retraction Watch record id, when Crossref's ``retraction-watch`` entry names one."""


@dataclass(frozen=True)
class Record:
    """What a bibliographic source says about one work, in one shape for PubMed and Crossref."""

    source: SourceName
    pmid: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    title: str | None = None
    journal: str | None = None
    """Full journal title."""
    journal_abbrevs: tuple[str, ...] = ()
    """Every short form the source knows (MedlineTA, ISO abbreviation, Crossref short titles)."""
    issns: tuple[str, ...] = ()
    """The journal's ISSNs as the source gives them (EFetch ``ISSN`` and ``ISSNLinking``, Crossref
    ``ISSN``/``issn-type``), upper-case ``NNNN-NNNX``: two records sharing one name the same journal."""
    year: int | None = None
    """Year of the issue (print) when known, else the earliest date."""
    online_year: int | None = None
    """Year of first online/electronic publication, to excuse online-first vs print differences."""
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    """The record's pages with every end page written in full (``145-150``, never NLM's ``145-50``),
    so they read like the document's, whose end pages the parser expands too."""
    """Pages as the source prints them (MedlinePgn ``244-55`` or Crossref ``244-255``)."""
    first_page: str | None = None
    last_page: str | None = None
    article_number: str | None = None
    authors: tuple[RecordAuthor, ...] = ()
    publication_types: tuple[str, ...] = ()
    updates: tuple[Update, ...] = ()
    """Notices about this work (it was retracted, corrected, ...)."""
    is_notice: bool = False
    """This record *is* a retraction/erratum notice, not a research article."""
    score: float | None = None
    """Search score from the source, when the record came from a search."""


T = TypeVar("T")


@dataclass(frozen=True)
class SourceResult(Generic[T]):
    """The outcome of asking a source: an answer, or the fact that no answer could be had.

    Keeping "unavailable" as a distinct outcome (instead of an empty answer) is what lets the judge
    say ``unchecked`` rather than ``not_found`` when a server is down.
    """

    source: SourceName
    value: T | None = None
    error: str | None = None
    """Set when the source could not answer after retries (HTTP status, timeout, bad body)."""
    requests: int = 0
    """HTTP requests actually sent for this call (cache hits are free)."""
    total: int | None = None
    """For searches: how many results the source has in all. More than it returned means the answer
    was cut at ``retmax``, so absence from it proves nothing."""

    unanswered: frozenset[str] = frozenset()
    """With ``error``: the keys (DOIs, PMIDs, query keys) whose batch failed, when other batches of
    the same call did answer; their answers in ``value`` stand. Empty with ``error``: nothing stands."""

    @property
    def ok(self) -> bool:
        return self.error is None

    def answered(self, key: str) -> bool:
        """Did the source answer for this key? One failed batch must not void the others."""
        return self.error is None or (bool(self.unanswered) and key not in self.unanswered)


# ---------------------------------------------------------------------------------------------
# Judging
# ---------------------------------------------------------------------------------------------

Verdict = Literal["verified", "minor", "major", "not_found", "unchecked"]
VERDICT_ORDER: tuple[str, ...] = ("verified", "minor", "major", "not_found", "unchecked")
Flag = Literal["retracted", "corrected", "expression_of_concern"]
FLAG_ORDER: tuple[Flag, ...] = ("retracted", "expression_of_concern", "corrected")
"""The order flags are listed in (most serious first), wherever they are listed."""
Severity = Literal["info", "minor", "major", "error"]


@dataclass(frozen=True)
class Finding:
    """One linter-style problem with a reference; ``code`` is stable and documented in the README."""

    code: str
    severity: Severity
    message: str
    field: str | None = None
    document_value: str | None = None
    record_value: str | None = None
    source: str | None = None
    identifier: str | None = None
    """``PMID:123`` or ``DOI:10.x/y``: what a reader follows to check the claim."""
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Match:
    pmid: str | None = None
    doi: str | None = None
    title: str | None = None
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    source: str | None = None
    score: float | None = None
    """0..1 agreement between the reference and the chosen record."""
    authors: tuple[str, ...] = ()
    """The record's authors in Vancouver form (``Cree BAC``; a group under its name), in its order."""


ConsultedState = Literal["answered", "failed", "not_asked"]


@dataclass(frozen=True)
class ReferenceAudit:
    reference: Reference
    verdict: Verdict
    flags: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    match: Match | None = None
    suggested: str | None = None
    """The reference rebuilt in NLM/Vancouver style from the matched record."""
    consulted: dict[str, str] = field(default_factory=dict)
    """``{"pubmed": "answered", "crossref": "failed"}``: which sources were asked and how it went."""


@dataclass(frozen=True)
class AuditReport:
    parsed: ParsedDocument
    audits: tuple[ReferenceAudit, ...]
    requests: int = 0
    """HTTP requests sent for this document (for cost reporting)."""

    @property
    def summary(self) -> dict[str, int]:
        counts = {v: 0 for v in VERDICT_ORDER}
        for audit in self.audits:
            counts[audit.verdict] += 1
        return counts
