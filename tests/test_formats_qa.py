"""QA regressions for the issue-13 loaders: hostile inputs that once escaped as a traceback or a hang."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from auditor.documents.detect import sniff
from auditor.documents.loader import load_bytes
from auditor.errors import InputError

ROOT = Path(__file__).resolve().parent.parent


def test_deeply_nested_json_is_one_error_line_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    run = subprocess.run([sys.executable, "-m", "auditor", "parse", str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, env={"PYTHONPATH": str(ROOT)})
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("payload", ["[" * 100_000 + "]" * 100_000,
                                     '[{"title": "x", "author": ' + "[" * 100_000 + "]" * 100_000 + "}]"])
def test_deeply_nested_json_is_refused_by_load_bytes(payload: str) -> None:
    assert sniff(payload.encode()) is None
    with pytest.raises(InputError):
        load_bytes(payload.encode(), "deep.json")


@pytest.mark.parametrize("fmt", ["lowerRoman", "upperLetter"])
def test_huge_list_start_value_does_not_hang_or_explode(fmt: str) -> None:
    from tests.docx_parts import package, para, run

    numbering = (f'<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="99999999999999999999"/>'
                 f'<w:numFmt w:val="{fmt}"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum>'
                 '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>')
    body = para(run("Smith J. A title. J Biol. 2010;1:1-2."), num=(1, 0))
    doc = load_bytes(package(body, numbering=numbering), "big.docx")
    assert "99999999999999999999. Smith J." in doc.text
