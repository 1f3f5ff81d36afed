"""One self-contained HTML page for one or more audited documents, readable offline.

Everything a reader needs is inline (CSS, a few lines of JS for the verdict filters); no CDN. Word
diffs between what the document claims and what the record says are computed here with difflib
and handed to the template as (text, changed) segments, so the template never marks up a raw
string: autoescaping covers every value that came from a document or a source.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader

from auditor import __version__
from auditor.documents.positions import Locator
from auditor.judging.normalize import norm_text
from auditor.model import VERDICT_ORDER, AuditReport, Match, ParsedFields, ReferenceAudit

TEMPLATES = Path(__file__).with_name("templates")
_TOKEN = re.compile(r"[^\W_]+|[\W_]+")


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool


@dataclass(frozen=True)
class Row:
    label: str
    claimed: tuple[Segment, ...]
    found: tuple[Segment, ...]
    differs: bool


def word_diff(a: str, b: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """Split both strings into words and mark the words that the other side lacks.

    Words are compared in normalised form and punctuation runs are never marked, so case,
    punctuation and diacritics never light up.
    """
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    wa = [(i, norm_text(t)) for i, t in enumerate(ta) if norm_text(t)]
    wb = [(i, norm_text(t)) for i, t in enumerate(tb) if norm_text(t)]
    changed_a: set[int] = set()
    changed_b: set[int] = set()
    matcher = difflib.SequenceMatcher(a=[w for _, w in wa], b=[w for _, w in wb], autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op != "equal":
            changed_a.update(wa[k][0] for k in range(a0, a1))
            changed_b.update(wb[k][0] for k in range(b0, b1))
    return _segments(ta, changed_a), _segments(tb, changed_b)


def _segments(tokens: list[str], changed: set[int]) -> tuple[Segment, ...]:
    out: list[Segment] = []
    for i, tok in enumerate(tokens):
        flag = i in changed
        if out and out[-1].changed == flag and not flag:
            out[-1] = Segment(out[-1].text + tok, False)
        else:
            out.append(Segment(tok, flag))
    return tuple(out)


def _pages(p: ParsedFields) -> str | None:
    if p.article_number and not p.first_page:
        return p.article_number
    if p.first_page and p.last_page:
        return f"{p.first_page}-{p.last_page}"
    return p.first_page


# A consortium paper can list thousands of authors; the card shows the first ones and a count.
MAX_RECORD_AUTHORS = 30


def _author_list(names: Sequence[str], et_al: bool = False, limit: int | None = None) -> str:
    shown = list(names[:limit]) if limit is not None else list(names)
    text = ", ".join(shown)
    if len(shown) < len(names):
        text += f", … ({len(names) - len(shown)} more)"
    elif et_al and text:
        text += ", et al"
    return text


def _rows(audit: ReferenceAudit) -> list[Row]:
    p, m = audit.reference.parsed, audit.match or Match()
    flagged = {f.field for f in audit.findings if f.field and f.code.startswith(("REF1", "REF2"))}
    pairs = [
        ("authors", "authors", _author_list(p.authors, p.et_al), _author_list(m.authors, limit=MAX_RECORD_AUTHORS)),
        ("title", "title", p.title, m.title),
        ("journal", "journal", p.journal, m.journal),
        ("year", "year", p.year, m.year),
        ("volume", "volume", p.volume, m.volume),
        ("issue", "issue", p.issue, m.issue),
        ("pages", "pages", _pages(p), m.pages),
        ("DOI", "doi", p.doi, m.doi),
        ("PMID", "pmid", p.pmid, m.pmid),
    ]
    rows: list[Row] = []
    for label, key, claimed, found in pairs:
        a = "" if claimed is None else str(claimed)
        b = "" if found is None else str(found)
        if not a and not b:
            continue
        differs = key in flagged
        if differs and a and b:
            sa, sb = word_diff(a, b)
        else:
            sa = (Segment(a, differs and bool(a)),) if a else ()
            sb = (Segment(b, differs and bool(b)),) if b else ()
        rows.append(Row(label, sa, sb, differs))
    return rows


def _links(match: Match | None) -> dict[str, str]:
    links: dict[str, str] = {}
    if match and match.pmid and match.pmid.isdigit():
        links["PubMed"] = f"https://pubmed.ncbi.nlm.nih.gov/{match.pmid}/"
    if match and match.doi:
        links["doi.org"] = "https://doi.org/" + quote(match.doi, safe="/:;()._-[]")
    return links


def _audit_view(audit: ReferenceAudit, locator: Locator) -> dict[str, Any]:
    ref = audit.reference
    return {
        "number": ref.number,
        "raw": ref.raw,
        "line": ref.line,
        "column": ref.column,
        "where": _where(locator, ref.line, ref.column),
        "verdict": audit.verdict,
        "flags": audit.flags,
        "rows": _rows(audit),
        "findings": audit.findings,
        "links": _links(audit.match),
        "match": audit.match,
        "suggested": audit.suggested,
        "consulted": sorted(audit.consulted.items()),
        "parse_error": ref.parse_error,
    }


def _where(locator: Locator, line: int | None, column: int | None) -> str:
    """``line 12:5`` for text, ``page 3, line 12`` for a PDF: how a reader finds it in their file."""
    label = locator.position(line, column).label()
    return f"line {label}" if label[:1].isdigit() else label


@functools.cache
def _environment() -> Environment:
    """One environment per process: it caches the compiled template, which costs more than a render
    (a service renders every job's report; compiling each time was a quarter of a cached job's CPU)."""
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=True,
                       lstrip_blocks=True, keep_trailing_newline=True)


def render_html(reports: Sequence[AuditReport]) -> str:
    documents = []
    for i, r in enumerate(reports):
        locator = Locator(r.parsed.document)
        documents.append({
            "anchor": f"doc{i + 1}",
            "path": r.parsed.document.path,
            "sha256": r.parsed.document.sha256,
            "summary": r.summary,
            "audits": [_audit_view(a, locator) for a in r.audits],
            "citation_findings": [
                {"code": f.code, "message": f.message, "where": _where(locator, f.line, f.column) if f.line else ""}
                for f in r.parsed.citation_findings
            ],
        })
    totals = {v: sum(d["summary"][v] for d in documents) for v in VERDICT_ORDER}
    flagged = [sum(1 for a in r.audits if a.flags) for r in reports]  # per document, in order
    citation_findings = [len(r.parsed.citation_findings) for r in reports]
    template = _environment().get_template("report.html.j2")
    return template.render(documents=documents, verdicts=VERDICT_ORDER, totals=totals, version=__version__,
                           flagged=flagged, citation_findings=citation_findings)
