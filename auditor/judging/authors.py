"""Author-name comparison between Vancouver strings (``Cree BAC``) and structured record authors.

References give ``Surname Initials``; records give family/given/initials. Both are reduced to a
folded surname plus initials so diacritics (``Småbrekke``/``Smabrekke``) and punctuation never count,
then graded: ``same``, ``misspelled`` (close surname or different initials: a reader still finds the
paper) or ``different``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from auditor.judging.normalize import fold, norm_text
from auditor.model import RecordAuthor

NameMatch = Literal["same", "misspelled", "different"]
_INITIALS = re.compile(r"^(?:[A-Z]{1,5}|[A-Z][a-z]|[A-Z]{2,4}[a-z]|[A-Z]{1,3}(?:vd|v|d))$")
"""``BAC``; mixed case as real prints have it (``Aa``, ``TLVo``, ``Avd`` for A. van der) but never a
word such as ``Roch``."""
_SURNAME_SIMILAR = 80.0
_GLUED_SUFFIX = re.compile(r"(?<=[A-Z])(?:Jr|Sr|2nd|3rd|4th|II|III|IV)$")

PARTICLES = frozenset({"van", "von", "de", "der", "den", "del", "della", "da", "das", "do", "dos", "du", "di",
                       "la", "le", "ten", "ter", "el", "al", "bin", "y", "e", "st", "zu", "vd", "vander"})
"""Surname particles: a citation may keep or drop them, and may print them on either side of the name."""
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "2nd", "3rd", "4th", "filho", "neto", "junior", "sobrinho",
                      "segundo"})
"""Generational suffixes: Lusophone ``Filho``/``Neto``/``Junior``/``Sobrinho`` and ``Jr``; often printed,
rarely kept in the registry's surname (or the other way round)."""


@dataclass(frozen=True)
class Name:
    surname: str
    """Folded, letters only (``o kelly`` -> ``okelly``); for collectives the whole folded name."""
    initials: str
    """Upper-case initials, possibly empty."""
    collective: bool = False
    words: tuple[str, ...] = ()
    """The folded surname's words (split on spaces and hyphens), for particle and suffix rules."""

    @property
    def person(self) -> bool:
        return not self.collective and bool(self.surname)


def _surname_words(text: str) -> tuple[str, ...]:
    return tuple(w for w in (re.sub(r"[^a-z]", "", p) for p in re.split(r"[\s\-‐]+", fold(text))) if w)


def _name(surname: str, initials: str) -> Name:
    return Name(_letters(surname), initials.upper(), words=_surname_words(surname))


_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|2nd|3rd|filho|neto|junior|júnior|sobrinho)\.?$", re.IGNORECASE)


@lru_cache(maxsize=65536)
def parse_vancouver(author: str) -> Name:
    """``"Cree BAC"`` -> Name("cree", "BAC"); anything without trailing initials is a collective.

    Real prints also give ``Fodor Aa`` (mixed-case initials), ``Mainous AG3rd`` (a glued suffix),
    ``Morse H D`` (spaced initials) and ``Siqueira JS de`` (a particle after the initials).
    """
    text = author.strip().rstrip(".,;")
    parts = text.replace(".", " ").split() if "." in text else text.split()
    while len(parts) >= 3 and (_SUFFIX.match(parts[-1]) or parts[-1] in PARTICLES):
        parts = parts[:-1]  # "Cahill GF Jr": PubMed lists the same person as "Cahill GF"
    if len(parts) >= 2:
        last = _GLUED_SUFFIX.sub("", _plain(parts[-1])).replace("-", "")
        initials = last
        k = len(parts) - 1
        # "Morse H D": single-letter initials written apart belong together.
        while k >= 2 and re.fullmatch(r"[A-Z]", _plain(parts[k - 1])) and len(initials) <= 3:
            initials = _plain(parts[k - 1]) + initials
            k -= 1
        if _INITIALS.match(initials):
            return _name(" ".join(parts[:k]), initials)
    if len(parts) == 1 and parts[0][:1].isupper():
        return _name(parts[0], "")
    if len(parts) == 2 and parts[0].lower() in PARTICLES and parts[1][:1].isupper():
        return _name(text, "")  # ``Le Roch``: a person printed without initials, not a group
    return Name(norm_text(text), "", collective=True)


_PLAIN = str.maketrans({"Ø": "O", "ø": "o", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d"})


def _plain(token: str) -> str:
    """Letters without diacritics, case kept: initials ``ØR`` and ``TÉR`` are ``OR`` and ``TER``."""
    if token.isascii():
        return token
    decomposed = unicodedata.normalize("NFKD", token.translate(_PLAIN))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", fold(text))


def initials_from_given(given: str) -> str:
    """``"Bruce A. C."`` -> ``BAC``; ``"Jean-Pierre"`` -> ``JP``."""
    return "".join(w[0] for w in re.split(r"[\s.\-]+", given) if w and w[0].isalpha()).upper()


@lru_cache(maxsize=65536)
def record_name(author: RecordAuthor) -> Name:
    if author.collective and not author.family:
        return Name(norm_text(author.collective), "", collective=True)
    family = author.family or ""
    if family and all(w in PARTICLES for w in _surname_words(family)):
        # ``family: VAN, given: DEN BOSSCHE P.`` (initials ``DENBOSSCHEP``): a split that left only the
        # particle as the family; the given name holds the rest of the surname and, last, the initials.
        words = [w for w in re.split(r"[\s.\-‐]+", author.given or "") if w]
        k = 0
        while k < len(words) and len(words[k]) > 1:
            k += 1
        rest = "".join(words[k:])
        if 0 < k < len(words) and rest.isupper() and len(rest) <= 3:
            return _name(f"{family} {' '.join(words[:k])}", rest)
    initials = (author.initials or "").replace(".", "").replace(" ", "").upper()
    if not initials and author.given:
        initials = initials_from_given(author.given)
    return _name(author.family or "", initials)


def _initials_agree(a: str, b: str) -> bool:
    """Prefix-compatible initials are one person: ``ANNB`` and ``A``, ``MCGCF`` and ``M``."""
    return not a or not b or a.startswith(b) or b.startswith(a)


@lru_cache(maxsize=65536)
def _forms(name: Name) -> frozenset[str]:
    """Surname forms a citation may use for the same person: with or without particles and suffixes,
    and (compound surnames) the first or the last of the remaining words."""
    words = list(name.words) or [name.surname]
    forms = {name.surname}
    core = [w for w in words if w not in SUFFIXES] or words
    forms.add("".join(core))
    bare = [w for w in core if w not in PARTICLES] or core
    forms.add("".join(bare))
    if len(bare) >= 2:
        forms.update({bare[0], bare[-1]})
    return frozenset(f for f in forms if f)


def _particle_initials(name: Name) -> str:
    return "".join(w[0] for w in name.words if w in PARTICLES).upper()


def _trim_particles(initials: str, other: Name) -> str:
    """``Mast RVD`` for ``Van der Mast RC``: the registry turned the other side's particles into initials."""
    tail = _particle_initials(other)
    if tail and len(initials) > len(tail) and initials.endswith(tail):
        return initials[: -len(tail)]
    return initials


def _particle_only(ref: Name, rec: Name) -> bool:
    """``van Os J`` against a record ``van OJ``: the family is a bare particle, the surname became an initial."""
    if not rec.words or any(w not in PARTICLES for w in rec.words) or not rec.initials:
        return False
    head = rec.surname + rec.initials[0].lower()
    if ref.surname.startswith(head) and _initials_agree(ref.initials, rec.initials[1:]):
        return True
    # ``DE SOUSAVF`` for ``DE SOUSA VF``: the rest of the surname was glued onto the initials.
    for k in range(2, len(rec.initials)):
        if ref.surname == rec.surname + rec.initials[:k].lower() and _initials_agree(ref.initials, rec.initials[k:]):
            return True
    return False


@lru_cache(maxsize=65536)
def compare_names(ref: Name, rec: Name) -> NameMatch:
    if ref.collective or rec.collective:
        score = fuzz.ratio(ref.surname, rec.surname)
        return "same" if score >= 95 else "misspelled" if score >= _SURNAME_SIMILAR else "different"
    if not ref.surname or not rec.surname:
        return "different"
    if _particle_only(ref, rec) or _particle_only(rec, ref):
        return "same"
    if _forms(ref) & _forms(rec):
        a, b = _trim_particles(ref.initials, rec), _trim_particles(rec.initials, ref)
        if _initials_agree(a, b):
            return "same"
        return "misspelled"
    if fuzz.ratio(ref.surname, rec.surname) >= _SURNAME_SIMILAR and (
        not ref.initials or not rec.initials or ref.initials[0] == rec.initials[0]
    ):
        return "misspelled"
    return "different"


def first_persons(ref: list[Name], rec: list[Name]) -> tuple[int, int] | None:
    """Indexes of the names to compare as "first author".

    A group name that leads one list only (``Genomes Project Consortium, Abecasis GR, ...`` against a
    record that starts with Abecasis) is not a person who is missing: the first persons are compared.
    """
    if not ref or not rec:
        return None
    if ref[0].collective and not rec[0].collective:
        i = next((k for k, n in enumerate(ref) if n.person), None)
        return None if i is None else (i, 0)
    if rec[0].collective and not ref[0].collective:
        j = next((k for k, n in enumerate(rec) if n.person), None)
        return None if j is None else (0, j)
    return 0, 0


def format_record_author(author: RecordAuthor) -> str:
    """Vancouver form of a record author, for messages and suggestions: ``Cree BAC``."""
    if author.collective and not author.family:
        return author.collective
    initials = (author.initials or "").replace(".", "").replace(" ", "")
    if not initials and author.given:
        initials = initials_from_given(author.given)
    return f"{author.family or ''} {initials}".strip()
