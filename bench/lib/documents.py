"""Synthetic manuscripts: body text that cites every entry, then a numbered "References" list.

The benchmark feeds these through the real loader and document parser (not straight into
``parse_reference``) so bibliography detection, entry splitting and citation parsing are on the
measured path too; a reference the document parser loses shows up as ``lost`` in the tables.
"""

from __future__ import annotations

from collections.abc import Sequence


def build_document(entries: Sequence[str], title: str = "Benchmark manuscript") -> str:
    """Markdown text citing reference *i* as ``[i]`` in order, then the list ``1. ...``.

    Citing every entry in numeric order keeps the citation checks quiet, so any citation finding
    in a benchmark report points at a parser problem rather than at the synthetic document.
    """
    lines = [f"# {title}", "", "## Introduction", ""]
    sentences = [f"Observation {i} has been reported before [{i}]." for i in range(1, len(entries) + 1)]
    for start in range(0, len(sentences), 8):
        lines.append(" ".join(sentences[start : start + 8]))
        lines.append("")
    lines += ["## References", ""]
    for number, entry in enumerate(entries, start=1):
        flat = " ".join(entry.split())
        lines.append(f"{number}. {flat}")
    return "\n".join(lines) + "\n"
