"""Title comparison graded the way a reader experiences it.

``same``: identical once case, punctuation, diacritics and markup are ignored.
``minor``: subtitle dropped/added or a slight rewording (a reader still recognises the paper).
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
_MINOR_RATIO = 90.0
_RELATED_RATIO = 70.0
_RELATED_SET = 85.0


@lru_cache(maxsize=65536)
def main_title(title: str) -> str:
    """Normalised title up to the first subtitle separator (colon, full stop, dash...)."""
    head = _SUBTITLE.split(strip_markup(title).strip(), maxsplit=1)[0]
    return norm_text(head)


@lru_cache(maxsize=65536)
def compare_titles(ref_title: str, rec_title: str) -> TitleMatch:
    a, b = norm_text(ref_title), norm_text(rec_title)
    if not a or not b:
        return "different"
    if a == b or a.replace(" ", "") == b.replace(" ", ""):
        return "same"
    ma, mb = main_title(ref_title), main_title(rec_title)
    if len(min(ma, mb, key=len).split()) >= 3 and (ma in (mb, b) or a == mb):
        return "minor"
    if fuzz.ratio(a, b) >= _MINOR_RATIO or fuzz.token_sort_ratio(a, b) >= _MINOR_RATIO:
        return "minor"
    if fuzz.ratio(a, b) >= _RELATED_RATIO or fuzz.token_set_ratio(a, b) >= _RELATED_SET:
        return "related"
    return "different"
