"""Author-name comparison between Vancouver strings (``Cree BAC``) and structured record authors.

References give ``Surname Initials``; records give family/given/initials. Both are reduced to a
folded surname plus initials so diacritics (``Småbrekke``/``Smabrekke``) and punctuation never count,
then graded: ``same``, ``misspelled`` (close surname or different initials: a reader still finds the
paper) or ``different``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from auditor.judging.normalize import fold, norm_text
from auditor.model import RecordAuthor

NameMatch = Literal["same", "misspelled", "different"]
_INITIALS = re.compile(r"^[A-Z]{1,4}$")
_SURNAME_SIMILAR = 80.0


@dataclass(frozen=True)
class Name:
    surname: str
    """Folded, letters only (``o kelly`` -> ``okelly``); for collectives the whole folded name."""
    initials: str
    """Upper-case initials, possibly empty."""
    collective: bool = False


_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|2nd|3rd)\.?$", re.IGNORECASE)


@lru_cache(maxsize=65536)
def parse_vancouver(author: str) -> Name:
    """``"Cree BAC"`` -> Name("cree", "BAC"); anything without trailing initials is a collective."""
    text = author.strip().rstrip(".,;")
    parts = text.split()
    if len(parts) >= 3 and _SUFFIX.match(parts[-1]):
        parts = parts[:-1]  # "Cahill GF Jr": PubMed lists the same person as "Cahill GF"
    if len(parts) >= 2:
        initials = parts[-1].replace(".", "").replace("-", "")
        if _INITIALS.match(initials):
            return Name(_letters(" ".join(parts[:-1])), initials)
    if len(parts) == 1 and parts[0][:1].isupper():
        return Name(_letters(parts[0]), "")
    return Name(norm_text(text), "", collective=True)


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", fold(text))


def initials_from_given(given: str) -> str:
    """``"Bruce A. C."`` -> ``BAC``; ``"Jean-Pierre"`` -> ``JP``."""
    return "".join(w[0] for w in re.split(r"[\s.\-]+", given) if w and w[0].isalpha()).upper()


@lru_cache(maxsize=65536)
def record_name(author: RecordAuthor) -> Name:
    if author.collective and not author.family:
        return Name(norm_text(author.collective), "", collective=True)
    initials = (author.initials or "").replace(".", "").replace(" ", "").upper()
    if not initials and author.given:
        initials = initials_from_given(author.given)
    return Name(_letters(author.family or ""), initials)


def compare_names(ref: Name, rec: Name) -> NameMatch:
    if ref.collective or rec.collective:
        score = fuzz.ratio(ref.surname, rec.surname)
        return "same" if score >= 95 else "misspelled" if score >= _SURNAME_SIMILAR else "different"
    if not ref.surname or not rec.surname:
        return "different"
    if ref.surname == rec.surname:
        if not ref.initials or not rec.initials or ref.initials == rec.initials:
            return "same"
        return "misspelled"
    if fuzz.ratio(ref.surname, rec.surname) >= _SURNAME_SIMILAR and (
        not ref.initials or not rec.initials or ref.initials[0] == rec.initials[0]
    ):
        return "misspelled"
    return "different"


def format_record_author(author: RecordAuthor) -> str:
    """Vancouver form of a record author, for messages and suggestions: ``Cree BAC``."""
    if author.collective and not author.family:
        return author.collective
    initials = (author.initials or "").replace(".", "").replace(" ", "")
    if not initials and author.given:
        initials = initials_from_given(author.given)
    return f"{author.family or ''} {initials}".strip()
