"""Journal-name matching that understands NLM/ISO abbreviations.

``Pharmacoepidemiol Drug Saf`` must equal ``Pharmacoepidemiology and Drug Safety`` and ``Exp Biol
Med (Maywood)`` must equal ``Experimental Biology and Medicine (Maywood, N.J.)``, yet ``Nature`` is
not ``Nature Genetics`` and ``Brain Behav Immun`` is not ``Brain Behav Immun Health``. The rule:
after dropping stop-words and parenthesised place qualifiers, both names have the same number of
words and each abbreviated word is a contraction of the full word (same first letter, letters in
order: ``Natl`` for ``National``). Requiring the same word count is what keeps ``Nature`` away from
``Nature Genetics``.

Name forms the registries and prints really use are reduced first (issue 10, class 6): the old
place word of the Royal Society's titles (``Proc R Soc Lond B`` = ``Proc Roy Soc B``), a number a
registry left at the end of a container title (``Stroke Res Treat 534812``), a place the print puts
after the name (``Meteorologische Zeitschrift, Garmisch-Partenkirchen``), and bilingual parallel
titles (``Biometrical Journal Biometrische Zeitschrift``, ``Title = Titre``), each half of which
names the journal.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache

from auditor.judging.normalize import fold, norm_text

_PAREN = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_WORD = re.compile(r"[0-9a-z]+")
_STOP = frozenset({"and", "of", "the", "for", "in", "on", "de", "la", "le", "des", "der", "und",
                   "y", "et", "du", "di", "da", "del", "section", "series", "ser"})
# The place word of pre-2000 Royal Society titles (``Proc R Soc Lond B``, ``Philos Trans R Soc Lond``):
# today's titles and Crossref's short forms drop it, and no journal is told apart by it alone.
_PLACE = frozenset({"lond", "london"})
_PARALLEL = re.compile(r"\s+[=/|]\s+")


@lru_cache(maxsize=16384)
def journal_words(name: str) -> tuple[str, ...]:
    """Significant words of a journal name: qualifiers in parentheses and stop-words removed.

    Entities (``&amp;``) are decoded and a trailing ``volume`` of a lettered series is dropped
    (``American volume``), so the registries' name forms for one journal reduce to the same words.
    """
    text = fold(html.unescape(name)).replace("&", " and ")
    text = _PAREN.sub(" ", text)
    words = [w for w in _WORD.findall(text) if w not in _STOP and w not in _PLACE]
    if len(words) >= 3 and words[-1] == "volume":
        words.pop()
    if len(words) >= 3 and words[-1].isdigit():
        words.pop()  # ``Stroke Res Treat 534812``: an article number left in the container title
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


def parallel_titles(name: str) -> tuple[str, ...]:
    """The halves of a bilingual title: ``A = B`` / ``A / B``, or two halves of equal length whose first
    words share a stem (``Biometrical Journal Biometrische Zeitschrift``). Empty for other names."""
    parts = [p for p in _PARALLEL.split(name) if p.strip()]
    if len(parts) >= 2:
        return tuple(parts)
    words = name.split()
    half = len(words) // 2
    if len(words) >= 4 and len(words) % 2 == 0:
        a, b = fold(words[0]), fold(words[half])
        if len(a) >= 6 and len(b) >= 6 and a[:5] == b[:5]:
            return " ".join(words[:half]), " ".join(words[half:])
    return ()


def _series_head(name: str) -> tuple[str, ...]:
    """``Proceedings of the Royal Society B: Biological Sciences`` is also printed ``Proc R Soc B``:
    the part before a colon names the journal when it has three significant words or more."""
    head, sep, _ = name.partition(": ")
    return (head,) if sep and len(journal_words(head)) >= 3 else ()


def _ref_forms(ref_journal: str) -> tuple[str, ...]:
    """The printed name, and without a place printed after a comma (``Zoologia, Curitiba``)."""
    head, sep, tail = ref_journal.partition(", ")
    if sep and head.strip() and len(tail.split()) <= 3 and not any(ch.isdigit() for ch in tail):
        return ref_journal, head
    return (ref_journal,)


def journal_agrees(ref_journal: str | None, names: Iterable[str | None]) -> bool | None:
    """True if the reference's journal matches the record's full title or any of its abbreviations."""
    if not ref_journal:
        return None
    seen = False
    forms = _ref_forms(ref_journal)
    for name in names:
        if not name:
            continue
        seen = True
        for candidate in (name, *parallel_titles(name), *_series_head(name)):
            if any(same_journal_name(form, candidate) for form in forms):
                return True
    return False if seen else None


def glued_to_title(ref_title: str | None, ref_journal: str | None, record_title: str | None,
                   names: Iterable[str | None]) -> bool:
    """The print ran the record's title and one of its journal names together, so the parser could
    not cut them apart: ``...Iron in Lakes Environ Sci Technol 39:``, ``...Province, China, Cities,
    121``, ``...de trabalho. RAM. Revista de Administração Mackenzie, v. 11`` (the journal's own
    full stop), ``...Discurso. São Paulo, v. 15`` (ABNT's place after the name).

    Accepted only as exact text: the title and journal slots together are the record's whole title
    followed by one of its names, or the title slot is that and the journal slot a short place with
    no digit. A wrong journal printed after a correct title never reads so.
    """
    title = norm_text(record_title)
    if len(title.split()) < 3 or not ref_journal:
        return False
    slot_title, slot_journal = norm_text(ref_title), norm_text(ref_journal)
    joined = f"{slot_title} {slot_journal}".strip()
    place = len(ref_journal.split()) <= 3 and not any(ch.isdigit() for ch in ref_journal)
    for name in names:
        n = norm_text(name)
        if not n:
            continue
        if joined == f"{title} {n}" or (place and slot_title == f"{title} {n}"):
            return True
    return False
