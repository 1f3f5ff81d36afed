"""Registry drift: the ways PubMed and Crossref metadata differ from a correct print (issue 10, class 8).

Each transformation changes one aspect of a corpus record the way the registries really do (markup
in titles, Title Case, Greek letters spelled out, initials only, diacritics on one side, NLM-short
page ranges, e-locator as page, no issue, an online-first year). A correctly printed reference judged
against the drifted record must still come out ``verified`` or ``minor``; ``major`` or ``not_found``
is a false alarm. Randomness comes from the ``random.Random`` passed in, so the seed reproduces it.
"""

from __future__ import annotations

import copy
import random
import re
import unicodedata
from collections.abc import Callable

from auditor.judging.pages import abbreviate_range

CorpusRecord = dict

_WORD = re.compile(r"\b[A-Za-z][a-z]{3,}\b")
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa", "μ": "mu", "ε": "epsilon"}
_GREEK_NAMES = re.compile(r"\b(" + "|".join(_GREEK.values()) + r")\b", re.IGNORECASE)
_SMALL = frozenset({"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"})


def _markup(rec: CorpusRecord, rng: random.Random) -> CorpusRecord | None:
    """``<i>`` around one word, ``<scp>`` around another, a MathML token for a third (JATS/Crossref)."""
    title = rec.get("title") or ""
    words = list(_WORD.finditer(title))
    if len(words) < 3:
        return None
    a, b, c = sorted(rng.sample(words, 3), key=lambda m: m.start())
    out = (title[: a.start()] + f"<i>{a.group(0)}</i>" + title[a.end() : b.start()] + f"<scp>{b.group(0)}</scp>"
           + title[b.end() : c.start()] + f"<mml:math><mml:mi>{c.group(0)}</mml:mi></mml:math>" + title[c.end() :])
    return {**rec, "title": out}


def _title_case(rec: CorpusRecord, rng: random.Random) -> CorpusRecord | None:
    del rng
    title = rec.get("title") or ""
    words = title.split(" ")
    cased = [w if (i and w.lower() in _SMALL) or not w[:1].isalpha() else w[:1].upper() + w[1:]
             for i, w in enumerate(words)]
    new = " ".join(cased)
    return None if new == title else {**rec, "title": new}


def _greek(rec: CorpusRecord, rng: random.Random) -> CorpusRecord | None:
    del rng
    title = rec.get("title") or ""
    if any(ch in title for ch in _GREEK):
        return {**rec, "title": "".join(f"{_GREEK[ch]}" if ch in _GREEK else ch for ch in title)}
    if _GREEK_NAMES.search(title):
        by_name = {v: k for k, v in _GREEK.items()}
        return {**rec, "title": _GREEK_NAMES.sub(lambda m: by_name[m.group(1).lower()], title)}
    return None


def _persons(rec: CorpusRecord) -> list[dict]:
    return [a for a in rec.get("authors") or [] if "collective" not in a]


def _initials_only(rec: CorpusRecord, rng: random.Random) -> CorpusRecord | None:
    """Given names dropped, initials kept (MEDLINE before 2002); or given names spelled in full."""
    del rng
    if not any(a.get("given") and a.get("given") != a.get("initials") for a in _persons(rec)):
        return None
    new = copy.deepcopy(rec)
    for a in new["authors"]:
        if "collective" not in a and a.get("given"):
            a["initials"] = a.get("initials") or "".join(w[0] for w in re.split(r"[\s.\-]+", a["given"]) if w)
            a["given"] = a["initials"]
    return new


def _hyphenated_given(rec: CorpusRecord, rng: random.Random) -> CorpusRecord | None:
    """``J.-P.`` style given names (Crossref), the print has ``JP``."""
    del rng
    people = [a for a in _persons(rec) if len(a.get("initials") or "") >= 2]
    if not people:
        return None
    new = copy.deepcopy(rec)
    for a in new["authors"]:
        if "collective" not in a and len(a.get("initials") or "") >= 2:
            a["given"] = "-".join(f"{c}." for c in a["initials"][:2]) + "".join(f" {c}." for c in a["initials"][2:])
    return new


def _diacritics(rec: CorpusRecord, rng: random.Random) -> CorpusRecord | None:
    """Diacritics on one side only: stripped from the record, or added where the print has none."""
    del rng
    people = _persons(rec)
    if not people or not people[0].get("family"):
        return None
    new = copy.deepcopy(rec)
    accented = [a for a in new["authors"] if "collective" not in a and not (a.get("family") or "").isascii()]
    if accented:
        for a in accented:
            a["family"] = "".join(c for c in unicodedata.normalize("NFKD", a["family"]) if not unicodedata.combining(c))
        return new
    first = next(a for a in new["authors"] if "collective" not in a)
    family = first["family"]
    m = re.search(r"[aeo]", family)
    if not m:
        return None
    first["family"] = family[: m.start()] + {"a": "á", "e": "é", "o": "ó"}[m.group(0)] + family[m.end() :]
    return new


def _short_pages(rec: CorpusRecord, rng: random.Random) -> CorpusRecord | None:
    """The end page in NLM's short form (``1205-13``) in every view, or expanded where the print is short."""
    del rng
    first, last = rec.get("first_page"), rec.get("last_page")
    if not (first and last and first.isdigit() and last.isdigit() and len(first) == len(last) and first != last):
        return None
    short = (abbreviate_range(first, last) or "").split("-")[-1]
    return None if short == last else {**rec, "last_page": short}


def _elocator(rec: CorpusRecord, rng: random.Random) -> CorpusRecord | None:
    """An e-locator deposited as the first page, or a lone first page deposited as an article number."""
    del rng
    if rec.get("article_number") and not rec.get("first_page"):
        return {**rec, "first_page": rec["article_number"], "article_number": None}
    if rec.get("first_page") and not rec.get("last_page") and not rec.get("article_number"):
        return {**rec, "article_number": rec["first_page"], "first_page": None}
    return None


def _no_issue(rec: CorpusRecord, rng: random.Random) -> CorpusRecord | None:
    del rng
    return {**rec, "issue": None} if rec.get("issue") else None


def _online_first(rec: CorpusRecord, rng: random.Random) -> CorpusRecord | None:
    """The print issue a year after the online date the reference cites (expected: at most REF105)."""
    del rng
    year = rec.get("year")
    if not isinstance(year, int):
        return None
    return {**rec, "year": year + 1, "month": 1, "day": None, "epub_date": [year, 12, 1]}


TRANSFORMS: dict[str, Callable[[CorpusRecord, random.Random], CorpusRecord | None]] = {
    "title_markup": _markup,
    "title_case": _title_case,
    "greek_letters": _greek,
    "initials_only": _initials_only,
    "hyphenated_given": _hyphenated_given,
    "diacritics": _diacritics,
    "short_page_range": _short_pages,
    "elocator_as_page": _elocator,
    "issue_missing": _no_issue,
    "online_first_year": _online_first,
}
"""Name -> transformation; each returns None when it does not apply to the record."""
