"""Author lists in Vancouver form: ``Surname Initials`` persons, ``et al``, and collective names.

Kept apart from the rest of the reference parser because deciding "is this sentence a list of
names?" is what tells an authors-first reference from a title-first one, and it has its own rules
(particles such as ``van der``, hyphenated initials ``C-q``, suffixes ``Jr``, ``;``-separated groups).
"""

from __future__ import annotations

import re

_PARTICLE = (
    r"(?:[Vv]an|[Vv]on|[Dd]e|[Dd]er|[Dd]en|[Dd]el|[Dd]ella|[Dd]a|[Dd]as|[Dd]os|[Dd]u|[Dd]i|[Ll]a|[Ll]e"
    r"|[Tt]en|[Tt]er|[Ee]l|[Aa]l|[Bb]in|[Ss]t\.?|Mc|Mac|O'|y|e)"
)
_SURNAME_WORD = r"(?:[A-Z\u00C0-\u00DE\u0100-\u024F][\w'’\-]*|" + _PARTICLE + r")"
_INITIALS = r"(?:[A-Z\u00C0-\u00DE](?:[A-Z\u00C0-\u00DE]|[a-z](?=[A-Z])|-[a-z](?![a-z])|\.\s?|-){0,6})"
_NAME_PARTICLE = r"(?:de|da|do|dos|das|del|van|von|der)"
AUTHOR_RE = re.compile(
    r"^(?P<sur>" + _SURNAME_WORD + r"(?:[\s-]+" + _SURNAME_WORD + r"){0,3})\s+"
    r"(?P<ini>" + _INITIALS + r"(?:\s" + _NAME_PARTICLE + r"\s" + _INITIALS + r")?)"
    r"(?:\s+" + _NAME_PARTICLE + r")?"  # ``Siqueira JS de``: a particle printed after the initials
    r"(?:\s+(?P<suffix>Jr|Sr|II|III|IV|2nd|3rd)\.?)?$"
)
_INNER_PARTICLE_RE = re.compile(r"\s" + _NAME_PARTICLE + r"\s")
_ETAL_RE = re.compile(r"^(?:et\.?\s*al\.?|and others|et al\.?.*)$", re.IGNORECASE)
_AUTHOR_SPLIT_RE = re.compile(r"\s*(?:,|;|\band\b|&)\s*")


GROUP_NAME_RE = re.compile(
    r"\b(?:Group|Consortium|Collaborat\w*|Committee|Network|Society|Organi[sz]ation|Association|"
    r"Investigators|Team|Panel|Council|Working|Members|Study)\b", re.IGNORECASE)
"""Words that make a list item a collective author (issue 9, item 8)."""


def is_author_token(token: str) -> bool:
    return bool(AUTHOR_RE.match(token))


def _normalise_author(token: str) -> str:
    m = AUTHOR_RE.match(token)
    if not m:
        return token
    initials = _INNER_PARTICLE_RE.sub("", m.group("ini")).replace(".", "").replace(" ", "")
    suffix = m.group("suffix")
    return f"{m.group('sur')} {initials} {suffix}" if suffix else f"{m.group('sur')} {initials}"


def _author_tokens(segment: str) -> tuple[list[str], list[str]]:
    """Persons before the first ``;``, and the collective names Vancouver puts after it."""
    persons, *groups = segment.strip().rstrip(".").split(";")
    tokens = _rejoin_comma_names([t for t in _AUTHOR_SPLIT_RE.split(persons) if t])
    return tokens, [g.strip() for g in groups if g.strip()]


_BARE_SURNAME_RE = re.compile(r"^" + _SURNAME_WORD + r"(?:[\s-]+" + _SURNAME_WORD + r"){0,2}$")
_BARE_INITIALS_RE = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")


def _rejoin_comma_names(tokens: list[str]) -> list[str]:
    """``Meyer, F.`` / ``Sallis, JF`` / ``Bhosle, M`` inside a Vancouver list: one person, not two.

    A comma between a surname and its initials is a real printing slip; a bare surname followed by a
    token that is only initials is glued back, so the person is neither split nor lost.
    """
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if (nxt is not None and _BARE_INITIALS_RE.match(nxt) and _BARE_SURNAME_RE.match(tok)
                and not AUTHOR_RE.match(tok)):
            out.append(f"{tok} {nxt}")
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def parse_authors(segment: str, strict: bool) -> tuple[tuple[str, ...], bool] | None:
    """Split an author segment; ``None`` when *strict* and it does not look like personal names.

    A collective name may sit among persons (``Genomes Project Consortium, Abecasis GR, ...``), so
    strict mode accepts the segment when most tokens, and at least two, are personal names.
    """
    tokens, groups = _author_tokens(segment)
    if not tokens:
        return None
    authors: list[str] = []
    et_al = False
    persons = others = 0
    for tok in tokens:
        if _ETAL_RE.match(tok):
            et_al = True
            continue
        if tok.endswith((" et al", " et al.")):
            et_al = True
            tok = tok.rsplit(" et al", 1)[0]
        if AUTHOR_RE.match(tok):
            persons += 1
            authors.append(_normalise_author(tok))
        else:
            if not GROUP_NAME_RE.search(tok):
                others += 1  # a group name (``Emulator Working Group``) is an author, not noise
            authors.append(tok)
    if strict and (persons == 0 or (others and (persons < 2 or others * 2 > persons))):
        return None
    return tuple(authors) + tuple(groups), et_al


def split_authors_from_title(segment: str) -> tuple[str, str] | None:
    """``Stephen AT, Toubia O, Explaining the power-law...``: a comma where a full stop belongs."""
    pieces = segment.split(", ")
    count = 0
    while count < len(pieces) and AUTHOR_RE.match(pieces[count]):
        count += 1
    if count == 0 or count == len(pieces):
        return None
    rest = ", ".join(pieces[count:])
    if len(rest.split()) < 4 or not rest[:1].isupper():
        return None
    return ", ".join(pieces[:count]), rest




_APA_NAME_RE = re.compile(
    r"\s*(?:&\s*|(?:and|e|y)\s+)?(?P<sur>[^\W\d_][^,;&()]{0,60}?),\s*"
    r"(?P<ini>[A-Z\u00C0-\u00DE][a-z]?\.(?:\s?-?\s?(?:(?:de|da|do|dos|das|del)\s)?[A-Z\u00C0-\u00DE][a-z]?\.){0,4}"
    r"(?:\s?[A-Z\u00C0-\u00DE](?=\s*(?:[;,]|$)))?\s?"  # ``I.R`` / ``G.A;``: the last initial without its dot
    r"|[A-Z\u00C0-\u00DE]{1,3}(?:-[A-Z\u00C0-\u00DE])?(?=\s*(?:;|$)))"
    r"(?:\s(?:de|da|do|dos|das|del)\.?)?"  # ``Souza, F. F. de.``: the particle printed after the initials
    r"(?:,\s*(?P<suffix>Jr\.|Sr\.|II|III))?\s*(?:[,;]|$|(?=(?:&|and\s|e\s|y\s)))"
)
"""One ``Surname, I. I.`` person of an APA/Harvard/SciELO list. Persons are separated by ``,`` or
``;`` and the last one joined by ``&``, ``and`` or (Portuguese, Spanish) ``e``/``y``, with or without
a comma before it (``Koyama, R. and Souza, R. T.``, ``Hasenack, H.; Laps, R.R.; & Hartz, S.M.``). Bare
capitals count as initials only before ``;`` or the end (``Sauvé, J-S; Mongeon, P.``)."""


def parse_apa_authors(segment: str) -> tuple[tuple[str, ...], bool] | None:
    """``Smith, J. A., & Doe, B.`` (APA, Harvard) -> ``("Smith JA", "Doe B")``; None if not that shape."""
    text = segment.strip()
    et_al = False
    if re.search(r",?\s*(?:et al\.?|\.\.\.)\s*$", text):
        et_al = True
        text = re.sub(r",?\s*(?:et al\.?|\.\.\.)\s*$", "", text)
    names: list[str] = []
    pos = 0
    while pos < len(text):
        m = _APA_NAME_RE.match(text, pos)
        if m is None or m.end() == pos:
            return None
        initials = re.sub(r"[.\s]|\b(?:de|da|do|dos|das|del)\b", "", m["ini"])
        suffix = f" {m['suffix'].rstrip('.')}" if m["suffix"] else ""
        names.append(f"{m['sur'].strip()} {initials}{suffix}")
        pos = m.end()
    return (tuple(names), et_al) if names else None
