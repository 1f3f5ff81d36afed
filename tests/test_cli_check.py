"""``auditor check`` as a user runs it: replayed transport, real everything else, exit codes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest

from auditor.cli import main
from auditor.errors import ConfigError
from auditor.model import AuditReport, ReferenceAudit
from auditor.outcome import exit_code, parse_fail_on
from auditor.reports.json_report import load_schema
from tests.builders import make_report, ref

ROOT = Path(__file__).resolve().parent.parent
SEED_001 = str(ROOT / "seeds" / "001_7a0f090a9e3e09ba.txt")
SEED_002 = str(ROOT / "seeds" / "002_1d80fa809f2bd198.txt")
CASSETTE_001 = str(ROOT / "cassettes" / "seeds" / "001.yaml")


def test_json_report_from_a_replayed_run_validates_and_fails_on_not_found(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code = main(["check", SEED_001, "--replay", CASSETTE_001, "--format", "json", "-o", str(out), "--no-progress"])
    report = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(report, load_schema())
    assert report["summary"] == {"verified": 3, "minor": 0, "major": 0, "not_found": 2, "unchecked": 0}
    assert code == 1  # not_found is in the default --fail-on


def test_fail_on_controls_the_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", SEED_001, "--replay", CASSETTE_001, "--fail-on", "major", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "REF204" in text and "001_7a0f090a9e3e09ba.txt:86:6" in text


@pytest.mark.parametrize("fmt, marker", [("html", "<!DOCTYPE html>"), ("sarif", '"version": "2.1.0"')])
def test_other_formats_are_written_atomically(tmp_path: Path, fmt: str, marker: str) -> None:
    out = tmp_path / "sub" / f"r.{fmt}"
    main(["check", SEED_002, "--replay", str(ROOT / "cassettes" / "seeds" / "002.yaml"), "--format", fmt,
          "-o", str(out)])
    assert marker in out.read_text(encoding="utf-8")
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left behind


def test_a_cassette_that_lacks_a_request_is_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", SEED_001, "--replay", str(ROOT / "cassettes" / "seeds" / "002.yaml")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "does not hold" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [["check", "missing-file.txt"], ["check", SEED_001, "--fail-on", "bogus"],
     ["check", SEED_001, "--replay", "no-such-cassette.yaml"]],
)
def test_usage_and_input_errors_exit_2_without_traceback(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("auditor: error:") and "Traceback" not in err


def _report(verdict: str) -> AuditReport:
    return make_report([ReferenceAudit(reference=ref("Smith AB", title="T"), verdict=verdict)])  # type: ignore[arg-type]


def test_exit_code_precedence() -> None:
    checked, unchecked, failing = _report("verified"), _report("unchecked"), _report("major")
    default = parse_fail_on("major,not_found")
    assert exit_code([checked], default) == 0
    assert exit_code([checked, unchecked], default) == 3
    assert exit_code([failing, unchecked], default) == 1
    assert exit_code([unchecked], parse_fail_on("unchecked")) == 1
    assert exit_code([failing], parse_fail_on("none")) == 0
    with pytest.raises(ConfigError):
        parse_fail_on("major,nonsense")


def test_an_unwritable_output_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code = main(["check", SEED_002, "--replay", str(ROOT / "cassettes" / "seeds" / "002.yaml"),
                 "-o", str(blocker / "report.json")])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["check", SEED_001, "--offline", "--no-cache"], ["frobnicate"], []])
def test_argparse_errors_are_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and err.startswith("auditor: error:")


def test_an_unusable_cache_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "responses.sqlite3").write_bytes(b"this is not a database")
    assert main(["check", SEED_001, "--offline", "--cache-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "cannot be opened" in err and "Traceback" not in err


@pytest.mark.skipif(os.name != "posix", reason="file names are bytes only on POSIX")
def test_a_file_name_that_is_not_utf8_still_gets_its_reports(tmp_path: Path) -> None:
    name = os.fsdecode(b"doc\xff.txt")  # a lone surrogate in Python, invalid in any UTF-8 report
    shutil.copy(SEED_002, tmp_path / name)
    stem = tmp_path / os.fsdecode(b"out\xff")
    code = main(["check", str(tmp_path / name), "--replay", str(ROOT / "cassettes" / "seeds" / "002.yaml"),
                 "--format", "json,html,sarif", "-o", str(stem), "--no-progress"])
    assert code == 1  # seed 002 has citations but no bibliography: CIT005 is in the default --fail-on
    report = json.loads(Path(f"{stem}.json").read_text(encoding="utf-8"))
    assert report["document"]["path"].endswith("doc\ufffd.txt")
    assert "doc\ufffd.txt" in Path(f"{stem}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("content", ["{not: yaml: at all", "just a string\n", "version: 1\n"])
def test_a_file_that_is_not_a_cassette_is_one_error_line(tmp_path: Path, content: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "bogus.yaml"
    bogus.write_text(content, encoding="utf-8")
    assert main(["check", SEED_001, "--replay", str(bogus), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a vcrpy cassette" in err and "Traceback" not in err
