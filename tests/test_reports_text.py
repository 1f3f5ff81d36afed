"""Terminal report: summary table and ``path:line:col: CODE message`` lines, colour only on request."""

from __future__ import annotations

import re

from auditor.reports.text import finding_lines, render_text
from tests.builders import sample_report

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_plain_text_has_no_colour_and_linter_lines() -> None:
    text = render_text([sample_report()], color=False)
    assert not ANSI.search(text)
    assert "docs/paper.md:21:1: REF111 [2 minor] author misspelled" in text
    assert "docs/paper.md:22:1: REF104 [3 major] year differs" in text
    assert "docs/paper.md:23:1: REF401 [4 not_found]" in text
    assert "docs/paper.md:3:14: CIT001 citation [9] has no entry" in text
    assert "docs/paper.md: CIT005 no bibliography" in text
    assert "verified" in text and "not_found" in text


def test_colour_when_asked_and_text_is_the_same_without_codes() -> None:
    coloured = render_text([sample_report()], color=True)
    assert ANSI.search(coloured)
    assert "REF111 [2 minor] author misspelled" in ANSI.sub("", coloured)


def test_default_is_plain_when_stdout_is_not_a_terminal() -> None:
    # pytest captures stdout, so it is not a terminal here.
    assert not ANSI.search(render_text([sample_report()]))


def test_markup_in_messages_is_not_interpreted() -> None:
    lines = finding_lines(sample_report("[bold]x[/bold].md"))
    assert any(line.startswith("[bold]x[/bold].md:21:1: REF111") for line in lines)
    assert "[bold]x[/bold].md" in render_text([sample_report("[bold]x[/bold].md")], color=False)


def test_findings_are_in_document_order_with_the_verdict_beside_each_reference() -> None:
    lines = finding_lines(sample_report())
    codes = [line.split()[1] for line in lines]
    assert codes.index("CIT005") < codes.index("CIT001") < codes.index("REF111")  # no line, 3:14, 21:1
    assert any("REF104 [3 major]" in line for line in lines)
