"""Hand-built References and Records for judging and report tests (no network, no shared files)."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.model import (
    AuditReport,
    CitationFinding,
    Document,
    ParsedDocument,
    ParsedFields,
    Record,
    RecordAuthor,
    Reference,
    ReferenceAudit,
    Update,
)

ANSWERED = {"pubmed": "answered", "crossref": "answered"}


def ref(
    *authors: str,
    title: str | None = None,
    journal: str | None = None,
    year: int | None = None,
    volume: str | None = None,
    issue: str | None = None,
    pages: str | None = None,
    article_number: str | None = None,
    et_al: bool = False,
    doi: str | None = None,
    pmid: str | None = None,
    number: int = 1,
    line: int = 10,
    column: int = 3,
    raw: str | None = None,
    parse_error: str | None = None,
) -> Reference:
    """A Reference as the parser would give it; ``pages="145-152"`` fills first and last page."""
    first = last = None
    if pages:
        first, _, last_s = pages.partition("-")
        last = last_s or None
    fields = ParsedFields(
        authors=tuple(authors), et_al=et_al, title=title, journal=journal, year=year, volume=volume,
        issue=issue, first_page=first, last_page=last, article_number=article_number, doi=doi, pmid=pmid,
    )
    text = raw if raw is not None else f"{', '.join(authors)}. {title}. {journal}. {year};{volume}"
    return Reference(number=number, raw=text, line=line, column=column, parsed=fields,
                     parse_error=parse_error)


def authors(*names: str) -> tuple[RecordAuthor, ...]:
    """``"Cree BAC"`` -> RecordAuthor(family="Cree", initials="BAC")."""
    out = []
    for name in names:
        family, _, initials = name.rpartition(" ")
        out.append(RecordAuthor(family=family, initials=initials))
    return tuple(out)


def record(
    *names: str,
    source: str = "pubmed",
    pmid: str | None = None,
    doi: str | None = None,
    title: str | None = None,
    journal: str | None = None,
    abbrevs: Sequence[str] = (),
    year: int | None = None,
    online_year: int | None = None,
    volume: str | None = None,
    issue: str | None = None,
    pages: str | None = None,
    article_number: str | None = None,
    publication_types: Sequence[str] = (),
    updates: Sequence[Update] = (),
) -> Record:
    return Record(
        source=source,  # type: ignore[arg-type]
        pmid=pmid, doi=doi, title=title, journal=journal, journal_abbrevs=tuple(abbrevs), year=year,
        online_year=online_year, volume=volume, issue=issue, pages=pages, article_number=article_number,
        authors=authors(*names), publication_types=tuple(publication_types), updates=tuple(updates),
    )


# Real facts, copied from public PubMed records, for realistic cases.
CREE_2010 = record(
    "Cree BAC", "Kornyeyeva E", "Goodin DS", pmid="20695007", doi="10.1002/ana.22006",
    title="Pilot trial of low-dose naltrexone and quality of life in multiple sclerosis.",
    journal="Annals of Neurology", abbrevs=("Ann Neurol",), year=2010, volume="68", issue="2",
    pages="145-50",
)
TOLJAN_2018 = record(
    "Toljan K", "Vrooman B", pmid="30248938", doi="10.3390/medsci6040082",
    title="Low-Dose Naltrexone (LDN)—Review of Therapeutic Utilization.",
    journal="Medical Sciences (Basel, Switzerland)", abbrevs=("Med Sci (Basel)",), year=2018, volume="6",
    issue="4", article_number="82", publication_types=("Journal Article", "Review"),
)
YOUNGER_2013 = record(
    "Younger J", "Noor N", "McCue R", "Mackey S", pmid="23359310", doi="10.1002/art.37734",
    title="Low-dose naltrexone for the treatment of fibromyalgia: findings of a small, randomized, "
    "double-blind, placebo-controlled, counterbalanced, crossover trial assessing daily pain levels.",
    journal="Arthritis and Rheumatism", abbrevs=("Arthritis Rheum",), year=2013, volume="65", issue="2",
    pages="529-38",
)
RAKNES_2017_PDS_PRESCRIBING = record(
    "Raknes G", "Småbrekke L", pmid="27670755", doi="10.1002/pds.4110",
    title="A sudden and unprecedented increase in low dose naltrexone (LDN) prescribing in Norway. Patient "
    "and prescriber characteristics, and dispense patterns. A drug utilization cohort study.",
    journal="Pharmacoepidemiology and Drug Safety", abbrevs=("Pharmacoepidemiol Drug Saf",), year=2017,
    volume="26", issue="2", pages="136-142",
)
RAKNES_2017_PDS_OPIOIDS = record(
    "Raknes G", "Småbrekke L", pmid="28370746", doi="10.1002/pds.4201",
    title="Low-dose naltrexone and opioid consumption: a drug utilization cohort study based on data from "
    "the Norwegian prescription database.",
    journal="Pharmacoepidemiology and Drug Safety", abbrevs=("Pharmacoepidemiol Drug Saf",), year=2017,
    volume="26", issue="6", pages="685-693",
)
RAKNES_2017_PLOS = record(
    "Raknes G", "Småbrekke L", pmid="29099849", doi="10.1371/journal.pone.0187423",
    title="Low dose naltrexone in multiple sclerosis: Effects on medication use. A quasi-experimental study.",
    journal="PloS one", abbrevs=("PLoS One",), year=2017, volume="12", issue="11", article_number="e0187423",
)
RAKNES_2019_PLOS = record(
    "Raknes G", "Småbrekke L", pmid="30763385", doi="10.1371/journal.pone.0212460",
    title="Low dose naltrexone: Effects on medication in rheumatoid and seropositive arthritis. A nationwide "
    "register-based controlled quasi-experimental before-after study.",
    journal="PloS one", abbrevs=("PLoS One",), year=2019, volume="14", issue="2", article_number="e0212460",
)


def make_report(
    audits: Sequence[ReferenceAudit],
    path: str = "docs/paper.md",
    citation_findings: Sequence[CitationFinding] = (),
) -> AuditReport:
    doc = Document(path=path, sha256="0" * 64, text="")
    parsed = ParsedDocument(
        document=doc, references=tuple(a.reference for a in audits), citations=(),
        citation_findings=tuple(citation_findings), bibliography_line=1,
    )
    return AuditReport(parsed=parsed, audits=tuple(audits))


def sample_report(path: str = "docs/paper.md") -> AuditReport:
    """One report holding every verdict, a flag and citation findings, judged for real."""
    import dataclasses

    from auditor.judging import judge

    title = "Pilot trial of low-dose naltrexone and quality of life in multiple sclerosis."
    good = ref("Cree BAC", "Kornyeyeva E", "Goodin DS", title=title, journal="Ann Neurol", year=2010,
               volume="68", issue="2", pages="145-150", number=1, line=20, column=1)
    minor = ref("Cree BAC", "Korneyeva E", "Goodin DS", title=title, journal="Ann Neurol", year=2010,
                volume="68", issue="2", pages="145-152", number=2, line=21, column=1)
    major = ref("Cree BAC", "Kornyeyeva E", "Goodin DS", title=title, journal="Ann Neurol", year=2011,
                volume="68", issue="2", pages="145-150", number=3, line=22, column=1)
    missing = ref("Nobody N", title="A study that never happened", journal="J Imag", year=2020, volume="1",
                  pages="1-9", number=4, line=23, column=1)
    broken = ref(raw="??", parse_error="no fields", number=5, line=24, column=1)
    retracted = dataclasses.replace(CREE_2010, updates=(Update(kind="retraction", pmid="1"),))
    failed = {"pubmed": "answered", "crossref": "failed"}
    audits = [
        judge(good, [CREE_2010], ANSWERED),
        judge(minor, [CREE_2010], ANSWERED),
        judge(major, [retracted], ANSWERED),
        judge(missing, [], ANSWERED),
        judge(broken, [], ANSWERED),
        judge(dataclasses.replace(missing, number=6, line=25), [], failed),
    ]
    cits = [CitationFinding(code="CIT001", message="citation [9] has no entry", line=3, column=14, numbers=(9,)),
            CitationFinding(code="CIT005", message="no bibliography", line=None, column=None)]
    return make_report(audits, path=path, citation_findings=cits)
