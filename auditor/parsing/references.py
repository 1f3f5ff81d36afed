"""Reference strings -> :class:`~auditor.model.ParsedFields`, for Vancouver/NLM, AMA and title-first.

The parser is a small set of anchored regular expressions rather than a learned model: biomedical
bibliographies are overwhelmingly Vancouver-shaped, the anchor ``YEAR[ Mon];VOL(ISSUE):PAGES`` is
very reliable, and everything else (authors, title, journal) falls out of where the sentence breaks
sit relative to that anchor. That keeps it fast (thousands of strings per second) and explainable.

Locator rule (pages vs article numbers). NLM prints single-page articles and article numbers the
same way (``2018;6(4):82``), so the string alone cannot tell them apart. We decide like this:

* a range (``883-95``, ``S12-S15``) -> ``first_page`` and ``last_page`` (the end expanded in full);
* a lone value that is an e-locator (``e0212460``, ``E123``), has five or more digits (``106388``)
  or a leading zero (``065102``) -> ``article_number``, because no printed page count gets there;
* any other lone value (``82``, ``1240``, ``A312``) -> ``first_page`` with ``last_page`` None;
* one exception to "a dash is a range": ASM's ``e01195-18`` (an e-number of five or more digits, a
  dash and two digits) is a single e-locator -> ``article_number``; Lancet's ``e902-13`` stays a range.

Strings without the anchor fall back to author-year shapes (:mod:`auditor.parsing.author_year`);
author lists are read by :mod:`auditor.parsing.authors`.

The judging stage treats ``first_page`` and ``article_number`` as one interchangeable locator, so
this rule only has to be consistent, not clairvoyant.
"""

from __future__ import annotations

import re

from auditor.model import ParsedFields
from auditor.parsing.author_year import (
    AuthorYear,
    parse_abnt,
    parse_author_year,
    parse_harvard_vol,
    parse_ieee,
    parse_rsc,
)
from auditor.parsing.authors import parse_apa_authors, parse_authors, split_authors_from_title
from auditor.parsing.chapters import parse_chapter

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|Spring|Summer|Autumn|Fall|Winter)\b\.?"
)
_YEAR = r"(?P<year>1[5-9]\d\d|20\d\d)[a-z]?"
# Year, optional month/day (and ranges of them), then ``;Vol(Issue):Pages``. Volume may be absent
# (``2020;:123`` is rare, ``2011 Jan;(3):12`` exists), pages may be absent (online-first items).
_SOURCE_RE = re.compile(
    _YEAR
    + r"(?:\s*[-/]\s*\d{2,4})?"
    + r"(?:[ ,]+" + _MONTH + r"(?:\s*\d{1,2})?(?:\s*[-–/]\s*(?:" + _MONTH + r")?\s*\d{0,2})?)?"
    + r"\s*[;,]\s*(?P<vol>[A-Za-z]{0,4}\s?\d[\w.]*(?:\s+(?:Suppl|Pt|Spec No|Supplement)\.?\s*\w*)?)?"
    + r"\s*(?:\((?P<iss>[^()]{1,40})\))?"
    + r"(?:\s*:\s*(?P<pages>[A-Za-z]{0,4}\d[\w.]*(?:\s*[-–—‐‑]\s*[A-Za-z]{0,3}\d[\w]*)?"
    + r"(?:\s*,\s*[A-Za-z]{0,3}\d+(?:\s*[-–—]\s*\d+)?)*))?"
)
_ANY_YEAR_RE = re.compile(r"(?<![\d/.-])(?P<year>1[6-9]\d\d|20\d\d)[a-z]?(?![\d/-])")

_DOI_RE = re.compile(
    r"(?:https?://(?:dx\.)?doi\.org/|\bdoi\s*[:.]?\s*|\bDOI\s*[:.]?\s*)?\b(10\.\d{4,9}/(?:\(SICI\)[^\s\"]+|[^\s\"<>]+))",
    re.IGNORECASE,
)
# ``PMID: 1``, ``PubMed PMID: 1``, PLOS's ``PubMed: 1`` and SciELO's ``PMid:1``.
# Wiley's SICI DOIs carry ``<...>`` (``46:6<400::AID-ASI2>3.0.CO;2-Y``), so only they may hold brackets.
# A DOI broken by a space after one of its dots (``10.1371/journal. pbio.0060118``) is rejoined when
# what follows is a DOI segment (lower-case letters, a dot, digits), never an ordinary word.
_DOI_CONTINUATION_RE = re.compile(r"\s([a-z]{2,8}\.\d[\w.]*)")
_PMID_RE = re.compile(r"\b(?:PubMed\s+PMID|PMID|PubMed)\s*:?\s*(\d{1,9})\b", re.IGNORECASE)
_PMCID_RE = re.compile(r"\b(?:PubMed\s+Central\s+)?(?:PMCID\s*:?\s*)?PMC(?:PMC)?\s*(\d{3,9})\b", re.IGNORECASE)
_NOISE_RE = re.compile(
    r"\[?\s*Epub ahead of print\s*\]?\.?|\bEpub\s+(?:\d{4}(?:\s+" + _MONTH + r"(?:\s*\d{1,2})?)?)?\.?"
    r"|\bPublished (?:online|ahead of print)\b:?(?:\s+" + _MONTH + r"(?:\s+\d{1,2},?)?)?"
    r"|\[cited [^\]]*\]|\bAvailable (?:from|at)\s*:?\s*\S+|\bhttps?://\S+|\bwww\.\S+"
    r"|\[(?:PubMed|Google Scholar|CrossRef|Crossref|PMC free article)[^\]]*\]",
    re.IGNORECASE,
)
_LEADING_LABEL_RE = re.compile(
    r"^\s*(?:\[\d{1,4}\]|\(\d{1,4}\)|\d{1,4}[.)](?!\d)|\d{1,4}\s?-\s?(?=[A-Z\u00C0-\u00DE])|[-•*·]\s)\s*"
)
_TRAILING_DEBRIS_RE = re.compile(r"(?:\s*[.;,:])+\s*$")
# Text extracted from XML loses the space between journal and volume (``Curr Biol3: 327–332``) or
# turns ``Year;Vol:`` into ``Prolif.1991. 24:``; both are restored before the anchor is sought.
_TAIL_PAGES = r"[A-Za-z]?\d+(?:\s?[–-]\s?[A-Za-z]?\d+)?\.?$"
_TAIL_VOLUME = r"\d{1,4}(?:\s?\(\d{1,4}\))?"
# ``Med J101:`` too: a journal's closing ``J`` glued to the volume is the same loss, whereas a letter
# before a volume in its own right (``Phys Scr T106: 48``) is kept as part of the volume.
_GLUED_VOLUME_RE = re.compile(rf"(?:(?<=[a-z])|(?<=\sJ))({_TAIL_VOLUME}:\s?{_TAIL_PAGES})")
_YEAR_DOT_VOLUME_RE = re.compile(rf"\.\s*((?:1[6-9]|20)\d\d)\.\s+({_TAIL_VOLUME})\s?:\s?(?={_TAIL_PAGES})")
# A print date repeated before the anchor: ``Jan 2014;``, ``November 10, 2011 2011;``, ``2010/06/01 2010;``.
_TRAILING_MONTH_RE = re.compile(
    r"[.,;]?\s*(?:\b" + _MONTH + r"(?:\s*\d{1,2})?,?(?:\s*(?:1[6-9]|20)\d\d)?|\b\d{1,4}/\d{1,2}(?:/\d{1,4})?)\s*$"
)
_ETAL_COMMA_RE = re.compile(r"\bet\.?\s*al\.?,\s+(?=\S)")
# Markup. A tag (HTML or BBCode, with or without attributes) is always markup; ``*`` and ``_`` are
# markup only as a pair around words (``*Lancet*``, ``__bold__``), so ``tumor*`` or ``2*3`` stay text.
_INLINE_TAGS = (
    r"a|abbr|b|big|br|cite|code|del|dfn|em|font|i|ins|link|mark|q|s|small|span|strike|strong|sub|sup|tt|u|url|var"
)
_HTML_TAG_RE = re.compile(rf"<(/?)({_INLINE_TAGS})\b(?:\s[^<>]{{0,500}})?/?>", re.IGNORECASE)
_BBCODE_TAG_RE = re.compile(rf"\[(/?)({_INLINE_TAGS}|color|size)\b(?:=[^\[\]]{{0,500}})?\]", re.IGNORECASE)
# (The emphasised text cannot hold its own delimiter, so each lone star is given up at the next one
# and a string of them stays linear; nesting such as ``**_x_**`` is undone one pass per level.)
_PAIRED_MARK_RE = re.compile(
    r"(?<![\w*])(\*\*|\*)(?=[^\s*])([^*]{1,300}?)(?<=[^\s*])\1(?![\w*])"
    r"|(?<!\w)(__|_)(?=[^\s_])([^_]{1,300}?)(?<=[^\s_])\3(?!\w)"
)
_ITALIC_RE = re.compile(r"(?<![\w*])(?:\*|_|<i>)([^*_<>]{2,200}?)(?:\*|_|</i>)(?![\w*])")
_WS_RE = re.compile(r"\s+")
# Missing space after a full stop: ``Pawlak D.Cancers`` or ``therapy.Journal``.
_GLUED_RE = re.compile(r"(?<=[a-z)\]]|\b[A-Z])\.(?=[A-Z][a-z])|(?<=\s[A-Z]{2})\.(?=[A-Z][a-z])")
_SENT_SPLIT_RE = re.compile(r"(?<=[.?!])[\"”’]?\s+(?=[^\s])")
_RANGE_SPLIT_RE = re.compile(r"\s*[-–—‐‑]\s*")

# ISO 4 abbreviations that start or continue dotted journal names (``J. Biol. Chem.``); a closed list,
# because a one-word title such as ``Obesity.`` must not be glued onto the journal.
_JOURNAL_ABBREVS = frozenset(
    {
        "J", "Am", "Ann", "Arch", "Acta", "Adv", "Acad", "Agric", "Anal", "Anat", "Appl", "Biol", "Biochem",
        "Biophys", "Bull", "Br", "Can", "Chem", "Clin", "Commun", "Comp", "Comput", "Curr", "Dev", "Dis", "Ecol",
        "Endocrinol", "Eng", "Environ", "Epidemiol", "Eur", "Exp", "Gen", "Genet", "Hum", "Immunol", "Infect",
        "Int", "Invest", "Lett", "Mater", "Math", "Med", "Microbiol", "Mol", "Nat", "Natl", "Neurol", "Neurosci",
        "Nucl", "Nutr", "Obstet", "Oncol", "Ophthalmol", "Opt", "Pathol", "Pediatr", "Pharmacol", "Pharm", "Phys",
        "Physiol", "Proc", "Psychol", "Psychiatr", "Q", "Rep", "Res", "Rev", "Sci", "Soc", "Stat", "Surg",
        "Theor", "Trans", "Vet", "Virol", "Zool",
    }
)
_EXTRA_LOCATOR_RE = re.compile(r"^[\s.,;:]*(?P<loc>[Ee]\d{3,}|\d{5,})\b")


_GLUED_HINT_RE = re.compile(r"\.[A-Z][a-z]")
_NOISE_KEYS = ("epub", "published", "[cited", "available", "http", "www.", "[pubmed", "[google", "[crossref", "[pmc")


def _sub_tail(pattern: re.Pattern[str], repl: str, text: str, width: int = 48) -> str:
    """Apply an end-anchored pattern to the last *width* characters only: same result, no full scan."""
    cut = max(0, len(text) - width)
    return text[:cut] + pattern.sub(repl, text[cut:])


def _canonical_tags(text: str) -> str:
    """Tags -> nothing, except italics, which become ``<i>``/``</i>`` (they mark an AMA journal).

    Every tag goes whole, attributes and all, opening and closing alike, so ``<b class="x">`` is
    removed as surely as ``</b>`` and ``[link=http://x]management[/link]`` leaves ``management``
    (no URL left behind for the noise filter to swallow the linked word with).
    """
    if "<" not in text and "[" not in text:
        return text

    def repl(m: re.Match[str]) -> str:
        return f"<{m.group(1)}i>" if m.group(2).lower() in ("i", "em") else ""

    return _BBCODE_TAG_RE.sub(repl, _HTML_TAG_RE.sub(repl, text))


def _strip_markup(text: str) -> str:
    """Drop paired ``*``/``**``/``_``/``__`` emphasis and the canonical ``<i>`` tags, nothing else."""
    if "*" in text or "_" in text:
        for _ in range(3):  # ``***x***`` nests; three passes are more than real strings need
            stripped = _PAIRED_MARK_RE.sub(lambda m: m.group(2) if m.group(1) else m.group(4), text)
            if stripped == text:
                break
            text = stripped
    return text.replace("<i>", "").replace("</i>", "") if "<" in text else text


# Quotes: a pair that wraps the whole field goes, a quote whose partner is elsewhere stays.
_QUOTE_PAIRS = {'"': '"', "“": "”", "‘": "’", "'": "'", "„": "“", "«": "»"}
_CLOSING_QUOTES = frozenset(_QUOTE_PAIRS.values())
_OPENERS = {c: [o for o, c2 in _QUOTE_PAIRS.items() if c2 == c] for c in _CLOSING_QUOTES}


def _strip_quotes(text: str, trailing: str) -> str:
    """Strip *trailing* punctuation and quotes that enclose the whole field or have no partner in it.

    ``"Naltrexone for the management" of pain`` keeps its opening quote; ``"A title."`` loses both;
    ``"A" versus "B"`` keeps all four.
    """
    while True:
        text = text.strip(trailing)
        if len(text) < 2:
            return text
        first, last = text[0], text[-1]
        if first in _QUOTE_PAIRS and last == _QUOTE_PAIRS[first]:
            inner = text[1:-1]
            if first in inner or last in inner:
                return text
            text = inner
        elif first in _QUOTE_PAIRS and not _balanced(text, first):
            text = text[1:]
        elif last in _CLOSING_QUOTES and any(not _balanced(text, o) for o in _OPENERS[last]):
            text = text[:-1]
        else:
            return text


def _balanced(text: str, opening: str) -> bool:
    """True when every *opening* quote in *text* has its closing partner (straight quotes: even count)."""
    closing = _QUOTE_PAIRS[opening]
    if closing == opening:
        return text.count(opening) % 2 == 0
    return text.count(opening) == text.count(closing)


def _clean(text: str | None, trailing: str = " .,;:") -> str | None:
    if text is None:
        return None
    text = _WS_RE.sub(" ", _strip_markup(text)).strip()
    text = _strip_quotes(text, trailing).strip()
    if text.count("(") != text.count(")"):
        text = text.strip("()").strip()
    # A field with no letter or digit in it (``(``) is debris from an unrecognised shape, not a value.
    return text if any(ch.isalnum() for ch in text) else None


def expand_last_page(first: str, last: str) -> str:
    """``883-95`` -> ``895``; ``S12-5`` -> ``S15``: NLM drops the digits the end page shares."""
    fd = re.match(r"^([A-Za-z]*)(\d+)$", first)
    ld = re.match(r"^([A-Za-z]*)(\d+)$", last)
    if not fd or not ld:
        return last
    prefix, fdigits = fd.group(1), fd.group(2)
    ldigits = ld.group(2)
    if len(ldigits) < len(fdigits):
        ldigits = fdigits[: len(fdigits) - len(ldigits)] + ldigits
    return (ld.group(1) or prefix) + ldigits


_SUPPLEMENT_RE = re.compile(
    r"^(?P<vol>[A-Za-z]{0,4}\s?\d+)\s*(?P<supp>(?:Suppl(?:ement)?|Spec\.?\s*No|Pt|Part)\.?(?:[\s_]*[\w-]+)?)$",
    re.IGNORECASE,
)


_GLUED_SUPPLEMENT_RE = re.compile(r"(?<=\d)(?=Suppl)", re.IGNORECASE)


def split_supplement(volume: str | None, issue: str | None) -> tuple[str | None, str | None]:
    """``15 Suppl 2`` / ``15Suppl 2`` / ``72 Suppl 2``: the volume is the number, the supplement is an issue.

    PubMed files ``Volume 15, Issue Suppl 2`` and Crossref ``volume 15, issue S2``; keeping the
    supplement in the volume made every such reference a volume mismatch. A printed issue is kept
    in front of the supplement (``15(3 Suppl 1)`` stays the issue ``3 Suppl 1``).
    """
    if not volume:
        return volume, issue
    m = _SUPPLEMENT_RE.match(volume)
    if not m:
        return volume, issue
    supplement = m.group("supp").strip()
    return m.group("vol").strip(), f"{issue} {supplement}" if issue else supplement


def _split_locator(pages: str) -> tuple[str | None, str | None, str | None]:
    """Return ``(first_page, last_page, article_number)`` following the module's locator rule."""
    pages = pages.strip().rstrip(".")
    first_part = pages.split(",")[0].strip()
    parts = _RANGE_SPLIT_RE.split(first_part, maxsplit=1)
    if len(parts) == 2 and re.fullmatch(r"[Ee]\d{5,}", parts[0]) and re.fullmatch(r"\d\d", parts[1]):
        # ASM's ``e01195-18`` (number-year) is one e-locator; Lancet's ``e902-13`` is a page range.
        return None, None, f"{parts[0]}-{parts[1]}"
    if len(parts) == 2 and parts[0] and parts[1]:
        return parts[0], expand_last_page(parts[0], parts[1]), None
    value = parts[0]
    if re.fullmatch(r"[Ee]\d+|\d{5,}|0\d+|[A-Za-z]{2,4}\d{3,}", value):
        # The last form is Oxford's e-locators (``fnae046``, ``gkab123``): letters then digits.
        return None, None, value
    return value, None, None


def _sentences(head: str) -> list[str]:
    if _GLUED_HINT_RE.search(head):
        head = _GLUED_RE.sub(". ", head)
    parts = [p.strip() for p in _SENT_SPLIT_RE.split(head)]
    parts = [p for p in parts if p and p not in {".", ","}]
    # Journal abbreviations written with full stops (``J. Biol. Chem.``) split into one-word pieces;
    # glue such trailing pieces back into the journal.
    while len(parts) >= 2 and parts[-2].endswith(".") and parts[-2][:-1] in _JOURNAL_ABBREVS:
        parts[-2:] = [parts[-2] + " " + parts[-1]]
    return parts


def _extract_ids(text: str) -> tuple[str, str | None, str | None, str | None]:
    doi = pmid = pmcid = None
    m = _DOI_RE.search(text)
    if m:
        end = m.end()
        cont = _DOI_CONTINUATION_RE.match(text, end) if m.group(1).endswith(".") else None
        if cont:
            end = cont.end()
        doi = (m.group(1) + (cont.group(1) if cont else "")).rstrip(".,;:]}>").lower()
        # A closing bracket is kept only when the DOI opened it: ``10.1002/abc(85)`` but not ``(doi:10.1/x)``.
        while doi.endswith(")") and doi.count(")") > doi.count("("):
            doi = doi[:-1].rstrip(".,;:")
        text = text[: m.start()] + " " + text[end:]
    m = _PMID_RE.search(text)
    if m:
        pmid = m.group(1)
        text = text[: m.start()] + " " + text[m.end() :]
    m = _PMCID_RE.search(text)
    if m:
        pmcid = "PMC" + m.group(1)
        text = text[: m.start()] + " " + text[m.end() :]
    return text, doi, pmid, pmcid


def _find_source(text: str) -> re.Match[str] | None:
    """The first ``Year;Vol(Issue):Pages`` anchor that carries a volume or pages.

    The first, because NLM appends notices after the citation (``Erratum in: J. 2011;89(1):148``).
    """
    for m in _SOURCE_RE.finditer(text):
        if m.group("vol") or m.group("iss") or m.group("pages"):
            return m
    return None


def _journal_italic(italics: list[str], title: str | None, journal: str | None) -> str | None:
    """The italic span that marks the journal (AMA), or None.

    Titles carry italics of their own: species (``<i>E. coli</i>``), genes, Latin phrases. Such a
    span lies inside the title the sentences gave, and when they also gave a journal it is part of
    the title, not the journal; taking it for the journal cut it out of the title and reported
    the real journal as wrong (REF102 and REF103 on a correct reference).
    """
    for span in italics:
        if journal is not None and title and span in title:
            continue
        return span
    return None


def parse_reference(raw: str) -> tuple[ParsedFields, str | None]:
    """Parse one reference string; never raises. Returns the fields and an error reason or None.

    The error is set when the string gives no year and no identifier: such an entry cannot be looked
    up reliably, so the judge should call it ``unchecked`` instead of guessing.
    """
    try:
        return _parse(raw)
    except Exception as exc:  # pragma: no cover - defensive: a parser bug must not lose an entry
        return ParsedFields(), f"parser error: {type(exc).__name__}"


def _parse(raw: str) -> tuple[ParsedFields, str | None]:
    text = _WS_RE.sub(" ", raw).strip()
    text = _LEADING_LABEL_RE.sub("", text, count=1)
    if not text:
        return ParsedFields(), "empty reference"
    text, doi, pmid, pmcid = _extract_ids(text)
    text = _canonical_tags(text)  # after the ids (an href may hold the DOI), before URLs are cut
    lowered = text.lower()
    if any(key in lowered for key in _NOISE_KEYS):
        text = _NOISE_RE.sub(" ", text)
    # Italics mark the journal (AMA); looked for once identifiers and URLs, whose underscores are
    # not markup, are gone.
    marked = "*" in text or "_" in text or "<" in text  # most strings carry no markup at all
    italics = [m.group(1).strip() for m in _ITALIC_RE.finditer(text)] if marked else []
    if marked:
        text = _strip_markup(text)
    text = _WS_RE.sub(" ", text).strip()
    text = _sub_tail(_TRAILING_DEBRIS_RE, ".", text)  # ``7-22. .`` once a trailing identifier is cut out

    if "uppl" in text:
        text = _GLUED_SUPPLEMENT_RE.sub(" ", text)  # ``2010;15Suppl 2:3099``: the anchor needs the space
    chapter = _fields_from(parse_chapter(text), doi, pmid, pmcid)
    if chapter is not None:
        return chapter, None
    abnt = _fields_from(parse_abnt(text), doi, pmid, pmcid)
    if abnt is not None:
        return abnt, _implausible(abnt, "", text)
    ieee = _fields_from(parse_ieee(text), doi, pmid, pmcid)
    if ieee is not None:
        return ieee, _implausible(ieee, "", text)
    harvard = _fields_from(parse_harvard_vol(text), doi, pmid, pmcid)
    if harvard is not None:
        return harvard, _implausible(harvard, "", text)
    rsc = _fields_from(parse_rsc(text), doi, pmid, pmcid)
    if rsc is not None:
        return rsc, None
    src = _find_source(text)
    if src is None:
        # Repairs for text extracted from XML, tried only when no anchor is found (most strings have one).
        repaired = _sub_tail(_YEAR_DOT_VOLUME_RE, r". \1;\2:", _sub_tail(_GLUED_VOLUME_RE, r" \1", text))
        if repaired != text:
            text = repaired
            src = _find_source(text)
    if src is None:
        fallback = _fields_from(parse_author_year(text, _JOURNAL_ABBREVS), doi, pmid, pmcid)
        if fallback is not None:
            return fallback, _implausible(fallback, "", text)
    year: int | None = None
    volume = issue = first_page = last_page = article_number = None
    if src:
        year = int(src.group("year"))
        volume, issue = split_supplement(_clean(src.group("vol")), _clean(src.group("iss")))
        if src.group("pages"):
            first_page, last_page, article_number = _split_locator(src.group("pages"))
        elif not issue:
            # ``2014;140: 075102`` and ``2013; 3:1783`` put spaces where the anchor did not look.
            tail = _EXTRA_LOCATOR_RE.match(text[src.end() :])
            if tail:
                article_number = tail.group("loc")
        head = text[: src.start()]
    else:
        m = _year_fallback(text)
        tail_after_year = ""
        if m:
            year = int(m.group("year"))
            head = text[: m.start()]
            tail_after_year = text[m.end() :]
        else:
            head = text
    head = head.strip().rstrip(";,").strip()
    head = _sub_tail(_TRAILING_MONTH_RE, "", head)  # ``Leukemia research. Jan 2014;38(1)``: a date, not a journal
    head = _ETAL_COMMA_RE.sub("et al. ", head, count=1)  # ``..., et al., Title`` -> a sentence break

    authors: tuple[str, ...] = ()
    et_al = False
    title = journal = None
    parts = _sentences(head) if head else []
    if parts:
        authors, et_al, title, journal = _assign_segments(_drop_publisher(parts))
    italic_journal = _journal_italic(italics, title, journal)
    if italic_journal and (journal is None or _norm(italic_journal) != _norm(journal)):
        if title and italic_journal in title:
            title = _clean(title.replace(italic_journal, ""))
        journal = italic_journal
    fields = ParsedFields(
        authors=authors,
        et_al=et_al,
        title=_clean(title, " .,;:"),
        journal=_clean(journal),
        year=year,
        volume=volume,
        issue=issue,
        first_page=first_page,
        last_page=last_page,
        article_number=article_number,
        doi=doi,
        pmid=pmid,
        pmcid=pmcid,
    )
    has_id = bool(doi or pmid or pmcid)
    if year is None and not has_id:
        return fields, "no year and no identifier found"
    if not src and not has_id and not (title and journal):
        return fields, "no journal/volume/pages part found"
    if not has_id and _names_not_title(fields.title):
        # Initials-first and author-date styles (``S. Mclaughlin, Knowl Process Manag 17 (2010)``)
        # land author names in the title slot. Searching with them finds nothing, and "nothing"
        # must not read as "no such paper".
        return fields, "the title slot holds author names or initials; citation style not recognised"
    if not src or ";" not in src.group(0):
        # Read without Vancouver's ``Year;Vol`` (author-year, a comma anchor such as ``2013, 194176``):
        # the fields must look like fields before they are compared.
        odd = _implausible(fields, "" if src else tail_after_year, text)
        if odd:
            return fields, odd
    letterless = [v for v in (fields.title, fields.journal) if v and not any(ch.isalpha() for ch in v)]
    if letterless and (not has_id or fields.journal in letterless):
        # ``Cell, vol. 114, no. 4, pp. 457–467, 2003`` (IEEE) leaves a page range as the journal.
        return fields, "a title or journal without letters (a page range?); citation style not recognised"
    return fields, None


_ODD_JOURNAL_RE = re.compile(
    r"\d\s*[:(]|\b[vnp]\.\s?\d|\b(?:vol|no|pp|Volumes?)\b\.?|^\W*\d|^and\b|,\s*[A-Z]\.?$|[A-Z]\.,\s|\d\s*[-–]\s*\d"
    r"|\baccessed\b|,\s*\d+$|\s\d+$|^&|[A-Z\u00C0-\u00DE]\.[A-Z\u00C0-\u00DE]\b|;|^[A-Za-z]?\d+\w*$"
)
_VOLUME_AFTER_YEAR_RE = re.compile(r"\b(?:vol(?:ume)?|pp?)\.?\s*\d", re.IGNORECASE)
_CHAPTER_RE = re.compile(r"(?:^|[.,]\s)In:?\s+[A-Z]")
_ODD_AUTHOR_RE = re.compile(r",\s|[“”\"]|\d")


def _implausible(fields: ParsedFields, after_year: str = "", text: str = "") -> str | None:
    """Why fields read without a ``Year;Vol:Pages`` anchor cannot be trusted, or None.

    ABNT (``SOBRENOME, N. Título. Revista, v. 10, n. 2, p. 100-110, 2010.``), IEEE (``vol. 5, no. 2,
    pp. 1-9``) and APA lists split into wrong fields when read as author-year: a journal that holds a
    volume, pages or author initials, an author that holds a comma. Comparing such fields would
    report a correctly cited work as a wrong journal or a missing author, so the entry is left
    unparsed (``unchecked``, REF404) instead.
    """
    journal = fields.journal or ""
    if _VOLUME_AFTER_YEAR_RE.search(after_year):
        return "volume or pages follow the year (proceedings or IEEE style); citation style not recognised"
    if _CHAPTER_RE.search(text):
        return "a chapter in an edited book; citation style not recognised"
    if journal and (_ODD_JOURNAL_RE.search(journal) or len(journal.strip(" .")) <= 2):
        return "the journal slot holds a volume, pages or names; citation style not recognised"
    if any(_ODD_AUTHOR_RE.search(a) or len(a) > 80 for a in fields.authors):
        return "an author slot holds a list or a title; citation style not recognised"
    if fields.title and re.match(r"^(?:[A-Z]\.\s?)+(?:[;,]|\s[A-Z])", fields.title):
        return "the title slot starts with initials; citation style not recognised"
    return None


_INITIALS_TOKEN_RE = re.compile(r"^(?:[A-Z]\.-?){1,3}[A-Z]?,?$")
_ONLY_INITIALS_RE = re.compile(r"^(?:[A-Z]\.?-?){1,3}$")
_SURNAME_INITIALS_RE = re.compile(r"(?:^|, )[A-Z][\w'’-]+, (?:[A-Z]\.?-?){1,3}(?=$|[\s,])")
_SURNAME_FIRST_RE = re.compile(r"^[A-Z][\w'’-]+, [A-Z]")
_NAME_LIST_TAIL_RE = re.compile(r", and (?:[A-Z][\w'’-]+ )?(?:[A-Z]\.?){1,2}$")


def _names_not_title(title: str | None) -> bool:
    """A "title" that is only initials (``K.A``), a ``Surname, I.`` list, or mostly initials that
    precede capitalised names (``E. Sonveaux, R.P. Rosenkranz``).

    Initials before a lower-case word are species or abbreviations (``H. pylori``, ``U.S. and``),
    and ``A, C, and E`` ends vitamin and hepatitis titles, so neither counts on its own.
    """
    if not title:
        return False
    if _ONLY_INITIALS_RE.match(title):
        return True
    if "." not in title and ", " not in title:
        return False  # every remaining pattern needs an initial's period or a name list's comma
    pairs = _SURNAME_INITIALS_RE.findall(title)
    if len(pairs) >= 2 or (pairs and _SURNAME_INITIALS_RE.fullmatch(title)):
        return True
    if _SURNAME_FIRST_RE.match(title) and _NAME_LIST_TAIL_RE.search(title):
        return True  # ``Magilnick, Nathaniel, and Mark P``: a Chicago author list
    tokens = title.split()
    initials = sum(
        1 for t, after in zip(tokens, [*tokens[1:], ""], strict=True)
        if _INITIALS_TOKEN_RE.match(t) and (after == "" or after[:1].isupper())
    )
    return initials >= 2 and initials * 4 >= len(tokens)


def _fields_from(found: AuthorYear | None, doi: str | None, pmid: str | None, pmcid: str | None) -> ParsedFields | None:
    if found is None:
        return None
    # A list that reads whole as ``Surname, I.`` persons is one (``SALIM, B., DE MEEÛS, T.`` would split
    # the Vancouver way into ``DE MEEÛS`` and ``T.``); otherwise the Vancouver reading.
    names = parse_apa_authors(found.authors) or parse_authors(found.authors, strict=True)
    if names is None and _GROUP_RE.search(found.authors) and not re.search(r"[\d,;]", found.authors):
        names = ((found.authors.strip(" ."),), False)  # ``The WHO Collaborative Study (1992) ...``
    if names is None:
        return None
    first_page = last_page = article_number = None
    if found.pages:
        first_page, last_page, article_number = _split_locator(found.pages)
    volume, issue = split_supplement(found.volume, _clean(found.issue))
    return ParsedFields(
        authors=names[0],
        et_al=names[1],
        title=_clean(found.title),
        journal=_clean(found.journal),
        year=found.year,
        volume=volume,
        issue=issue,
        first_page=first_page,
        last_page=last_page,
        article_number=article_number,
        doi=doi,
        pmid=pmid,
        pmcid=pmcid,
    )


_GROUP_RE = re.compile(
    r"\b(?:Group|Consortium|Collaborat\w*|Study|Committee|Network|Society|Organi[sz]ation|Association|"
    r"Investigators|Team|Project|Panel|Council|Working)\b", re.IGNORECASE)


def _norm(text: str) -> str:
    return re.sub(r"\W+", "", text).lower()


def _year_fallback(text: str) -> re.Match[str] | None:
    """Without a ``Year;Vol`` anchor take the first plausible year after the first sentence."""
    first_break = text.find(". ")
    for m in _ANY_YEAR_RE.finditer(text):
        if m.start() > first_break:
            return m
    return None


_JOURNAL_CONNECTORS = frozenset({"of", "and", "the", "in", "for", "&", "de", "et", "du", "der", "fur", "für"})


_PUBLISHER_RE = re.compile(
    r"\b(?:Elsevier|Springer|Wiley|Ltd|Inc|GmbH|B\s?\.?\s?V|Press|Publishing|Publishers|Verlag|Taylor & Francis)\b",
    re.IGNORECASE,
)


def _drop_publisher(parts: list[str]) -> list[str]:
    """``Appl Soil Ecol. Elsevier B.V.; 2011;48:174``: a publisher between journal and year."""
    if len(parts) >= 3 and _PUBLISHER_RE.search(parts[-1]) and len(parts[-1]) < 60:
        return parts[:-1]
    return parts


def _split_glued_journal(segment: str) -> tuple[str | None, str | None]:
    """``Lymphocyte homing and homeostasis Science``: title and journal with no full stop between.

    Vancouver titles are in sentence case and journal names are capitalised, so the journal is the
    trailing run of capitalised words (connectors such as ``of`` allowed inside it).
    """
    words = segment.split()
    i = len(words)
    while i > 0:
        word = words[i - 1]
        if word[:1].isupper() or (word.lower() in _JOURNAL_CONNECTORS and i < len(words)):
            i -= 1
            continue
        break
    while i < len(words) and words[i].lower() in _JOURNAL_CONNECTORS:
        i += 1
    if i == 0 or i == len(words):
        return segment, None
    return " ".join(words[:i]), " ".join(words[i:])


def _assign_segments(
    parts: list[str],
) -> tuple[tuple[str, ...], bool, str | None, str | None]:
    """Decide which sentence holds the authors, the title and the journal.

    Vancouver puts authors first; seed-style web pages put the title first and the authors second.
    Whatever is left between them and the anchor is the journal (the last sentence) and the title.
    """
    first = None
    if ":" in parts[0]:
        # ``Varley JM, Birch JM: "Title." Journal`` separates the authors with a colon.
        names, _, rest = parts[0].partition(":")
        first = parse_authors(names, strict=True)
        if first is not None:
            parts = [names, rest.strip(), *parts[1:]] if rest.strip() else [names, *parts[1:]]
    if first is None:
        first = parse_authors(parts[0], strict=True)
    if first is None:
        split = split_authors_from_title(parts[0])
        if split is not None:
            parts = [split[0], split[1], *parts[1:]]
            first = parse_authors(split[0], strict=True)
    if first is not None:
        authors, et_al = first
        rest = parts[1:]
        if not rest:
            return authors, et_al, None, None
        if len(rest) == 1:
            title, journal = _split_glued_journal(rest[0])
            return authors, et_al, title, journal
        return authors, et_al, " ".join(rest[:-1]), rest[-1]
    if len(parts) >= 3:
        second = parse_authors(parts[1], strict=True)
        if second is not None:
            authors, et_al = second
            return authors, et_al, parts[0], " ".join(parts[2:])
    if len(parts) == 1:
        return (), False, None, parts[0]  # ``N Engl J Med 2005;352:174-83``: a journal-only citation
    if len(parts) == 2:
        return (), False, parts[0], parts[1]
    # Three or more sentences and no personal names: a collective author leads (``WHO Study Group.``).
    return (parts[0].rstrip("."),), False, " ".join(parts[1:-1]), parts[-1]
