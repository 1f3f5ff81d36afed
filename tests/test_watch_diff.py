"""Run-to-run diffs of JSON reports: pairing, flags, findings, matches, refusal, hostile text, CLI."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from auditor.watch.diff import DiffError, diff_reports, pair_references, raw_hash
from auditor.watch.diff_render import plain, render_diff_html, render_diff_json, render_diff_text

ROOT = Path(__file__).resolve().parent.parent
SEED_001 = str(next((ROOT / "seeds").glob("001_*.txt")))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real JSON report, written by ``auditor check`` from the committed seed 001 cassette."""
    out = tmp_path_factory.mktemp("diff") / "001.json"
    main(["check", SEED_001, "--replay", str(ROOT / "cassettes" / "seeds" / "001.yaml"), "--format", "json",
          "-o", str(out), "--no-progress"])
    return json.loads(out.read_text(encoding="utf-8"))


def _retract(ref: dict[str, Any], notice: str = "10.5555/notice") -> None:
    ref["flags"] = ["retracted"]
    ref["findings"].append({"code": "REF301", "severity": "error", "message": f"retracted: notice DOI:{notice}",
                            "field": None, "document_value": None, "record_value": None,
                            "source": "crossref", "identifier": f"DOI:{notice}", "line": ref["line"],
                            "column": ref["column"]})


def test_identical_reports_have_no_changes(report: dict[str, Any]) -> None:
    diff = diff_reports(report, copy.deepcopy(report))
    assert diff.changes == ()
    assert diff.unchanged == len(report["references"]) == 5
    assert diff.summary_line() == "no changes since the previous report"
    assert not diff.gained_a_flag


def test_retraction_and_correction_are_flags_gained_with_the_summary_line(report: dict[str, Any]) -> None:
    new = copy.deepcopy(report)
    _retract(new["references"][1])
    _retract(new["references"][2], "10.5555/other")
    new["references"][3]["flags"] = ["corrected"]
    diff = diff_reports(report, new, since="2026-11-01")
    assert diff.flags_gained() == {"retracted": 2, "corrected": 1}
    assert diff.summary_line() == "2 cited works retracted; 1 cited work corrected since 2026-11-01"
    assert diff.gained_a_flag
    by_number = {c.number: c for c in diff.changes}
    assert set(by_number) == {2, 3, 4}
    assert by_number[2].flags_gained == ("retracted",)
    assert [f.code for f in by_number[2].findings_added] == ["REF301"]
    assert by_number[2].verdict_changed is False


def test_flag_lost_verdict_change_and_resolved_finding(report: dict[str, Any]) -> None:
    old = copy.deepcopy(report)
    _retract(old["references"][1])
    new = copy.deepcopy(report)
    new["references"][0]["verdict"] = "unchecked"
    diff = diff_reports(old, new)
    by_number = {c.number: c for c in diff.changes}
    assert by_number[2].flags_lost == ("retracted",)
    assert [f.code for f in by_number[2].findings_resolved] == ["REF301"]
    assert (by_number[1].verdict_before, by_number[1].verdict_after) == ("not_found", "unchecked")
    assert not diff.gained_a_flag
    assert diff.summary_line() == "1 flag(s) lifted; 1 verdict(s) changed since the previous report"


def test_a_finding_whose_message_alone_changed_is_not_a_change(report: dict[str, Any]) -> None:
    new = copy.deepcopy(report)
    for finding in new["references"][0]["findings"]:
        finding["message"] += " (after 3 attempt(s))"
    assert diff_reports(report, new).changes == ()


def test_matched_record_changed(report: dict[str, Any]) -> None:
    new = copy.deepcopy(report)
    new["references"][1]["match"]["title"] = "A corrected title"
    new["references"][1]["match"]["score"] = 0.5  # a score alone is not a change
    new["references"][2]["match"]["doi"] = "10.5555/another-work"
    diff = diff_reports(report, new)
    by_number = {c.number: c for c in diff.changes}
    assert by_number[2].match_fields_changed == ("title",)
    assert by_number[2].match_after["title"] == "A corrected title"
    assert by_number[3].match_fields_changed == ("doi",)
    assert "match doi: 10.1016/j.intimp.2019.106068 -> 10.5555/another-work" in render_diff_text(diff)


def test_pairing_by_number_and_text_then_by_text_then_added_removed(report: dict[str, Any]) -> None:
    new = copy.deepcopy(report)
    refs = new["references"]
    inserted = copy.deepcopy(refs[0])
    inserted["raw"] = "Newly inserted reference. J Test. 2026;1:1-2."
    for ref in refs:
        ref["number"] += 1
    inserted["number"] = 1
    edited = refs.pop()  # the last entry's text was edited: a removal and an addition
    edited["raw"] += " Erratum in: J Test."
    refs[:0] = [inserted]
    refs.append(edited)
    pairs = pair_references(report["references"], refs)
    statuses = [(o and o["number"], n and n["number"], s) for o, n, s in pairs]
    assert statuses == [(None, 1, "added"), (1, 2, "renumbered"), (2, 3, "renumbered"), (3, 4, "renumbered"),
                        (4, 5, "renumbered"), (None, 6, "added"), (5, None, "removed")]
    diff = diff_reports(report, new)
    assert "2 reference(s) added; 1 reference(s) removed" in diff.summary_line()


def test_raw_hash_ignores_wrapping_whitespace() -> None:
    assert raw_hash("Smith J.  A title.\nJ X. 2020") == raw_hash("Smith J. A title. J X. 2020")
    assert raw_hash("Smith J. A title.") != raw_hash("Smith J. A title!")


def test_reports_of_different_documents_are_refused(report: dict[str, Any]) -> None:
    other = copy.deepcopy(report)
    other["document"] = {"path": "other.txt", "sha256": "0" * 64}
    with pytest.raises(DiffError, match="different documents"):
        diff_reports(report, other)
    revised = copy.deepcopy(report)
    revised["document"]["sha256"] = "1" * 64  # same path, new bytes: a revision, compared
    assert diff_reports(report, revised).document_changed


@pytest.mark.parametrize(
    "bad", [[], {"document": {}}, {"reports": []}, {"document": {"sha256": "x"}, "references": [1]}])
def test_non_reports_are_refused(report: dict[str, Any], bad: Any) -> None:
    with pytest.raises(DiffError):
        diff_reports(report, bad)


def test_hostile_reference_text_is_escaped_in_text_and_html(report: dict[str, Any]) -> None:
    old = copy.deepcopy(report)
    new = copy.deepcopy(report)
    hostile = "Evil \x1b[31mred\x1b[0m \u202eesrever <script>alert(1)</script> [bold]x[/bold]"
    old["references"][1]["raw"] = new["references"][1]["raw"] = hostile
    _retract(new["references"][1])
    new["references"][1]["findings"][-1]["message"] = "<img src=x onerror=alert(1)> \x1b]0;title\x07"
    diff = diff_reports(old, new)
    text = render_diff_text(diff)
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "\\u001b[31mred" in text and "\\u202e" in text
    assert "[bold]x[/bold]" in text  # printed literally, never interpreted as markup
    html = render_diff_html(diff)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_plain_keeps_ordinary_unicode() -> None:
    assert plain("Sø Å – naïve 日本") == "Sø Å – naïve 日本"


def test_json_form_is_machine_readable(report: dict[str, Any]) -> None:
    new = copy.deepcopy(report)
    _retract(new["references"][1])
    data = json.loads(render_diff_json(diff_reports(report, new, since="2026-11-01")))
    assert data["summary"] == "1 cited work retracted since 2026-11-01"
    assert data["flags_gained"] == {"retracted": 1}
    assert data["changes"][0]["number"] == 2
    assert data["changes"][0]["findings_added"][0]["code"] == "REF301"


# --- CLI --------------------------------------------------------------------------------------


def _write(path: Path, value: Any) -> str:
    path.write_text(json.dumps(value), encoding="utf-8")
    return str(path)


def test_cli_exit_1_when_a_flag_was_gained(report: dict[str, Any], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    new = copy.deepcopy(report)
    _retract(new["references"][2])
    old_path, new_path = _write(tmp_path / "old.json", report), _write(tmp_path / "new.json", new)
    assert main(["diff", old_path, new_path, "--since", "2026-11-01"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith(": 1 cited work retracted since 2026-11-01")
    assert "    + flag retracted" in out
    assert main(["diff", old_path, old_path]) == 0


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_cli_formats_and_output(report: dict[str, Any], tmp_path: Path, fmt: str) -> None:
    old_path = _write(tmp_path / "old.json", report)
    out = tmp_path / f"diff.{fmt}"
    assert main(["diff", old_path, old_path, "--format", fmt, "-o", str(out)]) == 0
    body = out.read_text(encoding="utf-8")
    assert "no changes since the previous report" in body


def test_cli_refuses_different_documents_in_one_line(report: dict[str, Any], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    other = copy.deepcopy(report)
    other["document"] = {"path": "other.txt", "sha256": "0" * 64}
    code = main(["diff", _write(tmp_path / "a.json", report), _write(tmp_path / "b.json", other)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "different documents" in err


@pytest.mark.parametrize("content", [b"not json", b"\xff\xfe\x00", b"[]"])
def test_cli_bad_inputs_exit_2(report: dict[str, Any], tmp_path: Path, content: bytes,
                               capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    assert main(["diff", _write(tmp_path / "a.json", report), str(bad)]) == 2
    assert main(["diff", str(tmp_path / "missing.json"), str(bad)]) == 2
    assert main(["diff", str(bad), str(bad), "--since", "yesterday"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_refuses_a_fifo_and_an_oversized_report_without_reading_them(
        report: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import auditor.commands.diff as diff_command

    good = _write(tmp_path / "a.json", report)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # a plain read would wait for a writer forever
    assert main(["diff", good, str(fifo)]) == 2
    err = capsys.readouterr().err
    assert "pipe.json" in err and err.count("\n") == 1 and "Traceback" not in err

    monkeypatch.setattr(diff_command, "MAX_REPORT_BYTES", 64)
    assert main(["diff", good, good]) == 2
    err = capsys.readouterr().err
    assert "larger than" in err and "AUDITOR_MAX_UPLOAD_BYTES" not in err and err.count("\n") == 1
