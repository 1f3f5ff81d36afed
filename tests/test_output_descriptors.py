"""``--output /dev/stdout`` (or ``/dev/fd/N``, or a symlink to one) writes through the descriptor itself.

Re-opening ``/dev/stdout`` makes a new open file with its own offset. With stdout redirected to a
file (``{ echo before; auditor ... --output /dev/stdout; echo after; } > log``, a CI step's log),
whatever the shell wrote after the run landed at the shell's offset, over the start of the report.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = "Shown before [1].\n\nReferences\n1. Smith J. A title. J Test. 2020;1(2):3-4.\n"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
pytestmark = pytest.mark.skipif(not Path("/dev/stdout").exists() or not Path("/dev/fd").exists(),
                                reason="needs /dev/stdout and /dev/fd")


def _report(tmp_path: Path) -> str:
    doc = tmp_path / "doc.txt"
    doc.write_text(DOC, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "auditor", "parse", str(doc), "--format", "json"], cwd=ROOT,
                          env=ENV, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def _between_shell_writes(tmp_path: Path, output: str, via_stdout: bool = True) -> tuple[str, str]:
    """Run parse with --output *output* while stdout (or, with *via_stdout* false, an inherited
    descriptor whose number replaces ``{fd}`` in *output*) is a log the 'shell' writes before and after."""
    log = tmp_path / "log.txt"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)  # `> log`: no O_APPEND
    try:
        os.write(fd, b"before\n")
        output = output.format(fd=fd)
        argv = [sys.executable, "-m", "auditor", "parse", str(tmp_path / "doc.txt"), "--format", "json",
                "--output", output]
        if via_stdout:
            done = subprocess.run(argv, cwd=ROOT, env=ENV, stdout=fd, stderr=subprocess.PIPE, text=True, timeout=60)
        else:
            done = subprocess.run(argv, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True, timeout=60, pass_fds=(fd,))
        assert done.returncode == 0, done.stderr
        os.write(fd, b"after\n")
    finally:
        os.close(fd)
    return log.read_text(encoding="utf-8"), done.stderr


@pytest.mark.parametrize("how", ["/dev/stdout", "symlink", "/proc/self/fd/1"])
def test_the_report_lands_between_what_the_shell_wrote(tmp_path: Path, how: str) -> None:
    report = _report(tmp_path)
    output = how
    if how == "symlink":
        (tmp_path / "out").symlink_to("/dev/stdout")
        output = str(tmp_path / "out")
    elif how.startswith("/proc") and not Path("/proc/self/fd").exists():
        pytest.skip("needs /proc")
    text, err = _between_shell_writes(tmp_path, output)
    assert text == "before\n" + report + "after\n"
    assert err == f"wrote {output}\n"
    if how == "symlink":
        assert (tmp_path / "out").is_symlink()


def test_dev_fd_n_is_written_through_descriptor_n(tmp_path: Path) -> None:
    report = _report(tmp_path)
    text, _ = _between_shell_writes(tmp_path, "/dev/fd/{fd}", via_stdout=False)
    assert text == "before\n" + report + "after\n"
