"""Text renderers are linear: rich is called a fixed number of times, never once per line.

A ``Console.print`` costs ~0.2 ms, so one per citation made ``auditor parse`` of 327,680 ``[1]``
markers take a minute. Counted, not timed: the number of rich calls must not grow with the input.
"""

from __future__ import annotations

import re

import pytest
from rich.console import Console

from auditor.documents.loader import load_bytes
from auditor.model import Finding, ReferenceAudit
from auditor.parsing import parse_document
from auditor.reports.parsed import render_text as render_parsed
from auditor.reports.text import render_text as render_audit
from tests.builders import make_report, ref

SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def rich_prints(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = Console.print

    def counting(self: Console, *args: object, **kwargs: object) -> None:
        calls.append(1)
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Console, "print", counting)
    return calls


def _document(markers: int) -> bytes:
    body = " ".join("see [1] and [2]" for _ in range(markers))
    refs = "\n".join(f"{i}. Smith J. Title {i}. J Test. 2020;1(2):{i}-{i + 1}." for i in range(1, markers + 1))
    return f"Intro {body}\n\nReferences\n{refs}\n".encode()


@pytest.mark.parametrize("color", [False, True])
def test_parse_text_calls_rich_a_fixed_number_of_times(rich_prints: list[int], color: bool) -> None:
    counts = []
    for n in (5, 500):
        parsed = parse_document(load_bytes(_document(n), "doc.txt"))
        assert len(parsed.citations) == 2 * n and len(parsed.references) == n
        rich_prints.clear()
        text = render_parsed([parsed], color=color)
        counts.append(len(rich_prints))
        assert SGR.sub("", text).count(" -> 1\n") == n  # every citation is still listed
    assert counts[0] == counts[1] == 0


@pytest.mark.parametrize("color", [False, True])
def test_check_text_prints_only_the_summary_table_through_rich(rich_prints: list[int], color: bool) -> None:
    counts = []
    for n in (5, 500):
        audits = [ReferenceAudit(reference=ref("Smith AB", number=i, line=i), verdict="minor",
                                 findings=(Finding(code="REF107", severity="minor", message="issue differs"),))
                  for i in range(1, n + 1)]
        rich_prints.clear()
        text = render_audit([make_report(audits)], color=color)
        counts.append(len(rich_prints))
        assert SGR.sub("", text).count(" REF107 ") == n
    assert counts[0] == counts[1] == 1


def test_parse_text_interprets_nothing_from_the_document() -> None:
    title = ":thumbs_up: [bold]Bold[/bold] [link=http://x]y[/link] title\x1b]0;pwned\x07"
    hostile = ref("Smith J", title=title, journal="J :100: Test", year=2020, volume="1", number=1, line=4,
                  column=1)
    parsed = make_report([ReferenceAudit(reference=hostile, verdict="verified")], path="a:1234:[red]b.txt").parsed
    for color in (False, True):
        text = render_parsed([parsed], color=color)
        plain = SGR.sub("", text)
        assert "\x1b" not in plain and "\x07" not in text and "\x1b]8;" not in text
        assert plain.startswith("a:1234:[red]b.txt  sha256 ")
        assert "        :thumbs_up: [bold]Bold[/bold] [link=http://x]y[/link] title\\x1b]0;pwned\\x07\n" in plain
        assert "J :100: Test 2020;1" in plain
