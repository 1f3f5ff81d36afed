"""String normalisation shared by every field comparison.

Case, punctuation, diacritics, HTML/MathML markup and trailing periods must never count as
differences, so every comparison goes through these helpers. They are memoised because the same
record and reference strings are compared against many candidates.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_TAG = re.compile(r"<[^<>]{0,200}>")
_NON_ALNUM = re.compile(r"[\W_]+")  # Unicode-aware: letters of every script survive
# Letters NFKD does not decompose into base + combining mark.
_FOLD = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ł": "l", "Ł": "L",
     "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "ı": "i"}
)


def strip_markup(text: str) -> str:
    """Remove HTML/MathML tags and decode entities, keeping the text content."""
    return html.unescape(_TAG.sub("", text)) if "<" in text or "&" in text else text


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Drop diacritics and case: ``Småbrekke`` -> ``smabrekke``."""
    if text.isascii():
        return text.lower()  # the common case, without a per-character pass
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return _COMBINING.sub("", decomposed).casefold()


@lru_cache(maxsize=65536)
def norm_text(text: str | None) -> str:
    """Markup, diacritics, case and punctuation removed; words separated by single spaces."""
    if not text:
        return ""
    return _NON_ALNUM.sub(" ", fold(strip_markup(text))).strip()


@lru_cache(maxsize=65536)
def norm_token(value: str | None) -> str:
    """Volume/issue style tokens: alphanumerics only, lower case, leading zeros dropped."""
    if not value:
        return ""
    token = re.sub(r"[^0-9a-z]", "", fold(value))
    return token.lstrip("0") or token


