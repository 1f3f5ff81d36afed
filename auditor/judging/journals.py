"""Journal-name matching that understands NLM/ISO abbreviations.

``Pharmacoepidemiol Drug Saf`` must equal ``Pharmacoepidemiology and Drug Safety`` and ``Exp Biol
Med (Maywood)`` must equal ``Experimental Biology and Medicine (Maywood, N.J.)``, yet ``Nature`` is
not ``Nature Genetics`` and ``Brain Behav Immun`` is not ``Brain Behav Immun Health``. The rule:
after dropping stop-words and parenthesised place qualifiers, both names have the same number of
words and each abbreviated word is a contraction of the full word (same first letter, letters in
order: ``Natl`` for ``National``). Requiring the same word count is what keeps ``Nature`` away from
``Nature Genetics``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from auditor.judging.normalize import fold

_PAREN = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_WORD = re.compile(r"[0-9a-z]+")
_STOP = frozenset({"and", "of", "the", "for", "in", "on", "de", "la", "le", "des", "der", "und",
                   "y", "et", "du", "di", "da", "del"})


@lru_cache(maxsize=16384)
def journal_words(name: str) -> tuple[str, ...]:
    """Significant words of a journal name: qualifiers in parentheses and stop-words removed."""
    text = fold(name).replace("&", " and ")
    text = _PAREN.sub(" ", text)
    return tuple(w for w in _WORD.findall(text) if w not in _STOP)


def _contracts(short: str, full: str) -> bool:
    """``short`` is ``full`` or a contraction of it: same first letter, remaining letters in order."""
    if short == full:
        return True
    if len(short) > len(full) or short[0] != full[0]:
        return False
    if full.startswith(short):
        return True
    it = iter(full[1:])
    return all(ch in it for ch in short[1:]) and not short.isdigit()


@lru_cache(maxsize=65536)
def same_journal_name(a: str, b: str) -> bool:
    """One name against one name, in either direction of abbreviation."""
    wa, wb = journal_words(a), journal_words(b)
    if not wa or not wb:
        return False
    if wa == wb:
        return True
    if len(wa) != len(wb):
        return False
    for x, y in zip(wa, wb, strict=True):
        short, full = (x, y) if len(x) <= len(y) else (y, x)
        if not _contracts(short, full):
            return False
    return True


def journal_agrees(ref_journal: str | None, names: Iterable[str | None]) -> bool | None:
    """True if the reference's journal matches the record's full title or any of its abbreviations."""
    if not ref_journal:
        return None
    seen = False
    for name in names:
        if not name:
            continue
        seen = True
        if same_journal_name(ref_journal, name):
            return True
    return False if seen else None
