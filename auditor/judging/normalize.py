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


_GREEK = str.maketrans({
    "α": " alpha ", "β": " beta ", "γ": " gamma ", "δ": " delta ", "ε": " epsilon ", "ζ": " zeta ", "η": " eta ",
    "θ": " theta ", "ι": " iota ", "κ": " kappa ", "λ": " lambda ", "μ": " mu ", "µ": " mu ", "ν": " nu ",
    "ξ": " xi ", "π": " pi ", "ρ": " rho ", "σ": " sigma ", "τ": " tau ", "φ": " phi ", "χ": " chi ",
    "ψ": " psi ", "ω": " omega ", "Δ": " delta ", "Γ": " gamma ", "Ω": " omega ",
})
"""Greek letters spelled out: registries print ``α/β`` where citations write ``alpha/beta`` (and back)."""


@lru_cache(maxsize=65536)
def norm_text(text: str | None) -> str:
    """Markup, diacritics, case and punctuation removed; Greek letters spelled; single spaces."""
    if not text:
        return ""
    text = strip_markup(text)
    if not text.isascii():
        text = text.translate(_GREEK)
    return _NON_ALNUM.sub(" ", fold(text)).strip()


@lru_cache(maxsize=65536)
def norm_token(value: str | None) -> str:
    """Volume/issue style tokens: alphanumerics only, lower case, leading zeros dropped."""
    if not value:
        return ""
    token = re.sub(r"[^0-9a-z]", "", fold(value))
    return token.lstrip("0") or token


