"""``auditor parse`` through ``auditor.cli.main``: JSON shape, text output, --output, and input errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.cli import main

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED001 = str(next(SEEDS.glob("001_*.txt")))
SEED002 = str(next(SEEDS.glob("002_*.txt")))


def test_json_single_file_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", SEED001, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"schema_version", "document", "references", "citations", "citation_findings"}
    assert data["document"]["path"] == SEED001
    assert len(data["document"]["sha256"]) == 64
    ref = data["references"][1]
    assert set(ref) == {"number", "raw", "line", "column", "position", "parsed", "parse_error", "evidence"}
    assert ref["position"] == {"page": None, "paragraph": None, "entry": None, "line": ref["line"],
                               "column": ref["column"]}
    assert set(ref["parsed"]) == {
        "authors", "et_al", "title", "journal", "year", "volume", "issue", "first_page", "last_page",
        "article_number", "doi", "pmid", "pmcid",
    }
    assert ref["parsed"]["authors"] == ["Ciwun M", "Tankiewicz-Kwedlo A", "Pawlak D"]
    assert data["citations"][1] == {
        "text": "[1-3]", "line": 34, "column": 334, "numbers": [1, 2, 3],
        "position": {"page": None, "paragraph": None, "entry": None, "line": 34, "column": 334},
    }
    assert data["citation_findings"] == []


def test_json_several_files_is_a_list_in_argument_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", SEED002, SEED001, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, list)
    assert [d["document"]["path"] for d in data] == [SEED002, SEED001]
    assert data[0]["citation_findings"][0]["code"] == "CIT005"


def test_output_written_atomically(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sub" / "parsed.json"
    assert main(["parse", SEED001, "--format", "json", "--output", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert len(json.loads(out.read_text(encoding="utf-8"))["references"]) == 5
    assert [p.name for p in out.parent.iterdir()] == ["parsed.json"]


def test_text_output_has_no_colour_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", SEED002]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert f"{SEED002}:57:216: CIT005" in out


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d: str(d / "missing.txt"), "no such file"),
        (lambda d: str(d), "directory"),
        (lambda d: _write(d, "empty.txt", b""), "empty"),
        (lambda d: _write(d, "bin.txt", b"\x00\x01\x02\x03binary"), "binary"),
        (lambda d: _write(d, "paper.pdf", b"%PDF-1.7"), "not a readable PDF"),
        (lambda d: _write(d, "paper.docx", b"PK\x03\x04"), "not a readable Word document"),
        (lambda d: _write(d, "paper.odt", b"PK\x03\x04"), "unsupported file type"),
    ],
)
def test_input_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], str], fragment: str
) -> None:
    path = make(tmp_path)
    assert main(["parse", SEED001, path]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("auditor: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in captured.err


def test_unwritable_output_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    assert main(["parse", SEED001, "--output", str(target)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "cannot write" in err
