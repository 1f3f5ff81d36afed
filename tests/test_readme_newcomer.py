"""The README tells a newcomer how to check their own document before it explains the design
(issue 9 items 17 and 18)."""

from __future__ import annotations

import re
from pathlib import Path

from auditor.documents.loader import SUPPORTED_SUFFIXES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


def test_checking_your_own_document_comes_right_after_the_opening_commands() -> None:
    first_commands = README.index("python -m pytest\n```")
    own = README.index("\n## Check your own document\n")
    assert first_commands < own < README.index("\n## What it does\n")
    assert not re.search(r"\n## ", README[first_commands:own])  # nothing in between but prose


def test_the_live_command_and_supported_inputs_are_given() -> None:
    section = _section("Check your own document")
    assert "AUDITOR_EMAIL=you@example.org auditor check paper.md" in section
    assert "--replay" in section  # says that leaving it out means the live services
    for suffix in SUPPORTED_SUFFIXES:
        assert f"`{suffix}`" in section


def test_the_example_report_line_is_a_real_line_of_the_committed_report() -> None:
    section = _section("Check your own document")
    line = re.search(r"```\n(\S+:\d+:\d+: ref \d+ \([a-z_]+\): [A-Z]{3}\d{3} .+)\n```", section)
    assert line, "the README shows no report line"
    assert line.group(1) in (ROOT / "reports" / "000.txt").read_text(encoding="utf-8").splitlines()


def test_one_parsing_figure_quoted_from_the_published_benchmark() -> None:
    published = sorted((ROOT / "bench" / "results").glob("bench-*.md"))[-1].read_text(encoding="utf-8")
    row = re.search(r"\| Parsing: field micro-F1 [^|]*\| ([\d.]+) \(P ([\d.]+), R ([\d.]+)\)", published)
    assert row, "the published benchmark has no parsing row"
    f1, precision, recall = row.groups()
    assert f"**{f1}** (P {precision}, R {recall})" in README
    # No second parsing figure (0.988 on another subset used to sit beside 98.5).
    assert len(re.findall(r"micro-F1", README)) == 1
    assert not re.search(r"\b0\.9\d\d\b", README)
