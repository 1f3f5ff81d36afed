"""The text reports interpret nothing from a document or a record: no emoji codes, no markup, no
control sequences. ``path:line:col`` comes out byte for byte, on a terminal and in the .txt file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.model import AuditReport, CitationFinding, Finding, ReferenceAudit
from auditor.reports.text import finding_lines, render_text
from tests.builders import make_report, ref

SGR = re.compile(r"\x1b\[[0-9;]*m")  # the only escape sequences a report may contain (its own colour)
HOSTILE_TITLE = ":thumbs_up: [bold]Bold[/bold] [link=http://evil.example]click[/link] :100: [red]"
PATH = "docs/:100:/[bold]paper[/bold] :smile:.md"


def _report() -> AuditReport:
    finding = Finding(code="REF102", severity="major", message=f"title differs: {HOSTILE_TITLE!r}",
                      line=1234, column=100)
    audit = ReferenceAudit(reference=ref("Smith AB", title=HOSTILE_TITLE, number=7, line=1234, column=100),
                           verdict="major", findings=(finding,))
    cits = [CitationFinding(code="CIT001", message="citation [9] :1234: has no entry", line=100, column=1234)]
    return make_report([audit], path=PATH, citation_findings=cits)


@pytest.mark.parametrize("color", [False, True])
def test_paths_titles_and_messages_come_out_byte_for_byte(color: bool) -> None:
    text = render_text([_report()], color=color)
    plain = SGR.sub("", text)
    # How the reference and its verdict are tagged is not at stake here, only that nothing is rewritten.
    line = next(x for x in plain.splitlines() if " REF102 " in x)
    assert line.startswith(f"{PATH}:1234:100: REF102 ") and line.endswith(f"title differs: {HOSTILE_TITLE!r}")
    assert f"{PATH}:100:1234: CIT001 citation [9] :1234: has no entry\n" in plain
    assert f"┃ {PATH} ┃" in plain or f"│ {PATH} │" in plain  # the summary row names the document as given
    assert "\x1b]8;" not in text  # no hyperlink was made from [link=...]
    assert "\U0001f44d" not in text and "\U0001f4af" not in text and "\U0001f604" not in text


def test_control_characters_are_shown_escaped_never_sent() -> None:
    nasty = "Title\x1b[2J\x1b]0;pwned\x07 end\r\nfake.md:1:1: REF000 ok\u202e"
    audit = ReferenceAudit(reference=ref("Smith AB", number=1), verdict="major",
                           findings=(Finding(code="REF102", severity="major", message=nasty),))
    report = make_report([audit], path="a\x1b[31m.md")
    for color in (False, True):
        text = render_text([report], color=color)
        assert "\x1b" not in SGR.sub("", text) and "\x07" not in text and "\r" not in text
        assert "\u202e" not in text
        assert "Title\\x1b[2J\\x1b]0;pwned\\x07 end\\x0d\\x0afake.md:1:1: REF000 ok\\u202e" in text
        assert "a\\x1b[31m.md:10:3: REF102" in SGR.sub("", text)
    (only,) = finding_lines(report)
    assert only.startswith("a\\x1b[31m.md:10:3: REF102 ")
    assert only.endswith(" Title\\x1b[2J\\x1b]0;pwned\\x07 end\\x0d\\x0afake.md:1:1: REF000 ok\\u202e")


def test_an_error_line_naming_a_hostile_file_is_one_escaped_line(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    name = tmp_path / "evil\x1b]0;pwned\x07\nname.txt"
    name.write_bytes(b"")
    assert main(["parse", str(name)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\x1b" not in err and "\x07" not in err
    assert "evil\\x1b]0;pwned\\x07\\x0aname.txt: the file is empty" in err
