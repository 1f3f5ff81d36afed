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
