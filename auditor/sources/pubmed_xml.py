"""PubMed XML (EFetch, ESearch) and ECitMatch text into the shared model.

ElementTree rather than ``Bio.Entrez.read``: it needs no DTD (so it also reads fragments without the
``PubmedArticleSet`` wrapper, and DTD versions Biopython does not bundle), and titles with inline
HTML/MathML become plain text simply by joining the element's text nodes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from auditor.identifiers import norm_issns, norm_pmid
from auditor.model import Record, RecordAuthor, Update
from auditor.sources.base import CitMatchOutcome, CitMatchStatus

_UPDATE_REFTYPES = {
    "RetractionIn": "retraction",
    "ErratumIn": "correction",
    "ExpressionOfConcernIn": "expression_of_concern",
}
_NOTICE_REFTYPES = {"RetractionOf", "ErratumFor", "ExpressionOfConcernFor"}
_NOTICE_TYPES = {"retraction of publication", "published erratum", "expression of concern",
                 "retraction notice"}
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_ELOCATOR = re.compile(r"^[A-Za-z]?\d+[A-Za-z]?$")


def _text(element: ET.Element | None) -> str | None:
    """All text under ``element`` with whitespace collapsed (drops <i>, <sup>, MathML markup)."""
    if element is None:
        return None
    joined = " ".join("".join(element.itertext()).split())
    return joined or None


def _year(element: ET.Element | None) -> int | None:
    if element is None:
        return None
    year = _text(element.find("Year"))
    if year and year.isascii() and year.isdigit():
        return int(year)
    match = _YEAR.search(_text(element.find("MedlineDate")) or "")
    return int(match.group(1)) if match else None


def expand_pages(pages: str | None) -> tuple[str | None, str | None]:
    """Split MedlinePgn ``244-55`` into (``244``, ``255``); NLM drops the last page's shared prefix."""
    if not pages:
        return None, None
    first_range = pages.split(",")[0].strip()
    if "-" not in first_range:
        return first_range or None, None
    first, _, last = (part.strip() for part in first_range.partition("-"))
    if not last:
        return first or None, None
    head = re.match(r"^(\D*)(\d+)(\D*)$", first)
    tail = re.match(r"^(\D*)(\d+)(\D*)$", last)
    if head and tail and len(tail.group(2)) < len(head.group(2)):
        digits = head.group(2)[: len(head.group(2)) - len(tail.group(2))] + tail.group(2)
        last = f"{tail.group(1) or head.group(1)}{digits}{tail.group(3)}"
    return first or None, last


def _authors(article: ET.Element) -> tuple[RecordAuthor, ...]:
    authors = []
    for author in article.findall("AuthorList/Author"):
        if author.get("ValidYN") == "N":
            continue
        collective = _text(author.find("CollectiveName"))
        if collective:
            authors.append(RecordAuthor(collective=collective))
            continue
        authors.append(RecordAuthor(family=_text(author.find("LastName")),
                                    given=_text(author.find("ForeName")),
                                    initials=_text(author.find("Initials"))))
    return tuple(authors)


def _updates(citation: ET.Element, publication_types: tuple[str, ...]) -> tuple[tuple[Update, ...], bool]:
    updates: list[Update] = []
    notice = any(pt.lower() in _NOTICE_TYPES for pt in publication_types)
    for cc in citation.findall("CommentsCorrectionsList/CommentsCorrections"):
        reftype = cc.get("RefType", "")
        if reftype in _NOTICE_REFTYPES:
            notice = True
        kind = _UPDATE_REFTYPES.get(reftype)
        if kind:
            updates.append(Update(kind=kind, pmid=_text(cc.find("PMID")), source="pubmed",  # type: ignore[arg-type]
                                  label=_text(cc.find("RefSource"))))
    lowered = {pt.lower() for pt in publication_types}
    if "retracted publication" in lowered and not any(u.kind == "retraction" for u in updates):
        updates.append(Update(kind="retraction", source="pubmed", label="Retracted Publication"))
    if "expression of concern" in lowered and not notice:
        notice = True
    return tuple(updates), notice


def parse_article(node: ET.Element) -> Record | None:
    """One ``<PubmedArticle>`` into a :class:`Record` (None if it has no PMID)."""
    citation = node.find("MedlineCitation")
    if citation is None:
        return None
    pmid = _text(citation.find("PMID"))
    article = citation.find("Article")
    if not pmid or article is None:
        return None
    journal = article.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    ids = {a.get("IdType"): _text(a) for a in node.findall("PubmedData/ArticleIdList/ArticleId")}
    elocs = {e.get("EIdType"): _text(e) for e in article.findall("ELocationID")}
    doi = ids.get("doi") or elocs.get("doi")

    abbrevs: list[str] = []
    for value in (_text(citation.find("MedlineJournalInfo/MedlineTA")),
                  _text(journal.find("ISOAbbreviation")) if journal is not None else None):
        if value and value not in abbrevs:
            abbrevs.append(value)

    issns = norm_issns([*(_text(i) for i in (journal.findall("ISSN") if journal is not None else ())),
                        _text(citation.find("MedlineJournalInfo/ISSNLinking"))])
    pages = _text(article.find("Pagination/MedlinePgn"))
    start = _text(article.find("Pagination/StartPage"))
    end = _text(article.find("Pagination/EndPage"))
    first, last = expand_pages(pages)
    first, last = start or first, end or last
    pii = elocs.get("pii")
    article_number = None
    if pii and _ELOCATOR.match(pii) and (not pages or pages == pii or first == pii):
        article_number = pii
    elif pages and "-" not in pages and _ELOCATOR.match(pages) and (
            pages[0].isalpha() or elocs):
        # A lone token with an ELocationID beside it (Frontiers' ``1034``) or an ``e``-prefixed
        # token is an e-locator standing where pages would.
        article_number = pages
    if not pages and article_number:
        first = first or article_number

    ptypes = tuple(t for t in (_text(p) for p in article.findall("PublicationTypeList/PublicationType")) if t)
    updates, is_notice = _updates(citation, ptypes)
    online = None
    for date in article.findall("ArticleDate"):
        if date.get("DateType", "Electronic") == "Electronic":
            online = _year(date)
    pmcid = ids.get("pmc")
    return Record(
        source="pubmed",
        pmid=pmid,
        doi=doi.lower() if doi else None,
        pmcid=pmcid,
        title=_text(article.find("ArticleTitle")) or _text(article.find("VernacularTitle")),
        journal=_text(journal.find("Title")) if journal is not None else None,
        journal_abbrevs=tuple(abbrevs),
        issns=issns,
        year=_year(issue.find("PubDate")) if issue is not None else None,
        online_year=online,
        volume=_text(issue.find("Volume")) if issue is not None else None,
        issue=_text(issue.find("Issue")) if issue is not None else None,
        pages=pages,
        first_page=first,
        last_page=last,
        article_number=article_number,
        authors=_authors(article),
        publication_types=ptypes,
        updates=updates,
        is_notice=is_notice,
    )


_EFETCH_ROOTS = frozenset({"PubmedArticleSet", "PubmedArticle", "PubmedBookArticle"})


def parse_book(node: ET.Element) -> Record | None:
    """A PubMed book or chapter record (GeneReviews, StatPearls): title, authors, year, publisher.

    Books have no journal, volume or pages; keeping them as records is what stops a cited book from
    being called fabricated.
    """
    doc = node.find("BookDocument")
    if doc is None:
        return None
    pmid = _text(doc.find("PMID"))
    book = doc.find("Book")
    title = _text(doc.find("ArticleTitle")) or (_text(book.find("BookTitle")) if book is not None else None)
    year = _year(book.find("PubDate")) if book is not None else None
    publisher = _text(book.find("Publisher/PublisherName")) if book is not None else None
    doi = next((_text(a) for a in node.iter("ArticleId") if a.get("IdType") == "doi"), None)
    return Record(
        source="pubmed", pmid=pmid, doi=doi.lower() if doi else None, title=title,
        journal=_text(book.find("BookTitle")) if book is not None and _text(doc.find("ArticleTitle")) else publisher,
        year=year, authors=_authors(doc), publication_types=("Book",),
    )


def parse_efetch(body: bytes | str) -> dict[str, Record]:
    """Records keyed by PMID from an EFetch answer (or a bare ``<PubmedArticle>`` fragment).

    Raises ``ValueError`` for bodies that are not XML, e.g. a transfer cut short.
    """
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValueError(f"EFetch body is not valid XML: {exc}") from exc
    if root.tag == "ERROR" or root.find("ERROR") is not None:
        raise ValueError(f"EFetch error: {_text(root if root.tag == 'ERROR' else root.find('ERROR'))}")
    if root.tag not in _EFETCH_ROOTS:
        # A 200 carrying an HTML maintenance page (or anything else) is a failed answer, not
        # "PubMed has none of these PMIDs".
        raise ValueError(f"unexpected EFetch root <{root.tag}>")
    records: dict[str, Record] = {}
    for node in root.iter("PubmedBookArticle"):
        book = parse_book(node)
        if book is not None and book.pmid is not None:
            records[book.pmid] = book
    for node in root.iter("PubmedArticle"):
        record = parse_article(node)
        if record is not None and record.pmid is not None:
            records[record.pmid] = record
    return records


def parse_esearch(body: bytes | str) -> list[str]:
    """PMIDs from an ESearch XML answer, in the order given. Empty when nothing matched."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValueError(f"ESearch body is not valid XML: {exc}") from exc
    if root.tag != "eSearchResult":
        raise ValueError(f"unexpected ESearch root <{root.tag}>")
    error = root.find("ERROR")
    if error is not None and root.find("Count") is None:
        raise ValueError(f"ESearch error: {_text(error)}")
    return [t for t in (_text(i) for i in root.findall("IdList/Id")) if t]


def esearch_count(body: bytes | str) -> int | None:
    """ESearch's ``<Count>``: how many PMIDs match in all, of which ``retmax`` were returned."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    count = _text(root.find("Count"))
    return int(count) if count and count.isascii() and count.isdigit() else None


def parse_ecitmatch(body: bytes | str) -> dict[str, CitMatchOutcome]:
    """ECitMatch's plain-text lines ``journal|year|volume|page|author|key|result`` keyed by key.

    The author field may come back emptied, so fields are read by position from the left.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if text.lstrip().startswith("<"):
        raise ValueError("ECitMatch answered markup, not citation lines")
    outcomes: dict[str, CitMatchOutcome] = {}
    for line in text.replace("\r", "\n").split("\n"):
        if not line.strip():
            continue
        parts = line.split("|")
        if len(parts) < 7:
            raise ValueError(f"ECitMatch line has {len(parts)} fields: {line!r}")
        key, result = parts[5].strip(), parts[6].strip()
        status: CitMatchStatus
        pmid = None
        if result.isdigit():
            # ``str.isdigit`` also takes "²" and Arabic-Indic digits; a PMID is ASCII, positive, bounded.
            pmid = norm_pmid(result)
            if pmid is None:
                raise ValueError(f"ECitMatch answered {result!r}, which is not a PMID")
            status = "found"
        elif "INVALID_JOURNAL" in result.upper():
            status = "invalid_journal"
        elif result.upper().startswith("AMBIGUOUS"):
            status = "ambiguous"
        else:
            status = "not_found"
        outcomes[key] = CitMatchOutcome(key=key, status=status, pmid=pmid)
    return outcomes
