"""Fallback shapes for references without a Vancouver ``Year;Vol:Pages`` anchor.

Reference lists pasted from other journals often use author-year forms, and an auditor that calls
them unparseable checks nothing. Three common shapes are recognised, tried only after the Vancouver
anchor failed:

* ASM/Harvard: ``Authors. 2018. Title. Journal 62:e01195-18.``
* APA-like/older PLOS: ``Authors (2018) Title. Journal 11(3): 123-130.``
* RSC/ACS: ``Authors, Journal, 2013, 135, 6562-9.``
* Harvard with labelled locators (Brazilian Journal of Biology and other SciELO lists):
  ``SURNAME, I.I. and SURNAME, I., 2020. Title. Journal, vol. 128, no. 3, pp. 264-273.``
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_YEAR = r"(?P<year>1[6-9]\d\d|20\d\d)[a-z]?"
_PAGES = r"(?P<pages>[A-Za-z]{0,3}\d[\w.]*(?:\s*[-–—‐‑]\s*[A-Za-z]{0,3}\d[\w.]*)?)"
_AUTHOR_YEAR_RE = re.compile(
    r"^(?P<authors>.{2,600}?)(?:\s*\((?P<y1>1[6-9]\d\d|20\d\d)[a-z]?\)[.,:]?|\.\s*(?P<y2>1[6-9]\d\d|20\d\d)[a-z]?\.)"
    r"\s+(?P<rest>.+)$"
)
_TAIL_RE = re.compile(
    r"(?P<journal>[^.?!]*?[^\s.,?!])\.?,?\s+(?P<vol>[A-Z]?\d+[A-Z]?(?:\s+Suppl(?:ement)?\.?\s*\d*)?)\s*(?:\((?P<iss>[^()]{1,20})\))?\s*"
    r"(?:[:,]\s*" + _PAGES + r"|[:,]?)\.?\s*$"
)
_RSC_RE = re.compile(
    r"^(?P<authors>.{2,600}?),\s+(?P<journal>[^,\d]{2,120}?),?\s+" + _YEAR + r",\s*(?P<vol>\d+[A-Z]?)"
    r"(?:\s*\((?P<iss>[^()]{1,20})\))?,\s*" + _PAGES + r"\.?\s*$"
)

_RSC_HINT_RE = re.compile(r"(?:1[6-9]|20)\d\d,\s*\d")


@dataclass(frozen=True)
class AuthorYear:
    authors: str
    title: str | None
    journal: str | None
    year: int
    volume: str | None
    issue: str | None
    pages: str | None


_IEEE_RE = re.compile(
    r"^(?P<authors>[^“\"]{2,600}?),?\s*[“\"](?P<title>[^”\"]{3,400}?)[,.\s]*[”\"]\s*,?\s*(?P<journal>[^,“”\"]{2,160}?),"
    r"\s*vol\.\s*(?P<vol>[\w-]{1,10})(?:,\s*no\.\s*(?P<iss>[\w-]{1,12}))?"
    r"(?:,\s*(?:pp?\.\s*)?(?P<pages>[A-Za-z]?\d+(?:\s*[-–—]\s*[A-Za-z]?\d*)?))?"
    r",\s*(?:[A-Z][a-z]{2,8}\.?\s+(?:\d{1,2},?\s+)?)?" + _YEAR + r"\.?\s*$"
)


def parse_ieee(text: str) -> AuthorYear | None:
    """IEEE: ``Authors, “Title,” Journal, vol. 5, no. 10, pp. 914–920, 2003.`` (common in PLOS lists)."""
    if "vol." not in text or not any(q in text for q in "“\""):
        return None
    m = _IEEE_RE.match(text)
    if m is None:
        return None
    pages = (m["pages"] or "").rstrip("-–— ") or None
    return AuthorYear(m["authors"].strip(" ,"), m["title"].strip(" ,."), m["journal"].strip(" ."), int(m["year"]),
                      m["vol"], m["iss"], pages)


_ABNT_AUTHOR = (r"[^;.,]{2,60},\s(?:[A-Z\u00C0-\u00DE]\.\s?-?|[A-Z\u00C0-\u00DE]-[A-Z\u00C0-\u00DE](?=;)"
                r"|(?:de|da|do|dos|das|e)\s)+")
_ABNT_RE = re.compile(
    r"^(?P<authors>(?:" + _ABNT_AUTHOR + r";\s?)*" + _ABNT_AUTHOR + r")\s*(?P<rest>[A-Z\u00C0-\u00DE].+?),"
    r"\s*v\.\s*(?P<vol>\d{1,5})(?:[.,]\s*n\.\s*(?P<iss>[\w-]{1,10}))?"
    r"(?:,\s*(?P<eloc>e\d{2,}))?"  # ``v. 27, e0208, 2021``: an e-locator without ``p.``
    r"(?:,\s*p\.\s*(?P<pages>[A-Za-z]?\d+(?:\s*[-–]\s*[A-Za-z]?\d+)?))?"
    r"[,.]\s*(?:[^,\d]{0,25}\s)?" + _YEAR + r"\.?(?:\s.*)?$"
)
_LAST_SENTENCE_RE = re.compile(r"^(?P<title>.*[.?!])\s+(?P<journal>[^\s].*)$")


def parse_abnt(text: str) -> AuthorYear | None:
    """ABNT (Brazil): ``SOBRENOME, N. N.; OUTRO, M. Título. Revista, Cidade, v. 10, n. 2, p. 100-110, 2010.``

    Authors become ``Sobrenome NN`` (the particles ``de``/``da`` between initials dropped); the journal is
    the last sentence before ``v.``, without the place that ABNT may print after it.
    """
    if "v." not in text or ";" not in text and ", " not in text:
        return None
    m = _ABNT_RE.match(text)
    if m is None:
        return None
    names = []
    for chunk in m["authors"].split(";"):
        surname, _, given = chunk.partition(",")
        initials = re.sub(r"[^A-Z\u00C0-\u00DE]", "", given)
        if not surname.strip() or not initials:
            return None
        names.append(f"{surname.strip()} {initials}")
    rest = re.sub(r",?\s*\[s\.\s?l\.\]", "", m["rest"], flags=re.IGNORECASE)  # ``[s. l.]``: no place
    split = _LAST_SENTENCE_RE.match(rest)  # a title may end with ``?`` as well as a full stop
    if split is None:
        return None
    title, journal = split["title"], split["journal"].split(",")[0].strip(" .")
    return AuthorYear(", ".join(names), title.strip(" ."), journal or None, int(m["year"]), m["vol"], m["iss"],
                      m["eloc"] or m["pages"])


_HARVARD_VOL_RE = re.compile(
    r"^(?P<authors>[^()]{2,900}?),\s+" + _YEAR + r"\.\s+(?P<rest>.+?)[,.]\s*vol\.\s*(?P<vol>\d[\w-]{0,9})"
    r"(?:,\s*no\.\s*(?P<iss>[\w-]{1,12}))?"
    r"(?:,\s*(?:pp?\.\s*)?(?P<pages>[A-Za-z]?\d+(?:\s*[-–—]\s*[A-Za-z]?\d+)?))?\.?\s*$"
)


def parse_harvard_vol(text: str) -> AuthorYear | None:
    """``BAYRAKTAR, M., ... and GUREL, A., 2020. Title. Journal, vol. 128, pp. 264-273.``

    The year closes the author list after a comma; the journal is the last sentence before ``vol.``.
    Anything after the locator other than the identifiers the parser has already cut out means
    another shape, so the whole string must end with the locator.
    """
    if "vol." not in text:
        return None
    m = _HARVARD_VOL_RE.match(text)
    if m is None:
        return None
    title, _, journal = m["rest"].rpartition(". ")
    if not title:
        return None
    return AuthorYear(m["authors"].strip(" ,"), title.strip(" ."), journal.strip(" .") or None, int(m["year"]),
                      m["vol"], m["iss"], m["pages"])


def parse_rsc(text: str) -> AuthorYear | None:
    """``Authors, Journal, 2013, 135, 6562-9.``; tried before the Vancouver anchor, which it resembles."""
    if not _RSC_HINT_RE.search(text):
        return None  # cheap guard: most strings are not in this shape and the full pattern backtracks
    m = _RSC_RE.match(text)
    if m is None:
        return None
    return AuthorYear(m["authors"], None, m["journal"].strip(" ."), int(m["year"]), m["vol"], m["iss"], m["pages"])


_DOTTED_ABBREV_RE = re.compile(r"(?:^|\s)((?:[A-Z][a-z]{0,6}\.\s?)+)$")


def parse_author_year(text: str, abbrevs: frozenset[str] = frozenset()) -> AuthorYear | None:
    """Return the pieces of an author-year reference, or None when the string has neither shape."""
    m = _AUTHOR_YEAR_RE.match(text)
    if not m:
        return None
    rest = m["rest"].strip()
    year = int(m["y1"] or m["y2"])
    rest = re.sub(rf",\s*{year}\.?$", ".", rest)  # ``Revista Linhas, 17(35), 45-67, 2016.``: the year again
    # The tail is at the end; starting the search near it keeps a long, unmatched entry from
    # costing quadratic backtracking (no journal is 300 characters long).
    tail = _TAIL_RE.search(rest, max(0, len(rest) - 300))
    if tail is None:
        return AuthorYear(m["authors"], rest, None, year, None, None, None)
    before = rest[: tail.start()].strip()
    journal = tail["journal"].strip()
    if re.match(r"(?:Series|Section|Part)\s+[A-Z]\b", journal) and ". " in before:
        # ``Philosophical Transactions ... London. Series B, Biological Sciences``: one journal name.
        before, _, head = before.rpartition(". ")
        journal = f"{head.rstrip('.')}. {journal}"
    dotted = _DOTTED_ABBREV_RE.search(before)
    if dotted and all(w.rstrip(".") in abbrevs for w in dotted.group(1).split()):
        # ``Phys. Rev. E 81:035101``: the journal's dotted abbreviations were cut off as sentences.
        journal = f"{dotted.group(1).strip()} {journal}"
        before = before[: dotted.start(1)].strip()
    if not before:
        # ``Title. Journal 11:1`` lost its full stop to the journal pattern: split on the last one.
        title, _, journal = journal.rpartition(". ")
        before = title
    return AuthorYear(
        m["authors"], before.rstrip(". ") or None, journal or None, year, tail["vol"], tail["iss"],
        tail["pages"],
    )
