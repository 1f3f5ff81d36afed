"""Terminal report: summary table and ``path:line:col: ref N (verdict): CODE message`` lines, colour only on request."""

from __future__ import annotations

import re

from auditor.reports.text import finding_lines, render_text
from tests.builders import sample_report

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_plain_text_has_no_colour_and_linter_lines() -> None:
    text = render_text([sample_report()], color=False)
    assert not ANSI.search(text)
    assert "docs/paper.md:21:1: ref 2 (minor): REF111 author misspelled" in text
    assert "docs/paper.md:22:1: ref 3 (major): REF104 year differs" in text
    assert "docs/paper.md:23:1: ref 4 (not_found): REF401 " in text
    assert "docs/paper.md:3:14: CIT001 citation [9] has no entry" in text
    assert "docs/paper.md: CIT005 no bibliography" in text
    assert "verified" in text and "not_found" in text


def test_colour_when_asked_and_text_is_the_same_without_codes() -> None:
    coloured = render_text([sample_report()], color=True)
    assert ANSI.search(coloured)
    assert "ref 2 (minor): REF111 author misspelled" in ANSI.sub("", coloured)


def test_default_is_plain_when_stdout_is_not_a_terminal() -> None:
    # pytest captures stdout, so it is not a terminal here.
    assert not ANSI.search(render_text([sample_report()]))


def test_markup_in_messages_is_not_interpreted() -> None:
    lines = finding_lines(sample_report("[bold]x[/bold].md"))
    assert any(line.startswith("[bold]x[/bold].md:21:1: ref 2 (minor): REF111") for line in lines)
    assert "[bold]x[/bold].md" in render_text([sample_report("[bold]x[/bold].md")], color=False)


def test_findings_are_in_document_order_with_the_verdict_beside_each_reference() -> None:
    lines = finding_lines(sample_report())
    codes = [re.search(r"\b(?:REF|CIT)\d{3}\b", line).group(0) for line in lines]  # type: ignore[union-attr]
    assert codes.index("CIT005") < codes.index("CIT001") < codes.index("REF111")  # no line, 3:14, 21:1
    assert any(": ref 3 (major): REF104 " in line for line in lines)


def test_the_reference_verdict_cannot_be_read_as_the_code_severity() -> None:
    # Issue 9 item 20: ``REF101 [14 major]`` read like REF101's own severity.
    lines = finding_lines(sample_report())
    ref_lines = [line for line in lines if " REF" in line]
    shape = re.compile(r"^docs/paper\.md:\d+:\d+: ref \d+ \([a-z_]+\): REF\d{3} ")
    assert ref_lines and all(shape.match(line) for line in ref_lines)
    assert not any(re.search(r"REF\d{3} \[", line) for line in lines)
    cit_lines = [line for line in lines if "CIT0" in line]
    assert cit_lines and all(" ref " not in line for line in cit_lines)
