"""Find the reference section of a document and split it into entries with their offsets.

Two ways in, because real documents use both: a heading (``References``, ``## Bibliography``,
``**Literature Cited**``, ``7. References``...), of which the *last* one wins (tables of contents and
"references" in running text come earlier); or, when no heading exists (web pages copied as text),
the final run of numbered items that look like references (a year plus a volume/pages or DOI shape),
which keeps body lists such as ``1. Immune Modulation:`` out.

The section stops at the next heading that is not a reference heading, or at boilerplate such as a
disclaimer, acknowledgements, an appendix or a site footer ("Subscribe", "Follow us", ``©2023``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REF_HEADING_RE = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*(?:(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVXLC]{1,6}\.)[ \t]+)?"
    r"(?:references?(?:[ \t]+(?:list|cited))?|bibliography|literature[ \t]+cited|works[ \t]+cited|"
    r"notes[ \t]+and[ \t]+references|cited[ \t]+literature|sources)"
    r"[ \t]*:?[ \t]*(?:\*\*|__)?[ \t]*:?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_STOP_RE = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*(?:\d{1,2}\.?[ \t]+)?"
    r"(?:disclaimer|acknowledge?ments?|appendix|appendices|supplementary|supporting information|"
    r"funding|conflicts? of interest|competing interests?|declarations?|author contributions|"
    r"abbreviations|footnotes|figure legends|tables?\b|about the author|subscribe|follow us|share this|"
    r"related (?:posts|articles)|comments?\b|copyright|©|\(c\)[ \t]*\d{4}|all rights reserved|"
    r"bottom of page|mailing address|contact us|tags?:|categories:|leave a (?:reply|comment)|"
    r"data availability|ethics|notes?\b)",
    re.IGNORECASE,
)
_MD_HEADING_RE = re.compile(r"^[ \t]*#{1,6}[ \t]+\S")
# Entry labels: ``1.``, ``1)``, ``[1]``, ``(1)``; ``1 `` only inside a headed section.
_NUM_LABEL_RE = re.compile(r"^[ \t]*(?:\[(\d{1,4})\]|\((\d{1,4})\)|(\d{1,4})[.)](?!\d))[ \t]*(?=\S)")
_BARE_NUM_LABEL_RE = re.compile(r"^[ \t]*(\d{1,4})[ \t]+(?=[^\s\d])")
_BULLET_RE = re.compile(r"^[ \t]*[-•*·▪‣◦–][ \t]+(?=\S)")
_REFLIKE_RE = re.compile(
    r"(?:1[6-9]|20)\d\d[a-z]?(?:[^;\n]{0,20})?[;,][ \t]*[A-Za-z]{0,4}\d+[^\n]{0,12}?[:(]"
    r"|\b10\.\d{4,9}/\S+|\bPMID\b|\bet al\b",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(r"(?<!\d)(?:1[6-9]|20)\d\d(?!\d)")


@dataclass(frozen=True)
class Entry:
    number: int
    raw: str
    """Entry text with wrapped lines joined and the label removed."""
    offset: int
    """Offset of the first character of ``raw`` in the document text."""


@dataclass(frozen=True)
class Bibliography:
    heading_offset: int | None
    """Offset of the heading line, or None for a heading-less trailing list."""
    start: int
    end: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class _Line:
    start: int
    text: str


def _lines(text: str, start: int = 0, end: int | None = None) -> list[_Line]:
    end = len(text) if end is None else end
    out: list[_Line] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        out.append(_Line(pos, text[pos:stop]))
        pos = stop + 1
    return out


def _is_heading_like(line: str) -> bool:
    """A short line without a year or sentence-final full stop: how plain-text headings look."""
    s = line.strip().strip("*_#").strip()
    return 0 < len(s) <= 60 and not s.endswith((".", ",", ";")) and not _YEAR_RE.search(s)


def _label(line: str, allow_bare: bool) -> tuple[int | None, int] | None:
    """Return (number or None for a bullet, length of the label) if *line* starts a new entry."""
    m = _NUM_LABEL_RE.match(line)
    if m:
        return int(m.group(1) or m.group(2) or m.group(3)), m.end()
    m = _BULLET_RE.match(line)
    if m:
        return None, m.end()
    if allow_bare:
        m = _BARE_NUM_LABEL_RE.match(line)
        if m:
            return int(m.group(1)), m.end()
    return None


def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if not out:
            out = part
        elif out.endswith("-") and not out.endswith(" -"):
            out += part  # hyphen at a line end: ``anti-`` + ``inflammatory`` keeps its hyphen
        elif out.endswith("/") or (out.endswith(".") and re.search(r"10\.\d{4,9}/\S*$", out)):
            out += part  # a DOI or URL broken across lines
        else:
            out += " " + part
    return out


_Group = tuple[int | None, int, list[str]]  # (printed number or None, offset of the text, its lines)


def split_entries(text: str, start: int, end: int, allow_bare: bool = True) -> list[Entry]:
    """Split ``text[start:end]`` into entries: labelled lines, else paragraphs, else lines."""
    lines = _lines(text, start, end)
    content = [ln for ln in lines if ln.text.strip()]
    if not content:
        return []
    labelled = sum(1 for ln in content if _label(ln.text, allow_bare) is not None)
    if labelled * 3 >= len(content) and _label(content[0].text, allow_bare) is not None:
        groups = _split_labelled(lines, allow_bare)
    else:
        groups = _split_unlabelled(lines)
    if len(groups) > 1 and all(number == 1 for number, _, _ in groups):
        # Markdown lets every item be written ``1.`` and renders 1, 2, 3: the position is the number.
        groups = [(None, offset, parts) for _, offset, parts in groups]
    entries: list[Entry] = []
    for position, (number, offset, parts) in enumerate(groups, start=1):
        raw = _join(parts)
        if raw:
            entries.append(Entry(number if number is not None else position, raw, offset))
    return entries


def _split_labelled(lines: list[_Line], allow_bare: bool) -> list[_Group]:
    groups: list[_Group] = []
    after_blank = orphan = False
    for ln in lines:
        if not ln.text.strip():
            after_blank = True
            continue
        lab = _label(ln.text, allow_bare)
        if lab is not None:
            groups.append((lab[0], ln.start + lab[1], [ln.text[lab[1] :]]))
            orphan = False
        elif after_blank and not ln.text[:1].isspace():
            # An unindented paragraph after a blank line in a numbered list is not a wrapped line
            # (a bio, a note, a footer): it must not be glued onto the previous entry.
            orphan = True
        elif groups and not orphan:
            groups[-1][2].append(ln.text)
        after_blank = False
    return groups


def _split_unlabelled(lines: list[_Line]) -> list[_Group]:
    """One entry per paragraph when blank lines separate them, else one per line (joining wraps)."""
    first = next(i for i, ln in enumerate(lines) if ln.text.strip())
    last = max(i for i, ln in enumerate(lines) if ln.text.strip())
    has_blank = any(not ln.text.strip() for ln in lines[first:last])
    groups: list[_Group] = []
    current: list[str] | None = None
    for ln in lines:
        stripped = ln.text.strip()
        if not stripped:
            current = None
            continue
        if current is None or (not has_blank and _looks_like_new_line_entry(groups, stripped)):
            lead = len(ln.text) - len(ln.text.lstrip())
            current = [ln.text]
            groups.append((None, ln.start + lead, current))
        else:
            current.append(ln.text)
    return groups


def _looks_like_new_line_entry(groups: list[_Group], stripped: str) -> bool:
    """In a list without blank lines, a line continues the previous entry unless that one ended."""
    if not groups:
        return True
    previous = groups[-1][2][-1].rstrip()
    return previous.endswith((".", "]", ")")) and not stripped[:1].islower()


def _section_end(text: str, start: int, end: int | None = None) -> int:
    """Where the section starting at ``start`` stops (a heading or boilerplate), at most ``end``."""
    for ln in _lines(text, start, end):
        stripped = ln.text.strip()
        if not stripped:
            continue
        if _MD_HEADING_RE.match(ln.text) or (_STOP_RE.match(ln.text) and _is_heading_like(ln.text)):
            return ln.start
        if _STOP_RE.match(ln.text) and len(stripped) < 100 and not _REFLIKE_RE.search(stripped):
            return ln.start
    return len(text) if end is None else end


def _headed(text: str) -> Bibliography | None:
    last = None
    for m in _REF_HEADING_RE.finditer(text):
        last = m
    if last is None:
        return None
    start = last.end() + 1 if last.end() < len(text) else last.end()
    end = _section_end(text, start)
    entries = split_entries(text, start, end, allow_bare=True)
    return Bibliography(last.start(), start, end, tuple(entries))


def _headingless(text: str) -> Bibliography | None:
    """The last run of numbered paragraphs 1, 2, 3... in which most entries look like references."""
    runs: list[list[tuple[int, _Line]]] = []
    for ln in _lines(text):
        m = _NUM_LABEL_RE.match(ln.text)
        if not m:
            continue
        number = int(m.group(1) or m.group(2) or m.group(3))
        if number == 1:
            runs.append([(1, ln)])
        elif runs and number == runs[-1][-1][0] + 1:
            runs[-1].append((number, ln))
    for run in reversed(runs):
        start = run[0][1].start
        last_line = run[-1][1]
        end = _paragraph_end(text, last_line.start)
        entries = split_entries(text, start, end, allow_bare=False)
        if not entries:
            continue
        reflike = sum(1 for e in entries if _REFLIKE_RE.search(e.raw) and _YEAR_RE.search(e.raw))
        if reflike * 10 >= len(entries) * 8:
            return Bibliography(None, start, end, tuple(entries))
    return None


def _paragraph_end(text: str, pos: int) -> int:
    blank = text.find("\n\n", pos)
    # Scanning only up to the blank line keeps the headingless search linear in the document.
    return _section_end(text, pos, blank if blank != -1 else len(text))


def locate_bibliography(text: str) -> Bibliography | None:
    """The document's reference list, or None when it has none that we can recognise."""
    headed = _headed(text)
    if headed is not None and headed.entries:
        return headed
    return _headingless(text) or headed
