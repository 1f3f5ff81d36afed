"""Map a line/column of ``Document.text`` back to where it is in the original file.

Text files are their own rendering, so their position is the line/column itself. Loaders of DOCX,
PDF and XML render to text and leave :class:`~auditor.model.Anchor` marks; this module turns a
line/column of the rendering into page/paragraph/entry and the line within it.
"""

from __future__ import annotations

from bisect import bisect_right

from auditor.model import Document, Position


class Locator:
    """Built once per document, then O(log n) per lookup."""

    __slots__ = ("_anchors", "_offsets", "_starts")

    def __init__(self, doc: Document) -> None:
        self._anchors = doc.anchors
        self._offsets = [a.offset for a in doc.anchors]
        starts = [0]
        if doc.anchors:
            text = doc.text
            pos = text.find("\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = text.find("\n", pos + 1)
        self._starts = starts

    def position(self, line: int | None, column: int | None) -> Position:
        if line is None:
            return Position()
        if not self._anchors:
            return Position(line=line, column=column)
        index = min(max(line, 1), len(self._starts)) - 1
        offset = self._starts[index] + max((column or 1) - 1, 0)
        at = bisect_right(self._offsets, offset) - 1
        if at < 0:
            return Position(line=line, column=column)
        anchor = self._anchors[at]
        inside = anchor.page is not None or anchor.paragraph is not None
        return Position(
            line=anchor.line,
            column=offset - anchor.offset + 1 if inside else None,
            page=anchor.page,
            paragraph=anchor.paragraph,
            entry=anchor.entry,
        )


def position_dict(position: Position) -> dict[str, int | None]:
    """The JSON shape of a position: every key present, ``null`` where the format has no such unit."""
    return {
        "page": position.page,
        "paragraph": position.paragraph,
        "entry": position.entry,
        "line": position.line,
        "column": position.column,
    }
