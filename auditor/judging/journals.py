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

import html
import re
from collections.abc import Iterable
from functools import lru_cache

from auditor.judging.normalize import fold

_PAREN = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_WORD = re.compile(r"[0-9a-z]+")
_STOP = frozenset({"and", "of", "the", "for", "in", "on", "de", "la", "le", "des", "der", "und",
                   "y", "et", "du", "di", "da", "del", "section"})


@lru_cache(maxsize=16384)
def journal_words(name: str) -> tuple[str, ...]:
    """Significant words of a journal name: qualifiers in parentheses and stop-words removed.

    Entities (``&amp;``) are decoded and a trailing ``volume`` of a lettered series is dropped
    (``American volume``), so the registries' name forms for one journal reduce to the same words.
    """
    text = fold(html.unescape(name)).replace("&", " and ")
    text = _PAREN.sub(" ", text)
    words = [w for w in _WORD.findall(text) if w not in _STOP]
    if len(words) >= 3 and words[-1] == "volume":
        words.pop()
    return tuple(words)


@lru_cache(maxsize=16384)
def _word_forms(name: str) -> tuple[tuple[str, ...], ...]:
    """The words, and (when it differs) the same with runs of single letters joined: ``U S A`` = ``USA``."""
    words = journal_words(name)
    joined: list[str] = []
    in_run = False
    for w in words:
        single = len(w) == 1 and w.isalpha()
        if single and in_run:
            joined[-1] += w
        else:
            joined.append(w)
            in_run = single
    return (words,) if tuple(joined) == words else (words, tuple(joined))


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
    if _acronym_of(a, b) or _acronym_of(b, a):
        return True
    return any(_same_words(wa, wb) for wa in _word_forms(a) for wb in _word_forms(b))


def _acronym_of(short: str, full: str) -> bool:
    """``JAMA`` for ``Journal of the American Medical Association``, ``BMJ`` for ``British Medical Journal``."""
    token = short.strip(" .")
    if not (3 <= len(token) <= 6 and token.isalpha() and token.isupper()):
        return False
    words = journal_words(full)
    return len(words) == len(token) and "".join(w[0] for w in words) == token.lower()


def _same_words(wa: tuple[str, ...], wb: tuple[str, ...]) -> bool:
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
