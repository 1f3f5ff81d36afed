"""Choose the matched work among the candidates and decide the verdict of one reference.

Rules (DESIGN.md vocabulary, the worst that applies):
* unparseable -> ``unchecked``;
* no candidate is the same work: a failed source -> ``unchecked`` (never ``not_found``), no source
  asked -> ``unchecked``, otherwise ``not_found`` with what any locator or DOI lands on;
* matched: ``major``/``minor`` from the REF1xx/REF2xx findings, else ``verified``.
Flags come from the matched work's updates and publication types and never change the verdict.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence

from auditor.identifiers import norm_doi
from auditor.judging.authors import format_record_author, record_name
from auditor.judging.codes import severity_of
from auditor.judging.compare import Comparison, borrowed_title, compare, same_work, score_candidate
from auditor.judging.fields import field_issues
from auditor.judging.journals import glued_to_title, journal_agrees
from auditor.judging.normalize import norm_text
from auditor.judging.pages import expand_ranges, record_pages
from auditor.judging.sources import disagreements
from auditor.judging.suggest import suggest
from auditor.model import FLAG_ORDER, Finding, Match, Record, Reference, ReferenceAudit, Verdict

_FLAG_BY_UPDATE = {"retraction": "retracted", "correction": "corrected",
                   "expression_of_concern": "expression_of_concern"}
_FLAG_BY_TYPE = {"retracted publication": "retracted", "corrected and republished article": "corrected"}
_FLAG_CODE = {"retracted": "REF301", "corrected": "REF302", "expression_of_concern": "REF303"}
_FLAG_ORDER = FLAG_ORDER


def identifier(record: Record) -> str | None:
    if record.pmid:
        return f"PMID:{record.pmid}"
    if record.doi:
        return f"DOI:{record.doi}"
    return None


def _finding(ref: Reference, code: str, message: str, **kw: str | None) -> Finding:
    return Finding(code=code, severity=severity_of(code), message=message, line=ref.line,
                   column=ref.column, **kw)  # type: ignore[arg-type]


def _dedupe(candidates: Sequence[Record]) -> list[Record]:
    seen: set[tuple[object, ...]] = set()
    out: list[Record] = []
    for r in candidates:
        key = (r.source, r.pmid, norm_doi(r.doi), r.title)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _groups(records: list[Record]) -> list[list[Record]]:
    """Records that share a PMID or DOI describe one work (PubMed and Crossref views of it)."""
    groups: list[list[Record]] = []
    keys: list[set[str]] = []
    for r in records:
        mine = {k for k in (r.pmid and f"pmid:{r.pmid}", r.doi and f"doi:{norm_doi(r.doi)}") if k}
        hits = [i for i, ks in enumerate(keys) if ks & mine]
        if not hits:
            groups.append([r])
            keys.append(set(mine))
            continue
        head = hits[0]
        for i in reversed(hits[1:]):
            groups[head] += groups.pop(i)
            keys[head] |= keys.pop(i)
        groups[head].append(r)
        keys[head] |= mine
    return groups


def _primary(group: list[Record], scores: dict[int, float]) -> Record:
    def rank(r: Record) -> tuple[int, float]:
        return (0 if r.source == "pubmed" and r.pmid else 1 if r.source == "crossref" else 2, -scores[id(r)])

    return min(group, key=rank)


def _merged(primary: Record, group: list[Record]) -> Record:
    """Fill what the primary record lacks (often the DOI or abbreviation) from its confirmations."""
    changes: dict[str, object] = {}
    for f in ("doi", "pmid", "pmcid", "title", "journal", "journal_abbrevs", "authors", "year", "volume",
              "issue", "pages", "first_page", "last_page", "article_number"):
        if not getattr(primary, f):
            value = next((getattr(other, f) for other in group if getattr(other, f)), None)
            if value:
                changes[f] = value
    return dataclasses.replace(primary, **changes) if changes else primary  # type: ignore[arg-type]


def _flags(ref: Reference, group: list[Record]) -> tuple[tuple[str, ...], list[Finding]]:
    found: dict[str, Finding] = {}
    for rec in group:
        for upd in rec.updates:
            flag = _FLAG_BY_UPDATE.get(upd.kind)
            if flag and flag not in found:
                notice = f"PMID:{upd.pmid}" if upd.pmid else f"DOI:{upd.doi}" if upd.doi else identifier(rec)
                label = f" ({upd.label})" if upd.label else ""
                found[flag] = _finding(ref, _FLAG_CODE[flag], f"{flag.replace('_', ' ')}: notice {notice}{label}",
                                       source=upd.source or rec.source, identifier=notice)
        for ptype in rec.publication_types:
            flag = _FLAG_BY_TYPE.get(ptype.casefold())
            if flag and flag not in found:
                found[flag] = _finding(ref, _FLAG_CODE[flag], f"{flag.replace('_', ' ')}: publication type {ptype!r}",
                                       source=rec.source, identifier=identifier(rec))
    flags = tuple(f for f in _FLAG_ORDER if f in found)
    findings = [found[f] for f in flags]
    notice = next((r for r in group if r.is_notice), None)
    if notice is not None:
        findings.append(_finding(ref, "REF304", "the matched record is a notice, not the article itself",
                                 source=notice.source, identifier=identifier(notice)))
    return flags, findings


def _raw_has_title(ref: Reference, record: Record) -> bool:
    """The record's whole title appears verbatim (normalised) in the reference text.

    This is evidence that does not depend on the parser: styles it does not know (author-year,
    ``Journal vol: pages``) can garble the parsed title while the raw text plainly carries it.
    """
    title = norm_text(record.title)
    return len(title.split()) >= 4 and f" {title} " in f" {norm_text(ref.raw)} "


def _raw_leads_with_first_author(ref: Reference, record: Record) -> bool:
    """The record's first author's surname is near the start of the reference text."""
    if not record.authors:
        return False
    surname = record_name(record.authors[0]).surname
    head = norm_text(ref.raw).replace(" ", "")[: len(surname) + 40]
    return len(surname) >= 2 and surname in head


def _is_same_work(ref: Reference, record: Record) -> bool:
    """:func:`same_work` on the parsed fields, or the raw text quoting the title with the right DOI
    or first author (so a parser failure never turns a correct reference into ``not_found``)."""
    if same_work(ref.parsed, record):
        return True
    if not _raw_has_title(ref, record):
        return False
    return bool(compare(ref.parsed, record).doi) or _raw_leads_with_first_author(ref, record)


def raw_names_work(ref: Reference, record: Record) -> bool:
    """For an entry the parser could not split: the raw text quotes the record's whole title and
    carries its first author's surname up front and its year.

    Three independent facts in the text itself, so a search hit on a generic title is not enough.
    """
    years = {str(y) for y in (record.year, record.online_year) if y}
    return (_raw_has_title(ref, record) and _raw_leads_with_first_author(ref, record)
            and any(re.search(rf"\b{y}\b", ref.raw) for y in years))


def _verdict(findings: list[Finding]) -> Verdict:
    relevant = [f.severity for f in findings if f.code[:4] in ("REF1", "REF2")]
    if "major" in relevant or "error" in relevant:
        return "major"
    return "minor" if "minor" in relevant else "verified"


def _lands_on(ref: Reference, records: list[Record], exclude: list[Record]) -> list[Finding]:
    """What the reference's locator and DOI point at when they point at some other article."""
    out: list[Finding] = []
    ref_doi = norm_doi(ref.parsed.doi)
    for rec in records:
        if any(rec is e for e in exclude):
            continue
        what = f"{identifier(rec) or 'a record'} {rec.title!r} ({rec.journal or '?'} {rec.year or '?'})"
        if ref_doi and norm_doi(rec.doi) == ref_doi:
            out.append(_finding(ref, "REF201", f"DOI {ref_doi} belongs to another work: {what}", field="doi",
                                document_value=ref.parsed.doi, record_value=rec.title, source=rec.source,
                                identifier=f"DOI:{rec.doi}"))
        elif compare(ref.parsed, rec).locator_hit:
            out.append(_finding(ref, "REF402", f"journal/year/volume/page land on an unrelated article: {what}",
                                field="title", document_value=ref.parsed.title, record_value=rec.title,
                                source=rec.source, identifier=identifier(rec)))
        elif borrowed_title(ref.parsed, rec):
            out.append(_finding(ref, "REF406", f"the title resembles {what}, whose authors, journal and "
                                "locator do not match", field="title", document_value=ref.parsed.title,
                                record_value=rec.title, source=rec.source, identifier=identifier(rec)))
    return out


def _unknown_doi(ref: Reference, cands: list[Record], consulted: Mapping[str, str]) -> list[Finding]:
    """The reference's DOI is unknown to Crossref, which answered (the resolver always asks it)."""
    ref_doi = norm_doi(ref.parsed.doi)
    if not ref_doi or consulted.get("crossref") != "answered":
        return []
    if any(norm_doi(r.doi) == ref_doi for r in cands):
        return []
    return [_finding(ref, "REF204", f"DOI {ref_doi} is not registered with Crossref", field="doi",
                     document_value=ref.parsed.doi, source="crossref", identifier=f"DOI:{ref_doi}")]


def _unmatched(
    ref: Reference, cands: list[Record], consulted: dict[str, str], errors: Mapping[str, str]
) -> ReferenceAudit:
    failed = sorted(s for s, v in consulted.items() if v == "failed")
    answered = sorted(s for s, v in consulted.items() if v == "answered")
    landing = _lands_on(ref, cands, [])
    landing += _unknown_doi(ref, cands, consulted)
    if failed:
        verdict: Verdict = "unchecked"
        why = "; ".join(_failure(s, errors.get(s)) for s in failed)
        head = _finding(ref, "REF403", f"not checked ({why}); absence proves nothing")
    elif not answered:
        verdict = "unchecked"
        head = _finding(ref, "REF405", "not checked: no source was consulted")
    elif not_asked := sorted(s for s, v in consulted.items() if v == "not_asked"):
        # not_found claims that every source answered; one that was never asked cannot vouch.
        verdict = "unchecked"
        head = _finding(ref, "REF405", f"not checked: {', '.join(not_asked)} not asked (nothing to search with)")
    else:
        verdict = "not_found"
        head = _finding(ref, "REF401", f"no credible match in {', '.join(answered)}")
    return ReferenceAudit(reference=ref, verdict=verdict, findings=(head, *landing), consulted=consulted)


def _failure(source: str, error: str | None) -> str:
    if not error:
        return f"{source} failed"
    return error if error.startswith(source) else f"{source}: {error}"


def judge(
    reference: Reference,
    candidates: Sequence[Record],
    consulted: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
) -> ReferenceAudit:
    """Verdict, flags, findings, match and suggestion for one reference (see module docstring).

    ``errors`` holds why a failed source failed; an unchecked reference repeats it, because "PubMed
    failed" alone does not tell a user whether to retry, raise a timeout or fix a proxy.
    """
    consulted_d = dict(consulted)
    if reference.parse_error:
        return _unparsed(reference, candidates, consulted_d, errors or {})
    ref = reference.parsed
    cands = _dedupe(candidates)
    scores = {id(r): score_candidate(ref, r) for r in cands}
    matched = [g for g in _groups(cands) if any(_is_same_work(reference, r) for r in g)]
    if not matched:
        return _unmatched(reference, cands, consulted_d, errors or {})
    group = max(matched, key=lambda g: max(scores[id(r)] for r in g))
    primary = _primary(group, scores)
    record = _merged(primary, group)
    source, ident = primary.source, identifier(record)

    findings = [
        _finding(reference, i.code, i.message, field=i.field, document_value=i.document_value,
                 record_value=i.record_value, source=source, identifier=ident)
        for i in field_issues(ref, primary, _comparison(reference, primary, group, cands))
    ]
    findings += _identifier_issues(reference, group, cands, record, consulted_d)
    verdict = _verdict(findings)
    flags, flag_findings = _flags(reference, group)
    findings += flag_findings
    findings += [
        _finding(reference, "REF501", d.message, field=d.field, document_value=d.pubmed_value,
                 record_value=d.crossref_value, source=d.other.source, identifier=identifier(d.other))
        for d in disagreements(primary, [r for r in group if r is not primary])
    ]
    match = _match(record, primary.source, scores[id(primary)])
    return ReferenceAudit(reference=reference, verdict=verdict, flags=flags, findings=tuple(findings),
                          match=match, suggested=suggest(record), consulted=consulted_d)


def _match(record: Record, source: str, score: float | None) -> Match:
    first, last = record_pages(record)
    pages = expand_ranges(record.pages) or (f"{first}-{last}" if first and last else first)
    pages = pages or record.article_number
    authors = tuple(name for name in map(format_record_author, record.authors) if name)
    return Match(pmid=record.pmid, doi=record.doi, title=record.title, journal=record.journal,
                 year=record.year, volume=record.volume, issue=record.issue, pages=pages,
                 source=source, score=score, authors=authors)


def _unparsed(
    reference: Reference, candidates: Sequence[Record], consulted: dict[str, str], errors: Mapping[str, str]
) -> ReferenceAudit:
    """``unchecked`` whatever is found: unparsed fields cannot be compared one by one. A work the
    raw text plainly names is still shown, with its citation, so the user can fix the entry."""
    named = [r for r in _dedupe(candidates) if raw_names_work(reference, r)]
    message = f"not checked: could not parse ({reference.parse_error})"
    if consulted.get("crossref") == "failed":
        message += f"; the free-text search failed ({_failure('crossref', errors.get('crossref'))})"
    if not named:
        finding = _finding(reference, "REF404", message)
        return ReferenceAudit(reference=reference, verdict="unchecked", findings=(finding,), consulted=consulted)
    record = named[0]
    ident = identifier(record)
    finding = _finding(reference, "REF404", f"{message}; the text quotes the title, first author and year of {ident}",
                       source=record.source, identifier=ident)
    return ReferenceAudit(reference=reference, verdict="unchecked", findings=(finding,),
                          match=_match(record, record.source, None), suggested=suggest(record), consulted=consulted)


def _comparison(ref: Reference, record: Record, group: Sequence[Record] = (),
                candidates: Sequence[Record] = ()) -> Comparison:
    c = compare(ref.parsed, record)
    if c.journal is False:
        # Every name the registries give the journal counts (PubMed's MedlineTA, ISO abbreviation and
        # full title, Crossref's container and short titles): one view's form is enough. A candidate
        # of another work that shares an ISSN with the matched work is in the same journal, so its
        # names count too (Crossref's ``Proceedings of the Royal Society B`` beside PubMed's ``Proc Biol Sci``).
        issns = {i for r in group for i in r.issns}
        same_journal = [r for r in candidates if issns & set(r.issns)] if issns else []
        names = [n for r in (*group, *same_journal) for n in (r.journal, *r.journal_abbrevs) if n]
        if journal_agrees(ref.parsed.journal, names):
            c = dataclasses.replace(c, journal=True)
        elif glued_to_title(ref.parsed.title, ref.parsed.journal, record.title, names or
                            (record.journal, *record.journal_abbrevs)):
            c = dataclasses.replace(c, journal=True, title="same")
    # Only rescue titles the parser evidently lost; a "minor" title (subtitle added, say) is real.
    if c.title in ("related", "different", None) and _raw_has_title(ref, record):
        c = dataclasses.replace(c, title="same")
    return c


def _identifier_issues(
    ref: Reference, group: list[Record], cands: list[Record], record: Record, consulted: Mapping[str, str]
) -> list[Finding]:
    out: list[Finding] = []
    ref_doi = norm_doi(ref.parsed.doi)
    group_dois = {norm_doi(r.doi) for r in group if r.doi}
    if ref_doi and ref_doi not in group_dois:
        landing = [f for f in _lands_on(ref, cands, group) if f.code == "REF201"]
        if landing:
            out += landing[:1]
        elif not group_dois:
            out += _unknown_doi(ref, cands, consulted)
        else:
            out.append(_finding(ref, "REF202", f"DOI {ref_doi} is not the matched work's DOI ({record.doi})",
                                field="doi", document_value=ref.parsed.doi, record_value=record.doi,
                                source=record.source, identifier=identifier(record)))
    group_pmids = {r.pmid for r in group if r.pmid}
    pmid = (ref.parsed.pmid or "").strip()
    if pmid and group_pmids and pmid not in group_pmids:
        out.append(_finding(ref, "REF203", f"PMID {pmid} is not the matched work's PMID ({record.pmid})",
                            field="pmid", document_value=pmid, record_value=record.pmid,
                            source="pubmed", identifier=f"PMID:{record.pmid}"))
    return out
