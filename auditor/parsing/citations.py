"""In-text citation markers -> reference numbers, and the citation findings CIT001..CIT005.

Markers recognised: Unicode superscripts (``¹²``, ``¹˒²``, ``¹⁻³``), ``^{1,2}``/``^{1–3}``/``^12``,
``<sup>1-3</sup>``, brackets ``[1]``, ``[1-3]``, ``[1, 4–6]`` and parentheses ``(1)``, ``(1, 2)``.

Parentheses are the risky form: ``(1)`` is also list numbering, a count or an equation label. They are
accepted only away from the start of a line, and only when every number is within the bibliography
(or when the document has no bibliography, where the markers are the only evidence there is).
Years, doses (``4.5 mg``) and ``(n = 31)`` never match because the patterns require bare small
integers between the delimiters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from auditor.documents.loader import LineIndex
from auditor.model import Citation, CitationFinding, Reference

_SUP_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUP_TABLE = str.maketrans({**{c: str(i) for i, c in enumerate(_SUP_DIGITS)}, "˒": ",", "⁻": "-", "‐": "-"})
_DASHES = "-–—‐‑−⁻"
_SEP = r"\s*(?:[,;˒]|[" + _DASHES + r"])\s*"
_NUMLIST = r"\d{1,4}(?:" + _SEP + r"\d{1,4})*"

_SUPERSCRIPT_RE = re.compile(
    r"(?<![⁰¹²³⁴⁵⁶⁷⁸⁹])[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3}(?:[˒,⁻–\-][⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3}){0,30}(?![⁰¹²³⁴⁵⁶⁷⁸⁹])"
)
_CARET_RE = re.compile(r"\^\{\s*(" + _NUMLIST + r")\s*\}|\^\(?(" + r"\d{1,3}(?:[,–-]\d{1,3})*" + r")\)?(?![\d.])")
_SUP_TAG_RE = re.compile(r"<sup>\s*\[?(" + _NUMLIST + r")\]?\s*</sup>", re.IGNORECASE)
_BRACKET_RE = re.compile(r"\[\s*(" + _NUMLIST + r")\s*\](?!\()")
_BRACKET_RANGE_RE = re.compile(r"\[(\d{1,4})\]\s*[" + _DASHES + r"]\s*\[(\d{1,4})\]")
_PAREN_RE = re.compile(r"\(\s*(" + _NUMLIST + r")\s*\)")
_PIECE_SPLIT_RE = re.compile(r"\s*[,;˒]\s*")
_RANGE_RE = re.compile(r"^(\d{1,4})\s*[" + _DASHES + r"]\s*(\d{1,4})$", re.ASCII)
# Units and symbols after which a superscript digit is an exponent, not a citation.
_EXPONENT_BASES = frozenset({"m", "cm", "mm", "km", "nm", "µm", "μm", "dm", "ft", "in", "s", "x", "χ", "r", "R", "e"})
_MAX_RANGE = 200
_TRAILING_WORD_RE = re.compile(r"[^\W\d_]+$")


class _Marker:
    __slots__ = ("start", "end", "text", "numbers", "malformed", "kind")

    def __init__(self, start: int, end: int, text: str, numbers: tuple[int, ...], malformed: bool, kind: str):
        self.start, self.end, self.text = start, end, text
        self.numbers, self.malformed, self.kind = numbers, malformed, kind


def expand_numbers(spec: str, limit: int = 0) -> tuple[tuple[int, ...], bool] | None:
    """``"1, 4–6"`` -> ((1, 4, 5, 6), False); ``"5-3"`` -> ((5, 3), True); nonsense -> None.

    Numbers from 1000 up are years or pages, not citations (``[2019]``, ``[1990-2020]``). A range
    longer than ``_MAX_RANGE`` that starts below 1000 (``[1-5000]``) is a citation too, but a
    malformed one: it cites the entries it covers up to *limit* (the last bibliography number) and
    keeps its end, so the findings name the number that has no entry. Its expansion stops after
    ``_MAX_RANGE`` numbers whatever the text claims, so a document of such markers stays linear.
    """
    numbers: list[int] = []
    malformed = False
    for piece in _PIECE_SPLIT_RE.split(spec.strip()):
        if not piece:
            return None
        m = _RANGE_RE.match(piece)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if lo >= 1000:
                return None  # a span of years or pages
            if lo < hi and hi - lo <= _MAX_RANGE:
                numbers.extend(range(lo, hi + 1))
            elif lo > hi:
                malformed = True
                numbers.extend((lo, hi))
            elif lo < hi:
                top = max(lo, min(hi, limit, lo + _MAX_RANGE))
                numbers.extend(range(lo, top + 1))
                if hi > top:
                    numbers.append(hi)
                malformed = True
            else:
                return None  # 5-5: not a citation range
        elif piece.isascii() and piece.isdigit() and len(piece) <= 4 and int(piece) < 1000:
            numbers.append(int(piece))
        else:
            return None
    if not numbers or 0 in numbers:
        return None
    return tuple(numbers), malformed


def _is_exponent(text: str, pos: int) -> bool:
    """10⁹, m², cm³, r², x^2: a superscript right after a number or a unit is a power, not a citation."""
    before = text[max(0, pos - 4) : pos]
    if before[-1:].isdigit():
        return True
    word = _TRAILING_WORD_RE.search(before)
    return bool(word and word.group(0) in _EXPONENT_BASES)


def _scan(text: str, spans_to_skip: Sequence[tuple[int, int]], limit: int = 0) -> list[_Marker]:
    markers: list[_Marker] = []

    def skipped(pos: int) -> bool:
        return any(a <= pos < b for a, b in spans_to_skip)

    for m in _SUPERSCRIPT_RE.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if not text[line_start : m.start()].strip():
            continue  # ``¹ Department of ...``: an affiliation or footnote label, not a citation
        if _is_exponent(text, m.start()):
            continue
        spec = m.group(0).translate(_SUP_TABLE)
        _add(markers, m.start(), m.end(), m.group(0), spec, "sup", skipped, limit)
    for m in _CARET_RE.finditer(text):
        if m.group(2) and _is_exponent(text, m.start()):
            continue  # ``m^2`` / ``10^9``; the braced form ``^{1,2}`` is only ever a citation
        _add(markers, m.start(), m.end(), m.group(0), m.group(1) or m.group(2), "sup", skipped, limit)
    for m in _SUP_TAG_RE.finditer(text):
        _add(markers, m.start(), m.end(), m.group(0), m.group(1), "sup", skipped, limit)
    for m in _BRACKET_RANGE_RE.finditer(text):
        _add(markers, m.start(), m.end(), m.group(0), f"{m.group(1)}-{m.group(2)}", "bracket", skipped, limit)
    for m in _BRACKET_RE.finditer(text):
        _add(markers, m.start(), m.end(), m.group(0), m.group(1), "bracket", skipped, limit)
    for m in _PAREN_RE.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if not text[line_start : m.start()].strip():
            continue  # ``(1) first item``: list numbering at the start of a line
        _add(markers, m.start(), m.end(), m.group(0), m.group(1), "paren", skipped, limit)
    markers = _drop_affiliation_markers(text, markers)
    # Longest first at equal starts, then drop anything inside a kept marker: ``<sup>[1]</sup>`` is one
    # citation, not two, and ``[1]–[3]`` is one range.
    markers.sort(key=lambda mk: (mk.start, -mk.end))
    kept: list[_Marker] = []
    for mk in markers:
        if kept and mk.start < kept[-1].end:
            continue
        kept.append(mk)
    return kept


_NAME_BEFORE_RE = re.compile(r"[A-Z][a-z'’\-]+$")


def _drop_affiliation_markers(text: str, markers: list[_Marker]) -> list[_Marker]:
    """``John Smith¹, Jane Doe²˒³``: a short line whose superscripts all follow names is an author byline.

    Body sentences put citations after full stops or ordinary words; a byline puts two or more
    affiliation numbers after capitalised names on a line too short to be a paragraph.
    """
    by_line: dict[int, list[_Marker]] = {}
    for mk in markers:
        if mk.kind == "sup":
            by_line.setdefault(text.rfind("\n", 0, mk.start) + 1, []).append(mk)
    drop: set[int] = set()
    for line_start, line_markers in by_line.items():
        line_end = text.find("\n", line_start)
        line_len = (len(text) if line_end == -1 else line_end) - line_start
        if len(line_markers) < 2 or line_len > 200:
            continue
        if all(_NAME_BEFORE_RE.search(text[max(line_start, mk.start - 30) : mk.start]) for mk in line_markers):
            drop.update(id(mk) for mk in line_markers)
    return [mk for mk in markers if id(mk) not in drop] if drop else markers


def _add(  # type: ignore[no-untyped-def]
    markers: list[_Marker], start: int, end: int, text: str, spec: str, kind: str, skipped, limit: int
) -> None:
    if skipped(start):
        return
    parsed = expand_numbers(spec, limit)
    if parsed is None:
        return  # years and page numbers among others, not citations
    numbers, malformed = parsed
    markers.append(_Marker(start, end, text, numbers, malformed, kind))


def find_citations(
    text: str,
    index: LineIndex,
    references: Sequence[Reference],
    skip: Sequence[tuple[int, int]] = (),
) -> tuple[list[Citation], list[tuple[Citation, bool]]]:
    """Return the citations in reading order and, for findings, each with its malformed flag."""
    known = {r.number for r in references}
    limit = max(known) if known else 0
    kept: list[tuple[Citation, bool]] = []
    for mk in _scan(text, skip, limit):
        if mk.kind == "paren" and known and any(n > limit for n in mk.numbers):
            continue
        if mk.kind == "paren" and not known and any(n > 99 for n in mk.numbers):
            continue
        line, col = index.line_col(mk.start)
        kept.append((Citation(text=mk.text, line=line, column=col, numbers=mk.numbers), mk.malformed))
    return [c for c, _ in kept], kept


def citation_findings(
    citations: Iterable[tuple[Citation, bool]],
    references: Sequence[Reference],
    has_bibliography: bool,
) -> list[CitationFinding]:
    """CIT001..CIT005; CIT002 only when the document cites by number at all (else it is author-year)."""
    cites = list(citations)
    findings: list[CitationFinding] = []
    if not cites:
        return findings
    if not has_bibliography or not references:
        first = cites[0][0]
        numbers = tuple(sorted({n for c, _ in cites for n in c.numbers}))
        findings.append(
            CitationFinding(
                "CIT005",
                f"{len(cites)} citation marker(s) citing {len(numbers)} number(s) "
                f"({', '.join(map(str, numbers))}) but no bibliography was found",
                first.line,
                first.column,
                numbers,
            )
        )
    for cit, malformed in cites:
        if malformed:
            findings.append(
                CitationFinding("CIT004", f"malformed citation range {cit.text!r}", cit.line, cit.column, cit.numbers)
            )
    if not references:
        return findings
    known = {r.number for r in references}
    reported_missing: set[int] = set()
    for cit, _ in cites:
        for n in cit.numbers:
            if n not in known and n not in reported_missing:
                reported_missing.add(n)
                findings.append(
                    CitationFinding("CIT001", f"citation {n} has no bibliography entry", cit.line, cit.column, (n,))
                )
    cited = {n for c, _ in cites for n in c.numbers}
    for ref in references:
        if ref.number not in cited:
            findings.append(
                CitationFinding(
                    "CIT002", f"reference {ref.number} is never cited", ref.line, ref.column, (ref.number,)
                )
            )
    findings.extend(_order_findings([c for c, _ in cites], known))
    return findings


def _order_findings(cites: Sequence[Citation], known: set[int]) -> list[CitationFinding]:
    """Vancouver numbers references by first citation: reference k must not be cited before k-1."""
    first_seen: list[tuple[int, Citation]] = []
    seen: set[int] = set()
    for cit in cites:
        for n in cit.numbers:
            if n not in seen:
                seen.add(n)
                first_seen.append((n, cit))
    later_cited = set(seen)
    out: list[CitationFinding] = []
    already_seen: set[int] = set()
    reported: set[int] = set()
    for n, cit in first_seen:
        skipped = sorted(m for m in later_cited if m < n and m not in already_seen and m not in reported and m in known)
        already_seen.add(n)
        if skipped and n in known:
            reported.update(skipped)
            listed = ", ".join(str(m) for m in skipped[:5]) + (" ..." if len(skipped) > 5 else "")
            out.append(
                CitationFinding(
                    "CIT003",
                    f"reference {n} is first cited before reference(s) {listed}",
                    cit.line,
                    cit.column,
                    (n, *skipped),
                )
            )
    return out
