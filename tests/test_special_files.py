"""A FILE that is not a regular file (FIFO, socket, device) is refused with one line, never opened."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cli import main

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")


@pytest.mark.parametrize("command", ["parse", "check"])
def test_a_fifo_is_refused_without_opening_it(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "f.txt"
    os.mkfifo(fifo)
    # A subprocess, so that today's hang shows up as a failure (the timeout) instead of a stuck suite.
    argv = [sys.executable, "-m", "auditor", command, str(fifo)] + (["--offline"] if command == "check" else [])
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=20,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "AUDITOR_CACHE_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr == f"auditor: error: {fifo}: not a regular file (a FIFO); give a document file\n"
    assert done.stdout == ""


def test_a_symlink_to_a_device_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link = tmp_path / "dev.txt"
    link.symlink_to("/dev/null")
    assert main(["parse", str(link)]) == 2
    err = capsys.readouterr().err
    assert err == f"auditor: error: {link}: not a regular file (a character device); give a document file\n"


def test_a_socket_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
                             ) -> None:
    monkeypatch.chdir(tmp_path)  # a relative name keeps within the 108-byte limit of socket paths
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("s.md")
        assert main(["parse", "s.md"]) == 2
    assert capsys.readouterr().err == "auditor: error: s.md: not a regular file (a socket); give a document file\n"
