"""Title comparison graded the way a reader experiences it.

``same``: identical once case, punctuation, diacritics and markup are ignored.
``minor``: subtitle dropped/added, trailing words cut (``... opioid relapse`` for ``... opioid relapse
in criminal justice offenders``: the leading words are the paper's own, so a reader finds it) or a
slight rewording.
``related``: clearly overlapping wording but a different claim; identity then needs strong support
from authors and year. ``different``: another title.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from auditor.judging.normalize import norm_text, strip_markup

TitleMatch = Literal["same", "minor", "related", "different"]
_SUBTITLE = re.compile(r"\s*(?:[:?!.;]|\s[-–—]\s|[–—])\s*")
_PART = re.compile(r"\bpart (\d+|[ivx]+)\b")
_MINOR_RATIO = 90.0
_RELATED_RATIO = 70.0
_RELATED_SET = 85.0


@lru_cache(maxsize=65536)
def main_title(title: str) -> str:
    """Normalised title up to the first subtitle separator (colon, full stop, dash...)."""
    head = _SUBTITLE.split(strip_markup(title).strip(), maxsplit=1)[0]
    return norm_text(head)


def _truncated(short: str, full: str) -> bool:
    """``short`` is ``full`` with trailing words cut (a qualifier dropped, like a subtitle)."""
    if not full.startswith(short + " "):
        return False
    n_short, n_full = len(short.split()), len(full.split())
    return n_short >= 4 and n_short * 2 >= n_full


_ACRONYM = re.compile(r"\s*\((?:[A-Z][A-Za-z0-9+-]{1,9}|[0-9]+[A-Z][A-Za-z0-9-]*)\)")


def without_acronyms(title: str) -> str:
    """The title minus parenthesised acronyms that restate the words before them ("(LDN)").

    Citing authors drop these freely; they change nothing a reader searches for, so they count
    like punctuation.
    """
    return _ACRONYM.sub("", title)


@lru_cache(maxsize=65536)
def compare_titles(ref_title: str, rec_title: str) -> TitleMatch:
    a, b = norm_text(ref_title), norm_text(rec_title)
    if not a or not b:
        return "different"
    if norm_text(without_acronyms(ref_title)) == norm_text(without_acronyms(rec_title)):
        return "same"
    pa, pb = _PART.findall(a), _PART.findall(b)
    if pa and pb and pa != pb:
        return "different"  # "Part 1" and "Part 2" of a series are two works
    if a == b or a.replace(" ", "") == b.replace(" ", ""):
        return "same"
    ma, mb = main_title(ref_title), main_title(rec_title)
    if len(min(ma, mb, key=len).split()) >= 3 and (ma in (mb, b) or a == mb):
        return "minor"
    if _truncated(a, b) or _truncated(b, a):
        return "minor"
    if fuzz.ratio(a, b) >= _MINOR_RATIO or fuzz.token_sort_ratio(a, b) >= _MINOR_RATIO:
        return "minor"
    if fuzz.ratio(a, b) >= _RELATED_RATIO or fuzz.token_set_ratio(a, b) >= _RELATED_SET:
        return "related"
    return "different"


STOPWORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "into", "is", "of", "on", "or", "the",
     "to", "with", "its", "their", "vs", "versus", "via"}
)
"""Words that carry no identity in a title; shared by title comparison and search-term building."""


@lru_cache(maxsize=65536)
def content_overlap(ref_title: str, rec_title: str) -> float:
    """Share of the reference title's content words that the record's title also uses.

    Fuzzy ratios are inflated by short shared phrases ("of ... multiple sclerosis"); counting the
    reference's own content words is what separates a reworded title of the same paper from a
    different paper on the same topic.
    """
    ref_words = {w for w in norm_text(ref_title).split() if w not in STOPWORDS}
    rec_words = {w for w in norm_text(rec_title).split() if w not in STOPWORDS}
    return len(ref_words & rec_words) / len(ref_words) if ref_words else 0.0
