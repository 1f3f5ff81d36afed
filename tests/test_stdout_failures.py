"""A report on stdout that cannot be delivered is one error line and exit 2, never a traceback.

``auditor check paper.md > /full/disk/log`` or ``auditor check paper.md | head -1`` used to end in
a Python traceback and exit 1, which CI reads as "the audit found something". The rule is the one
``--output`` follows (issue 9 item 1): a failed write is one error line and exit 2.
"""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED_002 = str(ROOT / "seeds" / "002_1d80fa809f2bd198.txt")
CASSETTE_002 = str(ROOT / "cassettes" / "seeds" / "002.yaml")
DOC = "Shown before [1].\n\nReferences\n1. Smith J. A title. J Test. 2020;1(2):3-4.\n"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


class _FullStdout(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture
def doc(tmp_path: Path) -> str:
    path = tmp_path / "doc.txt"
    path.write_text(DOC, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("command", ["parse", "check"])
def test_a_full_stdout_is_one_error_line_and_exit_2(command: str, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["parse", SEED_002] if command == "parse" else ["check", SEED_002, "--replay", CASSETTE_002]
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdout", _FullStdout())
    assert main(argv) == 2
    assert capsys.readouterr().err == "auditor: error: stdout: cannot write (No space left on device)\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_check_redirected_to_dev_full_exits_2_without_a_traceback() -> None:
    with open("/dev/full", "w", encoding="utf-8") as full:
        done = subprocess.run([sys.executable, "-m", "auditor", "check", SEED_002, "--replay", CASSETTE_002],
                              cwd=ROOT, env=ENV, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 2  # not 1: seed 002's CIT005 must not be what CI sees
    assert done.stderr == "auditor: error: stdout: cannot write (No space left on device)\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_a_reader_that_went_away_is_one_error_line_and_exit_2(doc: str) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| true`: nobody will ever read
    try:
        done = subprocess.run([sys.executable, "-m", "auditor", "parse", doc], cwd=ROOT, env=ENV, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert done.returncode == 2
    assert done.stderr == "auditor: error: stdout: cannot write (Broken pipe)\n"
