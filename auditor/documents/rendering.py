"""Build ``Document.text`` from a structured file while recording where each piece came from.

Every non-text loader renders its content as plain text (one block per paragraph, a blank line
between blocks) so the bibliography locator, the entry splitter and the citation finder run on it
unchanged, and leaves an :class:`~auditor.model.Anchor` at each piece so reports can say
"page 3, line 12" instead of a line of the rendering.
"""

from __future__ import annotations

import hashlib

from auditor.model import Anchor, Citation, Document, Evidence, Reference

_SUPERSCRIPT = str.maketrans({**{str(i): c for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}, ",": "˒", ";": "˒", "-": "⁻",
                              "–": "⁻", "—": "⁻", "−": "⁻", "‐": "⁻"})


def superscript(numbers: str) -> str:
    """``1,2`` / ``3-5`` -> ``¹˒²`` / ``³⁻⁵``: a superscript run written the way a text file writes it,
    so the citation finder (exponent rules included) treats it exactly as it treats the text."""
    return "".join(numbers.split()).strip("[]()").translate(_SUPERSCRIPT)


class TextBuilder:
    __slots__ = ("_anchors", "_length", "_line", "_line_start", "_parts")

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._anchors: list[Anchor] = []
        self._length = 0
        self._line = 1
        self._line_start = 0

    def line_col(self) -> tuple[int, int]:
        """1-based line and column of the next character appended."""
        return self._line, self._length - self._line_start + 1

    @property
    def offset(self) -> int:
        return self._length

    def block(self) -> None:
        """Start a new paragraph: a blank line after the previous one."""
        if self._length:
            self._emit("\n\n")

    def newline(self) -> None:
        self._emit("\n")

    def add(self, text: str, *, page: int | None = None, paragraph: int | None = None,
            entry: int | None = None, line: int | None = None) -> int:
        """Append ``text`` (no newlines) that starts at the given unit; returns its offset."""
        start = self._length
        anchor = Anchor(start, page=page, paragraph=paragraph, entry=entry, line=line)
        if self._anchors and self._anchors[-1].offset == start:
            self._anchors[-1] = anchor
        else:
            self._anchors.append(anchor)
        self._emit(text)
        return start

    def _emit(self, text: str) -> None:
        self._parts.append(text)
        newlines = text.count("\n")
        if newlines:
            self._line += newlines
            self._line_start = self._length + text.rindex("\n") + 1
        self._length += len(text)

    def text(self) -> str:
        return "".join(self._parts) + "\n"

    def anchors(self) -> tuple[Anchor, ...]:
        return tuple(self._anchors)


def make_document(data: bytes, name: str, fmt: str, builder: TextBuilder, *,
                  references: tuple[Reference, ...] | None = None,
                  citations: tuple[Citation, ...] | None = None,
                  evidence: tuple[Evidence, ...] = ()) -> Document:
    return Document(path=name, sha256=hashlib.sha256(data).hexdigest(), text=builder.text(), format=fmt,
                    anchors=builder.anchors(), references=references, citations=citations, evidence=evidence)
