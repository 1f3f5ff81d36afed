"""``--output`` names a user or CI job really writes: a folder-like ``build/``, a name near NAME_MAX."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED_002 = str(ROOT / "seeds" / "002_1d80fa809f2bd198.txt")
CASSETTE_002 = str(ROOT / "cassettes" / "seeds" / "002.yaml")
DOC = "Shown before [1].\n\nReferences\n1. Smith J. A title. J Test. 2020;1(2):3-4.\n"


@pytest.fixture
def doc(tmp_path: Path) -> str:
    path = tmp_path / "doc.txt"
    path.write_text(DOC, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("argv", [["parse", "{doc}"], ["check", SEED_002, "--replay", CASSETTE_002],
                                  ["check", SEED_002, "--replay", CASSETTE_002, "--format", "json,html"]])
def test_a_path_ending_in_a_slash_is_refused_and_nothing_is_written(tmp_path: Path, doc: str, argv: list[str],
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = f"{tmp_path}/build/"
    assert main([a.format(doc=doc) for a in argv] + ["--output", out]) == 2
    err = capsys.readouterr().err
    assert err == (f"auditor: error: --output {out}: names a folder (ends with '/'); "
                   f"give a file name, such as {out}report\n")
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize("char", ["a", "é"])
def test_a_name_near_name_max_is_written(tmp_path: Path, doc: str, char: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    name = char * (250 // len(char.encode("utf-8")))  # 250 or 250 bytes: legal, but not with ".tmp" and more added
    out = tmp_path / name
    assert main(["parse", doc, "--output", str(out)]) == 0
    assert capsys.readouterr().err == f"wrote {out}\n"
    assert "doc.txt" in out.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["doc.txt", name])
